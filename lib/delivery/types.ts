/**
 * The delivery layer's vocabulary: channels, the messages they carry, and the one interface every
 * provider (SendGrid, Twilio SMS, Twilio WhatsApp, the development mock) implements.
 */
export const CHANNELS = ["email", "sms", "whatsapp"] as const;
export type Channel = (typeof CHANNELS)[number];

/** Email identifiers only ever use email; phone identifiers choose between SMS and WhatsApp. */
export type IdentifierKind = "email" | "phone";

export function identifierKindOf(channel: Channel): IdentifierKind {
  return channel === "email" ? "email" : "phone";
}

/**
 * `code` rides along only so the development outbox can show it in its own column; real providers
 * never read it (the code is already inside the text or the template variables).
 */
type Common = { to: string; code?: string };

export type EmailMessage = Common & {
  channel: "email";
  subject: string;
  text: string;
  html: string;
  /** SendGrid dynamic template: when present, SendGrid renders the mail from the template instead. */
  template?: { id: string; data: Record<string, string | number> };
};

export type SmsMessage = Common & {
  channel: "sms";
  text: string;
  /** Seconds Twilio may keep the message queued; a code that arrives after it expired is useless. */
  validitySeconds?: number;
};

export type WhatsAppMessage = Common & {
  channel: "whatsapp";
  /** Free-form body: only deliverable inside WhatsApp's 24-hour session window (or the sandbox). */
  text: string;
  /** Approved Content API template (required for business-initiated messages outside the sandbox). */
  template?: { contentSid: string; variables: Record<string, string> };
  validitySeconds?: number;
};

export type OutboundMessage = EmailMessage | SmsMessage | WhatsAppMessage;
export type MessageFor<C extends Channel> = Extract<OutboundMessage, { channel: C }>;

export interface DeliveryProvider<C extends Channel = Channel> {
  readonly channel: C;
  /** "provider" sends for real; "mock" writes to the console and the development outbox. */
  readonly kind: "provider" | "mock";
  /** Resolves when the provider accepted the message; rejects with a `ProviderError` otherwise. */
  send(message: MessageFor<C>): Promise<void>;
}

/**
 * A provider refused or could not be reached. Carries only what is safe to log: the provider's
 * status and error code and its message (never the request, which holds the code and credentials).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: "sendgrid" | "twilio",
    message: string,
    readonly status?: number,
    readonly providerCode?: string | number,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
