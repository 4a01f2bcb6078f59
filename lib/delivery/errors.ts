/**
 * The two errors the delivery layer answers with, worded for the person reading them.
 * `details` become part of the JSON error body, so they name channels and nothing else.
 */
import { AppError } from "@/lib/http/errors";
import { availableChannels } from "./channels";
import { identifierKindOf, type Channel } from "./types";

const LABEL: Record<Channel, string> = { email: "email", sms: "SMS", whatsapp: "WhatsApp" };

export function channelLabel(channel: Channel): string {
  return LABEL[channel];
}

export function channelUnavailable(channel: Channel): AppError {
  const open = availableChannels(identifierKindOf(channel));
  return new AppError("channel_unavailable", `Sign-in codes cannot be sent by ${LABEL[channel]} at the moment.`, {
    channel,
    availableChannels: open,
  });
}

/**
 * 502 delivery_failed. `alternatives` are the channels still worth trying for this identifier;
 * `budgetExhausted` (not sent to the client) tells the caller which circuit breakers tripped, so
 * it can write the audit event.
 */
export class DeliveryFailedError extends AppError {
  constructor(
    readonly channel: Channel,
    readonly alternatives: Channel[],
    readonly budgetExhausted: Channel[] = [],
  ) {
    const instead = alternatives.length ? ` You can ask for it by ${alternatives.map((c) => LABEL[c]).join(" or ")} instead.` : " Please try again in a few minutes.";
    super("delivery_failed", `We could not send your code by ${LABEL[channel]}.${instead}`, { channel, alternatives });
    this.name = "DeliveryFailedError";
  }
}
