/**
 * `npm run db:cleanup`: purges what has outlived its purpose. Safe to run from cron:
 *  - batched: every DELETE touches at most BATCH_SIZE rows and commits on its own, so row locks
 *    are short, WAL stays smooth and a big backlog never becomes one giant transaction;
 *  - idempotent: each rule is a predicate on timestamps, so a second run finds nothing to do;
 *  - exclusive: a Postgres advisory lock makes an overlapping run skip (and say so) instead of
 *    competing for the same rows.
 *
 * It talks to Postgres over one `pg` connection, not the Prisma pool: the session-level advisory
 * lock has to stay on the connection that took it, and a pool cannot promise that outside a
 * transaction. No `server-only` import: this runs from `tsx scripts/db-cleanup.ts`.
 */
import pg from "pg";
import { env } from "@/lib/env";
import { now } from "@/lib/clock";
import { withTryAdvisoryLock } from "@/lib/ops/advisory-lock";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows per statement: small enough to keep each transaction short, big enough to finish quickly. */
export const BATCH_SIZE = 5_000;

/** Any fixed number unique to this job within the database ("clinauth" in ASCII). */
export const CLEANUP_LOCK_KEY = 0x636c696e61757468n;

/**
 * Ended sessions (and their refresh tokens) are kept this long after they end. The admin dashboard
 * and an investigation of a reported theft need recent history; the long-term record is the audit
 * trail (AUDIT_RETENTION_DAYS), which names every session created, revoked or reused. A constant
 * on purpose: a new environment variable needs the configuration owner's agreement.
 */
export const SESSION_RETENTION_DAYS = 30;

/**
 * OTP challenges and quiet identifier locks are kept a day. The per-identifier and per-IP send caps
 * look back one hour, so a day is ample; and an identifier lock survives a full quiet day after
 * its lock ends, so the escalating lock duration is not reset the moment a lock runs out.
 */
export const SHORT_RETENTION_DAYS = 1;

export type CleanupCounts = {
  auditEvents: number;
  otpChallenges: number;
  identifierLocks: number;
  sessions: number;
  refreshTokens: number;
};

export type CleanupResult =
  | { ran: true; counts: CleanupCounts; auditRetentionDays: number; durationMs: number }
  | { ran: false };

export type CleanupOptions = {
  /** "Now" for every cutoff; defaults to the app clock (tests inject one). */
  at?: Date;
  auditRetentionDays?: number;
  batchSize?: number;
  /** Defaults to DATABASE_URL. */
  connectionString?: string;
};

/** Connects, takes the lock, cleans, disconnects. `{ ran: false }` when another run holds the lock. */
export async function runCleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
  const e = env();
  const connectionString = options.connectionString ?? e.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set (db:cleanup needs the Postgres database to clean)");
  const client = new pg.Client({
    connectionString,
    // Visible in pg_stat_activity, so a DBA can tell what is deleting rows.
    application_name: "clinicauth-db-cleanup",
    // A cron job must fail, not hang forever, when the database is unreachable.
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    const started = performance.now();
    const auditRetentionDays = options.auditRetentionDays ?? e.AUDIT_RETENTION_DAYS;
    const run = await withTryAdvisoryLock(client, CLEANUP_LOCK_KEY, () =>
      cleanDatabase(client, { at: options.at ?? now(), auditRetentionDays, batchSize: options.batchSize ?? BATCH_SIZE }),
    );
    if (!run.acquired) return { ran: false };
    return { ran: true, counts: run.value, auditRetentionDays, durationMs: Math.round(performance.now() - started) };
  } finally {
    await client.end();
  }
}

