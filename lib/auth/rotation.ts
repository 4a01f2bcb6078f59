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
 * Ending a session (reuse, idle, absolute lifetime, disabled user) commits before the error is
 * raised, so the refusal sticks.
 */
import "server-only";
import type { Role } from "@/lib/generated/prisma/enums";
import { db } from "@/lib/db/client";
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

type Outcome =
  | { kind: "ok"; outcome: "rotated" | "grace"; session: LockedSession; refreshToken: string }
  | { kind: "ended"; reason: "reuse_detected" | "idle_timeout" | "absolute_timeout" | "user_disabled" | "already_ended"; session: LockedSession };

const invalid = () => new AppError("invalid_token", "Your session has ended. Please sign in again.");

export async function rotateRefreshToken(presented: string, meta: ClientMeta): Promise<TokenPair & { outcome: "rotated" | "grace" }> {
  if (!REFRESH_TOKEN_PATTERN.test(presented)) {
    countRefresh("invalid");
    throw invalid();
  }
  const e = env();
  const hash = hashRefreshToken(presented);
  const t = now();

  const result = await db().$transaction(async (tx): Promise<Outcome | null> => {
    const [session] = await tx.$queryRaw<LockedSession[]>`
      SELECT s.id, s.user_id, u.role, u.status, s.channel, s.revoked_at, s.expires_at, s.last_seen_at
      FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ${hash})
      FOR UPDATE OF s`;
    if (!session) return null;
    if (session.revoked_at) return { kind: "ended", reason: "already_ended", session };

    const [token] = await tx.$queryRaw<{ id: string; rotated_at: Date | null }[]>`
      SELECT id, rotated_at FROM refresh_tokens WHERE token_hash = ${hash}`;
    if (!token) return null;

    const end = async (reason: Exclude<Extract<Outcome, { kind: "ended" }>["reason"], "already_ended">): Promise<Outcome> => {
      await revokeWithin(tx, [session.id], reason, null, t);
      if (reason === "reuse_detected") await tx.session.update({ where: { id: session.id }, data: { reuseDetectedAt: t } });
      await recordAudit(
        {
          type: reason === "reuse_detected" ? "session.reuse_detected" : "session.revoked",
          userId: session.user_id,
          sessionId: session.id,
          ip: meta.ip,
          userAgent: meta.userAgent,
          detail: reason === "reuse_detected" ? { rotatedAt: token.rotated_at?.toISOString() ?? null, graceSeconds: e.REFRESH_REUSE_GRACE } : { reason },
        },
        tx,
      );
      return { kind: "ended", reason, session };
    };

    if (token.rotated_at && t.getTime() - token.rotated_at.getTime() > e.REFRESH_REUSE_GRACE * 1000) return end("reuse_detected");
    if (session.status !== "active") return end("user_disabled");
    if (t >= session.expires_at) return end("absolute_timeout");
    if (t.getTime() - session.last_seen_at.getTime() > idleTimeoutFor(session.role) * 1000) return end("idle_timeout");

    const next = newRefreshToken();
    const userAgent = meta.userAgent?.slice(0, 512) ?? null;
    // One statement: retire whatever is live in the family, add the successor, move the idle clock.
    await tx.$executeRaw`
      WITH retired AS (
        UPDATE refresh_tokens SET rotated_at = ${t} WHERE session_id = ${session.id}::uuid AND rotated_at IS NULL
      ), added AS (
        INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, created_at)
        VALUES (gen_random_uuid(), ${session.id}::uuid, ${next.hash}, ${token.id}::uuid, ${t})
      )
      UPDATE sessions SET last_seen_at = ${t}, ip = COALESCE(${meta.ip ?? null}, ip), user_agent = COALESCE(${userAgent}, user_agent)
      WHERE id = ${session.id}::uuid`;
    return { kind: "ok", outcome: token.rotated_at ? "grace" : "rotated", session, refreshToken: next.token };
  });

  if (!result) {
    countRefresh("invalid");
    throw invalid();
  }
  if (result.kind === "ended") {
    if (result.reason !== "already_ended") await markRevoked([result.session.id]);
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
