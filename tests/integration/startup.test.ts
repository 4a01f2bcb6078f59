/** `npm start` refuses an incomplete production environment with one clear line per problem. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";

function start(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(APP_URL|JWT_|OTP_|METRICS_|UPSTASH_|RATE_LIMIT|DATABASE_URL)/.test(k)));
  return spawnSync("npx", ["tsx", "scripts/start.ts"], { env: { ...clean, NODE_ENV: "production", ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("production start-up", () => {
  it("names every missing requirement and exits 1 without a stack trace", () => {
    const run = start({});
    expect(run.status).toBe(1);
    for (const name of ["APP_URL", "DATABASE_URL", "JWT_PRIVATE_JWKS", "OTP_SECRET", "UPSTASH_REDIS_REST_URL", "METRICS_TOKEN"]) {
      expect(run.stderr).toMatch(new RegExp(`^  - ${name}: `, "m"));
    }
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("does not echo secret values it rejects", () => {
    const run = start({ OTP_SECRET: "short-but-secret", JWT_PRIVATE_JWKS: "{broken secret-key-material" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("OTP_SECRET");
    expect(run.stderr).not.toContain("short-but-secret");
    expect(run.stderr).not.toContain("secret-key-material");
  });
});
