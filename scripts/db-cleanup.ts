/**
 * `npm run db:cleanup`: purge old audit events, expired OTP challenges, quiet identifier locks and
 * long-ended sessions (see lib/ops/cleanup.ts for the rules). Meant for cron: one line on stdout,
 * exit 0 when it ran or when another run already holds the lock, exit 1 with the reason otherwise.
 */
import { EnvError } from "../lib/env";
import { formatCleanupSummary, runCleanup } from "../lib/ops/cleanup";

async function main(): Promise<void> {
  const result = await runCleanup();
  console.log(formatCleanupSummary(result));
}

main().catch((err: unknown) => {
  if (err instanceof EnvError) {
    console.error("db:cleanup failed; fix the environment:");
    for (const p of err.problems) console.error(`  - ${p}`);
  } else {
    console.error(`db:cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  // exitCode rather than exit(): lets the pg client finish closing its socket.
  process.exitCode = 1;
});
