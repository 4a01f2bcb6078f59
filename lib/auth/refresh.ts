/** The refresh and logout services behind /api/auth/refresh, /logout and /logout-all. */
import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { clearedRefreshCookie } from "@/lib/auth/cookies";
import { hashRefreshToken, REFRESH_TOKEN_PATTERN } from "@/lib/auth/refresh-token";
import { rotateRefreshToken } from "@/lib/auth/rotation";
import { revokeSessions, type ClientMeta } from "@/lib/auth/sessions";
import { signedOutResponse, tokenResponse, type Presented } from "@/lib/auth/token-transport";

export async function refreshSession(presented: Presented, meta: ClientMeta): Promise<Response> {
  try {
    if (!presented.token) throw new AppError("unauthorized", "You are not signed in.");
    const pair = await rotateRefreshToken(presented.token, meta);
    return tokenResponse(pair, presented.via);
  } catch (err) {
    // A refused cookie is deleted, so the browser stops presenting it.
    if (err instanceof AppError && presented.via === "cookie" && err.status === 401) {
      throw new AppError(err.code, err.message, err.details, { "set-cookie": clearedRefreshCookie() });
    }
    throw err;
  }
}

/** Ends the session the refresh token belongs to. Always answers "signed out", even for an unknown token. */
export async function logout(presented: Presented, meta: ClientMeta): Promise<Response> {
  if (presented.token && REFRESH_TOKEN_PATTERN.test(presented.token)) {
    const row = await db().refreshToken.findUnique({
      where: { tokenHash: hashRefreshToken(presented.token) },
      select: { session: { select: { id: true, userId: true } } },
    });
    if (row) await revokeSessions({ id: row.session.id }, { reason: "logout", by: row.session.userId, meta });
  }
  return signedOutResponse();
}

export async function logoutEverywhere(userId: string, meta: ClientMeta): Promise<Response> {
  const ended = await revokeSessions({ userId }, { reason: "logout_all", by: userId, meta });
  return signedOutResponse(200, { ok: true, sessionsEnded: ended.length });
}
