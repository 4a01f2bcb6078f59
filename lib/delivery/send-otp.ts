/**
 * Sends a sign-in code: availability check, the channel's hourly budget, the provider, and one
 * fallback between the two phone channels (WhatsApp <-> SMS) when the caller allows it.
 *
 * Metrics (clinicauth_otp_sends_total{channel,outcome}), one per attempt:
 *   sent             the requested channel carried the code
 *   fallback         the other phone channel carried it after the requested one failed
 *   failed           the provider refused or could not be reached
 *   budget_exhausted the channel's hourly budget was spent, nothing was sent
 */
import "server-only";
import { log } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { consumeBudget } from "./budget";
import { availableChannels, isAvailable } from "./channels";
import { channelUnavailable, DeliveryFailedError } from "./errors";
import { maskAddress } from "./mask";
import { otpMessage } from "./messages";
import { dispatch } from "./providers";
import { identifierKindOf, ProviderError, type Channel } from "./types";

export type DeliverOtpInput = {
  channel: Channel;
  /** E.164 phone number or normalised email address, as the OTP service stored it. */
  to: string;
  code: string;
  ttlSeconds: number;
  /** Allow one attempt on the other phone channel if the requested one fails. */
  fallback: boolean;
};

export type DeliverOtpResult = {
  /** The channel that carried the code (differs from the requested one after a fallback). */
  channel: Channel;
  fallbackFrom?: Channel;
  /** Channels whose hourly budget tripped during this call, for the caller's audit event. */
  budgetExhausted: Channel[];
};

type Outcome = "sent" | "failed" | "budget_exhausted";

const FALLBACK: Partial<Record<Channel, Channel>> = { whatsapp: "sms", sms: "whatsapp" };

/** Throws AppError('channel_unavailable', …, { channel, availableChannels }) before any work is done. */
export function assertChannelAvailable(channel: Channel): void {
  if (!isAvailable(channel)) throw channelUnavailable(channel);
}

export async function deliverOtp(input: DeliverOtpInput): Promise<DeliverOtpResult> {
  assertChannelAvailable(input.channel);
  const budgetExhausted: Channel[] = [];
  const tried: Channel[] = [input.channel];

  const first = await attempt(input.channel, input, "sent");
  if (first === "sent") return { channel: input.channel, budgetExhausted };
  if (first === "budget_exhausted") budgetExhausted.push(input.channel);

  const other = FALLBACK[input.channel];
  if (input.fallback && other && isAvailable(other)) {
    tried.push(other);
    const second = await attempt(other, input, "fallback");
    if (second === "sent") {
      log().warn({ event: "delivery.fallback", from: input.channel, to: other }, `code sent by ${other} after ${input.channel} failed`);
      return { channel: other, fallbackFrom: input.channel, budgetExhausted };
    }
    if (second === "budget_exhausted") budgetExhausted.push(other);
  }

  // Alternatives: channels for this kind of identifier that are open and were not just tried.
  const alternatives = availableChannels(identifierKindOf(input.channel)).filter((c) => !tried.includes(c));
  throw new DeliveryFailedError(input.channel, alternatives, budgetExhausted);
}

async function attempt(channel: Channel, input: DeliverOtpInput, success: "sent" | "fallback"): Promise<Outcome> {
  const count = (outcome: string) => metrics().otpSends.inc({ channel, outcome });
  if (!(await consumeBudget(channel))) {
    count("budget_exhausted");
    return "budget_exhausted";
  }
  try {
    await dispatch(otpMessage(channel, { to: input.to, code: input.code, ttlSeconds: input.ttlSeconds }));
    count(success);
    return "sent";
  } catch (err) {
    count("failed");
    logFailure(channel, input.to, err);
    return "failed";
  }
}

/** Provider status, code and message only: never the request (it holds the code and credentials). */
export function logFailure(channel: Channel, to: string, err: unknown): void {
  const detail =
    err instanceof ProviderError
      ? { provider: err.provider, status: err.status, providerCode: err.providerCode, err: err.message }
      : { err: err instanceof Error ? err.message : String(err) };
  log().error({ event: "delivery.failed", channel, to: maskAddress(to), ...detail }, `${channel} delivery failed`);
}
