/**
 * The delivery layer end to end: the real `@sendgrid/mail` and `twilio` SDKs send to a local
 * stand-in for their APIs (tests/support/provider-standin.ts), and these tests assert the exact
 * requests they make, the failure and fallback paths, channel detection, the development outbox
 * and the hourly budget (circuit breaker), in memory and through Upstash.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import pino, { type Logger } from "pino";
import { Redis as IORedis } from "ioredis";
import { resetEnv } from "@/lib/env";
import { log, setLogger } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { setClock } from "@/lib/clock";
import { resetUpstash } from "@/lib/redis";
import { AppError } from "@/lib/http/errors";
import { deliverOtp, assertChannelAvailable } from "@/lib/delivery/send-otp";
import { sendSecurityNotice } from "@/lib/delivery/notices";
import { availableChannels, channelStatus, outboxEnabled } from "@/lib/delivery/channels";
import { clearOutbox, listOutbox, recordOutbox, OUTBOX_LIMIT } from "@/lib/delivery/outbox";
import { resetBudget } from "@/lib/delivery/budget";
import { DeliveryFailedError } from "@/lib/delivery/errors";
import { startProviderStandIn, type ProviderStandIn } from "../support/provider-standin";
import { startUpstashLocal, type UpstashLocal } from "../../scripts/upstash-local/server";

const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN = "stand-in-auth-token";
const SENDGRID_KEY = "SG.stand-in-api-key";
const CODE = "482913";
const PHONE = "+447700900123";
const EMAIL = "nurse@clinic.example";

/** Every variable these tests touch; cleared before each case so cases cannot leak into each other. */
const MANAGED = [
  "NODE_ENV", "APP_URL", "JWT_PRIVATE_JWKS", "OTP_SECRET", "METRICS_TOKEN", "RATE_LIMIT_STORE",
  "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "OTP_MOCK_IN_PRODUCTION", "OTP_CHANNEL_HOURLY_BUDGET",
  "SENDGRID_API_KEY", "SENDGRID_FROM", "SENDGRID_TEMPLATE_ID", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
  "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_WHATSAPP_FROM", "TWILIO_WHATSAPP_CONTENT_SID",
  "TWILIO_API_BASE_URL", "SENDGRID_API_BASE_URL",
] as const;

// Next's typings make NODE_ENV read-only; these tests switch it on purpose.
const processEnv = process.env as Record<string, string | undefined>;

let standin: ProviderStandIn;
let saved: Record<string, string | undefined>;
let previousLogger: Logger;
let logLines: Array<Record<string, unknown>> = [];

function configure(vars: Partial<Record<(typeof MANAGED)[number], string>> = {}): void {
  for (const key of MANAGED) delete processEnv[key];
  Object.assign(processEnv, { NODE_ENV: "test", APP_URL: "https://auth.clinic.example", ...vars });
  resetEnv();
  resetUpstash();
}

const sendgrid = { SENDGRID_API_KEY: SENDGRID_KEY, SENDGRID_FROM: "ClinicAuth <no-reply@clinic.example>" };
const twilioBase = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN };
const sms = { ...twilioBase, TWILIO_FROM: "+15005550006" };
const whatsapp = { ...twilioBase, TWILIO_WHATSAPP_FROM: "+14155238886" };
const pointedAtStandIn = () => ({ TWILIO_API_BASE_URL: standin.url, SENDGRID_API_BASE_URL: standin.url });

const production = {
  NODE_ENV: "production",
  // Present and well-formed is all env validation asks; these tests never sign a token.
  JWT_PRIVATE_JWKS: '{"keys":[{"kty":"EC","crv":"P-256"}]}',
  OTP_SECRET: "x".repeat(40),
  METRICS_TOKEN: "metrics-token",
  RATE_LIMIT_STORE: "memory",
};

async function sendCount(channel: string, outcome: string): Promise<number> {
  const { values } = await metrics().otpSends.get();
  return values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
}

