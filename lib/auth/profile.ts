/** "Who am I": the signed-in person as the database knows them now. */
import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import type { AuthContext } from "@/lib/auth/require-auth";

export async function currentUser(auth: AuthContext) {
  const user = await db().user.findUnique({
    where: { id: auth.userId },
    select: { id: true, email: true, phone: true, name: true, role: true, status: true, createdAt: true },
  });
  if (!user) throw new AppError("session_ended", "Your session has ended. Please sign in again.");
  const session = await db().session.findUnique({ where: { id: auth.sessionId }, select: { id: true, channel: true, createdAt: true, expiresAt: true, lastSeenAt: true } });
  return { user, session };
}
