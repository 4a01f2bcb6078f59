/**
 * The limits middleware.ts applies to a request: the global per-IP policy on everything but static
 * assets, then the route policy for the request's method and path, if one matches.
 */
import { NextResponse } from "next/server";
import { errorBody } from "@/lib/http/errors";
import { checkLimit, rateLimitError, routePolicyFor, type LimitDecision } from "@/lib/ratelimit";
import { isStaticAsset } from "@/lib/ratelimit/static-assets";

export type RequestLimits = {
  /** Every decision taken, for the RateLimit headers of the response. */
  decisions: LimitDecision[];
  /** The decision that refused the request, if one did. */
  refused?: LimitDecision;
};

export async function limitRequest(method: string, pathname: string, ip: string): Promise<RequestLimits> {
  if (isStaticAsset(pathname)) return { decisions: [] };
  const global = await checkLimit("global", ip);
  // A request already refused is not counted against the route policy as well.
  if (!global.allowed) return { decisions: [global], refused: global };
  const route = routePolicyFor(method, pathname);
  if (!route) return { decisions: [global] };
  const limited = await checkLimit(route, ip);
  return { decisions: [global, limited], refused: limited.allowed ? undefined : limited };
}

/** The 429 in the app's one error shape; the RateLimit headers are added by the caller. */
export function rateLimitedResponse(refused: LimitDecision, requestId: string): NextResponse {
  const error = rateLimitError(refused);
  return NextResponse.json(errorBody(error, requestId), {
    status: error.status,
    headers: { ...error.headers, "Cache-Control": "no-store" },
  });
}