async function circuitOpen(channel: string): Promise<number | undefined> {
  const { values } = await metrics().circuit.get();
  return values.find((v) => v.labels.channel === channel)?.value;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const otp = (channel: "email" | "sms" | "whatsapp", fallback = false) =>
  deliverOtp({ channel, to: channel === "email" ? EMAIL : PHONE, code: CODE, ttlSeconds: 300, fallback });

beforeAll(async () => {
  saved = Object.fromEntries(MANAGED.map((k) => [k, processEnv[k]]));
  standin = await startProviderStandIn({ twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, sendgridApiKey: SENDGRID_KEY });
  previousLogger = log();
  // Capture every log line (pino writes one JSON document per call) to assert what is and is not logged.
  setLogger(pino({ level: "debug" }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }));
});

afterAll(async () => {
  setLogger(previousLogger);
  for (const key of MANAGED) {
    if (saved[key] === undefined) delete processEnv[key];
    else processEnv[key] = saved[key];
  }
  resetEnv();
  resetUpstash();
  await standin.close();
});

beforeEach(() => {
  configure();
  standin.reset();
  resetBudget();
  clearOutbox();
  metrics().otpSends.reset();
  metrics().circuit.reset();
  logLines = [];
});

afterEach(() => {
  // No log line may ever carry the code or a credential, whatever happened (the mock is tested apart).
  const text = JSON.stringify(logLines.filter((l) => l.event !== "delivery.mock"));
  expect(text).not.toContain(CODE);
  expect(text).not.toContain(AUTH_TOKEN);
  expect(text).not.toContain(SENDGRID_KEY);
});

describe("SendGrid (real SDK against the stand-in)", () => {
  it("sends plain text and HTML with the code, from the configured sender, with the Bearer key", async () => {
    configure({ ...sendgrid, ...pointedAtStandIn() });
    await expect(otp("email")).resolves.toEqual({ channel: "email", budgetExhausted: [] });

    expect(standin.requests).toHaveLength(1);
    const [req] = standin.requests;
    expect(req).toMatchObject({ provider: "sendgrid", method: "POST", path: "/v3/mail/send", status: 202 });
    expect(req!.headers.authorization).toBe(`Bearer ${SENDGRID_KEY}`);
    expect(req!.headers["content-type"]).toContain("application/json");
    const body = req!.body as Record<string, unknown>;
    expect(body.from).toEqual({ email: "no-reply@clinic.example", name: "ClinicAuth" });
    expect(body.personalizations).toEqual([{ to: [{ email: EMAIL }] }]);
    expect(body.subject).toBe("Your ClinicAuth sign-in code");
    expect(body.subject).not.toContain(CODE);
    const content = body.content as Array<{ type: string; value: string }>;
    expect(content.map((c) => c.type)).toEqual(["text/plain", "text/html"]);
    expect(content[0]!.value).toContain(`sign-in code is ${CODE}`);
    expect(content[0]!.value).toContain("5 minutes");
    expect(content[1]!.value).toContain(`>${CODE}</p>`);
    expect(body.template_id).toBeUndefined();
    expect(body.tracking_settings).toEqual({ click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: false } });
    expect(await sendCount("email", "sent")).toBe(1);
  });

  it("uses the dynamic template with {code, minutes, appName} when SENDGRID_TEMPLATE_ID is set", async () => {
    configure({ ...sendgrid, SENDGRID_TEMPLATE_ID: "d-0123456789abcdef0123456789abcdef", ...pointedAtStandIn() });
    await otp("email");

    const body = standin.requests[0]!.body as Record<string, unknown>;
    expect(body.template_id).toBe("d-0123456789abcdef0123456789abcdef");
    expect(body.personalizations).toEqual([{ to: [{ email: EMAIL }], dynamic_template_data: { code: CODE, minutes: 5, appName: "ClinicAuth" } }]);
    // The template owns subject and body: nothing of ours may override it.
    expect(body.content).toBeUndefined();
    expect(body.subject).toBeUndefined();
  });

  it("answers a provider 500 with delivery_failed (502) and no alternatives for email", async () => {
    configure({ ...sendgrid, ...sms, ...pointedAtStandIn() });
    standin.fail("email");

    const err = await rejection(otp("email", true));
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect(err.code).toBe("delivery_failed");
    expect(err.status).toBe(502);
    expect(err.details).toEqual({ channel: "email", alternatives: [] });
    expect(err.message).toMatch(/^We could not send your code by email\./);
    // Email has no fallback, even when SMS is configured and fallback was allowed.
    expect(standin.requests.map((r) => r.channel)).toEqual(["email"]);
    expect(await sendCount("email", "failed")).toBe(1);
    const failure = logLines.find((l) => l.event === "delivery.failed");
    expect(failure).toMatchObject({ level: 50, channel: "email", provider: "sendgrid", status: 500, to: "n***@clinic.example" });
    expect(String(failure!.err)).toContain("Internal server error");
  });
});

