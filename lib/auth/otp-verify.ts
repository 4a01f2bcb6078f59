/**
 * Checking a code. Every failure, whatever its cause (wrong code, expired, used, superseded, too
 * many attempts, locked identifier, unknown or disabled person), answers the same "invalid or
 * expired code", so the answer reveals nothing. Failures are committed before the refusal is raised.
 */
import "server-only";
import type { Channel } from "@/lib/generated/prisma/enums";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import { metrics } from "@/lib/metrics";
import { maskIdentifier, recordAudit } from "@/lib/auth/audit";
import { normaliseIdentifier } from "@/lib/auth/identifier";
import { codeMatches } from "@/lib/auth/otp-code";
import { clearFailures, lockedUntil, registerFailure } from "@/lib/auth/otp-lock";
import { createSession, type ClientMeta, type TokenPair } from "@/lib/auth/sessions";

type Failure = "no_live_code" | "wrong_code" | "attempts_exhausted" | "locked" | "no_account" | "disabled";
type Checked = { ok: true; channel: Channel } | { ok: false; reason: Failure; lockedNow: boolean };

export const INVALID_CODE_MESSAGE = "That code is invalid or has expired. Check it, or ask for a new one.";

export type VerifiedSignIn = { pair: TokenPair; user: { id: string; name: string; role: "staff" | "admin"; email: string | null; phone: string | null } };

export async function verifyOtp(input: { identifier: string; code: string }, meta: ClientMeta): Promise<VerifiedSignIn> {
  const e = env();
  const id = normaliseIdentifier(input.identifier);
  const t = now();

  const checked = await db().$transaction(async (tx): Promise<Checked> => {
    if (await lockedUntil(tx, id.value, t)) return { ok: false, reason: "locked", lockedNow: false };
    const [challenge] = await tx.$queryRaw<{ id: string; code_hmac: string; attempts: number; channel: Channel }[]>`
      SELECT id, code_hmac, attempts, channel FROM otp_challenges
      WHERE identifier = ${id.value} AND status = 'live' AND expires_at > ${t}
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`;
    if (!challenge) return { ok: false, reason: "no_live_code", lockedNow: Boolean(await registerFailure(tx, id.value, t)) };
    if (!codeMatches(challenge.code_hmac, e.otpSecret, id.value, input.code)) {
      const attempts = challenge.attempts + 1;
      const exhausted = attempts >= e.OTP_MAX_ATTEMPTS;
      await tx.otpChallenge.update({ where: { id: challenge.id }, data: { attempts, ...(exhausted ? { status: "exhausted" } : {}) } });
      return { ok: false, reason: exhausted ? "attempts_exhausted" : "wrong_code", lockedNow: Boolean(await registerFailure(tx, id.value, t)) };
    }
    await tx.otpChallenge.update({ where: { id: challenge.id }, data: { status: "consumed", consumedAt: t } });
    await clearFailures(tx, id.value);
    return { ok: true, channel: challenge.channel };
  });

  if (!checked.ok) return fail(id.value, checked.reason, checked.lockedNow, meta);

  let user = await db().user.findUnique({
    where: id.kind === "email" ? { email: id.value } : { phone: id.value },
    select: { id: true, name: true, role: true, status: true, email: true, phone: true },
  });
  if (!user && e.AUTH_ALLOW_SIGNUP) {
    user = await db().user.create({
      data: { ...(id.kind === "email" ? { email: id.value } : { phone: id.value }), name: id.kind === "email" ? id.value.split("@")[0]! : id.value, role: "staff" },
      select: { id: true, name: true, role: true, status: true, email: true, phone: true },
    });
    await recordAudit({ type: "user.created", userId: user.id, channel: checked.channel, ip: meta.ip, userAgent: meta.userAgent, detail: { via: "signup" } });
  }
  if (!user) return fail(id.value, "no_account", false, meta);
  if (user.status !== "active") return fail(id.value, "disabled", false, meta, user.id);

  const pair = await createSession({ id: user.id, role: user.role }, checked.channel, meta);
  metrics().verifications.inc({ outcome: "success" });
  await recordAudit({ type: "otp.verified", userId: user.id, sessionId: pair.sessionId, channel: checked.channel, ip: meta.ip, userAgent: meta.userAgent });
  const { status: _status, ...publicUser } = user;
  return { pair, user: publicUser };
}

async function fail(identifier: string, reason: Failure, lockedNow: boolean, meta: ClientMeta, userId?: string): Promise<never> {
  metrics().verifications.inc({ outcome: reason });
  await recordAudit({ type: "otp.failed", userId: userId ?? null, identifier: maskIdentifier(identifier), ip: meta.ip, userAgent: meta.userAgent, detail: { reason } });
  if (lockedNow) await recordAudit({ type: "otp.locked", userId: userId ?? null, identifier: maskIdentifier(identifier), ip: meta.ip, userAgent: meta.userAgent });
  throw new AppError("invalid_code", INVALID_CODE_MESSAGE);
}
