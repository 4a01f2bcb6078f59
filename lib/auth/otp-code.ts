/** One-time codes: 6 digits from a CSPRNG, kept only as HMAC-SHA256, compared in constant time. */
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";

export function generateCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}

/** Bound to the identifier, so a code hash is useless for any other person. */
export function codeHmac(secret: string, identifier: string, code: string): string {
  return createHmac("sha256", secret).update(`${identifier}:${code}`).digest("hex");
}

export function codeMatches(expectedHex: string, secret: string, identifier: string, code: string): boolean {
  const a = Buffer.from(expectedHex, "hex");
  const b = Buffer.from(codeHmac(secret, identifier, code), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
