/** Refresh tokens: 256 random bits, base64url; only their SHA-256 is stored. */
import "server-only";
import { createHash, randomBytes } from "node:crypto";

export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** Shape check before touching the database: 32 bytes in base64url is exactly 43 characters. */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
