/** The words of a sign-in code message on each channel. Pure: no sending, no environment beyond env(). */
import { env } from "@/lib/env";
import type { Channel, EmailMessage, OutboundMessage, SmsMessage, WhatsAppMessage } from "./types";

export const APP_NAME = "ClinicAuth";

export type OtpContent = { to: string; code: string; ttlSeconds: number };

export function otpMessage(channel: Channel, input: OtpContent): OutboundMessage {
  switch (channel) {
    case "email":
      return otpEmail(input);
    case "sms":
      return otpSms(input);
    case "whatsapp":
      return otpWhatsApp(input);
  }
}

function minutes(ttlSeconds: number): number {
  return Math.max(1, Math.ceil(ttlSeconds / 60));
}

export function otpEmail({ to, code, ttlSeconds }: OtpContent): EmailMessage {
  const m = minutes(ttlSeconds);
  const templateId = env().SENDGRID_TEMPLATE_ID;
  // The code stays out of the subject: subjects show on lock screens and in mail-server logs.
  const subject = `Your ${APP_NAME} sign-in code`;
  const text =
    `Your ${APP_NAME} sign-in code is ${code}\n\n` +
    `It expires in ${m} minute${m === 1 ? "" : "s"} and works once. Do not share it: ${APP_NAME} staff will never ask for it.\n\n` +
    `If you did not try to sign in, you can ignore this email. Nobody can sign in without the code.`;
  const html =
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111">` +
    `<p>Your ${APP_NAME} sign-in code is</p>` +
    `<p style="font-size:28px;font-weight:bold;letter-spacing:4px;font-family:ui-monospace,monospace">${escapeHtml(code)}</p>` +
    `<p>It expires in ${m} minute${m === 1 ? "" : "s"} and works once. Do not share it: ${APP_NAME} staff will never ask for it.</p>` +
    `<p>If you did not try to sign in, you can ignore this email. Nobody can sign in without the code.</p>` +
    `</body></html>`;
  return {
    channel: "email",
    to,
    code,
    subject,
    text,
    html,
    ...(templateId ? { template: { id: templateId, data: { code, minutes: m, appName: APP_NAME } } } : {}),
  };
}

/**
 * The last line is the origin-bound one-time code format (WICG sms-one-time-codes): browsers
 * (WebOTP on Android Chrome, iOS/macOS Safari autofill) offer the code only to that origin.
 * It uses the host name without a port: origins there are https with the default port, and
 * Chromium's parser accepts only [a-zA-Z0-9.-] before the space. Plain ASCII keeps it one GSM-7
 * segment (UCS-2 would halve the segment size and double the bill).
 */
export function otpSms({ to, code, ttlSeconds }: OtpContent): SmsMessage {
  const text = `Your ${APP_NAME} code is ${code}. It expires in ${minutes(ttlSeconds)} min. Do not share it.\n\n@${env().appUrl.hostname} #${code}`;
  return { channel: "sms", to, code, text, validitySeconds: ttlSeconds };
}

export function otpWhatsApp({ to, code, ttlSeconds }: OtpContent): WhatsAppMessage {
  const contentSid = env().TWILIO_WHATSAPP_CONTENT_SID;
  const text = `Your ${APP_NAME} sign-in code is ${code}. It expires in ${minutes(ttlSeconds)} minutes. Do not share it.`;
  return {
    channel: "whatsapp",
    to,
    code,
    text,
    validitySeconds: ttlSeconds,
    // An AUTHENTICATION template's body is fixed by WhatsApp; its one variable {{1}} is the code.
    ...(contentSid ? { template: { contentSid, variables: { "1": code } } } : {}),
  };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
