/**
 * `npm run db:cleanup` against the run's database, with the clock frozen: what is past its
 * retention goes, what is recent or live stays, batches loop to the end, a second run finds
 * nothing, and a run that finds the advisory lock taken does nothing and says so.
 *
 * The database is shared with the other test files, so assertions are about this file's own rows
 * (by id), never about table totals.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { db } from "@/lib/db/client";
import { resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { CLEANUP_LOCK_KEY, formatCleanupSummary, runCleanup, SESSION_RETENTION_DAYS } from "@/lib/ops/cleanup";
import { makeUser, signIn } from "../support/factories";

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
let T: Date;
const ago = (ms: number) => new Date(T.getTime() - ms);
const ahead = (ms: number) => new Date(T.getTime() + ms);

beforeEach(() => {
  // Frozen at the real present, so other files' rows (written "now") are never old to this run.
  T = new Date();
  setClock(() => T);
});

afterEach(() => {
  delete process.env.AUDIT_RETENTION_DAYS;
  resetEnv();
});

let n = 0;
const uniq = (prefix: string) => `${prefix}-${Date.now()}-${++n}`;

async function auditAt(createdAt: Date) {
  return db().auditEvent.create({ data: { type: "otp.requested", identifier: uniq("cleanup"), createdAt } });
}

async function challenge(data: { createdAt: Date; expiresAt: Date; status?: "live" | "consumed" | "superseded" | "exhausted" | "delivery_failed" }) {
  return db().otpChallenge.create({ data: { identifier: `${uniq("c")}@clinic.example`, channel: "email", codeHmac: "0".repeat(64), status: "live", ...data } });
}

async function identifierLock(data: { updatedAt: Date; lockedUntil?: Date | null; failures?: number }) {
  return db().identifierLock.create({ data: { identifier: `${uniq("l")}@clinic.example`, failures: 3, lockCount: 1, ...data } });
}

/** A signed-in session with `extraTokens` retired refresh tokens besides its live one, then ended as asked. */
async function session(end: { revokedAt?: Date; expiresAt?: Date } = {}, extraTokens = 0) {
  const s = await signIn(await makeUser());
  for (let i = 0; i < extraTokens; i++) {
    await db().refreshToken.create({ data: { sessionId: s.sessionId, tokenHash: uniq("h").padEnd(43, "x").slice(0, 64), rotatedAt: ago(40 * DAY) } });
  }
  if (end.revokedAt || end.expiresAt) {
    await db().session.update({ where: { id: s.sessionId }, data: { ...(end.revokedAt ? { revokedAt: end.revokedAt, revokedReason: "logout" } : {}), ...(end.expiresAt ? { expiresAt: end.expiresAt } : {}) } });
  }
  return s.sessionId;
}

const exists = {
  audit: async (id: string) => (await db().auditEvent.count({ where: { id } })) === 1,
  challenge: async (id: string) => (await db().otpChallenge.count({ where: { id } })) === 1,
  lock: async (identifier: string) => (await db().identifierLock.count({ where: { identifier } })) === 1,
  session: async (id: string) => (await db().session.count({ where: { id } })) === 1,
};
const tokensOf = (sessionId: string) => db().refreshToken.count({ where: { sessionId } });

