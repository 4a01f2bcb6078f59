/**
 * WhatsApp through Twilio. Both addresses carry the `whatsapp:` prefix. Outside the sandbox a
 * business-initiated message must be an approved template, so a Content SID (an AUTHENTICATION
 * template whose variable {{1}} is the code) is used when configured; a plain body otherwise.
 */
import "server-only";
import { env } from "@/lib/env";
import { createTwilioMessage, validityPeriod } from "./twilio-client";
import type { DeliveryProvider, WhatsAppMessage } from "./types";

export function whatsappAddress(number: string): string {
  return `whatsapp:${number.replace(/^whatsapp:/i, "").trim()}`;
}

export function twilioWhatsAppProvider(): DeliveryProvider<"whatsapp"> {
  return {
    channel: "whatsapp",
    kind: "provider",
    async send(message: WhatsAppMessage) {
      const from = env().TWILIO_WHATSAPP_FROM;
      if (!from) throw new Error("TWILIO_WHATSAPP_FROM is not configured");
      const content = message.template
        ? { contentSid: message.template.contentSid, contentVariables: JSON.stringify(message.template.variables) }
        : { body: message.text };
      await createTwilioMessage({
        to: whatsappAddress(message.to),
        from: whatsappAddress(from),
        ...content,
        validityPeriod: validityPeriod(message.validitySeconds),
      });
    },
  };
}
