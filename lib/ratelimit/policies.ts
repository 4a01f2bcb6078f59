/**
 * The rate-limit policy table: every limit the app applies, in one place.
 *
 * All policies are sliding windows (the previous window's count, weighted by how much of it still
 * overlaps, plus the current window's count). `onStoreFailure` says what happens when the shared
 * store (Upstash) cannot answer:
 *   - "fail-open": let the request through, with an error log and the store-error metric. Used where
 *     refusing everyone during a Redis outage would take the whole app down with it.
 *   - "memory": count in this process's memory instead. Used where "unlimited" would be a security
 *     or billing problem (code guessing, SMS pumping, refresh hammering); the limit becomes
 *     per-instance during the outage, never absent.
 */
import { env, type Env } from "@/lib/env";

/** What the key of a policy is; the caller passes the value, this documents the partition. */
export type PartitionKind = "ip" | "user" | "identifier";

export type StoreFailureMode = "fail-open" | "memory";

/** A request the middleware matches by method and exact path. */
export type RouteMatch = { method: string; path: string };

type PolicySpec = {
  /** Requests allowed per window; a function when the environment configures it. */
  limit: number | ((e: Env) => number);
  windowSeconds: number;
  partition: PartitionKind;
  onStoreFailure: StoreFailureMode;
  /**
   * Where the policy is enforced: "all-requests" and route policies in middleware.ts; "service"
   * policies by the code that knows the key (the route wrapper for the verified user id, the OTP
   * service for identifiers and send caps).
   */
  appliesTo: "all-requests" | RouteMatch | "service";
};

export const POLICIES = {
  global: { limit: 100, windowSeconds: 60, partition: "ip", onStoreFailure: "fail-open", appliesTo: "all-requests" },
  "otp-request": {
    limit: 5,
    windowSeconds: 15 * 60,
    partition: "ip",
    onStoreFailure: "memory",
    appliesTo: { method: "POST", path: "/api/auth/otp/request" },
  },
  "otp-verify": {
    limit: 10,
    windowSeconds: 15 * 60,
    partition: "ip",
    onStoreFailure: "memory",
    appliesTo: { method: "POST", path: "/api/auth/otp/verify" },
  },
  refresh: {
    limit: 30,
    windowSeconds: 60,
    partition: "ip",
    onStoreFailure: "memory",
    appliesTo: { method: "POST", path: "/api/auth/refresh" },
  },
  "api-user": { limit: 300, windowSeconds: 60, partition: "user", onStoreFailure: "fail-open", appliesTo: "service" },
} as const satisfies Record<string, PolicySpec>;

export type PolicyName = keyof typeof POLICIES;

export const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[];

/** A policy with its limit read from the environment. */
export type Policy = {
  name: PolicyName;
  limit: number;
  windowSeconds: number;
  partition: PartitionKind;
  onStoreFailure: StoreFailureMode;
};

export function policy(name: PolicyName): Policy {
  const spec: PolicySpec = POLICIES[name];
  const limit = typeof spec.limit === "function" ? spec.limit(env()) : spec.limit;
  return { name, limit, windowSeconds: spec.windowSeconds, partition: spec.partition, onStoreFailure: spec.onStoreFailure };
}

/** The route policy for this request, if any (the global policy is not included). */
export function routePolicyFor(method: string, pathname: string): PolicyName | undefined {
  // "/x/" names the same route as "/x"; a trailing slash must not be a way around the limit.
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  for (const name of POLICY_NAMES) {
    const target: PolicySpec["appliesTo"] = POLICIES[name].appliesTo;
    if (typeof target === "object" && target.method === method && target.path === path) return name;
  }
  return undefined;
}
