/**
 * The active-sessions gauge, counted in the database when /api/metrics is scraped. Sessions live in
 * Postgres and are shared by every instance, so a count kept in process memory would be wrong as
 * soon as a second instance runs or a session simply expires; one indexed COUNT per scrape is cheap.
 */
import "server-only";
import { db } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { log } from "@/lib/log";
import { metrics } from "@/lib/metrics";

// Well inside Prometheus' default 10 s scrape timeout: a slow database must not cost the whole scrape.
const SAMPLE_TIMEOUT_MS = 2_000;

/** Live = not revoked and before its absolute expiry (idle-expired sessions count until a refresh ends them). */
export function countActiveSessions(at: Date = now()): Promise<number> {
  return db().session.count({ where: { revokedAt: null, expiresAt: { gt: at } } });
}

/**
 * Refreshes the gauge. On failure the previous value is kept and the error logged: every other
 * metric is still worth serving while the database is unwell (/api/health reports that outage).
 */
export async function sampleActiveSessions(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${SAMPLE_TIMEOUT_MS} ms`)), SAMPLE_TIMEOUT_MS);
    });
    metrics().activeSessions.set(await Promise.race([countActiveSessions(), timeout]));
  } catch (err) {
    log().error({ event: "metrics.active_sessions_failed", err: err instanceof Error ? err.message : String(err) }, "could not count active sessions for /api/metrics");
  } finally {
    clearTimeout(timer);
  }
}
