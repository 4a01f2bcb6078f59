/**
 * Idempotent seed: an admin and a staff member by email, and a staff member by phone.
 * Run again at will; existing people are left as they are (an admin may have changed them).
 */
import { db, disconnectDb } from "@/lib/db/client";
import { SEED_USERS } from "./seed-data";

export async function seed(): Promise<number> {
  let created = 0;
  for (const u of SEED_USERS) {
    const where = u.email ? { email: u.email } : { phone: u.phone! };
    const existing = await db().user.findUnique({ where });
    if (existing) continue;
    await db().user.create({ data: { email: u.email, phone: u.phone, name: u.name, role: u.role } });
    created++;
  }
  return created;
}

// Run directly (npm run db:seed), not when imported by scripts/dev.ts or tests.
if (process.argv[1] && /seed\.ts$/.test(process.argv[1])) {
  seed()
    .then((n) => console.log(`Seed: ${n} user(s) created, ${SEED_USERS.length - n} already present.`))
    .catch((err: unknown) => {
      console.error(`Seed failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    })
    .finally(() => disconnectDb());
}
