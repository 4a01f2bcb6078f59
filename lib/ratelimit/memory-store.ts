/**
 * In-process sliding-window counter with the same arithmetic as @upstash/ratelimit's
 * `slidingWindow` (its single-region Lua script), so a limit behaves identically whether it is
 * counted here (development, RATE_LIMIT_STORE=memory, Redis outage fallback) or in Redis:
 *
 *   window index  = floor(now / window)
 *   weighted prev = floor((1 - (now % window) / window) * previousCount)
 *   refuse (and do not count) when weighted prev + currentCount >= limit
 *   otherwise currentCount += 1, remaining = limit - (currentCount + weighted prev)
 *   resetAt       = end of the current window
 *
 * Memory is bounded: an entry is useless two windows after its own, and when the table is full the
 * least recently used entry goes. Eviction forgets a count, so the bound is generous; it exists so
 * that a flood of distinct keys cannot exhaust the process, not to be reached in normal use.
 */
import { now as clockNow } from "@/lib/clock";
import type { Policy } from "@/lib/ratelimit/policies";
import type { WindowResult, WindowStore } from "@/lib/ratelimit/store";

type Entry = { window: number; current: number; previous: number; expiresAt: number };

export type MemoryStoreOptions = {
  /** Epoch milliseconds; defaults to the app clock (lib/clock.ts) so tests can move it. */
  now?: () => number;
  /** Most keys held at once, across all policies. */
  maxKeys?: number;
};

export const DEFAULT_MAX_KEYS = 100_000;

export class MemoryStore implements WindowStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => clockNow().getTime());
    this.maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_KEYS);
  }

  async hit(policy: Policy, key: string): Promise<WindowResult> {
    const at = this.now();
    const windowMs = policy.windowSeconds * 1000;
    const window = Math.floor(at / windowMs);
    const id = `${policy.name}:${key}`;
    const entry = this.advance(this.entries.get(id), window, windowMs);

    const weightedPrevious = Math.floor((1 - (at % windowMs) / windowMs) * entry.previous);
    const resetAt = (window + 1) * windowMs;
    const allowed = weightedPrevious + entry.current < policy.limit;
    if (allowed) entry.current += 1;

    // Re-inserting moves the key to the end of the Map's order, which makes the first key the
    // least recently used one when eviction is needed.
    this.entries.delete(id);
    if (entry.current > 0 || entry.previous > 0) this.store(id, entry, at);

    return {
      allowed,
      remaining: allowed ? Math.max(0, policy.limit - (entry.current + weightedPrevious)) : 0,
      resetAt,
      at,
    };
  }

  /** Number of keys held; for tests and diagnostics. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Roll an entry forward to `window`: the current count becomes the previous one, or both lapse. */
  private advance(entry: Entry | undefined, window: number, windowMs: number): Entry {
    const fresh = { window, current: 0, previous: 0, expiresAt: (window + 2) * windowMs };
    if (!entry || entry.window < window - 1) return fresh;
    if (entry.window === window - 1) return { ...fresh, previous: entry.current };
    return entry;
  }

  private store(id: string, entry: Entry, at: number): void {
    // The front of the Map holds the least recently touched keys, which are the likeliest to have
    // lapsed: dropping lapsed ones from there costs O(1) per request, no full scans.
    for (const [oldId, old] of this.entries) {
      if (old.expiresAt > at && this.entries.size < this.maxKeys) break;
      this.entries.delete(oldId);
    }
    this.entries.set(id, entry);
  }
}
