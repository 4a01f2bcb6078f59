/**
 * The one place that reads the environment. Everything else calls `env()`.
 *
 * Parsed once with zod; a bad value stops start-up with one line per problem
 * (see `formatEnvIssues`). Development and test get safe defaults so that
 * `npm run dev` works with nothing configured; production demands the values
 * that protect people (signing keys, OTP secret, rate-limit store, APP_URL).
 */
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

/** Whole seconds, positive. Durations are always seconds in the environment. */
const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  );

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    APP_URL: z.url({ protocol: /^https?$/ }).optional(),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Address `npm start` binds: 127.0.0.1 behind a proxy on the same host, 0.0.0.0 on a platform. */
    HOST: z.string().default("0.0.0.0"),
    /** Port of the embedded development database (npm run dev without DATABASE_URL). */
    DEV_DB_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
    DATA_DIR: z.string().default(".data"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    // Database
    DATABASE_URL: optionalString,
    DATABASE_POOL_MAX: count(10),

    // Tokens and sessions
    JWT_PRIVATE_JWKS: optionalString,
    JWT_ISSUER: optionalString,
    JWT_AUDIENCE: z.string().default("clinicauth"),
    ACCESS_TOKEN_TTL: seconds(600),
    JWT_CLOCK_SKEW: z.coerce.number().int().min(0).max(300).default(30),
    SESSION_ABSOLUTE_TTL: seconds(12 * 3600),
    SESSION_IDLE_TTL_STAFF: seconds(15 * 60),
    SESSION_IDLE_TTL_ADMIN: seconds(10 * 60),
    REFRESH_REUSE_GRACE: z.coerce.number().int().min(0).max(120).default(10),
    MAX_SESSIONS_PER_USER: count(5),
    SECURITY_WEBHOOK_URL: z.url().optional(),
    SECURITY_WEBHOOK_SECRET: optionalString,

    // OTP
    OTP_SECRET: optionalString,
    OTP_TTL: seconds(300),
    OTP_MAX_ATTEMPTS: count(5),
    OTP_RESEND_COOLDOWN: z.coerce.number().int().min(0).default(30),
    OTP_MAX_SENDS_PER_IDENTIFIER_HOUR: count(5),
    OTP_MAX_SENDS_PER_IP_HOUR: count(20),
    OTP_LOCK_THRESHOLD: count(10),
    OTP_LOCK_DURATION: seconds(15 * 60),
    OTP_SMS_COUNTRIES: csv,
    OTP_CHANNEL_HOURLY_BUDGET: count(1000),
    OTP_MOCK_IN_PRODUCTION: bool,
    AUTH_ALLOW_SIGNUP: bool,

    // Delivery providers
    SENDGRID_API_KEY: optionalString,
    SENDGRID_FROM: optionalString,
    SENDGRID_TEMPLATE_ID: optionalString,
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: optionalString,
    TWILIO_MESSAGING_SERVICE_SID: optionalString,
    TWILIO_WHATSAPP_FROM: optionalString,
    TWILIO_WHATSAPP_CONTENT_SID: optionalString,
    /** Where the SDKs send requests: unset in production (their defaults); tests point them at a stand-in. */
    TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Also the EU data-residency switch: https://api.eu.sendgrid.com/ */
    SENDGRID_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),

    // Rate limits
    UPSTASH_REDIS_REST_URL: z.url().optional(),
    UPSTASH_REDIS_REST_TOKEN: optionalString,
    RATE_LIMIT_STORE: z.enum(["upstash", "memory"]).optional(),
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),

    // Operations
    METRICS_TOKEN: optionalString,
    AUDIT_RETENTION_DAYS: count(365),
  })
  .superRefine((e, ctx) => {
    const need = (key: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [key], message });
    if (Boolean(e.UPSTASH_REDIS_REST_URL) !== Boolean(e.UPSTASH_REDIS_REST_TOKEN)) {
      need("UPSTASH_REDIS_REST_TOKEN", "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN go together");
    }
    if (e.JWT_PRIVATE_JWKS) {
      try {
        const parsed = JSON.parse(e.JWT_PRIVATE_JWKS) as { keys?: unknown } | unknown[];
        const keys = Array.isArray(parsed) ? parsed : parsed.keys;
        if (!Array.isArray(keys) || keys.length === 0) need("JWT_PRIVATE_JWKS", 'must be a JWK set: {"keys":[...]} with at least one private key');
      } catch {
        need("JWT_PRIVATE_JWKS", "is not valid JSON (it must be a JWK set; see scripts/generate-jwks.ts)");
      }
    }
    if (e.RATE_LIMIT_STORE === "upstash" && !e.UPSTASH_REDIS_REST_URL) {
      need("UPSTASH_REDIS_REST_URL", "RATE_LIMIT_STORE=upstash needs the Upstash REST URL and token");
    }
    if (e.NODE_ENV !== "production") return;
    if (!e.APP_URL) need("APP_URL", "required in production (the public https origin, e.g. https://auth.clinic.example)");
    if (!e.JWT_PRIVATE_JWKS) need("JWT_PRIVATE_JWKS", "required in production (a JWK set with private keys; see docs/PRODUCTION-DEPLOYMENT-CHECKLIST.md)");
    if (!e.OTP_SECRET || e.OTP_SECRET.length < 32) need("OTP_SECRET", "required in production, at least 32 characters");
    if (!e.UPSTASH_REDIS_REST_URL && e.RATE_LIMIT_STORE !== "memory") {
      need("UPSTASH_REDIS_REST_URL", "required in production, or set RATE_LIMIT_STORE=memory on purpose (single instance only)");
    }
    if (!e.METRICS_TOKEN) need("METRICS_TOKEN", "required in production (protects /api/metrics)");
    if (!e.DATABASE_URL) need("DATABASE_URL", "required in production");
  });

export type RawEnv = z.infer<typeof envSchema>;

export type Env = RawEnv & {
  appUrl: URL;
  isProduction: boolean;
  jwtIssuer: string;
  rateLimitStore: "upstash" | "memory";
  otpSecret: string;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** One line per problem, naming the variable; never echoes the value (it may be a secret). */
export function formatEnvIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`);
}

// Development-only fallback: fine for a laptop, refused in production by the schema above.
const DEV_OTP_SECRET = "clinicauth-development-otp-secret-not-for-production";

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) throw new EnvError(formatEnvIssues(result.error));
  const e = result.data;
  const appUrl = new URL(e.APP_URL ?? `http://localhost:${e.PORT}`);
  return {
    ...e,
    appUrl,
    isProduction: e.NODE_ENV === "production",
    jwtIssuer: e.JWT_ISSUER ?? appUrl.origin,
    rateLimitStore: e.RATE_LIMIT_STORE ?? (e.UPSTASH_REDIS_REST_URL ? "upstash" : "memory"),
    otpSecret: e.OTP_SECRET ?? DEV_OTP_SECRET,
  };
}

let cached: Env | undefined;

/** The parsed environment, read once per process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forget the parsed environment, so the next `env()` reads it again. For tests and scripts only. */
export function resetEnv(): void {
  cached = undefined;
}
