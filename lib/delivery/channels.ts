/**
 * Which channels can send, decided per channel from the environment alone:
 * credentials set -> the real provider; otherwise the mock, except in production, where a channel
 * without credentials is unavailable unless OTP_MOCK_IN_PRODUCTION=true was chosen on purpose.
 * (scripts/config-summary.ts prints the same rules at start-up.)
 */
import { env, type Env } from "@/lib/env";
import { CHANNELS, identifierKindOf, type Channel, type IdentifierKind } from "./types";

export type ChannelStatus = "provider" | "mock" | "unavailable";

export function hasCredentials(channel: Channel, e: Env = env()): boolean {
  const twilio = Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN);
  switch (channel) {
    case "email":
      return Boolean(e.SENDGRID_API_KEY && e.SENDGRID_FROM);
    case "sms":
      return twilio && Boolean(e.TWILIO_FROM || e.TWILIO_MESSAGING_SERVICE_SID);
    case "whatsapp":
      return twilio && Boolean(e.TWILIO_WHATSAPP_FROM);
  }
}

/** Mock delivery is allowed everywhere but production, and there only when explicitly enabled. */
export function mockAllowed(e: Env = env()): boolean {
  return !e.isProduction || e.OTP_MOCK_IN_PRODUCTION;
}

export function channelStatus(channel: Channel): ChannelStatus {
  const e = env();
  if (hasCredentials(channel, e)) return "provider";
  return mockAllowed(e) ? "mock" : "unavailable";
}

export function isAvailable(channel: Channel): boolean {
  return channelStatus(channel) !== "unavailable";
}

/** Channels that can send now, optionally only those serving one kind of identifier. */
export function availableChannels(kind?: IdentifierKind): Channel[] {
  return CHANNELS.filter((c) => (kind === undefined || identifierKindOf(c) === kind) && isAvailable(c));
}

/** The `/dev/outbox` page and endpoint exist exactly where the mock may run. */
export function outboxEnabled(): boolean {
  return mockAllowed();
}
