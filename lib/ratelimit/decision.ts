/** What a limit check answers, and how it turns into response headers and the 429 error. */
import { AppError } from "@/lib/http/errors";
import type { PolicyName } from "@/lib/ratelimit/policies";

export type LimitDecision = {
  policy: PolicyName;
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the current window ends; also the Retry-After of a refusal. */
  resetSeconds: number;
  windowSeconds: number;
  /** Where the count was kept; "none" when the store failed and the policy fails open. */
  store: "upstash" | "memory" | "none";
};

/**
 * Seconds from `at` until `resetAt`, rounded up past the boundary: the sliding window refuses
 * exactly at the boundary instant when the window just ended full, and is open one millisecond later.
 */
export function secondsUntil(resetAt: number, at: number): number {
  return Math.max(0, Math.floor((resetAt - at) / 1000) + 1);
}

/**
 * RateLimit-Policy / RateLimit as in draft-ietf-httpapi-ratelimit-headers-10: Structured Field
 * Lists whose items are the policy name as an sf-string with q/w (policy) and r/t (state)
 * parameters. Several decisions (e.g. global and otp-request) become one list each. A decision with
 * no counter behind it (failed open) is advertised in the policy but has no state to report.
 * Retry-After accompanies a refusal, with the same number of seconds as its `t`.
 */
export function rateLimitHeaders(decisions: LimitDecision | readonly LimitDecision[]): Record<string, string> {
  const list = Array.isArray(decisions) ? decisions : [decisions as LimitDecision];
  const headers: Record<string, string> = {};
  if (list.length === 0) return headers;
  headers["RateLimit-Policy"] = list.map((d) => `"${d.policy}";q=${d.limit};w=${d.windowSeconds}`).join(", ");
  const counted = list.filter((d) => d.store !== "none");
  if (counted.length > 0) {
    headers["RateLimit"] = counted.map((d) => `"${d.policy}";r=${d.remaining};t=${d.resetSeconds}`).join(", ");
  }
  const refused = list.filter((d) => !d.allowed);
  if (refused.length > 0) headers["Retry-After"] = String(Math.max(...refused.map((d) => d.resetSeconds)));
  return headers;
}

/** The one error for a refusal; the route wrapper and middleware both render it. */
export function rateLimitError(decision: LimitDecision): AppError {
  const n = decision.resetSeconds;
  return new AppError(
    "rate_limited",
    `Too many requests. Try again in ${n} ${n === 1 ? "second" : "seconds"}.`,
    { policy: decision.policy, retryAfter: n },
    rateLimitHeaders(decision),
  );
}
