/**
 * Rate limits: `checkLimit` counts one request against a policy and says whether it may pass;
 * `enforceLimit` does the same and throws the 429 AppError when it may not.
 *
 * The store is Upstash when configured (env().rateLimitStore), otherwise process memory. When
 * Upstash fails, each policy's `onStoreFailure` decides: fail open, or count in memory instead.
 * Keys are HMAC'd before they reach any store, so Redis never holds e-mail addresses, phone
 * numbers or IP addresses in clear (the HMAC key is the server secret, so they cannot be brute-forced
 * back from a Redis dump either).
 */
import { createHmac } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { upstash } from "@/lib/redis";
import { now } from "@/lib/clock";
import { MemoryStore } from "@/lib/ratelimit/memory-store";
import { UpstashStore, type UpstashStoreOptions } from "@/lib/ratelimit/upstash-store";
import { policy, type Policy, type PolicyName } from "@/lib/ratelimit/policies";
import { StoreUnavailableError, type WindowResult, type WindowStore } from "@/lib/ratelimit/store";
import { rateLimitError, secondsUntil, type LimitDecision } from "@/lib/ratelimit/decision";

export { rateLimitHeaders, rateLimitError, type LimitDecision } from "@/lib/ratelimit/decision";
export { POLICIES, policy, routePolicyFor, type PolicyName } from "@/lib/ratelimit/policies";

type State = {
  memory: MemoryStore;
  upstash?: { client: Redis; store: UpstashStore };
  upstashOptions: UpstashStoreOptions;
};

// On globalThis so middleware and route handlers in one process share counters, and `next dev`
// reloads do not reset them.
const g = globalThis as unknown as { clinicauthRateLimit?: State };

function state(): State {
  g.clinicauthRateLimit ??= { memory: new MemoryStore(), upstashOptions: {} };
  return g.clinicauthRateLimit;
}

function primaryStore(): { store: WindowStore; kind: "upstash" | "memory" } {
  const s = state();
  const client = env().rateLimitStore === "upstash" ? upstash() : null;
  if (!client) return { store: s.memory, kind: "memory" };
  if (s.upstash?.client !== client) s.upstash = { client, store: new UpstashStore(client, s.upstashOptions) };
  return { store: s.upstash.store, kind: "upstash" };
}

function partitionKey(key: string): string {
  return createHmac("sha256", env().otpSecret).update(key).digest("base64url");
}

function decide(p: Policy, result: WindowResult, store: LimitDecision["store"]): LimitDecision {
  return {
    policy: p.name,
    allowed: result.allowed,
    limit: p.limit,
    remaining: result.remaining,
    resetSeconds: secondsUntil(result.resetAt, result.at),
    windowSeconds: p.windowSeconds,
    store,
  };
}

/** Count one request for `key` under the policy. A refusal is counted in the blocks metric. */
export async function checkLimit(name: PolicyName, key: string): Promise<LimitDecision> {
  const p = policy(name);
  const partition = partitionKey(key);
  const primary = primaryStore();
  let decision: LimitDecision;
  try {
    decision = decide(p, await primary.store.hit(p, partition), primary.kind);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    decision = await degrade(p, partition, err);
  }
  if (!decision.allowed) metrics().rateLimited.inc({ policy: name });
  return decision;
}

async function degrade(p: Policy, partition: string, err: StoreUnavailableError): Promise<LimitDecision> {
  metrics().rateLimitErrors.inc({ policy: p.name });
  if (err.reason !== "circuit-open") {
    log().error({ policy: p.name, fallback: p.onStoreFailure, reason: err.reason, err: err.message }, "rate-limit store unavailable");
  }
  if (p.onStoreFailure === "memory") return decide(p, await state().memory.hit(p, partition), "memory");
  const windowMs = p.windowSeconds * 1000;
  const at = now().getTime();
  return decide(p, { allowed: true, remaining: p.limit, resetAt: (Math.floor(at / windowMs) + 1) * windowMs, at }, "none");
}

/** Like checkLimit, but a refusal throws the 429 AppError (with Retry-After and RateLimit headers). */
export async function enforceLimit(name: PolicyName, key: string): Promise<LimitDecision> {
  const decision = await checkLimit(name, key);
  if (!decision.allowed) throw rateLimitError(decision);
  return decision;
}

/**
 * Forget all counters held in this process and rebuild the Upstash store on next use, optionally
 * with other options (tests use a unique key prefix and a short cool-down). For tests and scripts.
 */
export function resetRateLimits(upstashOptions: UpstashStoreOptions = {}): void {
  const s = state();
  s.memory.clear();
  s.upstash = undefined;
  s.upstashOptions = upstashOptions;
}
