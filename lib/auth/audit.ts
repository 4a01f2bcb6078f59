/**
 * The audit trail of auth events. Written once per event, with who, what, when and where,
 * never with a code, token or secret (`detail` carries reasons and counts only).
 */
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { now } from "@/lib/clock";

export const AUDIT_TYPES = [
  "otp.requested",
  "otp.verified",
  "otp.failed",
  "otp.locked",
  "otp.delivery_failed",
  "otp.budget_exhausted",
  "session.created",
  "session.revoked",
  "session.evicted",
  "session.reuse_detected",
  "user.created",
  "user.disabled",
  "user.enabled",
  "user.role_changed",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export type AuditInput = {
  type: AuditType;
  userId?: string | null;
  actorId?: string | null;
  sessionId?: string | null;
  identifier?: string | null;
  channel?: "email" | "sms" | "whatsapp" | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Prisma.InputJsonValue;
};

type Writer = Pick<Prisma.TransactionClient, "auditEvent">;

export async function recordAudit(event: AuditInput, client: Writer = db()): Promise<void> {
  await client.auditEvent.create({
    data: {
      ...event,
      userAgent: event.userAgent?.slice(0, 512) ?? null,
      createdAt: now(),
    },
  });
}

/** j***@clinic.example, +1415*****71: enough for an admin to recognise, not enough to harvest. */
export function maskIdentifier(identifier: string): string {
  const at = identifier.indexOf("@");
  if (at > 0) return `${identifier[0]}***${identifier.slice(at)}`;
  return identifier.length > 6 ? `${identifier.slice(0, 5)}${"*".repeat(identifier.length - 7)}${identifier.slice(-2)}` : "***";
}
