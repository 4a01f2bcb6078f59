/** "Who am I": the signed-in person as the database knows them now. */
import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import type { AuthContext } from "@/lib/auth/require-auth";

export async function currentUser(auth: AuthContext) {
  // One query: the session (already checked live and owned by this user) with its person.
  const row = await db().session.findUnique({
    where: { id: auth.sessionId },
    select: {
      id: true,
      channel: true,
      createdAt: true,
      expiresAt: true,
      lastSeenAt: true,
      user: { select: { id: true, email: true, phone: true, name: true, role: true, status: true, createdAt: true } },
    },
  });
  if (!row || row.user.id !== auth.userId) throw new AppError("session_ended", "Your session has ended. Please sign in again.");
  const { user, ...session } = row;
  return { user, session };
}
