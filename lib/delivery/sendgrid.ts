/**
 * Email through SendGrid's v3 Mail Send API: plain text + HTML, or a dynamic template when
 * SENDGRID_TEMPLATE_ID is set (the template then owns subject and body; we pass the variables).
 */
import "server-only";
import { MailService } from "@sendgrid/mail";
import { env, type Env } from "@/lib/env";
import { providerEndpoints } from "./endpoints";
import { ProviderError, type DeliveryProvider, type EmailMessage } from "./types";

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * MailService builds its own @sendgrid/client and keeps it in the public `client` field, which its
 * typings omit. That client's `setDefaultRequest('baseUrl', …)` is how the SDK itself switches hosts
 * (setDataResidency uses it); we use it for the test stand-in. It must run after setApiKey, which
 * resets baseUrl to the region host.
 */
type WithClient = { client: { setDefaultRequest(key: "baseUrl", value: string): unknown } };

let cached: { env: Env; base: string | undefined; service: MailService } | undefined;

function service(): MailService {
  const e = env();
  const base = providerEndpoints().sendgrid;
  if (cached && cached.env === e && cached.base === base?.href) return cached.service;
  if (!e.SENDGRID_API_KEY) throw new Error("SENDGRID_API_KEY is not configured");
  // Our own instance, not the SDK's module-level singleton, so nothing else can change its key.
  const created = new MailService();
  created.setApiKey(e.SENDGRID_API_KEY);
  created.setTimeout(REQUEST_TIMEOUT_MS);
  if (base) (created as unknown as WithClient).client.setDefaultRequest("baseUrl", base.href);
  cached = { env: e, base: base?.href, service: created };
  return created;
}

export function sendgridProvider(): DeliveryProvider<"email"> {
  return {
    channel: "email",
    kind: "provider",
    async send(message: EmailMessage) {
      const from = env().SENDGRID_FROM;
      if (!from) throw new Error("SENDGRID_FROM is not configured");
      const content = message.template
        ? { templateId: message.template.id, dynamicTemplateData: message.template.data }
        : { subject: message.subject, text: message.text, html: message.html };
      try {
        await service().send({
          to: message.to,
          from,
          ...content,
          // Sign-in mail carries no links worth tracking; an open pixel would only leak when and
          // where a clinician read it.
          trackingSettings: { clickTracking: { enable: false, enableText: false }, openTracking: { enable: false } },
        });
      } catch (err) {
        throw toProviderError(err);
      }
    },
  };
}

/**
 * SendGrid's ResponseError has `code` (the HTTP status) and `response.body.errors[]`; network errors
 * are axios errors whose `config` holds the Bearer key, so only their message is kept.
 */
function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const status = readStatus(err);
  const detail = readErrors(err);
  const message = err instanceof Error ? err.message : "unknown error";
  return new ProviderError("sendgrid", detail ? `${message}: ${detail}` : message, status);
}

function readStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("response" in err) || !("code" in err)) return undefined;
  return typeof err.code === "number" ? err.code : undefined;
}

function readErrors(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("response" in err)) return undefined;
  const body: unknown = (err.response as { body?: unknown } | undefined)?.body;
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return undefined;
  const messages = body.errors
    .map((e: unknown) => (typeof e === "object" && e !== null && "message" in e ? String(e.message) : ""))
    .filter(Boolean);
  return messages.length ? messages.join("; ") : undefined;
}
