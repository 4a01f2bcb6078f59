/**
 * Reuse detection is loud. The audit event and the dashboard flag are written in the rotation
 * transaction; this adds the error log, the message to the person on their sign-in channel, and
 * the optional signed webhook. None of these may stop the refusal itself, so failures are logged.
 */
import "server-only";
import { createHmac } from "node:crypto";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { now } from "@/lib/clock";
import { db } from "@/lib/db/client";
import { sendSecurityNotice } from "@/lib/delivery/notices";

type ReuseEvent = { userId: string; sessionId: string; channel: "email" | "sms" | "whatsapp"; ip: string | null };

export const REUSE_NOTICE =
  "ClinicAuth: all your sessions on this sign-in were ended because an old sign-in token was used again. " +
  "If this was not you, tell your clinic's IT team. You can sign in again as usual.";

export async function raiseReuseAlarm(event: ReuseEvent): Promise<void> {
  log().error({ event: "session.reuse_detected", userId: event.userId, sessionId: event.sessionId, ip: event.ip }, "refresh token reuse detected; session revoked");
  await Promise.allSettled([notifyPerson(event), postWebhook(event)]);
}

async function notifyPerson(event: ReuseEvent): Promise<void> {
  try {
    const user = await db().user.findUnique({ where: { id: event.userId }, select: { email: true, phone: true } });
    const to = event.channel === "email" ? user?.email : user?.phone;
    if (to) await sendSecurityNotice(event.channel, to, "Your ClinicAuth sessions were ended", REUSE_NOTICE);
  } catch (err) {
    log().error({ err: err instanceof Error ? err.message : String(err), userId: event.userId }, "reuse notice could not be delivered");
  }
}

/** POST JSON with `X-ClinicAuth-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signWebhook(body: string, secret: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

async function postWebhook(event: ReuseEvent): Promise<void> {
  const { SECURITY_WEBHOOK_URL: url, SECURITY_WEBHOOK_SECRET: secret } = env();
  if (!url) return;
  const body = JSON.stringify({ type: "session.reuse_detected", occurredAt: now().toISOString(), ...event });
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { "x-clinicauth-signature": signWebhook(body, secret, now()) } : {}) },
      body,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) log().error({ status: res.status }, "security webhook answered with an error");
  } catch (err) {
    log().error({ err: err instanceof Error ? err.message : String(err) }, "security webhook could not be reached");
  }
}
