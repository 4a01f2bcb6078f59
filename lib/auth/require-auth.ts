/**
 * The one authentication path for API routes: a Bearer access token, verified, whose session is
 * still live. Admin rights are read from the database on every admin call, so a demoted or
 * disabled admin loses them at once whatever the token says.
 */
import "server-only";
import { verifyAccessToken, type AccessClaims } from "@/lib/auth/access-token";
import { isSessionLive } from "@/lib/auth/revocation";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

export type AuthContext = { userId: string; sessionId: string; role: "staff" | "admin"; claims: AccessClaims };

export async function authenticate(headers: Headers, need: "user" | "admin"): Promise<AuthContext> {
  const header = headers.get("authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw new AppError("unauthorized", "Sign in to continue.");
  const claims = await verifyAccessToken(match[1]!);
  if (!(await isSessionLive(claims.sid, claims.sub))) throw new AppError("session_ended", "Your session has ended. Please sign in again.");
  const ctx: AuthContext = { userId: claims.sub, sessionId: claims.sid, role: claims.role, claims };
  if (need === "admin") {
    const user = await db().user.findUnique({ where: { id: claims.sub }, select: { role: true, status: true } });
    if (!user || user.status !== "active") throw new AppError("session_ended", "Your session has ended. Please sign in again.");
    if (user.role !== "admin") throw new AppError("forbidden", "This needs an administrator.");
    ctx.role = "admin";
  }
  return ctx;
}
