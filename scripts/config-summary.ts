/** A one-screen summary of the effective configuration. Names what is set, never the secret values. */
import type { Env } from "../lib/env";

export function configSummary(e: Env): string {
  const set = (v: unknown) => (v ? "set" : "not set");
  const channel = (real: boolean) => (real ? "provider" : e.isProduction && !e.OTP_MOCK_IN_PRODUCTION ? "unavailable" : "mock");
  const lines = [
    `ClinicAuth (${e.NODE_ENV})`,
    `  public URL        ${e.appUrl.origin}   port ${e.PORT}   TRUST_PROXY=${e.TRUST_PROXY}`,
    `  database          ${e.DATABASE_URL ? redactUrl(e.DATABASE_URL) : "not set"} (pool ${e.DATABASE_POOL_MAX})`,
    `  rate-limit store  ${e.rateLimitStore}${e.UPSTASH_REDIS_REST_URL ? ` (${new URL(e.UPSTASH_REDIS_REST_URL).host})` : ""}`,
    `  signing keys      ${e.JWT_PRIVATE_JWKS ? "from JWT_PRIVATE_JWKS" : `generated in ${e.DATA_DIR}/jwks.json (development)`}`,
    `  access token      ${e.ACCESS_TOKEN_TTL}s   session ${e.SESSION_ABSOLUTE_TTL}s   idle staff ${e.SESSION_IDLE_TTL_STAFF}s / admin ${e.SESSION_IDLE_TTL_ADMIN}s`,
    `  OTP               ttl ${e.OTP_TTL}s, ${e.OTP_MAX_ATTEMPTS} attempts, cooldown ${e.OTP_RESEND_COOLDOWN}s, lock after ${e.OTP_LOCK_THRESHOLD} failures`,
    `  channels          email ${channel(Boolean(e.SENDGRID_API_KEY && e.SENDGRID_FROM))}, sms ${channel(Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && (e.TWILIO_FROM || e.TWILIO_MESSAGING_SERVICE_SID)))}, whatsapp ${channel(Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_WHATSAPP_FROM))}`,
    `  signup            ${e.AUTH_ALLOW_SIGNUP ? "open (verified unknown identifiers become staff)" : "admins provision accounts"}`,
    `  metrics token     ${set(e.METRICS_TOKEN)}   security webhook ${set(e.SECURITY_WEBHOOK_URL)}`,
  ];
  return lines.join("\n");
}

function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable)";
  }
}
