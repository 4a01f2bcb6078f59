/**
 * The application's database access: one `pg` pool per process, shared by the Prisma client and
 * by the few hot paths that speak SQL directly (refresh rotation). One pool, so the embedded
 * development database (PGlite, one connection: DATABASE_POOL_MAX=1) is never asked for two.
 * Both are kept on globalThis so `next dev` reloads do not open new pools.
 */
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

const globalForDb = globalThis as unknown as { clinicauthDb?: PrismaClient; clinicauthPool?: pg.Pool };

/** The shared connection pool. */
export function pool(): pg.Pool {
  if (!globalForDb.clinicauthPool) {
    const { DATABASE_URL, DATABASE_POOL_MAX } = env();
    if (!DATABASE_URL) throw new Error("DATABASE_URL is not set");
    globalForDb.clinicauthPool = new pg.Pool({ connectionString: DATABASE_URL, max: DATABASE_POOL_MAX });
  }
  return globalForDb.clinicauthPool;
}

export function db(): PrismaClient {
  globalForDb.clinicauthDb ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.clinicauthDb;
}

/** Close the Prisma client and the pool (scripts and tests). */
export async function disconnectDb(): Promise<void> {
  await globalForDb.clinicauthDb?.$disconnect();
  await globalForDb.clinicauthPool?.end();
  globalForDb.clinicauthDb = undefined;
  globalForDb.clinicauthPool = undefined;
}

/** Runs `work` in one transaction on one pooled connection; rolls back on any error. */
export async function withTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
