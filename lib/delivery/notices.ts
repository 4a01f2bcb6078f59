/**
 * Security notices ("all your sessions were ended ...") through the same providers as codes.
 * No budget (they are rare and triggered by our own detection, not by anonymous requests), but
 * availability is respected, and a phone channel whose API call fails falls back to the other one
 * once. Caveat: a plain WhatsApp message outside the 24-hour session window is accepted by the API
 * and fails later (Twilio error 63016, seen only in status callbacks), so it does not fall back.
 */
import "server-only";
import { isAvailable } from "./channels";
import { channelUnavailable, DeliveryFailedError } from "./errors";
import { escapeHtml } from "./messages";
import { dispatch } from "./providers";
import { logFailure } from "./send-otp";
import type { Channel, OutboundMessage } from "./types";

const OTHER_PHONE_CHANNEL: Partial<Record<Channel, Channel>> = { whatsapp: "sms", sms: "whatsapp" };

export async function sendSecurityNotice(channel: Channel, to: string, subject: string, text: string): Promise<void> {
  if (!isAvailable(channel)) throw channelUnavailable(channel);
  if (await trySend(noticeMessage(channel, to, subject, text))) return;
  const other = OTHER_PHONE_CHANNEL[channel];
  if (other && isAvailable(other) && (await trySend(noticeMessage(other, to, subject, text)))) return;
  throw new DeliveryFailedError(channel, []);
}

async function trySend(message: OutboundMessage): Promise<boolean> {
  try {
    await dispatch(message);
    return true;
  } catch (err) {
    logFailure(message.channel, message.to, err);
    return false;
  }
}

function noticeMessage(channel: Channel, to: string, subject: string, text: string): OutboundMessage {
  switch (channel) {
    case "email":
      return { channel, to, subject, text, html: `<!doctype html><html><body><p>${escapeHtml(text)}</p></body></html>` };
    case "sms":
      return { channel, to, text };
    case "whatsapp":
      return { channel, to, text };
  }
}
