/**
 * Rate limits through the real Upstash path: @upstash/ratelimit -> @upstash/redis -> the project's
 * Upstash-REST server (scripts/upstash-local) -> the real Redis. Every key lives under a per-run
 * prefix and is deleted afterwards.
 *
 * Date is faked (only Date: timers and performance.now run normally) and pinned 1.5 s into a
 * window, because the library windows by Date.now(): a real minute boundary falling mid-test would
 * make the counts depend on when the suite runs.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { NextRequest } from "next/server";
import pino from "pino";
import { Redis as IORedis } from "ioredis";
import { startUpstashLocal, type UpstashLocal } from "../../scripts/upstash-local/server";
import { resetEnv } from "@/lib/env";
import { resetUpstash } from "@/lib/redis";
import { setLogger } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { AppError } from "@/lib/http/errors";
import { checkLimit, enforceLimit, rateLimitHeaders, resetRateLimits, type PolicyName } from "@/lib/ratelimit";
import { MemoryStore } from "@/lib/ratelimit/memory-store";
import { UpstashStore } from "@/lib/ratelimit/upstash-store";
import { Redis } from "@upstash/redis";
import { policy } from "@/lib/ratelimit/policies";
import { middleware } from "@/middleware";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = `rl-test-${randomUUID()}`;
const PREFIX = `test:clinicauth-rl:${randomUUID()}`;
const T = Date.UTC(2030, 0, 1, 0, 0, 1, 500);
const saved = { ...process.env };

let server: UpstashLocal;
let direct: IORedis;
let logLines: string[] = [];

/** A fresh address per test, so tests never share a bucket. */
const ip = () => `10.${rand()}.${rand()}.${rand()}`;
const rand = () => Math.floor(Math.random() * 250) + 1;

function useUpstash(url: string, options: Parameters<typeof resetRateLimits>[0] = {}): void {
  process.env.UPSTASH_REDIS_REST_URL = url;
  process.env.UPSTASH_REDIS_REST_TOKEN = TOKEN;
  process.env.RATE_LIMIT_STORE = "upstash";
  resetEnv();
  resetUpstash();
  resetRateLimits({ prefix: PREFIX, ...options });
}

async function counter(name: "rateLimited" | "rateLimitErrors", p: PolicyName): Promise<number> {
  const { values } = await metrics()[name].get();
  return values.find((v) => v.labels.policy === p)?.value ?? 0;
}

async function hits(p: PolicyName, key: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await checkLimit(p, key));
  return out;
}

async function redisKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await direct.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

beforeAll(async () => {
  server = await startUpstashLocal({ port: 0, token: TOKEN, redisUrl: REDIS_URL, log: () => {} });
  direct = new IORedis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redisKeys();
  if (keys.length > 0) await direct.del(...keys);
  await direct.quit();
  await server.close();
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T);
  logLines = [];
  setLogger(pino({ level: "info" }, { write: (line: string) => void logLines.push(line) }));
  delete process.env.OTP_MAX_SENDS_PER_IDENTIFIER_HOUR;
  delete process.env.OTP_MAX_SENDS_PER_IP_HOUR;
  delete process.env.TRUST_PROXY;
  useUpstash(server.url);
});

afterEach(() => {
  vi.useRealTimers();
  process.env = { ...saved };
  resetEnv();
  resetUpstash();
  resetRateLimits();
});

