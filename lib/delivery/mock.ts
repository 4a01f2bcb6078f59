/**
 * Mock delivery for development (and for production only with OTP_MOCK_IN_PRODUCTION=true): the
 * message goes to the log and the development outbox instead of a provider. It prints the code on
 * purpose, so a developer can sign in with nothing configured; this is the only place that does.
 */
import "server-only";
import { log } from "@/lib/log";
import { recordOutbox } from "./outbox";
import type { Channel, DeliveryProvider, MessageFor, OutboundMessage } from "./types";

export function mockProvider<C extends Channel>(channel: C): DeliveryProvider<C> {
  return {
    channel,
    kind: "mock",
    async send(message: MessageFor<C>) {
      const m: OutboundMessage = message;
      const subject = m.channel === "email" ? m.subject : undefined;
      recordOutbox({ channel: m.channel, to: m.to, subject, text: m.text, code: m.code });
      log().info(
        { event: "delivery.mock", channel: m.channel, to: m.to },
        `[mock ${m.channel}] to ${m.to}${subject ? ` | ${subject}` : ""}\n${m.text}`,
      );
    },
  };
}
