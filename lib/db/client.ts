/**
 * The application's Prisma client: one per process (kept on globalThis so `next dev` reloads
 * do not open a new pool each time).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

const globalForDb = globalThis as unknown as { clinicauthDb?: PrismaClient };

function createClient(): PrismaClient {
  const { DATABASE_URL, DATABASE_POOL_MAX } = env();
  if (!DATABASE_URL) throw new Error("DATABASE_URL is not set");
  // The embedded development database (PGlite) serves one connection; DATABASE_POOL_MAX=1 there.
  const adapter = new PrismaPg({ connectionString: DATABASE_URL, max: DATABASE_POOL_MAX });
  return new PrismaClient({ adapter });
}

export function db(): PrismaClient {
  globalForDb.clinicauthDb ??= createClient();
  return globalForDb.clinicauthDb;
}

/** Close the pool (scripts and tests). */
export async function disconnectDb(): Promise<void> {
  await globalForDb.clinicauthDb?.$disconnect();
  globalForDb.clinicauthDb = undefined;
}
