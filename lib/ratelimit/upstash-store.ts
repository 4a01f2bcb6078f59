/**
 * Sliding windows counted in Upstash Redis through @upstash/ratelimit.
 *
 * Three library defaults are overridden on purpose:
 *   - `timeout`: on timeout the library resolves `{ success: true, reason: "timeout" }`, i.e. it lets
 *     the request through. That is acceptable for the global limit and wrong for OTP limits, so a
 *     timeout is turned into StoreUnavailableError here and each policy's own failure mode decides.
 *     The timeout is short (a healthy Upstash answers in a few ms) so a stalled Redis costs little.
 *   - `ephemeralCache`: off. The library's cache of blocked keys is a Map it never prunes (entries go
 *     only when the same key is seen again), so a spread-out flood would grow it without bound; and
 *     it would keep refusing a key after Redis was reset. One Redis round trip per check is the price.
 *   - `analytics` / `enableProtection`: off; they send data to Upstash's dashboard and fetch deny lists
 *     from GitHub, neither of which this deployment wants.
 * After a failure the store stops calling Redis for a short cool-down (a minimal circuit breaker), so
 * an outage costs one timeout per cool-down instead of one per request.
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { Policy } from "@/lib/ratelimit/policies";
import { StoreUnavailableError, type WindowResult, type WindowStore } from "@/lib/ratelimit/store";

export type UpstashStoreOptions = {
  /** Key namespace in Redis; every policy gets `${prefix}:${policy}`. */
  prefix?: string;
  /** Longest wait for Redis before the check counts as failed. */
  timeoutMs?: number;
  /** How long to skip Redis after a failure. */
  cooldownMs?: number;
};

export const DEFAULT_PREFIX = "clinicauth:rl";
export const DEFAULT_TIMEOUT_MS = 500;
export const DEFAULT_COOLDOWN_MS = 5_000;

export class UpstashStore implements WindowStore {
  private readonly limiters = new Map<string, Ratelimit>();
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  /** performance.now() until which Redis is skipped; monotonic, so faked Date in tests cannot wedge it. */
  private skipUntil = 0;

  constructor(
    private readonly redis: Redis,
    options: UpstashStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  }

  async hit(policy: Policy, key: string): Promise<WindowResult> {
    if (performance.now() < this.skipUntil) {
      throw new StoreUnavailableError("circuit-open", "Upstash is being skipped after a recent failure");
    }
    let response: Awaited<ReturnType<Ratelimit["limit"]>>;
    // The library windows by Date.now(), so the decision is timed by the same clock.
    const at = Date.now();
    try {
      response = await this.limiter(policy).limit(key);
    } catch (err) {
      this.trip();
      throw new StoreUnavailableError("error", `Upstash rate-limit call failed: ${messageOf(err)}`, { cause: err });
    }
    if (response.reason === "timeout") {
      this.trip();
      throw new StoreUnavailableError("timeout", `Upstash did not answer within ${this.timeoutMs} ms`);
    }
    return { allowed: response.success, remaining: response.remaining, resetAt: response.reset, at };
  }

  private trip(): void {
    this.skipUntil = performance.now() + this.cooldownMs;
  }

  /** One limiter per policy and shape, so a changed limit (tests, configuration) gets its own. */
  private limiter(policy: Policy): Ratelimit {
    const id = `${policy.name}:${policy.limit}:${policy.windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.slidingWindow(policy.limit, `${policy.windowSeconds} s`),
        prefix: `${this.prefix}:${policy.name}`,
        timeout: this.timeoutMs,
        ephemeralCache: false,
        analytics: false,
        enableProtection: false,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
