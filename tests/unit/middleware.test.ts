/**
 * middleware.ts called directly with NextRequests, on the in-memory store and a pinned app clock.
 * What reaches the route handlers is read from the `x-middleware-request-*` headers Next uses to
 * carry request-header overrides.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { exportJWK, generateKeyPair } from "jose";
import { middleware, config } from "@/middleware";
import { resetEnv } from "@/lib/env";
import { resetUpstash } from "@/lib/redis";
import { setClock } from "@/lib/clock";
import { resetRateLimits } from "@/lib/ratelimit";
import { getScriptNonceFromHeader } from "next/dist/server/app-render/get-script-nonce-from-header";

const T = Date.UTC(2030, 0, 1, 0, 0, 1, 500); // 1.5 s into a minute, 15-minute and hour window
const saved = { ...process.env };

function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}): NextRequest {
  return new NextRequest(`http://localhost${path}`, {
    method: init.method ?? "GET",
    headers: { "x-clinicauth-peer": "10.0.0.1", ...init.headers },
  });
}

/** The value a route handler would see for a request header after middleware. */
const forwarded = (res: Response, name: string) => res.headers.get(`x-middleware-request-${name}`);

async function send(n: number, path: string, init?: Parameters<typeof request>[1]): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < n; i++) out.push(await middleware(request(path, init)));
  return out;
}

beforeEach(() => {
  delete process.env.UPSTASH_REDIS_REST_URL;
  delete process.env.UPSTASH_REDIS_REST_TOKEN;
  delete process.env.RATE_LIMIT_STORE;
  delete process.env.TRUST_PROXY;
  resetEnv();
  resetUpstash();
  resetRateLimits();
  setClock(() => new Date(T));
});

afterEach(() => {
  process.env = { ...saved };
  resetEnv();
  resetUpstash();
  resetRateLimits();
});

describe("middleware: request context", () => {
  it("forwards the peer as the client IP, replacing a forged header", async () => {
    const res = await middleware(request("/", { headers: { "x-clinicauth-client-ip": "6.6.6.6" } }));
    expect(res.headers.get("x-middleware-next")).toBe("1");
    expect(forwarded(res, "x-clinicauth-client-ip")).toBe("10.0.0.1");
  });

  it("keeps a safe incoming request id and echoes it", async () => {
    const res = await middleware(request("/", { headers: { "x-request-id": "req.42-A_b" } }));
    expect(res.headers.get("x-request-id")).toBe("req.42-A_b");
    expect(forwarded(res, "x-request-id")).toBe("req.42-A_b");
  });

  it("replaces an unsafe request id with a UUID, the same one for handler and response", async () => {
    const res = await middleware(request("/", { headers: { "x-request-id": "bad id\"<script>" } }));
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(forwarded(res, "x-request-id")).toBe(id);
  });

  it("gives each request a fresh nonce that Next finds in the forwarded CSP and the browser in the response", async () => {
    const [a, b] = await send(2, "/");
    const nonceA = forwarded(a!, "x-nonce");
    expect(nonceA).toBeTruthy();
    expect(nonceA).not.toBe(forwarded(b!, "x-nonce"));
    const csp = a!.headers.get("content-security-policy")!;
    expect(forwarded(a!, "content-security-policy")).toBe(csp);
    expect(getScriptNonceFromHeader(csp)).toBe(nonceA);
  });
});

