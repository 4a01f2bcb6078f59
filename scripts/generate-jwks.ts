/**
 * Prints a new private signing key as a JWK set, for JWT_PRIVATE_JWKS.
 *   npx tsx scripts/generate-jwks.ts            -> {"keys":[new]}
 *   npx tsx scripts/generate-jwks.ts --prepend "$JWT_PRIVATE_JWKS"  -> {"keys":[new, ...old]} (rotation)
 * Keep the output secret: it contains private keys.
 */
import { generateSigningJwk } from "../lib/auth/keys";

async function main() {
  const alg = process.argv.includes("--eddsa") ? "EdDSA" : "ES256";
  const i = process.argv.indexOf("--prepend");
  const old = i > 0 ? ((JSON.parse(process.argv[i + 1] ?? "{}") as { keys?: unknown[] }).keys ?? []) : [];
  const fresh = await generateSigningJwk(alg);
  process.stdout.write(`${JSON.stringify({ keys: [fresh, ...old] })}\n`);
}

void main();
