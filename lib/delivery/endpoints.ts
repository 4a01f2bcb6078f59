/**
 * Where the provider SDKs send their requests. Unset in real deployments (the SDKs' own defaults,
 * api.twilio.com and api.sendgrid.com, apply); tests set them to a local stand-in server so the
 * real SDK code paths run end to end without reaching the internet.
 */

import { env } from "@/lib/env";

export type ProviderEndpoints = { twilio?: URL; sendgrid?: URL };

export function providerEndpoints(): ProviderEndpoints {
  const e = env();
  return {
    twilio: e.TWILIO_API_BASE_URL ? new URL(e.TWILIO_API_BASE_URL) : undefined,
    sendgrid: e.SENDGRID_API_BASE_URL ? new URL(e.SENDGRID_API_BASE_URL) : undefined,
  };
}

/** `base` + the path and query of `target`, keeping any path prefix `base` has. */
export function rebase(target: string, base: URL): string {
  const original = new URL(target);
  const prefix = base.pathname.replace(/\/+$/, "");
  return new URL(`${prefix}${original.pathname}${original.search}`, base.origin).href;
}
