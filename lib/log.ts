/**
 * Structured logs (pino). JSON in production, pretty in development.
 * Redaction is a second line of defence: code should never pass secrets to the logger at all.
 */
import pino, { type Logger } from "pino";
import { env } from "@/lib/env";

export const REDACT_PATHS = [
  "authorization",
  "cookie",
  "*.authorization",
  "*.cookie",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.code",
  "*.otp",
  "*.password",
  "*.secret",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
];

const globalForLog = globalThis as unknown as { clinicauthLog?: Logger };

export function createLogger(destination?: pino.DestinationStream): Logger {
  const e = env();
  const options: pino.LoggerOptions = {
    level: e.NODE_ENV === "test" && e.LOG_LEVEL === "info" ? "warn" : e.LOG_LEVEL,
    base: { service: "clinicauth" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (!e.isProduction && process.stdout.isTTY) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname,service" } } });
  }
  return pino(options);
}

export function log(): Logger {
  globalForLog.clinicauthLog ??= createLogger();
  return globalForLog.clinicauthLog;
}

/** Replace the process logger (tests capture lines this way). */
export function setLogger(logger: Logger): void {
  globalForLog.clinicauthLog = logger;
}
