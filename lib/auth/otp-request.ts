/**
 * Asking for a code. The answer has the same status and shape whether or not the identifier
 * belongs to an account (no enumeration): unknown and disabled identifiers get a challenge row too,
 * so cooldowns and caps behave identically, but no message is sent.
 */
import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import { metrics } from "@/lib/metrics";
import { recordAudit, maskIdentifier } from "@/lib/auth/audit";
import { assertCountryAllowed, normaliseIdentifier } from "@/lib/auth/identifier";
import { codeHmac, generateCode } from "@/lib/auth/otp-code";
import { deliverOtp } from "@/lib/delivery/send-otp";
import { isAvailable } from "@/lib/delivery/channels";
import { channelUnavailable, DeliveryFailedError } from "@/lib/delivery/errors";
import type { Channel } from "@/lib/delivery/types";
import type { ClientMeta } from "@/lib/auth/sessions";
import type { OtpRequestBody } from "@/lib/schemas/otp";

export type OtpRequestResult = { status: "sent"; channel: Channel; expiresInSeconds: number; resendAfterSeconds: number };

function chooseChannel(kind: "email" | "phone", requested: Channel | undefined): Channel {
  if (kind === "email") {
    if (requested && requested !== "email") throw new AppError("invalid_input", "Email addresses receive codes by email.", { fields: [{ path: "channel", message: "use email for an email address" }] });
    return "email";
  }
  if (requested === "email") throw new AppError("invalid_input", "Phone numbers receive codes by SMS or WhatsApp.", { fields: [{ path: "channel", message: "use sms or whatsapp for a phone number" }] });
  return requested ?? "sms";
}

/** The send caps answer like every other limit: 429, the policy, when to retry; and they are counted. */
function tooMany(policy: "otp-cooldown" | "otp-send-identifier" | "otp-send-ip", message: string, retryAfter: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfter));
  metrics().rateLimited.inc({ policy });
  return new AppError("rate_limited", message, { policy, retryAfter: seconds }, { "retry-after": String(seconds) });
}

export async function requestOtp(input: OtpRequestBody, meta: ClientMeta): Promise<OtpRequestResult> {
  const e = env();
  const id = normaliseIdentifier(input.identifier);
  assertCountryAllowed(id, e.OTP_SMS_COUNTRIES);
  const channel = chooseChannel(id.kind, input.channel);
  if (!isAvailable(channel)) throw channelUnavailable(channel);
  const t = now();
  const hourAgo = new Date(t.getTime() - 3600_000);

  const recent = await db().otpChallenge.findMany({
    where: { identifier: id.value, createdAt: { gt: hourAgo } },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  const last = recent[0];
  if (last) {
    const wait = e.OTP_RESEND_COOLDOWN - (t.getTime() - last.createdAt.getTime()) / 1000;
    if (wait > 0) throw tooMany("otp-cooldown", `Please wait ${Math.ceil(wait)} seconds before asking for another code.`, wait);
  }
  if (recent.length >= e.OTP_MAX_SENDS_PER_IDENTIFIER_HOUR) {
    const oldest = recent[recent.length - 1]!;
    throw tooMany("otp-send-identifier", "Too many codes were requested for this sign-in. Try again later.", 3600 - (t.getTime() - oldest.createdAt.getTime()) / 1000);
  }
  if (meta.ip) {
    const fromIp = await db().otpChallenge.findMany({ where: { ip: meta.ip, createdAt: { gt: hourAgo } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } });
    if (fromIp.length >= e.OTP_MAX_SENDS_PER_IP_HOUR) {
      throw tooMany("otp-send-ip", "Too many codes were requested from this network. Try again later.", 3600 - (t.getTime() - fromIp[0]!.createdAt.getTime()) / 1000);
    }
  }

  const user = await db().user.findUnique({ where: id.kind === "email" ? { email: id.value } : { phone: id.value }, select: { id: true, status: true } });
  const deliverable = user ? user.status === "active" : e.AUTH_ALLOW_SIGNUP;
  const code = generateCode();
  const challenge = await db().$transaction(async (tx) => {
    // A new code supersedes the identifier's older live ones.
    await tx.otpChallenge.updateMany({ where: { identifier: id.value, status: "live" }, data: { status: "superseded" } });
    return tx.otpChallenge.create({
      data: { identifier: id.value, channel, codeHmac: codeHmac(e.otpSecret, id.value, code), ip: meta.ip ?? null, createdAt: t, expiresAt: new Date(t.getTime() + e.OTP_TTL * 1000) },
      select: { id: true },
    });
  });

  let carried: Channel = channel;
  const who = { userId: user?.id, identifier: maskIdentifier(id.value), ip: meta.ip, userAgent: meta.userAgent };
  if (deliverable) {
    try {
      const sent = await deliverOtp({ channel, to: id.value, code, ttlSeconds: e.OTP_TTL, fallback: id.kind === "phone" });
      carried = sent.channel;
      for (const c of sent.budgetExhausted) await recordAudit({ ...who, type: "otp.budget_exhausted", channel: c });
    } catch (err) {
      // A code nobody received must not stay live.
      await db().otpChallenge.update({ where: { id: challenge.id }, data: { status: "delivery_failed" } });
      await recordAudit({ ...who, type: "otp.delivery_failed", channel });
      if (err instanceof DeliveryFailedError) for (const c of err.budgetExhausted) await recordAudit({ ...who, type: "otp.budget_exhausted", channel: c });
      throw err;
    }
    if (carried !== channel) await db().otpChallenge.update({ where: { id: challenge.id }, data: { channel: carried } });
  }
  await recordAudit({ ...who, type: "otp.requested", channel: carried, detail: { delivered: deliverable } });
  return { status: "sent", channel: carried, expiresInSeconds: e.OTP_TTL, resendAfterSeconds: e.OTP_RESEND_COOLDOWN };
}
