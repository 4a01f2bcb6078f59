import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

const problemsOf = (source: Record<string, string>) => {
  try {
    parseEnv(source);
    return [];
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
};

describe("environment", () => {
  it("development needs nothing and gets the design's defaults", () => {
    const e = parseEnv({});
    expect(e.NODE_ENV).toBe("development");
    expect(e.ACCESS_TOKEN_TTL).toBe(600);
    expect(e.OTP_TTL).toBe(300);
    expect(e.SESSION_IDLE_TTL_STAFF).toBe(900);
    expect(e.SESSION_IDLE_TTL_ADMIN).toBe(600);
    expect(e.SESSION_ABSOLUTE_TTL).toBe(43200);
    expect(e.MAX_SESSIONS_PER_USER).toBe(5);
    expect(e.REFRESH_REUSE_GRACE).toBe(10);
    expect(e.OTP_CHANNEL_HOURLY_BUDGET).toBe(1000);
    expect(e.rateLimitStore).toBe("memory");
    expect(e.appUrl.origin).toBe("http://localhost:3000");
  });

  it("production lists every missing requirement, one line each, naming the variable", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    for (const name of ["APP_URL", "JWT_PRIVATE_JWKS", "OTP_SECRET", "UPSTASH_REDIS_REST_URL", "METRICS_TOKEN", "DATABASE_URL"]) {
      expect(problems.filter((p) => p.startsWith(`${name}:`))).toHaveLength(1);
    }
  });

  it("RATE_LIMIT_STORE=memory is an explicit production choice", () => {
    const problems = problemsOf({ NODE_ENV: "production", RATE_LIMIT_STORE: "memory" });
    expect(problems.some((p) => p.startsWith("UPSTASH_REDIS_REST_URL"))).toBe(false);
  });

  it("bad values are reported without echoing them", () => {
    const problems = problemsOf({ ACCESS_TOKEN_TTL: "ten", TRUST_PROXY: "-1", LOG_LEVEL: "s3cr3t" });
    expect(problems.some((p) => p.startsWith("ACCESS_TOKEN_TTL:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("TRUST_PROXY:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("LOG_LEVEL:"))).toBe(true);
    const jwks = problemsOf({ JWT_PRIVATE_JWKS: "{not json s3cr3t" });
    expect(jwks).toHaveLength(1);
    expect(jwks[0]).toMatch(/^JWT_PRIVATE_JWKS: /);
    expect([...problems, ...jwks].join("\n")).not.toContain("s3cr3t");
  });

  it("the Upstash URL and token go together", () => {
    expect(problemsOf({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079" }).some((p) => p.startsWith("UPSTASH_REDIS_REST_TOKEN"))).toBe(true);
  });
});
