/**
 * What each benchmark sends. Every request carries its own X-Forwarded-For address (the apps run
 * with TRUST_PROXY=1, as behind the nginx site in deploy/): many clients, each well inside the
 * per-IP limits, so the limits are checked on every request but never refuse one.
 *
 *  - refresh chains: each request presents a live refresh token and the token it gets back is
 *    presented next. Tokens are kept on a stack, so a connection normally takes back the token its
 *    own previous response returned: one session per connection, rotated serially, as a client
 *    does. Fresh sessions are seeded for every run (a token abandoned in flight when a run stops
 *    would be a replay in the next one).
 *  - OTP verification: each request signs in a different person with the right code for a live,
 *    pre-seeded challenge (a real successful verification: challenge consumed, session created,
 *    audit written).
 *  - GET /api/auth/me: Bearer access tokens for many people in turn (the per-user API limit is
 *    300 a minute, so the load is spread over enough people to stay under it).
 */
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";
import type autocannon from "autocannon";
import { BENCH_CODE, type SeededSession, type Seeder } from "./seed";

const USER_AGENT = "clinicauth-bench/1 (autocannon)";

// 10.0.0.0/8, starting at a random place so repeated runs do not reuse one window's counters.
let ipCounter = Math.floor(Math.random() * 2 ** 22);
function nextIp(): string {
  ipCounter = (ipCounter + 1) % 2 ** 24;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export type RunStats = { starved: number; unexpected: number };

export type Workload = {
  /** Seeds what one run of about `expectedRequests` needs; returns the requests to send. */
  prepare: (expectedRequests: number) => Promise<autocannon.Request[]>;
  stats: () => RunStats;
};

function jsonPost(req: autocannon.Request, body: object): autocannon.Request {
  return {
    ...req,
    headers: { ...req.headers, "content-type": "application/json", "user-agent": USER_AGENT, "x-forwarded-for": nextIp() },
    body: JSON.stringify(body),
  };
}

/** Refresh-token chains against `path` (the app's /api/auth/refresh, or the raw-pg server). */
export function refreshChains(seeder: Seeder, path: string, connections: number): Workload {
  let stats: RunStats = { starved: 0, unexpected: 0 };
  return {
    stats: () => stats,
    prepare: async () => {
      stats = { starved: 0, unexpected: 0 };
      const seeded = await seeder.sessions(connections * 2, "rf");
      const live = seeded.slice(0, connections).map((s) => s.refreshToken);
      const spare = seeded.slice(connections).map((s) => s.refreshToken);
      return [
        {
          method: "POST",
          path,
          setupRequest: (req) => {
            let token = live.pop() ?? spare.pop();
            if (!token) {
              stats.starved += 1;
              token = "A".repeat(43);
            }
            return jsonPost(req, { refreshToken: token });
          },
          onResponse: (status, body) => {
            if (status !== 200) {
              stats.unexpected += 1;
              return;
            }
            try {
              const next = (JSON.parse(body) as { refreshToken?: unknown }).refreshToken;
              if (typeof next === "string") live.push(next);
              else stats.unexpected += 1;
            } catch {
              stats.unexpected += 1;
            }
          },
        },
      ];
    },
  };
}

/** Successful OTP verifications, one pre-seeded challenge per request. */
export function otpVerifications(seeder: Seeder): Workload {
  let stats: RunStats = { starved: 0, unexpected: 0 };
  return {
    stats: () => stats,
    prepare: async (expectedRequests) => {
      stats = { starved: 0, unexpected: 0 };
      const identifiers = await seeder.otpChallenges(expectedRequests, "ov");
      let i = 0;
      return [
        {
          method: "POST",
          path: "/api/auth/otp/verify",
          setupRequest: (req) => {
            let identifier = identifiers[i++];
            if (!identifier) {
              stats.starved += 1;
              identifier = "nobody@bench.example";
            }
            return jsonPost(req, { identifier, code: BENCH_CODE, tokenDelivery: "body" });
          },
          onResponse: (status) => {
            if (status !== 200) stats.unexpected += 1;
          },
        },
      ];
    },
  };
}

export type AccessSigner = (s: SeededSession) => Promise<string>;

/** Signs access tokens exactly as lib/auth/access-token.ts does, with the app's key. */
export async function accessSigner(jwk: JWK, issuer: string, audience: string, ttlSeconds: number): Promise<AccessSigner> {
  const key = await importJWK(jwk, "ES256");
  return async (s) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: s.sessionId, role: "staff" })
      .setProtectedHeader({ alg: "ES256", kid: jwk.kid!, typ: "at+jwt" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(s.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .setJti(randomUUID())
      .sign(key);
  };
}

/** GET /api/auth/me for `sessions` in turn. */
export function whoAmI(sessions: SeededSession[], sign: AccessSigner): Workload {
  let stats: RunStats = { starved: 0, unexpected: 0 };
  return {
    stats: () => stats,
    prepare: async () => {
      stats = { starved: 0, unexpected: 0 };
      const tokens = await Promise.all(sessions.map(sign));
      let i = 0;
      return [
        {
          method: "GET",
          path: "/api/auth/me",
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]!}`, "user-agent": USER_AGENT, "x-forwarded-for": nextIp() },
          }),
          onResponse: (status) => {
            if (status !== 200) stats.unexpected += 1;
          },
        },
      ];
    },
  };
}

/** The same body as a refresh, to a route that only parses and echoes it (the framework floor). */
export function staticJsonPost(path: string): Workload {
  const stats: RunStats = { starved: 0, unexpected: 0 };
  const token = "A".repeat(43);
  return {
    stats: () => stats,
    prepare: async () => {
      stats.unexpected = 0;
      return [
        {
          method: "POST",
          path,
          setupRequest: (req) => jsonPost(req, { refreshToken: token }),
          onResponse: (status) => {
            if (status !== 200) stats.unexpected += 1;
          },
        },
      ];
    },
  };
}
