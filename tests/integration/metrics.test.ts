/**
 * /api/metrics through its exported handler (the function Next serves): the Prometheus text, the
 * counters moving with real work, the active-sessions gauge read from the database, and the token
 * rule in production.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { db } from "@/lib/db/client";
import { resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { metrics } from "@/lib/metrics";
import { rotateRefreshToken } from "@/lib/auth/rotation";
import { countActiveSessions } from "@/lib/ops/active-sessions";
import { APP_ORIGIN, makeUser, signIn } from "../support/factories";

const METRIC_NAMES = [
  "clinicauth_http_request_duration_seconds", // request count (_count) and latency, by route and status
  "clinicauth_otp_sends_total",
  "clinicauth_otp_verifications_total",
  "clinicauth_refresh_total",
  "clinicauth_refresh_reuse_detected_total",
  "clinicauth_rate_limit_blocks_total",
  "clinicauth_rate_limit_store_errors_total",
  "clinicauth_active_sessions",
  "clinicauth_delivery_circuit_open",
];

const scrape = (headers: Record<string, string> = {}) => GET(new Request(`${APP_ORIGIN}/api/metrics`, { headers }));

async function scrapeText(): Promise<string> {
  const res = await scrape();
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line, e.g. value(text, 'clinicauth_refresh_total{outcome="rotated"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const PRODUCTION_ENV = {
  NODE_ENV: "production",
  APP_URL: "https://auth.clinic.example",
  JWT_PRIVATE_JWKS: '{"keys":[{"kty":"EC","crv":"P-256"}]}',
  OTP_SECRET: "x".repeat(40),
  METRICS_TOKEN: "metrics-token-for-tests-0123456789abcdef",
  RATE_LIMIT_STORE: "memory",
};
const touched = new Set<string>();
const saved = new Map<string, string | undefined>();

function setEnv(values: Record<string, string>) {
  for (const [k, v] of Object.entries(values)) {
    if (!touched.has(k)) saved.set(k, process.env[k]);
    touched.add(k);
    process.env[k] = v;
  }
  resetEnv();
}

afterEach(() => {
  for (const k of touched) {
    const v = saved.get(k);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  touched.clear();
  saved.clear();
  resetEnv();
  vi.restoreAllMocks();
});

describe("GET /api/metrics", () => {
  it("serves Prometheus text with every metric, uncached", async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(metrics().registry.contentType);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    for (const name of METRIC_NAMES) expect(text, name).toContain(`# TYPE ${name} `);
    // Known series exist before their first event, so rate() and alert rules see the first one.
    for (const outcome of ["rotated", "grace", "reuse_revoked", "invalid"]) {
      expect(value(text, `clinicauth_refresh_total{outcome="${outcome}"}`), outcome).toBeGreaterThanOrEqual(0);
    }
    for (const channel of ["email", "sms", "whatsapp"]) {
      expect(value(text, `clinicauth_delivery_circuit_open{channel="${channel}"}`), channel).toBeDefined();
    }
  });

  it("counts its own requests by route and status in the latency histogram", async () => {
    const series = 'clinicauth_http_request_duration_seconds_count{method="GET",route="metrics",status="200"}';
    const before = value(await scrapeText(), series) ?? 0;
    // The wrapper observes after the handler returns, so the first scrape shows up in the second.
    expect(value(await scrapeText(), series)).toBe(before + 1);
  });

  it("counts a real refresh rotation and a reuse", async () => {
    const rotated = 'clinicauth_refresh_total{outcome="rotated"}';
    const reuse = 'clinicauth_refresh_total{outcome="reuse_revoked"}';
    const before = await scrapeText();

    const first = await signIn(await makeUser());
    await rotateRefreshToken(first.refreshToken, { ip: "198.51.100.1", userAgent: "test" });
    let after = await scrapeText();
    expect(value(after, rotated)).toBe(value(before, rotated)! + 1);

    // The retired token again, after the grace window: reuse, which also bumps the reuse counter.
    const t = Date.now() + 60_000;
    setClock(() => new Date(t));
    await expect(rotateRefreshToken(first.refreshToken, { ip: "198.51.100.1", userAgent: "test" })).rejects.toThrow();
    after = await scrapeText();
    expect(value(after, reuse)).toBe(value(before, reuse)! + 1);
    expect(value(after, "clinicauth_refresh_reuse_detected_total")).toBe(value(before, "clinicauth_refresh_reuse_detected_total")! + 1);
  });

  it("samples active sessions from the database at scrape time", async () => {
    const user = await makeUser();
    const s = await signIn(user);
    const withSession = value(await scrapeText(), "clinicauth_active_sessions");
    expect(withSession).toBe(await countActiveSessions());

    await db().session.update({ where: { id: s.sessionId }, data: { revokedAt: new Date() } });
    expect(value(await scrapeText(), "clinicauth_active_sessions")).toBe(withSession! - 1);

    // Past its absolute expiry, a never-revoked session is no longer counted.
    const other = await signIn(user);
    const counted = value(await scrapeText(), "clinicauth_active_sessions")!;
    const expiresAt = (await db().session.findUniqueOrThrow({ where: { id: other.sessionId } })).expiresAt;
    setClock(() => new Date(expiresAt.getTime() + 1000));
    expect(value(await scrapeText(), "clinicauth_active_sessions")).toBeLessThanOrEqual(counted - 1);
    expect(value(await scrapeText(), "clinicauth_active_sessions")).toBe(await countActiveSessions());
  });

  it("still serves the other metrics when the session count fails, keeping the last value", async () => {
    const last = value(await scrapeText(), "clinicauth_active_sessions");
    await signIn(await makeUser()); // a real count would now differ from `last`
    const count = vi.spyOn(db().session, "count").mockRejectedValue(new Error("database is down"));
    const text = await scrapeText();
    expect(count).toHaveBeenCalled();
    expect(value(text, "clinicauth_active_sessions")).toBe(last);
    expect(text).toContain("# TYPE clinicauth_refresh_total counter");
  });
});

describe("GET /api/metrics in production", () => {
  async function expectUnauthorized(res: Response) {
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "unauthorized" });
    expect(typeof body.error.message).toBe("string");
    expect(body.error.requestId).toBeTruthy();
    expect(JSON.stringify(body)).not.toContain(PRODUCTION_ENV.METRICS_TOKEN);
  }

  it("refuses a scrape without the token", async () => {
    setEnv(PRODUCTION_ENV);
    await expectUnauthorized(await scrape());
  });

  it("refuses a wrong token, a token of another length and the right token under another scheme", async () => {
    setEnv(PRODUCTION_ENV);
    await expectUnauthorized(await scrape({ authorization: `Bearer ${PRODUCTION_ENV.METRICS_TOKEN.slice(0, -1)}x` }));
    await expectUnauthorized(await scrape({ authorization: "Bearer short" }));
    await expectUnauthorized(await scrape({ authorization: `Basic ${PRODUCTION_ENV.METRICS_TOKEN}` }));
    await expectUnauthorized(await scrape({ authorization: PRODUCTION_ENV.METRICS_TOKEN }));
  });

  it("serves the metrics with the right bearer token", async () => {
    setEnv(PRODUCTION_ENV);
    const res = await scrape({ authorization: `Bearer ${PRODUCTION_ENV.METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toContain("# TYPE clinicauth_active_sessions gauge");
  });
});

describe("GET /api/metrics outside production", () => {
  it("is open when no token is configured", async () => {
    expect((await scrape()).status).toBe(200);
  });

  it("requires the token once one is configured", async () => {
    setEnv({ METRICS_TOKEN: "dev-metrics-token" });
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: "Bearer dev-metrics-token" })).status).toBe(200);
  });
});
