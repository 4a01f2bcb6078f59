/** Liveness of what the app depends on: the database, and Redis when Upstash is configured. */
import "server-only";
import { db } from "@/lib/db/client";
import { upstash } from "@/lib/redis";

type Check = { status: "up" | "down" | "not_configured"; latencyMs?: number; error?: string };

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000))]);
    return { status: "up", latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // The class of failure only; connection strings and hosts stay out of a public endpoint.
    return { status: "down", error: err instanceof Error ? err.name : "error" };
  }
}

export async function checkHealth() {
  const redis = upstash();
  const [database, cache] = await Promise.all([
    timed(() => db().$queryRaw`SELECT 1`),
    redis ? timed(() => redis.ping()) : Promise.resolve<Check>({ status: "not_configured" }),
  ]);
  const ok = database.status === "up" && cache.status !== "down";
  return { status: ok ? "ok" : "degraded", checks: { database, redis: cache } };
}
