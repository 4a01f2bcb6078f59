import { describe, expect, it } from "vitest";
import { SignJWT, UnsecuredJWT, base64url, exportSPKI } from "jose";
import { createHmac } from "node:crypto";
import { env, resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { keyRing, generateSigningJwk, loadKeyRing, resetKeyRing } from "@/lib/auth/keys";
import { ACCESS_TOKEN_TYPE, signAccessToken, verifyAccessToken } from "@/lib/auth/access-token";

const ids = { userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), role: "staff" as const };

async function forge(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const ring = await keyRing();
  const base = { iss: env().jwtIssuer, aud: env().JWT_AUDIENCE, sub: ids.userId, sid: ids.sessionId, role: "staff", jti: "j", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, ...claims };
  return new SignJWT(base).setProtectedHeader({ alg: ring.signing.alg, kid: ring.signing.kid, typ: ACCESS_TOKEN_TYPE, ...header } as { alg: string }).sign(ring.signing.privateKey);
}

const refused = (token: string) => expect(verifyAccessToken(token)).rejects.toMatchObject({ code: "invalid_token" });

describe("access token verification", () => {
  it("accepts a token it signed, with every claim the design lists", async () => {
    const { token } = await signAccessToken(ids);
    const claims = await verifyAccessToken(token);
    expect(claims).toMatchObject({ sub: ids.userId, sid: ids.sessionId, role: "staff" });
    const [h] = token.split(".");
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(h!)));
    expect(header).toMatchObject({ alg: "ES256", typ: ACCESS_TOKEN_TYPE });
    expect(header.kid).toBeTruthy();
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.jti).toBeTruthy();
  });

  it("refuses alg: none", async () => {
    const token = new UnsecuredJWT({ sub: ids.userId, sid: ids.sessionId, role: "admin", jti: "x" }).setIssuer(env().jwtIssuer).setAudience(env().JWT_AUDIENCE).setIssuedAt().setExpirationTime("10m").encode();
    await refused(token);
  });

  it("refuses an HS256 token signed with the public key as the HMAC secret", async () => {
    const ring = await keyRing();
    const pem = await exportSPKI(ring.signing.publicKey as CryptoKey);
    for (const secret of [pem, JSON.stringify(ring.signing.publicJwk)]) {
      const header = base64url.encode(JSON.stringify({ alg: "HS256", kid: ring.signing.kid, typ: ACCESS_TOKEN_TYPE }));
      const payload = base64url.encode(JSON.stringify({ iss: env().jwtIssuer, aud: env().JWT_AUDIENCE, sub: ids.userId, sid: ids.sessionId, role: "admin", jti: "x", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 }));
      const sig = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
      await refused(`${header}.${payload}.${sig}`);
    }
  });

  it("refuses an unknown kid, even when signed by a well-formed key", async () => {
    const stranger = await loadKeyRing([await generateSigningJwk("ES256")]);
    const token = await new SignJWT({ sid: ids.sessionId, role: "staff" }).setProtectedHeader({ alg: "ES256", kid: stranger.signing.kid, typ: ACCESS_TOKEN_TYPE }).setIssuer(env().jwtIssuer).setAudience(env().JWT_AUDIENCE).setSubject(ids.userId).setJti("x").setIssuedAt().setExpirationTime("10m").sign(stranger.signing.privateKey);
    await refused(token);
  });

  it("refuses a token signed by another key under our kid", async () => {
    const ring = await keyRing();
    const stranger = await loadKeyRing([await generateSigningJwk("ES256")]);
    const token = await new SignJWT({ sid: ids.sessionId, role: "staff" }).setProtectedHeader({ alg: "ES256", kid: ring.signing.kid, typ: ACCESS_TOKEN_TYPE }).setIssuer(env().jwtIssuer).setAudience(env().JWT_AUDIENCE).setSubject(ids.userId).setJti("x").setIssuedAt().setExpirationTime("10m").sign(stranger.signing.privateKey);
    await refused(token);
  });

  it("refuses a wrong issuer", async () => refused(await forge({}, { iss: "https://evil.example" })));
  it("refuses a wrong audience", async () => refused(await forge({}, { aud: "another-app" })));
  it("refuses a wrong token type", async () => refused(await forge({ typ: "JWT" }, {})));
  it("refuses a missing session id", async () => refused(await forge({}, { sid: undefined })));

  it("refuses a tampered payload (role raised to admin)", async () => {
    const { token } = await signAccessToken(ids);
    const [h, p, s] = token.split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    const forged = base64url.encode(JSON.stringify({ ...claims, role: "admin" }));
    await refused(`${h}.${forged}.${s}`);
  });

  it("allows 30 s of clock skew after expiry, and not more", async () => {
    const start = Date.now();
    setClock(() => new Date(start));
    const { token } = await signAccessToken(ids);
    setClock(() => new Date(start + (600 + 29) * 1000));
    await expect(verifyAccessToken(token)).resolves.toBeTruthy();
    setClock(() => new Date(start + (600 + 31) * 1000));
    await refused(token);
  });

  it("a rotated key ring keeps verifying tokens from the old key (no logouts)", async () => {
    const oldJwk = await generateSigningJwk("ES256");
    const newJwk = await generateSigningJwk("ES256");
    try {
      process.env.JWT_PRIVATE_JWKS = JSON.stringify({ keys: [oldJwk] });
      resetEnv();
      resetKeyRing();
      const { token } = await signAccessToken(ids);
      process.env.JWT_PRIVATE_JWKS = JSON.stringify({ keys: [newJwk, oldJwk] });
      resetEnv();
      resetKeyRing();
      await expect(verifyAccessToken(token)).resolves.toMatchObject({ sub: ids.userId });
      const fresh = await signAccessToken(ids);
      expect(JSON.parse(new TextDecoder().decode(base64url.decode(fresh.token.split(".")[0]!))).kid).toBe(newJwk.kid);
      expect((await keyRing()).publicJwks.keys.every((k) => !("d" in k))).toBe(true);
      // Once the old key is removed, its tokens stop verifying.
      process.env.JWT_PRIVATE_JWKS = JSON.stringify({ keys: [newJwk] });
      resetEnv();
      resetKeyRing();
      await refused(token);
    } finally {
      delete process.env.JWT_PRIVATE_JWKS;
      resetEnv();
      resetKeyRing();
    }
  });
});
