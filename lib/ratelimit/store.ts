/** The contract both counting stores (Upstash and in-memory) fulfil. */
import type { Policy } from "@/lib/ratelimit/policies";

export type WindowResult = {
  allowed: boolean;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** Epoch milliseconds at which the current window ends. */
  resetAt: number;
  /** Epoch milliseconds the store counted at (each store has its own clock). */
  at: number;
};

export interface WindowStore {
  /** Count one request for `key` under `policy`; a refused request is not counted. */
  hit(policy: Policy, key: string): Promise<WindowResult>;
}

/**
 * The shared store could not answer. `reason` separates a fresh failure (worth an error log) from
 * a check skipped while the store cools down after one (counted, not logged again).
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly reason: "error" | "timeout" | "circuit-open",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
