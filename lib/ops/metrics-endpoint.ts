/**
 * /api/metrics: the process's Prometheus registry as text.
 *
 * Metric labels reveal traffic shape and failure patterns, so production requires
 * `Authorization: Bearer <METRICS_TOKEN>`. Outside production the endpoint is open for local
 * Prometheus/curl, unless a token is configured, in which case it is required there too.
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { metrics } from "@/lib/metrics";
import { sampleActiveSessions } from "@/lib/ops/active-sessions";

export async function metricsResponse(headers: Headers): Promise<Response> {
  authorizeScrape(headers.get("authorization"));
  await sampleActiveSessions();
  const { registry } = metrics();
  return new Response(await registry.metrics(), {
    status: 200,
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}

/** Throws the one 401 shape unless the scrape may proceed. */
export function authorizeScrape(authorization: string | null): void {
  const e = env();
  // env() already refuses to start in production without METRICS_TOKEN; the check here keeps a
  // misconfiguration from ever meaning "open".
  if (!e.METRICS_TOKEN && !e.isProduction) return;
  const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1];
  if (e.METRICS_TOKEN && presented !== undefined && sameSecret(presented, e.METRICS_TOKEN)) return;
  throw new AppError("unauthorized", "A valid metrics token is required.", {}, { "www-authenticate": 'Bearer realm="metrics"' });
}

/**
 * Constant-time comparison. Hashing first gives both sides the same length, so neither the
 * content nor the length of the configured token leaks through timing.
 */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