/** The deletes themselves, without the lock. Exported for tests; callers want `runCleanup`. */
export async function cleanDatabase(client: pg.ClientBase, o: { at: Date; auditRetentionDays: number; batchSize: number }): Promise<CleanupCounts> {
  const daysAgo = (days: number) => new Date(o.at.getTime() - days * DAY_MS);
  const shortCutoff = daysAgo(SHORT_RETENTION_DAYS);

  const auditEvents = await deleteInBatches(client, o.batchSize, "audit_events", "id", "created_at < $1", [daysAgo(o.auditRetentionDays)]);

  // Every challenge expires OTP_TTL after it is created, whatever its status, so "expired over a
  // day ago" also covers consumed, superseded and exhausted ones (at most OTP_TTL later), and the
  // predicate stays on the expires_at index.
  const otpChallenges = await deleteInBatches(client, o.batchSize, "otp_challenges", "id", "expires_at < $1", [shortCutoff]);

  // No failure for a day (updated_at) and no lock, or a lock that ended over a day ago.
  const identifierLocks = await deleteInBatches(
    client,
    o.batchSize,
    "identifier_locks",
    "identifier",
    "updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
    [shortCutoff],
  );

  const ended = await deleteEndedSessions(client, o.batchSize, daysAgo(SESSION_RETENTION_DAYS));
  return { auditEvents, otpChallenges, identifierLocks, ...ended };
}

/**
 * DELETE ... WHERE key IN (SELECT key ... LIMIT n), repeated until a batch comes back short.
 * The predicate is repeated on the outer DELETE so a row changed after the inner SELECT chose it
 * (say, an identifier that just failed again) is re-checked against its new version and kept.
 * Table, key and predicate are constants of this module, never input.
 */
async function deleteInBatches(client: pg.ClientBase, batchSize: number, table: string, key: string, predicate: string, params: unknown[]): Promise<number> {
  const limit = `$${params.length + 1}`;
  const sql = `DELETE FROM ${table} WHERE ${predicate} AND ${key} IN (SELECT ${key} FROM ${table} WHERE ${predicate} LIMIT ${limit})`;
  let total = 0;
  for (;;) {
    const deleted = (await client.query(sql, [...params, batchSize])).rowCount ?? 0;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * Sessions that ended (revoked, or past their absolute expiry) before `cutoff`. A session can own
 * hundreds of refresh tokens (one per refresh), so letting ON DELETE CASCADE remove them would put
 * an unbounded number of rows in one statement: the tokens go first, in their own batches.
 */
async function deleteEndedSessions(client: pg.ClientBase, batchSize: number, cutoff: Date): Promise<{ sessions: number; refreshTokens: number }> {
  const ended = "(expires_at < $1 OR revoked_at < $1)";
  let sessions = 0;
  let refreshTokens = 0;
  for (;;) {
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM sessions WHERE ${ended} LIMIT $2`, [cutoff, batchSize]);
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id);
    refreshTokens += await deleteInBatches(client, batchSize, "refresh_tokens", "id", "session_id = ANY($1::uuid[])", [ids]);
    const deleted = (await client.query(`DELETE FROM sessions WHERE ${ended} AND id = ANY($2::uuid[])`, [cutoff, ids])).rowCount ?? 0;
    sessions += deleted;
    // Ended sessions never come back to life, so a short or empty batch means we are done
    // (the empty-batch check also guarantees the loop cannot spin on rows it cannot delete).
    if (rows.length < batchSize || deleted === 0) break;
  }
  return { sessions, refreshTokens };
}

/** The one line the command prints. */
export function formatCleanupSummary(result: CleanupResult): string {
  if (!result.ran) return "db:cleanup: another run is active (it holds the cleanup lock); skipped, nothing deleted";
  const c = result.counts;
  return (
    `db:cleanup: deleted ${c.auditEvents} audit events (older than ${result.auditRetentionDays} days), ` +
    `${c.otpChallenges} OTP challenges, ${c.identifierLocks} identifier locks, ` +
    `${c.sessions} sessions ended over ${SESSION_RETENTION_DAYS} days ago with ${c.refreshTokens} refresh tokens ` +
    `in ${(result.durationMs / 1000).toFixed(1)} s`
  );
}
