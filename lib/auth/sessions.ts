/**
 * Sessions: one sign-in, one family of refresh tokens.
 * Create (with MAX_SESSIONS_PER_USER eviction), list, and revoke. Rotation lives in rotation.ts.
 */
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Channel, RevokeReason, Role } from "@/lib/generated/prisma/enums";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { recordAudit } from "@/lib/auth/audit";
import { newRefreshToken } from "@/lib/auth/refresh-token";
import { markRevoked } from "@/lib/auth/revocation";
import { signAccessToken } from "@/lib/auth/access-token";
import { describeDevice } from "@/lib/auth/device";
import { AppError } from "@/lib/http/errors";

export type ClientMeta = { ip?: string | null; userAgent?: string | null };

export type TokenPair = {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  sessionId: string;
  sessionExpiresAt: Date;
  idleTimeoutSeconds: number;
};

export function idleTimeoutFor(role: Role): number {
  const e = env();
  return role === "admin" ? e.SESSION_IDLE_TTL_ADMIN : e.SESSION_IDLE_TTL_STAFF;
}

type Tx = Prisma.TransactionClient;

/** The pair a client receives: a fresh access token beside the session's new refresh token. */
export async function issueTokenPair(session: { id: string; userId: string; role: Role; expiresAt: Date }, refreshToken: string): Promise<TokenPair> {
  const access = await signAccessToken({ userId: session.userId, sessionId: session.id, role: session.role });
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    sessionId: session.id,
    sessionExpiresAt: session.expiresAt,
    idleTimeoutSeconds: idleTimeoutFor(session.role),
  };
}

/** Start a session for a user who has just proved who they are. */
export async function createSession(
  user: { id: string; role: Role },
  channel: Channel,
  meta: ClientMeta,
): Promise<TokenPair> {
  const e = env();
  const t = now();
  const refresh = newRefreshToken();
  const { session, evicted } = await db().$transaction(async (tx) => {
    // Lock the user row so two sign-ins at once cannot both skip eviction.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
    const live = await tx.session.findMany({
      where: { userId: user.id, revokedAt: null, expiresAt: { gt: t } },
      orderBy: { createdAt: "asc" },
      select: { id: true },
    });
    const evicted = live.slice(0, Math.max(0, live.length - (e.MAX_SESSIONS_PER_USER - 1))).map((s) => s.id);
    if (evicted.length > 0) await revokeWithin(tx, evicted, "evicted", null, t);
    const session = await tx.session.create({
      data: {
        userId: user.id,
        channel,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent?.slice(0, 512) ?? null,
        device: describeDevice(meta.userAgent),
        createdAt: t,
        lastSeenAt: t,
        expiresAt: new Date(t.getTime() + e.SESSION_ABSOLUTE_TTL * 1000),
        tokens: { create: { tokenHash: refresh.hash, createdAt: t } },
      },
    });
    for (const sid of evicted) {
      await recordAudit({ type: "session.evicted", userId: user.id, sessionId: sid, ip: meta.ip, userAgent: meta.userAgent, detail: { reason: "max_sessions", max: e.MAX_SESSIONS_PER_USER, newSessionId: session.id } }, tx);
    }
    await recordAudit({ type: "session.created", userId: user.id, sessionId: session.id, channel, ip: meta.ip, userAgent: meta.userAgent }, tx);
    return { session, evicted };
  });
  await markRevoked(evicted);
  return issueTokenPair({ id: session.id, userId: user.id, role: user.role, expiresAt: session.expiresAt }, refresh.token);
}

/** Marks sessions revoked and retires their live tokens, inside the caller's transaction. */
export async function revokeWithin(tx: Tx, sessionIds: string[], reason: RevokeReason, by: string | null, t: Date): Promise<void> {
  if (sessionIds.length === 0) return;
  await tx.session.updateMany({
    where: { id: { in: sessionIds }, revokedAt: null },
    data: { revokedAt: t, revokedBy: by, revokedReason: reason },
  });
  await tx.refreshToken.updateMany({ where: { sessionId: { in: sessionIds }, rotatedAt: null }, data: { rotatedAt: t } });
}

type RevokeOptions = { reason: RevokeReason; by: string | null; meta?: ClientMeta; audit?: Prisma.InputJsonValue };

/** Revoke sessions matching `where` (only live ones), audit each, and mark them for the fast check. */
export async function revokeSessions(where: Prisma.SessionWhereInput, opts: RevokeOptions): Promise<string[]> {
  const t = now();
  const ids = await db().$transaction(async (tx) => {
    const rows = await tx.session.findMany({ where: { ...where, revokedAt: null }, select: { id: true, userId: true } });
    await revokeWithin(tx, rows.map((r) => r.id), opts.reason, opts.by, t);
    for (const r of rows) {
      await recordAudit(
        { type: "session.revoked", userId: r.userId, actorId: opts.by, sessionId: r.id, ip: opts.meta?.ip, userAgent: opts.meta?.userAgent, detail: { reason: opts.reason, ...(opts.audit && typeof opts.audit === "object" ? opts.audit : {}) } },
        tx,
      );
    }
    return rows.map((r) => r.id);
  });
  await markRevoked(ids);
  return ids;
}

/** A person's own session, or 404: touching someone else's session must not reveal that it exists. */
export async function revokeOwnSession(userId: string, sessionId: string, meta: ClientMeta): Promise<void> {
  const ids = await revokeSessions({ id: sessionId, userId }, { reason: "user_revoked", by: userId, meta });
  if (ids.length === 0) {
    const exists = await db().session.findFirst({ where: { id: sessionId, userId }, select: { id: true } });
    if (!exists) throw new AppError("not_found", "No such session.");
  }
}

export const SESSION_PUBLIC_FIELDS = {
  id: true,
  channel: true,
  ip: true,
  device: true,
  userAgent: true,
  createdAt: true,
  lastSeenAt: true,
  expiresAt: true,
  reuseDetectedAt: true,
} as const satisfies Prisma.SessionSelect;

/** Live sessions of one person, most recently used first. */
export async function listOwnSessions(userId: string) {
  return db().session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: now() } },
    orderBy: { lastSeenAt: "desc" },
    select: SESSION_PUBLIC_FIELDS,
  });
}
