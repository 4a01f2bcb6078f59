/**
 * Runs before every request (Node.js runtime, see docs/decisions/0004-middleware-runtime.md):
 * request id, client IP and CSP nonce for the handlers; per-IP rate limits; security headers on
 * every response. Authorization is not decided here: route handlers and services check it
 * themselves, so a middleware bypass cannot grant access.
 */
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { clientIp } from "@/lib/http/client-ip";
import { contentSecurityPolicy, createNonce } from "@/lib/http/csp";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/lib/http/request-id";
import { forwardedRequestHeaders } from "@/lib/http/request-context";
import { applySecurityHeaders } from "@/lib/http/security-headers";
import { rateLimitHeaders } from "@/lib/ratelimit";
import { limitRequest, rateLimitedResponse } from "@/lib/ratelimit/request-limits";

export async function middleware(req: NextRequest): Promise<NextResponse> {
  const e = env();
  const pathname = req.nextUrl.pathname;
  const requestId = requestIdFrom(req.headers.get(REQUEST_ID_HEADER));
  const ip = clientIp(req.headers, e.TRUST_PROXY);
  const nonce = createNonce();
  const csp = contentSecurityPolicy({ nonce, development: e.NODE_ENV === "development" });

  const limits = await limitRequest(req.method, pathname, ip);
  const response = limits.refused
    ? rateLimitedResponse(limits.refused, requestId)
    : NextResponse.next({ request: { headers: forwardedRequestHeaders(req.headers, { requestId, ip, nonce, csp }) } });

  applySecurityHeaders(response.headers, { csp, pathname, hsts: e.isProduction });
  for (const [name, value] of Object.entries(rateLimitHeaders(limits.decisions))) response.headers.set(name, value);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

export const config = {
  runtime: "nodejs",
  // Everything, API routes and static files included: the security headers belong on every
  // response. lib/ratelimit/static-assets.ts keeps static files out of the global limit.
  matcher: ["/:path*"],
};
