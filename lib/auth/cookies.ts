/**
 * The one place that sets and clears the refresh cookie.
 *
 * HttpOnly (scripts never see it), SameSite=Strict, Path=/api/auth (sent only to the endpoints
 * that need it). In production it is Secure with the `__Secure-` prefix; `__Host-` would demand
 * Path=/, which would send the token with every request (docs/decisions/0002-refresh-cookie.md).
 */
import "server-only";
import { env } from "@/lib/env";

export const COOKIE_PATH = "/api/auth";

export function refreshCookieName(): string {
  return env().isProduction ? "__Secure-clinicauth_rt" : "clinicauth_rt";
}

function attributes(maxAgeSeconds: number): string {
  const secure = env().isProduction ? "; Secure" : "";
  return `Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setRefreshCookie(headers: Headers, token: string, expiresAt: Date, at: Date): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - at.getTime()) / 1000));
  headers.append("set-cookie", `${refreshCookieName()}=${token}; ${attributes(maxAge)}`);
  headers.set("cache-control", "no-store");
}

/** The Set-Cookie value that deletes the refresh cookie. */
export function clearedRefreshCookie(): string {
  return `${refreshCookieName()}=; ${attributes(0)}`;
}

export function clearRefreshCookie(headers: Headers): void {
  headers.append("set-cookie", clearedRefreshCookie());
  headers.set("cache-control", "no-store");
}

export function readRefreshCookie(headers: Headers): string | undefined {
  const name = refreshCookieName();
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
