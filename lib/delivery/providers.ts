/** Picks the provider for a channel (real, mock, or none) and hands a message to it. */
import "server-only";
import { channelStatus } from "./channels";
import { channelUnavailable } from "./errors";
import { mockProvider } from "./mock";
import { sendgridProvider } from "./sendgrid";
import { twilioSmsProvider } from "./twilio-sms";
import { twilioWhatsAppProvider } from "./twilio-whatsapp";
import type { Channel, DeliveryProvider, OutboundMessage } from "./types";

const REAL: { [C in Channel]: () => DeliveryProvider<C> } = {
  email: sendgridProvider,
  sms: twilioSmsProvider,
  whatsapp: twilioWhatsAppProvider,
};

/** Throws AppError('channel_unavailable') when the channel may neither send for real nor mock. */
export function providerFor<C extends Channel>(channel: C): DeliveryProvider<C> {
  const status = channelStatus(channel);
  if (status === "unavailable") throw channelUnavailable(channel);
  return status === "provider" ? REAL[channel]() : mockProvider(channel);
}

/** Sends one message on its own channel; rejects with the provider's error. */
export async function dispatch(message: OutboundMessage): Promise<void> {
  // One case per channel so each provider receives exactly its own message type.
  switch (message.channel) {
    case "email":
      return providerFor("email").send(message);
    case "sms":
      return providerFor("sms").send(message);
    case "whatsapp":
      return providerFor("whatsapp").send(message);
  }
}
