/**
 * How a refresh token travels. Browsers: the HttpOnly cookie, with the cross-site checks.
 * Non-browser clients: a `refreshToken` field in the JSON body, answered in the body; a body
 * token carries no ambient authority, so it needs no cross-site checks.
 */
import "server-only";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { assertSameOrigin } from "@/lib/http/csrf";
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from "@/lib/auth/cookies";
import type { TokenPair } from "@/lib/auth/sessions";

export type Presented = { token: string | undefined; via: "cookie" | "body" };

export function presentedRefreshToken(req: Request, body: { refreshToken?: string }): Presented {
  if (body.refreshToken) return { token: body.refreshToken, via: "body" };
  assertSameOrigin(req.headers, env().appUrl.origin);
  return { token: readRefreshCookie(req.headers), via: "cookie" };
}

/** The access token always goes in the body; the refresh token goes where it came from. */
export function tokenResponse(pair: TokenPair, via: "cookie" | "body", extra: object = {}): Response {
  const body = {
    ...extra,
    accessToken: pair.accessToken,
    accessTokenExpiresAt: pair.accessTokenExpiresAt.toISOString(),
    session: { id: pair.sessionId, expiresAt: pair.sessionExpiresAt.toISOString(), idleTimeoutSeconds: pair.idleTimeoutSeconds },
    ...(via === "body" ? { refreshToken: pair.refreshToken } : {}),
  };
  const headers = new Headers({ "cache-control": "no-store" });
  if (via === "cookie") setRefreshCookie(headers, pair.refreshToken, pair.sessionExpiresAt, now());
  return Response.json(body, { headers });
}

export function signedOutResponse(status = 200, body: object = { ok: true }): Response {
  const headers = new Headers();
  clearRefreshCookie(headers);
  // Wipes cookies and storage for our origin on this browser: a shared ward computer keeps nothing.
  headers.set("clear-site-data", '"cookies", "storage"');
  return Response.json(body, { status, headers });
}