describe("Upstash store: policies", () => {
  it("global: 100 allowed, the 101st refused, another IP unaffected, counted in Redis", async () => {
    const a = ip();
    const results = await hits("global", a, 101);
    expect(results.slice(0, 100).every((d) => d.allowed && d.store === "upstash")).toBe(true);
    expect(results.map((d) => d.remaining).slice(0, 3)).toEqual([99, 98, 97]);
    expect(results[99]!.remaining).toBe(0);
    expect(results[100]).toMatchObject({ allowed: false, remaining: 0, limit: 100, resetSeconds: 59, windowSeconds: 60, store: "upstash" });
    expect(await checkLimit("global", ip())).toMatchObject({ allowed: true, remaining: 99 });
    // The counts really are in Redis, under the policy's prefix, with the address hashed.
    const keys = await redisKeys();
    expect(keys.some((k) => k.startsWith(`${PREFIX}:global:`))).toBe(true);
    expect(keys.some((k) => k.includes(a))).toBe(false);
  });

  it.each([
    ["otp-request", 5, 900],
    ["otp-verify", 10, 900],
    ["refresh", 30, 60],
  ] as const)("%s: %i allowed per %i s window, then refused", async (name, limit, window) => {
    const results = await hits(name, ip(), limit + 1);
    expect(results.filter((d) => d.allowed)).toHaveLength(limit);
    expect(results[limit]).toMatchObject({ allowed: false, limit, windowSeconds: window, resetSeconds: window - 1, store: "upstash" });
  });

  it("api-user: 300 per user per minute, users independent", async () => {
    const user = randomUUID();
    const results = await hits("api-user", user, 301);
    expect(results.filter((d) => d.allowed)).toHaveLength(300);
    expect(results[300]!.allowed).toBe(false);
    expect((await checkLimit("api-user", randomUUID())).allowed).toBe(true);
  });

  it("sliding window: half a window later, half of the previous window still counts", async () => {
    const key = ip();
    await hits("refresh", key, 30);
    vi.setSystemTime(T - 1_500 + 60_000 + 30_000); // 50% into the next minute: floor(0.5 * 30) = 15
    const results = await hits("refresh", key, 16);
    expect(results.filter((d) => d.allowed)).toHaveLength(15);
    expect(results[15]!.allowed).toBe(false);
  });

  it("counts exactly like the in-memory store, request by request", async () => {
    const p = { ...policy("refresh"), limit: 7 };
    const upstashStore = new UpstashStore(new Redis({ url: server.url, token: TOKEN, automaticDeserialization: false }), { prefix: PREFIX });
    const memory = new MemoryStore({ now: () => Date.now() });
    const key = `same-${randomUUID()}`;
    // Bursts at moments across three windows, including the boundary instant.
    const schedule = [0, 100, 200, 300, 400, 500, 600, 700, 800, 58_400, 58_500, 61_000, 75_000, 75_001, 88_000, 118_500, 118_501, 140_000, 150_000];
    for (const offset of schedule) {
      vi.setSystemTime(T - 1_500 + offset);
      for (let i = 0; i < 3; i++) {
        const [u, m] = [await upstashStore.hit(p, key), await memory.hit(p, key)];
        expect({ offset, allowed: u.allowed, remaining: u.remaining, resetAt: u.resetAt }).toEqual({
          offset,
          allowed: m.allowed,
          remaining: m.remaining,
          resetAt: m.resetAt,
        });
      }
    }
  });
});

describe("enforceLimit and headers", () => {
  it("throws the 429 AppError with the draft-10 headers and counts the block", async () => {
    const key = ip();
    const before = await counter("rateLimited", "otp-request");
    await hits("otp-request", key, 5);
    const err = await enforceLimit("otp-request", key).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    const appError = err as AppError;
    expect(appError.status).toBe(429);
    expect(appError.code).toBe("rate_limited");
    expect(appError.message).toBe("Too many requests. Try again in 899 seconds.");
    expect(appError.details).toEqual({ policy: "otp-request", retryAfter: 899 });
    expect(appError.headers).toEqual({
      "RateLimit-Policy": '"otp-request";q=5;w=900',
      RateLimit: '"otp-request";r=0;t=899',
      "Retry-After": "899",
    });
    expect(await counter("rateLimited", "otp-request")).toBe(before + 1);
  });

  it("an allowed decision carries the policy and state but no Retry-After", async () => {
    const d = await enforceLimit("refresh", ip());
    expect(rateLimitHeaders(d)).toEqual({ "RateLimit-Policy": '"refresh";q=30;w=60', RateLimit: '"refresh";r=29;t=59' });
  });
});

