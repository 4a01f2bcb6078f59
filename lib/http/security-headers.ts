/**
 * The security headers every response carries (pages, API routes, errors, 404s, 429s), set by
 * middleware.ts. The CSP value comes from lib/http/csp.ts because it changes per request.
 */

export type SecurityHeaderOptions = {
  /** The Content-Security-Policy value for this response. */
  csp: string;
  pathname: string;
  /** HSTS only where the app is really served over TLS: production. */
  hsts: boolean;
};

/**
 * Features no page of this app uses; denying them means injected or framed content cannot ask the
 * browser for them either. Only names Chromium recognises: an unknown one is logged as a console
 * error on every page load.
 */
const DENIED_FEATURES = [
  "accelerometer",
  "autoplay",
  "browsing-topics",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
];

export const PERMISSIONS_POLICY = DENIED_FEATURES.map((f) => `${f}=()`).join(", ");

/** Auth and admin API answers carry tokens, sessions and personal data: never cached anywhere. */
export function isNoStorePath(pathname: string): boolean {
  return /^\/api\/(?:auth|admin)(?:\/|$)/.test(pathname);
}

export function securityHeaders({ csp, pathname, hsts }: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": csp,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    // The legacy XSS auditor could be abused to blank out or probe pages; "0" turns it off.
    "X-XSS-Protection": "0",
  };
  if (hsts) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  if (isNoStorePath(pathname)) headers["Cache-Control"] = "no-store";
  return headers;
}

export function applySecurityHeaders(target: Headers, options: SecurityHeaderOptions): void {
  for (const [name, value] of Object.entries(securityHeaders(options))) target.set(name, value);
}
