/** SMS through Twilio Programmable Messaging: a Messaging Service when configured, else a from number. */
import "server-only";
import { env } from "@/lib/env";
import { createTwilioMessage, validityPeriod } from "./twilio-client";
import type { DeliveryProvider, SmsMessage } from "./types";

export function twilioSmsProvider(): DeliveryProvider<"sms"> {
  return {
    channel: "sms",
    kind: "provider",
    async send(message: SmsMessage) {
      const e = env();
      // A Messaging Service picks a sender from its pool (geo-match, alphanumeric IDs, failover), so
      // it wins when both are set; TWILIO_FROM is the simple single-number setup.
      const sender = e.TWILIO_MESSAGING_SERVICE_SID
        ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID }
        : { from: e.TWILIO_FROM };
      await createTwilioMessage({
        to: message.to,
        ...sender,
        body: message.text,
        validityPeriod: validityPeriod(message.validitySeconds),
      });
    },
  };
}
