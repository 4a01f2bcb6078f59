/** Admin actions on people: end all their sessions, disable/enable, change role. */
import "server-only";
import { db } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import { recordAudit } from "@/lib/auth/audit";
import { revokeSessions, type ClientMeta } from "@/lib/auth/sessions";
import type { AuthContext } from "@/lib/auth/require-auth";
import type { AdminUserPatch } from "@/lib/schemas/auth";

async function requireUser(id: string) {
  const user = await db().user.findUnique({ where: { id }, select: { id: true, role: true, status: true } });
  if (!user) throw new AppError("not_found", "No such person.");
  return user;
}

export async function adminRevokeUserSessions(admin: AuthContext, userId: string, meta: ClientMeta) {
  await requireUser(userId);
  const ended = await revokeSessions({ userId }, { reason: "admin_revoked_all", by: admin.userId, meta });
  return { ok: true, sessionsEnded: ended.length };
}

export async function adminUpdateUser(admin: AuthContext, userId: string, patch: AdminUserPatch, meta: ClientMeta) {
  const before = await requireUser(userId);
  if (userId === admin.userId && (patch.status === "disabled" || patch.role === "staff")) {
    // Keeps at least the acting admin able to undo a mistake.
    throw new AppError("conflict", "You cannot disable or demote yourself; ask another administrator.");
  }
  const t = now();
  const user = await db().user.update({
    where: { id: userId },
    data: {
      ...(patch.role ? { role: patch.role } : {}),
      ...(patch.status ? { status: patch.status, disabledAt: patch.status === "disabled" ? t : null } : {}),
    },
    select: { id: true, name: true, email: true, phone: true, role: true, status: true },
  });
  const base = { userId, actorId: admin.userId, ip: meta.ip, userAgent: meta.userAgent };
  let sessionsEnded = 0;
  if (patch.status && patch.status !== before.status) {
    await recordAudit({ ...base, type: patch.status === "disabled" ? "user.disabled" : "user.enabled" });
    if (patch.status === "disabled") {
      sessionsEnded = (await revokeSessions({ userId }, { reason: "user_disabled", by: admin.userId, meta })).length;
    }
  }
  if (patch.role && patch.role !== before.role) {
    await recordAudit({ ...base, type: "user.role_changed", detail: { from: before.role, to: patch.role } });
  }
  return { user, sessionsEnded };
}
