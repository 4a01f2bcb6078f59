/**
 * Where the provider SDKs send their requests. Unset in real deployments (the SDKs' own defaults,
 * api.twilio.com and api.sendgrid.com, apply); tests set them to a local stand-in server so the
 * real SDK code paths run end to end without reaching the internet.
 */

// TODO(env): move these two into lib/env.ts (`TWILIO_API_BASE_URL` and `SENDGRID_API_BASE_URL`,
// both `z.url({ protocol: /^https?$/ }).optional()`), then read them from env() here.
// Until then this is the one place in lib/delivery that reads process.env directly.
export type ProviderEndpoints = { twilio?: URL; sendgrid?: URL };

export function providerEndpoints(): ProviderEndpoints {
  return {
    twilio: parseBaseUrl("TWILIO_API_BASE_URL", process.env.TWILIO_API_BASE_URL),
    sendgrid: parseBaseUrl("SENDGRID_API_BASE_URL", process.env.SENDGRID_API_BASE_URL),
  };
}

function parseBaseUrl(name: string, value: string | undefined): URL | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(`${name}: must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${name}: must be an http(s) URL`);
  return url;
}

/** `base` + the path and query of `target`, keeping any path prefix `base` has. */
export function rebase(target: string, base: URL): string {
  const original = new URL(target);
  const prefix = base.pathname.replace(/\/+$/, "");
  return new URL(`${prefix}${original.pathname}${original.search}`, base.origin).href;
}
