/**
 * Signing keys for access tokens.
 *
 * Production: JWT_PRIVATE_JWKS holds a JWK set of private keys; the first signs, all verify, so a
 * new key can be put first while the old one keeps verifying tokens already issued (no logouts).
 * Development: one ES256 key pair generated once into DATA_DIR/jwks.json and reused after.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { env } from "@/lib/env";

export const SIGNING_ALGORITHMS = ["ES256", "EdDSA"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export type SigningKey = { kid: string; alg: SigningAlgorithm; privateKey: KeyLike; publicKey: KeyLike; publicJwk: JWK };
export type KeyRing = { signing: SigningKey; byKid: Map<string, SigningKey>; publicJwks: { keys: JWK[] } };

function algOf(jwk: JWK): SigningAlgorithm {
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  throw new Error(`Unsupported signing key (kty=${jwk.kty}, crv=${jwk.crv}); use EC P-256 or OKP Ed25519`);
}

/** A new private JWK with kid and alg set. Used by the dev key file and `scripts/generate-jwks.ts`. */
export async function generateSigningJwk(alg: SigningAlgorithm = "ES256"): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: "sig", kid: await calculateJwkThumbprint(jwk) };
}

export async function loadKeyRing(privateJwks: JWK[]): Promise<KeyRing> {
  if (privateJwks.length === 0) throw new Error("The JWK set has no keys");
  const keys: SigningKey[] = [];
  for (const jwk of privateJwks) {
    if (!jwk.d) throw new Error("Every key in JWT_PRIVATE_JWKS must be a private key (has a \"d\" member)");
    const alg = algOf(jwk);
    const { d: _secret, ...pub } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
    const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, ...(pub.y ? { y: pub.y } : {}), kid, alg, use: "sig" };
    keys.push({ kid, alg, publicJwk, privateKey: await importJWK({ ...jwk, alg }, alg), publicKey: await importJWK(publicJwk, alg) });
  }
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  if (byKid.size !== keys.length) throw new Error("Duplicate kid in the JWK set");
  return { signing: keys[0]!, byKid, publicJwks: { keys: keys.map((k) => k.publicJwk) } };
}

/** Reads (or creates once) the development key file. Never used in production. */
export async function ensureDevJwks(dataDir: string): Promise<JWK[]> {
  const file = path.join(dataDir, "jwks.json");
  if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { keys: JWK[] }).keys;
  mkdirSync(dataDir, { recursive: true });
  const keys = [await generateSigningJwk("ES256")];
  // Write then rename so two processes starting together never read a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
  return (JSON.parse(readFileSync(file, "utf8")) as { keys: JWK[] }).keys;
}

let ring: Promise<KeyRing> | undefined;

export function keyRing(): Promise<KeyRing> {
  ring ??= (async () => {
    const e = env();
    if (e.JWT_PRIVATE_JWKS) {
      const parsed = JSON.parse(e.JWT_PRIVATE_JWKS) as { keys?: JWK[] } | JWK[];
      return loadKeyRing(Array.isArray(parsed) ? parsed : (parsed.keys ?? []));
    }
    if (e.isProduction) throw new Error("JWT_PRIVATE_JWKS is required in production");
    return loadKeyRing(await ensureDevJwks(e.DATA_DIR));
  })();
  ring.catch(() => (ring = undefined));
  return ring;
}

/** Forget the loaded keys so the next call reads the environment again (tests, key rotation drills). */
export function resetKeyRing(): void {
  ring = undefined;
}
