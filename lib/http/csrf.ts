/**
 * Cross-site request refusal for cookie-authenticated endpoints (refresh, logout).
 * SameSite=Strict already keeps the cookie off cross-site requests; these checks are the second
 * lock, for browsers and proxies that get SameSite wrong:
 *  - Sec-Fetch-Site: cross-site is refused outright;
 *  - Origin (or Referer when Origin is absent) must be our own origin;
 *  - a custom header must be present, which a cross-site form or simple fetch cannot add without a
 *    CORS preflight that we never approve.
 */
import { AppError } from "@/lib/http/errors";

export const CSRF_HEADER = "x-clinicauth-csrf";

export function assertSameOrigin(headers: Headers, appOrigin: string): void {
  const refuse = () => {
    throw new AppError("csrf_rejected", "This request was refused because it did not come from this application.");
  };
  if (headers.get("sec-fetch-site") === "cross-site") refuse();
  const origin = headers.get("origin");
  let source: string | null = origin;
  if (!source) {
    const referer = headers.get("referer");
    if (referer) {
      try {
        source = new URL(referer).origin;
      } catch {
        refuse();
      }
    }
  }
  if (!source || source !== appOrigin) refuse();
  if (headers.get(CSRF_HEADER) !== "1") refuse();
}
