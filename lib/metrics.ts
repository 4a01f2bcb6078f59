/**
 * Prometheus metrics (prom-client), one registry per process, exposed at /api/metrics.
 * Kept on globalThis so `next dev` reloads do not register the same metric twice.
 */
import "server-only";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { CHANNELS } from "@/lib/delivery/types";

export const REFRESH_OUTCOMES = ["rotated", "grace", "reuse_revoked", "invalid"] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "clinicauth_process_" });
  return {
    registry,
    requests: new Histogram({
      name: "clinicauth_http_request_duration_seconds",
      help: "HTTP requests handled by route handlers, by route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    refresh: new Counter({ name: "clinicauth_refresh_total", help: "Refresh attempts by outcome", labelNames: ["outcome"] as const, registers: [registry] }),
    otpSends: new Counter({ name: "clinicauth_otp_sends_total", help: "OTP sends by channel and outcome", labelNames: ["channel", "outcome"] as const, registers: [registry] }),
    verifications: new Counter({ name: "clinicauth_otp_verifications_total", help: "OTP verifications by outcome", labelNames: ["outcome"] as const, registers: [registry] }),
    rateLimited: new Counter({ name: "clinicauth_rate_limit_blocks_total", help: "Requests refused by a rate-limit policy", labelNames: ["policy"] as const, registers: [registry] }),
    rateLimitErrors: new Counter({ name: "clinicauth_rate_limit_store_errors_total", help: "Rate-limit store failures (fail-open or memory fallback)", labelNames: ["policy"] as const, registers: [registry] }),
    reuse: new Counter({ name: "clinicauth_refresh_reuse_detected_total", help: "Rotated refresh tokens presented after the grace window", registers: [registry] }),
    circuit: new Gauge({ name: "clinicauth_delivery_circuit_open", help: "1 when a channel's hourly budget is spent and sending is stopped", labelNames: ["channel"] as const, registers: [registry] }),
    // Set from the database by lib/ops/active-sessions.ts at each scrape, not here: this module is
    // also loaded by middleware.ts and must stay free of Prisma.
    activeSessions: new Gauge({ name: "clinicauth_active_sessions", help: "Sessions not revoked and not past their absolute expiry (counted in the database at scrape time)", registers: [registry] }),
  };
}

type Metrics = ReturnType<typeof build>;

/**
 * Known label sets start at 0, so the series exist from the first scrape: `rate()` and
 * `increase()` then see the first event, and alert rules are not silently empty before it.
 */
function zeroKnownSeries(m: Metrics): Metrics {
  for (const outcome of REFRESH_OUTCOMES) m.refresh.inc({ outcome }, 0);
  for (const channel of CHANNELS) m.circuit.set({ channel }, 0);
  return m;
}

const g = globalThis as unknown as { clinicauthMetrics?: Metrics };

export function metrics(): Metrics {
  g.clinicauthMetrics ??= zeroKnownSeries(build());
  return g.clinicauthMetrics;
}

export function countRefresh(outcome: RefreshOutcome): void {
  metrics().refresh.inc({ outcome });
  if (outcome === "reuse_revoked") metrics().reuse.inc();
}
