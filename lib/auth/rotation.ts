/**
 * Refresh-token rotation, atomic under concurrency.
 *
 * Every refresh of one session takes the session row's lock (SELECT ... FOR UPDATE), so "who
 * rotates" is decided once, in order. Under the lock the presented token is read again (READ
 * COMMITTED gives each statement a fresh snapshot) and exactly one of these happens:
 *  - it is live: it is retired and a successor issued ("rotated");
 *  - it was retired less than REFRESH_REUSE_GRACE seconds ago (a second tab, a retried request):
 *    a fresh successor is issued and the previous live token retired ("grace"), so the session
 *    keeps exactly one live token and nobody is logged out;
 *  - it was retired longer ago: the token was stolen or replayed; the whole session dies ("reuse").
 * Ending a session (reuse, idle, absolute lifetime, disabled user) is decided under the lock and
 * written right after it, before the error is raised, so the refusal sticks.
 */
import "server-only";
import type { Role } from "@/lib/generated/prisma/enums";
import { db, withTransaction } from "@/lib/db/client";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import { hashRefreshToken, newRefreshToken, REFRESH_TOKEN_PATTERN } from "@/lib/auth/refresh-token";
import { idleTimeoutFor, issueTokenPair, revokeWithin, type ClientMeta, type TokenPair } from "@/lib/auth/sessions";
import { recordAudit } from "@/lib/auth/audit";
import { markRevoked } from "@/lib/auth/revocation";
import { raiseReuseAlarm } from "@/lib/auth/security-alerts";
import { countRefresh } from "@/lib/metrics";

type LockedSession = {
  id: string;
  user_id: string;
  role: Role;
  status: "active" | "disabled";
  channel: "email" | "sms" | "whatsapp";
  revoked_at: Date | null;
  expires_at: Date;
  last_seen_at: Date;
};

type EndReason = "reuse_detected" | "idle_timeout" | "absolute_timeout" | "user_disabled";

type Outcome =
  | { kind: "ok"; outcome: "rotated" | "grace"; session: LockedSession; refreshToken: string }
  | { kind: "ended"; reason: EndReason | "already_ended"; session: LockedSession; rotatedAt: Date | null };

const invalid = () => new AppError("invalid_token", "Your session has ended. Please sign in again.");

// The hot path is plain SQL on the shared pool: five round trips (BEGIN, lock, read, write, COMMIT)
// and none of the ORM's per-query work. See docs/BENCHMARKS.md for why.
const LOCK_SESSION = `
  SELECT s.id, s.user_id, u.role, u.status, s.channel, s.revoked_at, s.expires_at, s.last_seen_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)
  FOR UPDATE OF s`;
const READ_TOKEN = `SELECT id, rotated_at FROM refresh_tokens WHERE token_hash = $1`;
// One statement: retire whatever is live in the family, add the successor, move the idle clock.
const ROTATE = `
  WITH retired AS (
    UPDATE refresh_tokens SET rotated_at = $2 WHERE session_id = $1 AND rotated_at IS NULL
  ), added AS (
    INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, created_at)
    VALUES (gen_random_uuid(), $1, $3, $4, $2)
  )
  UPDATE sessions SET last_seen_at = $2, ip = COALESCE($5, ip), user_agent = COALESCE($6, user_agent)
  WHERE id = $1`;

async function decide(hash: string, t: Date, meta: ClientMeta): Promise<Outcome | null> {
  const e = env();
  return withTransaction(async (client) => {
    const session = (await client.query<LockedSession>(LOCK_SESSION, [hash])).rows[0];
    if (!session) return null;
    const token = (await client.query<{ id: string; rotated_at: Date | null }>(READ_TOKEN, [hash])).rows[0];
    if (!token) return null;
    const ended = (reason: EndReason | "already_ended"): Outcome => ({ kind: "ended", reason, session, rotatedAt: token.rotated_at });

    if (session.revoked_at) return ended("already_ended");
    if (token.rotated_at && t.getTime() - token.rotated_at.getTime() > e.REFRESH_REUSE_GRACE * 1000) return ended("reuse_detected");
    if (session.status !== "active") return ended("user_disabled");
    if (t >= session.expires_at) return ended("absolute_timeout");
    if (t.getTime() - session.last_seen_at.getTime() > idleTimeoutFor(session.role) * 1000) return ended("idle_timeout");

    const next = newRefreshToken();
    await client.query(ROTATE, [session.id, t, next.hash, token.id, meta.ip ?? null, meta.userAgent?.slice(0, 512) ?? null]);
    return { kind: "ok", outcome: token.rotated_at ? "grace" : "rotated", session, refreshToken: next.token };
  });
}

/** The rare path: end the session for good and record why. Revoking is idempotent, so a refresh racing in between changes nothing. */
async function endSession(o: Extract<Outcome, { kind: "ended" }>, reason: EndReason, t: Date, meta: ClientMeta): Promise<void> {
  const e = env();
  await db().$transaction(async (tx) => {
    await revokeWithin(tx, [o.session.id], reason, null, t);
    if (reason === "reuse_detected") await tx.session.update({ where: { id: o.session.id }, data: { reuseDetectedAt: t } });
    await recordAudit(
      {
        type: reason === "reuse_detected" ? "session.reuse_detected" : "session.revoked",
        userId: o.session.user_id,
        sessionId: o.session.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: reason === "reuse_detected" ? { rotatedAt: o.rotatedAt?.toISOString() ?? null, graceSeconds: e.REFRESH_REUSE_GRACE } : { reason },
      },
      tx,
    );
  });
  await markRevoked([o.session.id]);
}

export async function rotateRefreshToken(presented: string, meta: ClientMeta): Promise<TokenPair & { outcome: "rotated" | "grace" }> {
  if (!REFRESH_TOKEN_PATTERN.test(presented)) {
    countRefresh("invalid");
    throw invalid();
  }
  const t = now();
  const result = await decide(hashRefreshToken(presented), t, meta);

  if (!result) {
    countRefresh("invalid");
    throw invalid();
  }
  if (result.kind === "ended") {
    if (result.reason !== "already_ended") await endSession(result, result.reason, t, meta);
    if (result.reason === "reuse_detected") {
      countRefresh("reuse_revoked");
      await raiseReuseAlarm({ userId: result.session.user_id, sessionId: result.session.id, channel: result.session.channel, ip: meta.ip ?? null });
    } else {
      countRefresh("invalid");
    }
    throw invalid();
  }
  countRefresh(result.outcome);
  const s = result.session;
  const pair = await issueTokenPair({ id: s.id, userId: s.user_id, role: s.role, expiresAt: s.expires_at }, result.refreshToken);
  return { outcome: result.outcome, ...pair };
}