describe("Twilio SMS (real SDK against the stand-in)", () => {
  it("posts To, From and a Body ending with the origin-bound line, with Basic auth", async () => {
    configure({ ...sms, ...pointedAtStandIn() });
    await expect(otp("sms")).resolves.toEqual({ channel: "sms", budgetExhausted: [] });

    expect(standin.requests).toHaveLength(1);
    const [req] = standin.requests;
    expect(req).toMatchObject({ provider: "twilio", method: "POST", path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, status: 201 });
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64")}`);
    expect(req!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = req!.body as Record<string, string>;
    expect(Object.keys(form).sort()).toEqual(["Body", "From", "To", "ValidityPeriod"]);
    expect(form).toMatchObject({ To: PHONE, From: "+15005550006", ValidityPeriod: "300" });
    expect(form.Body).toContain(`code is ${CODE}`);
    expect(form.Body!.split("\n").at(-1)).toBe(`@auth.clinic.example #${CODE}`);
    // One GSM-7 segment: plain ASCII and at most 160 characters.
    expect(form.Body).toMatch(/^[\x20-\x7e\n]{1,160}$/);
  });

  it("sends through the Messaging Service instead of a From number when one is configured", async () => {
    configure({ ...sms, TWILIO_MESSAGING_SERVICE_SID: "MG0123456789abcdef0123456789abcdef", ...pointedAtStandIn() });
    await otp("sms");

    const form = standin.requests[0]!.body as Record<string, string>;
    expect(form.MessagingServiceSid).toBe("MG0123456789abcdef0123456789abcdef");
    expect(form.From).toBeUndefined();
    expect(form.To).toBe(PHONE);
  });

  it("names WhatsApp as the alternative when SMS fails and fallback was not allowed", async () => {
    configure({ ...sms, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("sms");

    const err = await rejection(otp("sms", false));
    expect(err.code).toBe("delivery_failed");
    expect(err.details).toEqual({ channel: "sms", alternatives: ["whatsapp"] });
    expect(standin.requests.map((r) => r.channel)).toEqual(["sms"]);
  });
});

describe("Twilio WhatsApp (real SDK against the stand-in)", () => {
  it("uses the Content SID template with the code as variable 1 and whatsapp: addresses", async () => {
    configure({ ...whatsapp, TWILIO_WHATSAPP_CONTENT_SID: "HX0123456789abcdef0123456789abcdef", ...pointedAtStandIn() });
    await expect(otp("whatsapp")).resolves.toEqual({ channel: "whatsapp", budgetExhausted: [] });

    const [req] = standin.requests;
    expect(req).toMatchObject({ provider: "twilio", channel: "whatsapp", path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json` });
    const form = req!.body as Record<string, string>;
    expect(Object.keys(form).sort()).toEqual(["ContentSid", "ContentVariables", "From", "To", "ValidityPeriod"]);
    expect(form).toMatchObject({ To: `whatsapp:${PHONE}`, From: "whatsapp:+14155238886", ContentSid: "HX0123456789abcdef0123456789abcdef" });
    expect(JSON.parse(form.ContentVariables!)).toEqual({ "1": CODE });
  });

  it("sends a plain Body without a template, and never doubles a configured whatsapp: prefix", async () => {
    configure({ ...twilioBase, TWILIO_WHATSAPP_FROM: "whatsapp:+14155238886", ...pointedAtStandIn() });
    await otp("whatsapp");

    const form = standin.requests[0]!.body as Record<string, string>;
    expect(form.From).toBe("whatsapp:+14155238886");
    expect(form.To).toBe(`whatsapp:${PHONE}`);
    expect(form.Body).toContain(CODE);
    expect(form.ContentSid).toBeUndefined();
  });

  it("falls back once to SMS when WhatsApp fails, and says SMS carried the code", async () => {
    configure({ ...sms, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("whatsapp");

    await expect(otp("whatsapp", true)).resolves.toEqual({ channel: "sms", fallbackFrom: "whatsapp", budgetExhausted: [] });
    expect(standin.requests.map((r) => [r.channel, r.status])).toEqual([["whatsapp", 500], ["sms", 201]]);
    const form = standin.requestsFor("sms")[0]!.body as Record<string, string>;
    expect(form.To).toBe(PHONE);
    expect(form.Body!.split("\n").at(-1)).toBe(`@auth.clinic.example #${CODE}`);
    expect(await sendCount("whatsapp", "failed")).toBe(1);
    expect(await sendCount("sms", "fallback")).toBe(1);
    expect(await sendCount("sms", "sent")).toBe(0);
  });

  it("falls back from SMS to WhatsApp as well", async () => {
    configure({ ...sms, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("sms");
    await expect(otp("sms", true)).resolves.toMatchObject({ channel: "whatsapp", fallbackFrom: "sms" });
  });

  it("gives delivery_failed with no alternatives left when both phone channels fail", async () => {
    configure({ ...sms, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("whatsapp");
    standin.fail("sms", 503);

    const err = await rejection(otp("whatsapp", true));
    expect(err.code).toBe("delivery_failed");
    expect(err.details).toEqual({ channel: "whatsapp", alternatives: [] });
    expect(err.message).toMatch(/^We could not send your code by WhatsApp\./);
    // Exactly one fallback attempt, not a loop.
    expect(standin.requests.map((r) => r.channel)).toEqual(["whatsapp", "sms"]);
  });

  it("does not fall back to a channel that is unavailable", async () => {
    configure({ ...production, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("whatsapp");

    const err = await rejection(otp("whatsapp", true));
    expect(err.details).toEqual({ channel: "whatsapp", alternatives: [] });
    expect(standin.requests.map((r) => r.channel)).toEqual(["whatsapp"]);
  });
});

describe("channel detection", () => {
  it("uses the mock for every channel in development and test when nothing is configured", () => {
    expect(["email", "sms", "whatsapp"].map((c) => channelStatus(c as "sms"))).toEqual(["mock", "mock", "mock"]);
    expect(availableChannels()).toEqual(["email", "sms", "whatsapp"]);
    expect(outboxEnabled()).toBe(true);
  });

  it("makes a channel without credentials unavailable in production, never mocked", async () => {
    configure({ ...production, ...sms, ...pointedAtStandIn() });
    expect(channelStatus("email")).toBe("unavailable");
    expect(channelStatus("whatsapp")).toBe("unavailable");
    expect(channelStatus("sms")).toBe("provider");
    expect(outboxEnabled()).toBe(false);

    const err = await rejection(otp("whatsapp", true));
    expect(err.code).toBe("channel_unavailable");
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ channel: "whatsapp", availableChannels: ["sms"] });
    expect(() => assertChannelAvailable("email")).toThrow(expect.objectContaining({ code: "channel_unavailable", details: { channel: "email", availableChannels: [] } }));
    expect(standin.requests).toHaveLength(0);
    expect(listOutbox()).toHaveLength(0);
  });

  it("mocks in production only with OTP_MOCK_IN_PRODUCTION=true", async () => {
    configure({ ...production, OTP_MOCK_IN_PRODUCTION: "true" });
    expect(channelStatus("sms")).toBe("mock");
    expect(outboxEnabled()).toBe(true);
    await expect(otp("sms")).resolves.toMatchObject({ channel: "sms" });
    expect(listOutbox({ to: PHONE })).toHaveLength(1);
  });

  it("treats half-configured credentials as not configured", () => {
    configure({ SENDGRID_API_KEY: SENDGRID_KEY, ...twilioBase });
    expect(channelStatus("email")).toBe("mock");
    expect(channelStatus("sms")).toBe("mock");
    configure({ ...production, SENDGRID_API_KEY: SENDGRID_KEY, ...twilioBase });
    expect(availableChannels()).toEqual([]);
  });
});

describe("mock delivery and the development outbox", () => {
  it("writes each message to the outbox, newest first, and sends nothing to a provider", async () => {
    await deliverOtp({ channel: "email", to: EMAIL, code: "111111", ttlSeconds: 300, fallback: false });
    await deliverOtp({ channel: "sms", to: PHONE, code: "222222", ttlSeconds: 300, fallback: false });

    const entries = listOutbox();
    expect(entries.map((e) => [e.channel, e.to, e.code])).toEqual([
      ["sms", PHONE, "222222"],
      ["email", EMAIL, "111111"],
    ]);
    expect(entries[0]!.text.split("\n").at(-1)).toBe("@auth.clinic.example #222222");
    expect(entries[1]!.subject).toBe("Your ClinicAuth sign-in code");
    expect(entries[0]!.id).not.toBe(entries[1]!.id);
    expect(Number.isNaN(Date.parse(entries[0]!.at))).toBe(false);
    expect(listOutbox({ to: EMAIL }).map((e) => e.code)).toEqual(["111111"]);
    expect(standin.requests).toHaveLength(0);
    // The mock prints the code on purpose (and only the mock does).
    const printed = logLines.filter((l) => l.event === "delivery.mock");
    expect(printed).toHaveLength(2);
    expect(String(printed[0]!.msg)).toContain("111111");
  });

  it("keeps at most OUTBOX_LIMIT entries, dropping the oldest", () => {
    for (let i = 0; i < OUTBOX_LIMIT + 5; i++) recordOutbox({ channel: "sms", to: PHONE, text: `message ${i}` });
    const entries = listOutbox();
    expect(entries).toHaveLength(OUTBOX_LIMIT);
    expect(entries[0]!.text).toBe(`message ${OUTBOX_LIMIT + 4}`);
    expect(entries.at(-1)!.text).toBe("message 5");
  });

  it("survives a module reload (kept on globalThis, as next dev re-evaluates modules)", async () => {
    recordOutbox({ channel: "email", to: EMAIL, text: "before reload" });
    vi.resetModules();
    const reloaded = await import("@/lib/delivery/outbox");
    expect(reloaded.listOutbox().map((e) => e.text)).toEqual(["before reload"]);
  });
});

describe("hourly budget (circuit breaker), memory store", () => {
  it("trips on the third send with a budget of 2: error log, gauge 1, nothing sent", async () => {
    configure({ ...sms, OTP_CHANNEL_HOURLY_BUDGET: "2", ...pointedAtStandIn() });
    setClock(() => new Date("2030-01-01T10:15:00Z"));

    await otp("sms");
    await otp("sms");
    expect(await circuitOpen("sms")).toBe(0);
    const err = await rejection(otp("sms"));

    expect(err).toBeInstanceOf(DeliveryFailedError);
    // WhatsApp (the mock, outside production) is still open to the person.
    expect(err.details).toEqual({ channel: "sms", alternatives: ["whatsapp"] });
    expect((err as DeliveryFailedError).budgetExhausted).toEqual(["sms"]);
    expect(standin.requests).toHaveLength(2);
    expect(await circuitOpen("sms")).toBe(1);
    expect(await sendCount("sms", "budget_exhausted")).toBe(1);
    const tripped = logLines.filter((l) => l.event === "delivery.circuit_open");
    expect(tripped).toEqual([expect.objectContaining({ level: 50, channel: "sms", limit: 2, reopensAt: "2030-01-01T11:00:00.000Z" })]);

    // A fourth refusal in the same hour does not log again.
    await rejection(otp("sms"));
    expect(logLines.filter((l) => l.event === "delivery.circuit_open")).toHaveLength(1);

    // The next clock hour has a fresh budget and closes the breaker.
    setClock(() => new Date("2030-01-01T11:00:01Z"));
    await expect(otp("sms")).resolves.toMatchObject({ channel: "sms" });
    expect(await circuitOpen("sms")).toBe(0);
    expect(standin.requests).toHaveLength(3);
  });

  it("counts each channel apart, and a spent budget falls back like a provider failure", async () => {
    configure({ ...sms, ...whatsapp, OTP_CHANNEL_HOURLY_BUDGET: "1", ...pointedAtStandIn() });
    await otp("sms");
    await expect(otp("sms", true)).resolves.toEqual({ channel: "whatsapp", fallbackFrom: "sms", budgetExhausted: ["sms"] });
    expect(standin.requests.map((r) => r.channel)).toEqual(["sms", "whatsapp"]);
    expect(await circuitOpen("whatsapp")).toBe(0);
    expect(await circuitOpen("sms")).toBe(1);
  });
});

describe("hourly budget through Upstash (local REST server in front of the real Redis)", () => {
  const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const TOKEN = `test-${randomUUID()}`;
  let upstashLocal: UpstashLocal;
  let direct: IORedis;
  // A unique far-past hour keeps these keys apart from any other user of the same Redis.
  const hour = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 100_000) * 3_600_000);
  const key = `clinicauth:delivery-budget:sms:${Math.floor(hour.getTime() / 3_600_000)}`;

  beforeAll(async () => {
    upstashLocal = await startUpstashLocal({ port: 0, token: TOKEN, redisUrl: REDIS_URL, log: () => {} });
    direct = new IORedis(REDIS_URL);
  });

  afterAll(async () => {
    await direct?.del(key);
    await direct?.quit();
    await upstashLocal?.close();
  });

  it("counts in Redis with an expiry, so every instance shares the budget", async () => {
    configure({ ...sms, OTP_CHANNEL_HOURLY_BUDGET: "2", UPSTASH_REDIS_REST_URL: upstashLocal.url, UPSTASH_REDIS_REST_TOKEN: TOKEN, ...pointedAtStandIn() });
    setClock(() => hour);

    await otp("sms");
    // Another instance would see the same counter: simulate it by forgetting this process's memory.
    resetBudget();
    await otp("sms");
    await expect(rejection(otp("sms"))).resolves.toMatchObject({ code: "delivery_failed" });

    expect(await direct.get(key)).toBe("3");
    const ttl = await direct.ttl(key);
    expect(ttl).toBeGreaterThan(3600);
    expect(ttl).toBeLessThanOrEqual(3900);
    expect(standin.requests).toHaveLength(2);
    expect(await circuitOpen("sms")).toBe(1);
  });

  it("falls back to counting in memory, never to unlimited, when Upstash cannot be reached", async () => {
    configure({ ...sms, OTP_CHANNEL_HOURLY_BUDGET: "1", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: TOKEN, ...pointedAtStandIn() });
    await otp("sms");
    await expect(rejection(otp("sms"))).resolves.toMatchObject({ code: "delivery_failed" });
    expect(standin.requests).toHaveLength(1);
    expect(logLines.filter((l) => l.event === "delivery.budget_store_error")).toHaveLength(2);
  });
});

describe("security notices", () => {
  it("go through the real provider with the given subject and text", async () => {
    configure({ ...sendgrid, ...pointedAtStandIn() });
    await sendSecurityNotice("email", EMAIL, "Your ClinicAuth sessions were ended", "All your sessions were ended <because>.");

    const body = standin.requests[0]!.body as Record<string, unknown>;
    expect(body.subject).toBe("Your ClinicAuth sessions were ended");
    const content = body.content as Array<{ type: string; value: string }>;
    expect(content[0]).toEqual({ type: "text/plain", value: "All your sessions were ended <because>." });
    expect(content[1]!.value).toContain("All your sessions were ended &#60;because&#62;.");
  });

  it("are not counted against the OTP budget or metrics", async () => {
    configure({ ...sms, OTP_CHANNEL_HOURLY_BUDGET: "1", ...pointedAtStandIn() });
    await sendSecurityNotice("sms", PHONE, "ignored for SMS", "Sessions ended.");
    await sendSecurityNotice("sms", PHONE, "ignored for SMS", "Sessions ended.");
    expect(standin.requests.map((r) => (r.body as Record<string, string>).Body)).toEqual(["Sessions ended.", "Sessions ended."]);
    expect(await sendCount("sms", "sent")).toBe(0);
    await expect(otp("sms")).resolves.toMatchObject({ channel: "sms" });
  });

  it("fall back from a refused WhatsApp message to SMS", async () => {
    configure({ ...sms, ...whatsapp, ...pointedAtStandIn() });
    standin.fail("whatsapp", 400);
    await sendSecurityNotice("whatsapp", PHONE, "s", "Sessions ended.");
    expect(standin.requests.map((r) => [r.channel, r.status])).toEqual([["whatsapp", 400], ["sms", 201]]);
  });

  it("respect availability and report provider failures", async () => {
    configure({ ...production, ...sendgrid, ...pointedAtStandIn() });
    await expect(sendSecurityNotice("sms", PHONE, "s", "t")).rejects.toMatchObject({ code: "channel_unavailable" });
    standin.fail("email");
    await expect(sendSecurityNotice("email", EMAIL, "s", "t")).rejects.toMatchObject({ code: "delivery_failed" });
  });
});
