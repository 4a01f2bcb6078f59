/** Per-file setup: point the app at the run's database, quiet logs, fresh env and clock. */
import { afterAll, beforeEach, inject } from "vitest";
import { resetEnv } from "@/lib/env";
import { resetClock } from "@/lib/clock";
import { disconnectDb } from "@/lib/db/client";

process.env.DATABASE_URL = inject("databaseUrl");
Object.assign(process.env, { NODE_ENV: "test" });
process.env.LOG_LEVEL ??= "silent";
process.env.DATA_DIR ??= ".data/test";
resetEnv();

beforeEach(() => {
  resetClock();
});

afterAll(async () => {
  await disconnectDb();
});
