/**
 * Per-channel global hourly send budget: the circuit breaker against SMS pumping and runaway bills.
 * Every send attempt spends one unit from its channel's budget for the current clock hour. Once the
 * budget (OTP_CHANNEL_HOURLY_BUDGET) is spent the breaker is open until the hour turns: one error
 * log line when it trips, the `clinicauth_delivery_circuit_open` gauge at 1, and `false` returned so
 * the caller can write the audit event and answer without sending.
 *
 * Counted in Upstash (INCR + EXPIRE in one MULTI) when Upstash is the configured store, so every
 * instance shares one budget; in memory otherwise (one budget per process). If Upstash cannot be
 * reached the count falls back to memory: never to "unlimited".
 */
import "server-only";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { now } from "@/lib/clock";
import { upstash } from "@/lib/redis";
import type { Channel } from "./types";

const WINDOW_SECONDS = 3600;
// Longer than the window so a key never vanishes while its hour is still being counted.
const KEY_TTL_SECONDS = WINDOW_SECONDS + 300;

const memory = globalThis as unknown as { clinicauthDeliveryBudget?: Map<string, number> };

function memoryStore(): Map<string, number> {
  memory.clinicauthDeliveryBudget ??= new Map();
  return memory.clinicauthDeliveryBudget;
}

function incrementInMemory(key: string, window: number): number {
  const store = memoryStore();
  for (const k of store.keys()) if (!k.endsWith(`:${window}`)) store.delete(k); // drop past hours
  const count = (store.get(key) ?? 0) + 1;
  store.set(key, count);
  return count;
}

async function increment(key: string, window: number, channel: Channel): Promise<number> {
  const redis = env().rateLimitStore === "upstash" ? upstash() : null;
  if (!redis) return incrementInMemory(key, window);
  try {
    const [count] = await redis.multi().incr(key).expire(key, KEY_TTL_SECONDS).exec<[number, number]>();
    return Number(count);
  } catch (err) {
    metrics().rateLimitErrors.inc({ policy: `delivery_budget_${channel}` });
    log().error({ event: "delivery.budget_store_error", channel, err: err instanceof Error ? err.message : String(err) }, "delivery budget store unreachable; counting in memory");
    return incrementInMemory(key, window);
  }
}

/** Spends one send from the channel's hourly budget. `false`: the budget is spent, do not send. */
export async function consumeBudget(channel: Channel): Promise<boolean> {
  const limit = env().OTP_CHANNEL_HOURLY_BUDGET;
  const window = Math.floor(now().getTime() / 1000 / WINDOW_SECONDS);
  const count = await increment(`clinicauth:delivery-budget:${channel}:${window}`, window, channel);
  const allowed = count <= limit;
  metrics().circuit.set({ channel }, allowed ? 0 : 1);
  if (!allowed && count === limit + 1) {
    // Once per channel per hour (the counter passes limit+1 exactly once, across all instances).
    log().error(
      { event: "delivery.circuit_open", channel, limit, reopensAt: new Date((window + 1) * WINDOW_SECONDS * 1000).toISOString() },
      `hourly ${channel} send budget of ${limit} is spent; ${channel} sending is stopped until the hour turns`,
    );
  }
  return allowed;
}

/** Forget in-memory counts (tests). Upstash keys expire on their own. */
export function resetBudget(): void {
  memoryStore().clear();
}
