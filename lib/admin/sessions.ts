/** The admin sessions table: live sessions, filtered, paged, most recently seen first. */
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import type { AdminSessionsQuery } from "@/lib/schemas/auth";
import { revokeSessions, SESSION_PUBLIC_FIELDS, type ClientMeta } from "@/lib/auth/sessions";
import type { AuthContext } from "@/lib/auth/require-auth";

export async function listActiveSessions(q: AdminSessionsQuery) {
  const where: Prisma.SessionWhereInput = {
    revokedAt: null,
    expiresAt: { gt: now() },
    ...(q.channel ? { channel: q.channel } : {}),
    ...(q.ip ? { ip: q.ip } : {}),
    user: {
      ...(q.role ? { role: q.role } : {}),
      ...(q.user
        ? { OR: [{ email: { contains: q.user.toLowerCase() } }, { phone: { contains: q.user } }, { name: { contains: q.user, mode: "insensitive" } }] }
        : {}),
    },
  };
  const [total, rows] = await Promise.all([
    db().session.count({ where }),
    db().session.findMany({
      where,
      orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: { ...SESSION_PUBLIC_FIELDS, user: { select: { id: true, name: true, email: true, phone: true, role: true, status: true } } },
    }),
  ]);
  return { page: q.page, pageSize: q.pageSize, total, sessions: rows };
}

export async function adminRevokeSession(admin: AuthContext, sessionId: string, meta: ClientMeta): Promise<{ ok: true }> {
  const ids = await revokeSessions({ id: sessionId }, { reason: "admin_revoked", by: admin.userId, meta });
  if (ids.length === 0 && !(await db().session.findUnique({ where: { id: sessionId }, select: { id: true } }))) {
    throw new AppError("not_found", "No such session.");
  }
  return { ok: true };
}
