/**
 * The ceiling for refresh rotation: the same rotation transaction as lib/auth/rotation.ts, written
 * with raw `pg` behind a bare node:http server, measured with the same load as the app.
 *
 * What it includes, per request: HTTP/1.1 keep-alive request and JSON body parsing, the token shape
 * check, SHA-256 of the token, and on one pooled connection (pool size = DATABASE_POOL_MAX, as the
 * app) BEGIN; the session row locked FOR UPDATE (joined to its user) through the token hash; the
 * token row read again under the lock; the same checks (reuse grace, user status, absolute and idle
 * lifetime); the one CTE statement that retires the live token, inserts the successor and moves
 * last_seen_at; COMMIT. Then, on POST /rotate, an ES256 access token signed with jose exactly as
 * lib/auth/access-token.ts does, and a JSON answer shaped like the app's. POST /rotate-tx skips the
 * signing (the transaction alone).
 *
 * What it leaves out (the app's own overhead, which the ratio measures): Next.js routing and
 * middleware, rate limits (Upstash or memory), zod, the route wrapper, metrics, the request log
 * line. The session-ending branches (reuse, timeouts, disabled person) answer 401 without their
 * revocation writes; the benchmark never reaches them.
 *
 * Env: PORT, DATABASE_URL, DATABASE_POOL_MAX (10), JWT_PRIVATE_JWKS, JWT_ISSUER, JWT_AUDIENCE
 * (clinicauth), ACCESS_TOKEN_TTL (600), REFRESH_REUSE_GRACE (10), SESSION_IDLE_TTL_STAFF (900),
 * SESSION_IDLE_TTL_ADMIN (600).
 */
import http from "node:http";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { importJWK, SignJWT, type JWK } from "jose";

const PATTERN = /^[A-Za-z0-9_-]{43}$/;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const GRACE_MS = num("REFRESH_REUSE_GRACE", 10) * 1000;
const IDLE = { staff: num("SESSION_IDLE_TTL_STAFF", 900), admin: num("SESSION_IDLE_TTL_ADMIN", 600) };
const ACCESS_TTL = num("ACCESS_TOKEN_TTL", 600);
const ISSUER = process.env.JWT_ISSUER ?? "clinicauth-bench";
const AUDIENCE = process.env.JWT_AUDIENCE ?? "clinicauth";

type Locked = {
  id: string;
  user_id: string;
  role: "staff" | "admin";
  status: "active" | "disabled";
  revoked_at: Date | null;
  expires_at: Date;
  last_seen_at: Date;
};

const sha256 = (token: string) => createHash("sha256").update(token, "utf8").digest("base64url");

async function main() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: num("DATABASE_POOL_MAX", 10) });
  const jwk = (JSON.parse(process.env.JWT_PRIVATE_JWKS ?? "{}") as { keys: JWK[] }).keys[0]!;
  const key = await importJWK(jwk, "ES256");

  async function rotate(presented: string, ip: string | null, userAgent: string | null, sign: boolean): Promise<{ status: number; body: object }> {
    if (!PATTERN.test(presented)) return { status: 401, body: { error: { code: "invalid_token" } } };
    const hash = sha256(presented);
    const t = new Date();
    const client = await pool.connect();
    let outcome: { session: Locked; refreshToken: string } | null = null;
    try {
      await client.query("BEGIN");
      const { rows: sessions } = await client.query<Locked>(
        `SELECT s.id, s.user_id, u.role, u.status, s.channel, s.revoked_at, s.expires_at, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)
         FOR UPDATE OF s`,
        [hash],
      );
      const session = sessions[0];
      if (session && !session.revoked_at) {
        const { rows: tokens } = await client.query<{ id: string; rotated_at: Date | null }>("SELECT id, rotated_at FROM refresh_tokens WHERE token_hash = $1", [hash]);
        const token = tokens[0];
        const ended =
          !token ||
          (token.rotated_at && t.getTime() - token.rotated_at.getTime() > GRACE_MS) ||
          session.status !== "active" ||
          t >= session.expires_at ||
          t.getTime() - session.last_seen_at.getTime() > IDLE[session.role] * 1000;
        if (token && !ended) {
          const next = randomBytes(32).toString("base64url");
          await client.query(
            `WITH retired AS (
               UPDATE refresh_tokens SET rotated_at = $1 WHERE session_id = $2::uuid AND rotated_at IS NULL
             ), added AS (
               INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, created_at)
               VALUES (gen_random_uuid(), $2::uuid, $3, $4::uuid, $1)
             )
             UPDATE sessions SET last_seen_at = $1, ip = COALESCE($5, ip), user_agent = COALESCE($6, user_agent)
             WHERE id = $2::uuid`,
            [t, session.id, sha256(next), token.id, ip, userAgent?.slice(0, 512) ?? null],
          );
          outcome = { session, refreshToken: next };
        }
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (!outcome) return { status: 401, body: { error: { code: "invalid_token" } } };
    const s = outcome.session;
    const iat = Math.floor(t.getTime() / 1000);
    const accessToken = sign
      ? await new SignJWT({ sid: s.id, role: s.role })
          .setProtectedHeader({ alg: "ES256", kid: jwk.kid!, typ: "at+jwt" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject(s.user_id)
          .setIssuedAt(iat)
          .setExpirationTime(iat + ACCESS_TTL)
          .setJti(randomUUID())
          .sign(key)
      : null;
    return {
      status: 200,
      body: {
        accessToken,
        accessTokenExpiresAt: new Date((iat + ACCESS_TTL) * 1000).toISOString(),
        session: { id: s.id, expiresAt: s.expires_at.toISOString(), idleTimeoutSeconds: IDLE[s.role] },
        refreshToken: outcome.refreshToken,
      },
    };
  }

  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/health") return send(200, { status: "ok" });
    const sign = req.url === "/rotate";
    if (req.method !== "POST" || (req.url !== "/rotate" && req.url !== "/rotate-tx")) return send(404, { error: { code: "not_found" } });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let presented = "";
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { refreshToken?: unknown };
        if (typeof parsed.refreshToken === "string") presented = parsed.refreshToken;
      } catch {
        return send(400, { error: { code: "invalid_input" } });
      }
      const forwarded = req.headers["x-forwarded-for"];
      const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",").pop()?.trim() ?? req.socket.remoteAddress ?? null;
      rotate(presented, ip, req.headers["user-agent"] ?? null, sign).then(
        (r) => send(r.status, r.body),
        (err: unknown) => {
          console.error(err);
          send(500, { error: { code: "internal" } });
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = num("PORT", 0);
  server.listen(port, "127.0.0.1", () => console.log(`ceiling server listening on ${port}`));
  process.once("SIGTERM", () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