describe("db:cleanup", () => {
  it("deletes what is past its retention and keeps recent and live rows", async () => {
    const oldAudit = await auditAt(ago(366 * DAY));
    const keptAudit = await auditAt(ago(364 * DAY));

    const expiredLongAgo = await challenge({ createdAt: ago(2 * DAY), expiresAt: ago(2 * DAY - 5 * 60_000) });
    const consumedLongAgo = await challenge({ createdAt: ago(3 * DAY), expiresAt: ago(3 * DAY - 5 * 60_000), status: "consumed" });
    const expiredRecently = await challenge({ createdAt: ago(2 * HOUR), expiresAt: ago(2 * HOUR - 5 * 60_000), status: "exhausted" });
    const live = await challenge({ createdAt: ago(60_000), expiresAt: ahead(4 * 60_000) });

    const quiet = await identifierLock({ updatedAt: ago(2 * DAY), lockedUntil: null });
    const lockEndedLongAgo = await identifierLock({ updatedAt: ago(3 * DAY), lockedUntil: ago(2 * DAY) });
    const recentFailure = await identifierLock({ updatedAt: ago(2 * HOUR) });
    const stillLocked = await identifierLock({ updatedAt: ago(2 * DAY), lockedUntil: ahead(HOUR) });
    const lockJustEnded = await identifierLock({ updatedAt: ago(2 * DAY), lockedUntil: ago(HOUR) });

    const retention = SESSION_RETENTION_DAYS * DAY;
    const revokedLongAgo = await session({ revokedAt: ago(retention + DAY) }, 3);
    const expiredSessionLongAgo = await session({ expiresAt: ago(retention + DAY) }, 2);
    const revokedRecently = await session({ revokedAt: ago(retention - DAY) }, 1);
    const expiredRecently2 = await session({ expiresAt: ago(DAY) });
    const liveSession = await session();

    const result = await runCleanup();
    expect(result.ran).toBe(true);
    if (!result.ran) return;
    expect(result.counts.auditEvents).toBeGreaterThanOrEqual(1);
    expect(result.counts.sessions).toBeGreaterThanOrEqual(2);
    expect(result.counts.refreshTokens).toBeGreaterThanOrEqual(3 + 1 + 2 + 1);

    expect(await exists.audit(oldAudit.id)).toBe(false);
    expect(await exists.audit(keptAudit.id)).toBe(true);

    expect(await exists.challenge(expiredLongAgo.id)).toBe(false);
    expect(await exists.challenge(consumedLongAgo.id)).toBe(false);
    expect(await exists.challenge(expiredRecently.id)).toBe(true);
    expect(await exists.challenge(live.id)).toBe(true);

    expect(await exists.lock(quiet.identifier)).toBe(false);
    expect(await exists.lock(lockEndedLongAgo.identifier)).toBe(false);
    expect(await exists.lock(recentFailure.identifier)).toBe(true);
    expect(await exists.lock(stillLocked.identifier)).toBe(true);
    // Its lock ran out an hour ago: it stays a day longer, so the next lock still escalates.
    expect(await exists.lock(lockJustEnded.identifier)).toBe(true);

    expect(await exists.session(revokedLongAgo)).toBe(false);
    expect(await exists.session(expiredSessionLongAgo)).toBe(false);
    expect(await tokensOf(revokedLongAgo)).toBe(0);
    expect(await tokensOf(expiredSessionLongAgo)).toBe(0);
    expect(await exists.session(revokedRecently)).toBe(true);
    expect(await tokensOf(revokedRecently)).toBe(2);
    expect(await exists.session(expiredRecently2)).toBe(true);
    expect(await exists.session(liveSession)).toBe(true);
    expect(await tokensOf(liveSession)).toBe(1);
  });

  it("is idempotent: a second run at the same moment deletes nothing", async () => {
    await auditAt(ago(400 * DAY));
    await session({ revokedAt: ago(60 * DAY) }, 2);
    const first = await runCleanup();
    expect(first.ran && first.counts.auditEvents).toBeGreaterThanOrEqual(1);
    const second = await runCleanup();
    expect(second).toMatchObject({ ran: true, counts: { auditEvents: 0, otpChallenges: 0, identifierLocks: 0, sessions: 0, refreshTokens: 0 } });
  });

  it("respects AUDIT_RETENTION_DAYS", async () => {
    process.env.AUDIT_RETENTION_DAYS = "30";
    resetEnv();
    const old = await auditAt(ago(31 * DAY));
    const recent = await auditAt(ago(29 * DAY));
    const result = await runCleanup();
    expect(result).toMatchObject({ ran: true, auditRetentionDays: 30 });
    expect(await exists.audit(old.id)).toBe(false);
    expect(await exists.audit(recent.id)).toBe(true);
    expect(formatCleanupSummary(result)).toContain("(older than 30 days)");
  });

  it("works through a backlog in batches until nothing is left", async () => {
    const audits = await Promise.all(Array.from({ length: 7 }, () => auditAt(ago(500 * DAY))));
    const sessions = [await session({ revokedAt: ago(90 * DAY) }, 4), await session({ expiresAt: ago(90 * DAY) }, 4), await session({ revokedAt: ago(90 * DAY) })];
    const result = await runCleanup({ batchSize: 2 });
    expect(result).toMatchObject({ ran: true, counts: { auditEvents: 7, sessions: 3, refreshTokens: 5 + 5 + 1 } });
    for (const a of audits) expect(await exists.audit(a.id)).toBe(false);
    for (const s of sessions) expect(await exists.session(s)).toBe(false);
  });

  it("skips, deleting nothing, while another run holds the advisory lock", async () => {
    const old = await auditAt(ago(400 * DAY));
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [CLEANUP_LOCK_KEY.toString()]);
      const skipped = await runCleanup();
      expect(skipped).toEqual({ ran: false });
      expect(formatCleanupSummary(skipped)).toMatch(/another run is active/);
      expect(await exists.audit(old.id)).toBe(true);

      await holder.query("SELECT pg_advisory_unlock($1::bigint)", [CLEANUP_LOCK_KEY.toString()]);
      expect((await runCleanup()).ran).toBe(true);
      expect(await exists.audit(old.id)).toBe(false);
    } finally {
      await holder.end();
    }
  });

  it("lets concurrent runs overlap safely: each row is deleted once, nothing fails", async () => {
    const audits = await Promise.all(Array.from({ length: 6 }, () => auditAt(ago(400 * DAY))));
    const results = await Promise.all([runCleanup({ batchSize: 2 }), runCleanup({ batchSize: 2 }), runCleanup({ batchSize: 2 })]);
    const ran = results.filter((r) => r.ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.reduce((sum, r) => sum + (r.ran ? r.counts.auditEvents : 0), 0)).toBe(6);
    for (const a of audits) expect(await exists.audit(a.id)).toBe(false);
  });
});

describe("npm run db:cleanup (the script, through tsx)", () => {
  const run = promisify(execFile);
  const script = (env: Record<string, string | undefined>) =>
    run("npx", ["tsx", "scripts/db-cleanup.ts"], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it("prints a one-line summary and exits 0", async () => {
    const r = await script({});
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toMatch(/^db:cleanup: deleted \d+ audit events \(older than \d+ days\), \d+ OTP challenges, \d+ identifier locks, \d+ sessions .* \d+ refresh tokens in [\d.]+ s\n$/);
  });

  it("exits 0 saying so when another run is active", async () => {
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [CLEANUP_LOCK_KEY.toString()]);
      const r = await script({});
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/another run is active/);
    } finally {
      await holder.end();
    }
  });

  it("exits non-zero with a clear message when the database cannot be used", async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = "/clinicauth_no_such_database";
    const r = await script({ DATABASE_URL: url.toString() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^db:cleanup failed: .*clinicauth_no_such_database/);
  });

  it("exits non-zero naming the variable when the environment is invalid", async () => {
    const r = await script({ AUDIT_RETENTION_DAYS: "forever" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AUDIT_RETENTION_DAYS");
  });
});
