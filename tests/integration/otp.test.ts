/**
 * The OTP service with an injected clock, on the real database, with mock delivery (the outbox).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { requestOtp } from "@/lib/auth/otp-request";
import { verifyOtp } from "@/lib/auth/otp-verify";
import { clearOutbox, listOutbox } from "@/lib/delivery/outbox";
import { makeUser } from "../support/factories";

let t = Date.now();
let ipSeq = 0;
const advance = (s: number) => (t += s * 1000);
const meta = () => ({ ip: `192.0.2.${ipSeq}`, userAgent: "vitest" });
const lastCode = (to: string) => listOutbox({ to })[0]?.code;

async function request(identifier: string, channel?: "email" | "sms" | "whatsapp") {
  return requestOtp({ identifier, ...(channel ? { channel } : {}) }, meta());
}
const verify = (identifier: string, code: string) => verifyOtp({ identifier, code }, meta());
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

beforeEach(() => {
  t = Date.now();
  ipSeq++;
  setClock(() => new Date(t));
  clearOutbox();
});
afterEach(() => {
  for (const k of ["OTP_MAX_SENDS_PER_IP_HOUR", "OTP_MAX_SENDS_PER_IDENTIFIER_HOUR", "AUTH_ALLOW_SIGNUP"]) delete process.env[k];
  resetEnv();
});

describe("OTP request and verify", () => {
  it("issues a 6-digit code, stores only its HMAC, and signs the person in once", async () => {
    const user = await makeUser();
    const res = await request(user.email!);
    expect(res).toEqual({ status: "sent", channel: "email", expiresInSeconds: 300, resendAfterSeconds: 30 });
    const code = lastCode(user.email!)!;
    expect(code).toMatch(/^\d{6}$/);
    const row = await db().otpChallenge.findFirstOrThrow({ where: { identifier: user.email! }, orderBy: { createdAt: "desc" } });
    expect(row.codeHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(row.codeHmac).not.toContain(code);
    const signedIn = await verify(user.email!, code);
    expect(signedIn.user.id).toBe(user.id);
    expect(signedIn.pair.accessToken).toBeTruthy();
    await expect(verify(user.email!, code)).rejects.toMatchObject({ code: "invalid_code" }); // single use
  });

  it("a code expires after 5 minutes", async () => {
    const user = await makeUser();
    await request(user.email!);
    const code = lastCode(user.email!)!;
    advance(301);
    await expect(verify(user.email!, code)).rejects.toMatchObject({ code: "invalid_code" });
  });

  it("a new code supersedes the older live one", async () => {
    const user = await makeUser();
    await request(user.email!);
    const first = lastCode(user.email!)!;
    advance(31);
    await request(user.email!);
    const second = lastCode(user.email!)!;
    if (first !== second) await expect(verify(user.email!, first)).rejects.toMatchObject({ code: "invalid_code" });
    await expect(verify(user.email!, second)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it("5 wrong attempts kill the code, even if the right one comes next", async () => {
    const user = await makeUser();
    await request(user.email!);
    const code = lastCode(user.email!)!;
    for (let i = 0; i < 5; i++) await expect(verify(user.email!, wrong(code))).rejects.toMatchObject({ code: "invalid_code" });
    await expect(verify(user.email!, code)).rejects.toMatchObject({ code: "invalid_code" });
  });

  it("failures count across codes; 10 in a row lock the identifier 15 min, then 30 min; a resend does not reset it", async () => {
    process.env.OTP_MAX_SENDS_PER_IDENTIFIER_HOUR = "50";
    resetEnv();
    const user = await makeUser();
    const fail = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const code = lastCode(user.email!)!;
        await expect(verify(user.email!, wrong(code))).rejects.toMatchObject({ code: "invalid_code" });
      }
    };
    await request(user.email!);
    await fail(4);
    advance(31);
    await request(user.email!); // a fresh code must not reset the count
    await fail(4);
    advance(31);
    await request(user.email!);
    await fail(2); // 10th failure: locked
    const lock = await db().identifierLock.findUniqueOrThrow({ where: { identifier: user.email! } });
    expect(lock.lockedUntil!.getTime() - t).toBe(15 * 60 * 1000);
    advance(31);
    await request(user.email!);
    // The lock answers like any wrong code, even for the right one.
    await expect(verify(user.email!, lastCode(user.email!)!)).rejects.toMatchObject({ code: "invalid_code" });
    advance(15 * 60);
    await request(user.email!);
    await fail(5);
    advance(31);
    await request(user.email!);
    await fail(5); // second lock: doubled
    const second = await db().identifierLock.findUniqueOrThrow({ where: { identifier: user.email! } });
    expect(second.lockedUntil!.getTime() - t).toBe(30 * 60 * 1000);
    advance(30 * 60 + 1);
    await request(user.email!);
    await expect(verify(user.email!, lastCode(user.email!)!)).resolves.toBeTruthy();
    expect(await db().identifierLock.findUnique({ where: { identifier: user.email! } })).toBeNull(); // success clears it
    expect(await db().auditEvent.count({ where: { type: "otp.locked", identifier: { startsWith: user.email![0]! } } })).toBeGreaterThanOrEqual(2);
  });

  it("resend cooldown is 30 s and tells when to retry", async () => {
    const user = await makeUser();
    await request(user.email!);
    advance(10);
    await expect(request(user.email!)).rejects.toMatchObject({ code: "rate_limited", details: { retryAfter: 20 } });
    advance(20);
    await expect(request(user.email!)).resolves.toMatchObject({ status: "sent" });
  });

  it("at most 5 sends per identifier per hour", async () => {
    const user = await makeUser();
    for (let i = 0; i < 5; i++) {
      await request(user.email!);
      advance(31);
    }
    await expect(request(user.email!)).rejects.toMatchObject({ code: "rate_limited" });
    advance(3600);
    await expect(request(user.email!)).resolves.toMatchObject({ status: "sent" });
  });

  it("at most 20 sends per IP per hour, across identifiers", async () => {
    process.env.OTP_MAX_SENDS_PER_IP_HOUR = "3";
    resetEnv();
    const people = await Promise.all([makeUser(), makeUser(), makeUser(), makeUser()]);
    for (const p of people.slice(0, 3)) await request(p.email!);
    await expect(request(people[3]!.email!)).rejects.toMatchObject({ code: "rate_limited" });
  });

  it("unknown identifiers get the same answer and no message", async () => {
    const known = await makeUser();
    const a = await request(known.email!);
    const b = await request(`nobody-${Date.now()}@clinic.example`);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(b).toEqual(a);
    expect(listOutbox()).toHaveLength(1);
  });

  it("disabled people get no code and cannot sign in", async () => {
    const user = await makeUser();
    await db().user.update({ where: { id: user.id }, data: { status: "disabled" } });
    await expect(request(user.email!)).resolves.toMatchObject({ status: "sent" });
    expect(listOutbox({ to: user.email! })).toHaveLength(0);
  });

  it("AUTH_ALLOW_SIGNUP lets a verified unknown identifier become staff", async () => {
    process.env.AUTH_ALLOW_SIGNUP = "true";
    resetEnv();
    const email = `new-${Date.now()}@clinic.example`;
    await request(email);
    const res = await verify(email, lastCode(email)!);
    expect(res.user.role).toBe("staff");
    expect(await db().user.count({ where: { email } })).toBe(1);
  });

  it("phones default to SMS and may choose WhatsApp; the SMS ends with the origin-bound line", async () => {
    const user = await makeUser("staff", { phone: "+14155550" + String(100 + ipSeq).slice(-3) });
    await expect(request(user.phone!)).resolves.toMatchObject({ channel: "sms" });
    const sms = listOutbox({ to: user.phone! })[0]!;
    expect(sms.channel).toBe("sms");
    expect(sms.text.trim().split("\n").at(-1)).toBe(`@localhost #${sms.code}`);
    advance(31);
    await expect(request(user.phone!, "whatsapp")).resolves.toMatchObject({ channel: "whatsapp" });
    const code = lastCode(user.phone!)!;
    const res = await verify(user.phone!, code);
    const session = await db().session.findUniqueOrThrow({ where: { id: res.pair.sessionId } });
    expect(session.channel).toBe("whatsapp");
  });

  it("refuses email for phones and phones' channels for emails", async () => {
    await expect(request("a@clinic.example", "sms")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(request("+14155552671", "email")).rejects.toMatchObject({ code: "invalid_input" });
  });
});
