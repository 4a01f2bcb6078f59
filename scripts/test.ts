/**
 * `npm test`: type checks, unit and integration tests (vitest, real Postgres and Redis), a
 * production build, then the end-to-end tests in Chromium (Playwright) against that build.
 */
import { execSync } from "node:child_process";

const steps: [string, string][] = [
  ["Type check", "npx tsc --noEmit"],
  ["Unit and integration tests", "npx vitest run"],
  ["Production build", "npx next build"],
  ["End-to-end tests (Chromium)", "npx playwright test"],
];

for (const [title, command] of steps) {
  console.log(`\n=== ${title}: ${command}`);
  const started = Date.now();
  try {
    execSync(command, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  } catch {
    console.error(`\n${title} failed.`);
    process.exit(1);
  }
  console.log(`=== ${title}: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
