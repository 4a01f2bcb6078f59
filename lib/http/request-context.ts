/**
 * What middleware.ts hands to route handlers and pages through request headers. Each value is set
 * (never appended), so anything a client sent under the same names is replaced.
 */
import { REQUEST_ID_HEADER } from "@/lib/http/request-id";
import { NONCE_HEADER } from "@/lib/http/csp";

/** The client address middleware resolved (lib/http/client-ip.ts), for handlers and the request log. */
export const CLIENT_IP_HEADER = "x-clinicauth-client-ip";

export type RequestContext = { requestId: string; ip: string; nonce: string; csp: string };

export function forwardedRequestHeaders(incoming: Headers, ctx: RequestContext): Headers {
  const headers = new Headers(incoming);
  headers.set(REQUEST_ID_HEADER, ctx.requestId);
  headers.set(CLIENT_IP_HEADER, ctx.ip);
  headers.set(NONCE_HEADER, ctx.nonce);
  // Next.js reads the nonce from this request header while rendering (see lib/http/csp.ts).
  headers.set("content-security-policy", ctx.csp);
  return headers;
}