describe("middleware on the Upstash path", () => {
  const req = (path: string, headers: Record<string, string>, method = "GET") =>
    new NextRequest(`http://localhost${path}`, { method, headers });

  it("the 100th request from one IP passes, the 101st is refused, forged X-Forwarded-For or not", async () => {
    const peer = ip();
    for (let i = 0; i < 99; i++) await middleware(req("/", { "x-clinicauth-peer": peer, "x-forwarded-for": `203.0.113.${i}` }));
    const hundredth = await middleware(req("/", { "x-clinicauth-peer": peer }));
    expect(hundredth.status).toBe(200);
    expect(hundredth.headers.get("ratelimit")).toBe('"global";r=0;t=59');
    const refused = await middleware(req("/", { "x-clinicauth-peer": peer, "x-forwarded-for": "198.51.100.7" }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("59");
    expect((await refused.json()).error).toMatchObject({ code: "rate_limited", policy: "global", retryAfter: 59 });
  });

  it("with TRUST_PROXY=1 the forwarded address is the bucket", async () => {
    process.env.TRUST_PROXY = "1";
    resetEnv();
    const client = ip();
    const proxy = "127.0.0.1";
    for (let i = 0; i < 5; i++) {
      const res = await middleware(req("/api/auth/otp/request", { "x-clinicauth-peer": proxy, "x-forwarded-for": client }, "POST"));
      expect(res.status).toBe(200);
    }
    expect((await middleware(req("/api/auth/otp/request", { "x-clinicauth-peer": proxy, "x-forwarded-for": client }, "POST"))).status).toBe(429);
    expect((await middleware(req("/api/auth/otp/request", { "x-clinicauth-peer": proxy, "x-forwarded-for": ip() }, "POST"))).status).toBe(200);
  });
});

describe("Upstash unreachable", () => {
  it("stopped mid-run: global fails open (logged, counted), OTP limits go on in memory", async () => {
    const outage = await startUpstashLocal({ port: 0, token: TOKEN, redisUrl: REDIS_URL, log: () => {} });
    useUpstash(outage.url);
    const key = ip();
    expect((await checkLimit("otp-request", key)).store).toBe("upstash");
    await outage.close();

    const errorsBefore = await counter("rateLimitErrors", "global");
    const global = await checkLimit("global", key);
    expect(global).toMatchObject({ allowed: true, store: "none" });
    expect(await counter("rateLimitErrors", "global")).toBe(errorsBefore + 1);
    const logged = logLines.map((l) => JSON.parse(l) as { level: number; msg: string; policy?: string });
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, msg: "rate-limit store unavailable", policy: "global" }));
    // Headers still name the policy, but claim no remaining count nobody kept.
    expect(rateLimitHeaders(global)).toEqual({ "RateLimit-Policy": '"global";q=100;w=60' });

    // Far past 100: the global limit is open while the store is down.
    expect((await hits("global", key, 150)).every((d) => d.allowed)).toBe(true);
    expect((await checkLimit("api-user", randomUUID())).store).toBe("none");

    // OTP limits never become unlimited: counted in memory, full limit from here on.
    const otp = await hits("otp-request", key, 6);
    expect(otp.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(otp.every((d) => d.store === "memory")).toBe(true);
    await expect(enforceLimit("otp-request", key)).rejects.toMatchObject({ code: "rate_limited", status: 429 });

    // The middleware keeps serving, and keeps refusing OTP requests from the limited address.
    const res = await middleware(new NextRequest("http://localhost/api/auth/otp/request", { method: "POST", headers: { "x-clinicauth-peer": key } }));
    expect(res.status).toBe(429);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("a Redis that accepts but never answers: the library's timeout does not let OTP requests through", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => void sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      useUpstash(`http://127.0.0.1:${port}`, { prefix: PREFIX, timeoutMs: 150, cooldownMs: 60_000 });
      const started = performance.now();
      const first = await checkLimit("otp-verify", "10.9.9.9");
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(first).toMatchObject({ allowed: true, store: "memory", remaining: 9 });
      expect(logLines.join("")).toContain('"reason":"timeout"');

      // Within the cool-down the dead store is not waited for again, and memory keeps counting.
      const again = performance.now();
      const rest = await hits("otp-verify", "10.9.9.9", 10);
      expect(performance.now() - again).toBeLessThan(100);
      expect(rest.map((d) => d.allowed)).toEqual([true, true, true, true, true, true, true, true, true, false]);
      expect((await checkLimit("global", "10.9.9.9")).store).toBe("none");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