describe("middleware: security headers", () => {
  it("are on pages, API routes and static files", async () => {
    for (const path of ["/", "/login", "/api/health", "/api/nope", "/_next/static/chunks/main.js", "/.well-known/jwks.json"]) {
      const res = await middleware(request(path));
      expect(res.headers.get("content-security-policy"), path).toContain("'strict-dynamic'");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("cross-origin-opener-policy"), path).toBe("same-origin");
      expect(res.headers.get("cross-origin-resource-policy"), path).toBe("same-origin");
      expect(res.headers.get("x-xss-protection"), path).toBe("0");
      expect(res.headers.get("permissions-policy"), path).toContain("camera=()");
      // NODE_ENV=test: no HSTS outside production.
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("mark auth and admin API responses no-store", async () => {
    expect((await middleware(request("/api/auth/me"))).headers.get("cache-control")).toBe("no-store");
    expect((await middleware(request("/api/admin/sessions"))).headers.get("cache-control")).toBe("no-store");
    expect((await middleware(request("/api/health"))).headers.get("cache-control")).toBeNull();
  });

  it("include HSTS in production", async () => {
    Object.assign(process.env, {
      NODE_ENV: "production",
      APP_URL: "https://auth.clinic.example",
      JWT_PRIVATE_JWKS: JSON.stringify({ keys: [await exportJWK((await generateKeyPair("ES256", { extractable: true })).privateKey)] }),
      OTP_SECRET: "x".repeat(40),
      RATE_LIMIT_STORE: "memory",
      METRICS_TOKEN: "m",
      DATABASE_URL: "postgres://localhost/x",
    });
    resetEnv();
    const res = await middleware(request("/"));
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(res.headers.get("content-security-policy")).not.toContain("unsafe-eval");
  });

  it("covers every path, API routes included", () => {
    expect(config.runtime).toBe("nodejs");
    expect(config.matcher).toEqual(["/:path*"]);
  });
});

describe("middleware: rate limits (memory store)", () => {
  it("refuses the 101st request in a minute from one IP, and not the 100th", async () => {
    const ok = await send(100, "/");
    expect(ok.every((r) => r.status === 200)).toBe(true);
    expect(ok[99]!.headers.get("ratelimit")).toBe('"global";r=0;t=59');
    const refused = await middleware(request("/"));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("59");
    expect(refused.headers.get("ratelimit-policy")).toBe('"global";q=100;w=60');
    // Another address is unaffected.
    expect((await middleware(request("/", { headers: { "x-clinicauth-peer": "10.0.0.2" } }))).status).toBe(200);
  });

  it("a forged X-Forwarded-For does not move a client into a fresh bucket without TRUST_PROXY", async () => {
    for (let i = 0; i < 100; i++) {
      await middleware(request("/", { headers: { "x-forwarded-for": `203.0.113.${i}` } }));
    }
    const res = await middleware(request("/", { headers: { "x-forwarded-for": "198.51.100.1" } }));
    expect(res.status).toBe(429);
  });

  it("with TRUST_PROXY=1 the address our proxy appended is the bucket", async () => {
    process.env.TRUST_PROXY = "1";
    resetEnv();
    await send(100, "/", { headers: { "x-forwarded-for": "1.1.1.1, 192.0.2.10" } });
    const same = await middleware(request("/", { headers: { "x-forwarded-for": "9.9.9.9, 192.0.2.10" } }));
    expect(same.status).toBe(429);
    const other = await middleware(request("/", { headers: { "x-forwarded-for": "192.0.2.11" } }));
    expect(other.status).toBe(200);
    expect(forwarded(other, "x-clinicauth-client-ip")).toBe("192.0.2.11");
  });

  it("limits POST /api/auth/otp/request to 5 per 15 minutes with the one JSON error shape", async () => {
    const path = "/api/auth/otp/request";
    const ok = await send(5, path, { method: "POST" });
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(ok[0]!.headers.get("ratelimit-policy")).toBe('"global";q=100;w=60, "otp-request";q=5;w=900');
    expect(ok[0]!.headers.get("ratelimit")).toBe('"global";r=99;t=59, "otp-request";r=4;t=899');

    const res = await middleware(request(path, { method: "POST", headers: { "x-request-id": "rid-429" } }));
    expect(res.status).toBe(429);
    expect(res.headers.get("x-middleware-next")).toBeNull();
    expect(res.headers.get("retry-after")).toBe("899");
    expect(res.headers.get("ratelimit")).toBe('"global";r=94;t=59, "otp-request";r=0;t=899');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-request-id")).toBe("rid-429");
    expect(await res.json()).toEqual({
      error: {
        code: "rate_limited",
        message: "Too many requests. Try again in 899 seconds.",
        requestId: "rid-429",
        policy: "otp-request",
        retryAfter: 899,
      },
    });
  });

  it("applies route policies only to their method and path", async () => {
    await send(10, "/api/auth/otp/verify", { method: "POST" });
    expect((await middleware(request("/api/auth/otp/verify", { method: "POST" }))).status).toBe(429);
    // GET on the same path, and the neighbouring route, are only under the global limit.
    const get = await middleware(request("/api/auth/otp/verify"));
    expect(get.status).toBe(200);
    expect(get.headers.get("ratelimit-policy")).toBe('"global";q=100;w=60');
    expect((await middleware(request("/api/auth/otp/request", { method: "POST" }))).status).toBe(200);
  });

  it("limits POST /api/auth/refresh to 30 per minute, trailing slash included", async () => {
    await send(29, "/api/auth/refresh", { method: "POST" });
    expect((await middleware(request("/api/auth/refresh/", { method: "POST" }))).status).toBe(200);
    expect((await middleware(request("/api/auth/refresh", { method: "POST" }))).status).toBe(429);
  });

  it("does not count static assets against the global limit", async () => {
    const assets = await send(150, "/_next/static/chunks/app.js");
    expect(assets.every((r) => r.status === 200 && r.headers.get("ratelimit") === null)).toBe(true);
    expect((await middleware(request("/"))).headers.get("ratelimit")).toBe('"global";r=99;t=59');
  });
});
