/**
 * Failures per identifier across codes (NIST SP 800-63B rev 4, 3.1.3.2): asking for a new code does
 * not reset the count. After OTP_LOCK_THRESHOLD consecutive failures the identifier is locked for
 * OTP_LOCK_DURATION, doubling with each further lock. A success clears it.
 */
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

type Tx = Prisma.TransactionClient;

export async function lockedUntil(tx: Tx, identifier: string, at: Date): Promise<Date | null> {
  const row = await tx.identifierLock.findUnique({ where: { identifier }, select: { lockedUntil: true } });
  return row?.lockedUntil && row.lockedUntil > at ? row.lockedUntil : null;
}

/** Counts one failure; returns the new lock end when this failure tripped a lock. */
export async function registerFailure(tx: Tx, identifier: string, at: Date): Promise<Date | null> {
  const e = env();
  const row = await tx.identifierLock.upsert({
    where: { identifier },
    create: { identifier, failures: 1 },
    update: { failures: { increment: 1 } },
  });
  if (row.failures < e.OTP_LOCK_THRESHOLD) return null;
  const until = new Date(at.getTime() + e.OTP_LOCK_DURATION * 1000 * 2 ** row.lockCount);
  await tx.identifierLock.update({ where: { identifier }, data: { failures: 0, lockCount: { increment: 1 }, lockedUntil: until } });
  return until;
}

export async function clearFailures(tx: Tx, identifier: string): Promise<void> {
  await tx.identifierLock.deleteMany({ where: { identifier } });
}
