/** The shared Upstash REST client, when Upstash is configured. */
import "server-only";
import { Redis } from "@upstash/redis";
import { env } from "@/lib/env";

const globalForRedis = globalThis as unknown as { clinicauthRedis?: Redis | null };

export function upstash(): Redis | null {
  if (globalForRedis.clinicauthRedis !== undefined) return globalForRedis.clinicauthRedis;
  const e = env();
  globalForRedis.clinicauthRedis =
    e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
      ? new Redis({
          url: e.UPSTASH_REDIS_REST_URL,
          token: e.UPSTASH_REDIS_REST_TOKEN,
          // A dead Redis must not hold requests hostage: fail fast, callers fall back.
          retry: { retries: 0 },
          automaticDeserialization: false,
        })
      : null;
  return globalForRedis.clinicauthRedis;
}

export function resetUpstash(): void {
  globalForRedis.clinicauthRedis = undefined;
}
