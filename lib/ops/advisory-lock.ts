/**
 * A Postgres session-level advisory lock around a job, so cron-started runs never overlap.
 *
 * Session-level locks belong to one connection, which is why this takes a single client (a
 * `pg.Client` or a checked-out `PoolClient`, never a pool): the lock, the work and the unlock must
 * all run on the same connection. If the process dies, Postgres drops the connection and the lock
 * with it, so a crashed run never blocks the next one.
 *
 * No `server-only` import: this runs from `tsx scripts/...`, where that package throws.
 */
import type { ClientBase } from "pg";

export type LockedRun<T> = { acquired: true; value: T } | { acquired: false };

/** Runs `work` only if the lock is free right now; never waits for another holder. */
export async function withTryAdvisoryLock<T>(client: ClientBase, key: bigint, work: () => Promise<T>): Promise<LockedRun<T>> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key.toString()]);
  if (!rows[0]?.locked) return { acquired: false };
  try {
    return { acquired: true, value: await work() };
  } finally {
    // A failed unlock must not hide the job's own error; closing the connection (the caller's
    // duty) releases the lock in any case.
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [key.toString()]).catch(() => undefined);
  }
}
