/**
 * The Content-Security-Policy, built per request around a fresh nonce.
 *
 * Next.js reads the nonce back out of the request's `content-security-policy` header (the first
 * `'nonce-…'` of `script-src`) while rendering and puts it on its own scripts and stylesheet links;
 * `'strict-dynamic'` then trusts the chunks those scripts load. Pages must render per request for
 * this to work (the root layout reads headers()), since a prerendered page has no nonce.
 */
import { randomBytes } from "node:crypto";

/** Request header that carries the nonce to server components that render their own <script>. */
export const NONCE_HEADER = "x-nonce";

/** 128 random bits in base64, the alphabet Next's nonce parser accepts. */
export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

export type CspOptions = {
  nonce: string;
  /** `next dev` only: React's dev build needs eval, HMR talks over a websocket, dev tools inject styles. */
  development: boolean;
};

export function contentSecurityPolicy({ nonce, development }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // script-src must stay ahead of any script-src-* directive: Next takes the first directive
    // starting with "script-src" when it looks for the nonce.
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(development ? ["'unsafe-eval'"] : [])],
    // `next dev` injects its overlay and HMR styles as <style> elements without a nonce; a nonce
    // in the list would make browsers ignore 'unsafe-inline', so development has no style nonce.
    ["style-src", "'self'", ...(development ? ["'unsafe-inline'"] : [`'nonce-${nonce}'`])],
    // A nonce cannot cover style="" attributes, which React renders for `style` props and Next for
    // some built-in UI. Attribute styles cannot run script or add rules; <style> elements still need
    // the nonce.
    ["style-src-attr", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...(development ? ["ws:"] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    ["frame-ancestors", "'none'"],
    ["form-action", "'self'"],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}
