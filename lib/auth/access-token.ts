/**
 * Access tokens: short-lived JWTs, signed with the first key of the key ring.
 *
 * One verification function for the whole app. The algorithm allow-list is the defence against
 * `alg: none` and against HMAC tokens signed with our public key as the secret: jose refuses any
 * algorithm not listed before it looks at the signature, and keys are chosen by `kid` from our
 * own ring, never from the token.
 */
import "server-only";
import { errors, jwtVerify, SignJWT, decodeProtectedHeader } from "jose";
import { z } from "zod";
import { env } from "@/lib/env";
import { keyRing, SIGNING_ALGORITHMS } from "@/lib/auth/keys";
import { AppError } from "@/lib/http/errors";
import { now } from "@/lib/clock";

/** JWT `typ` header for our access tokens (RFC 9068), so an ID token or other JWT is never accepted. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

const claimsSchema = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  role: z.enum(["staff", "admin"]),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
});

export type AccessClaims = z.infer<typeof claimsSchema>;

export async function signAccessToken(input: { userId: string; sessionId: string; role: "staff" | "admin" }): Promise<{ token: string; expiresAt: Date }> {
  const e = env();
  const { signing } = await keyRing();
  const iat = Math.floor(now().getTime() / 1000);
  const exp = iat + e.ACCESS_TOKEN_TTL;
  const token = await new SignJWT({ sid: input.sessionId, role: input.role })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(e.jwtIssuer)
    .setAudience(e.JWT_AUDIENCE)
    .setSubject(input.userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(signing.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}

const invalid = () => new AppError("invalid_token", "The access token is invalid or has expired.");

/** Verifies signature, algorithm, kid, typ, iss, aud and exp (with JWT_CLOCK_SKEW). Throws invalid_token. */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  const e = env();
  const ring = await keyRing();
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw invalid();
  }
  const key = kid ? ring.byKid.get(kid) : undefined;
  if (!key) throw invalid();
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [...SIGNING_ALGORITHMS].filter((a) => a === key.alg),
      issuer: e.jwtIssuer,
      audience: e.JWT_AUDIENCE,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: e.JWT_CLOCK_SKEW,
      currentDate: now(),
      requiredClaims: ["sub", "sid", "iat", "exp", "jti"],
    });
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw invalid();
    return parsed.data;
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof errors.JOSEError) throw invalid();
    throw err;
  }
}
