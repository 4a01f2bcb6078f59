/**
 * Playwright global setup: a fresh migrated database with the seed users, the local Upstash endpoint
 * on the real Redis, and the production build served by `npm start`. Values reach the test workers
 * through process.env; the returned function tears everything down.
 */
import { execFileSync } from "node:child_process";
import { createTestDatabase } from "../../support/test-db";
import { startUpstashLocal } from "../../../scripts/upstash-local/server";
import { startApp } from "./app-server";

export default async function globalSetup() {
  const database = await createTestDatabase("clinicauth_e2e");
  execFileSync("npx", ["tsx", "prisma/seed.ts"], { env: { ...process.env, DATABASE_URL: database.url }, stdio: "pipe" });
  const token = `e2e-${Math.random().toString(36).slice(2)}`;
  const upstash = await startUpstashLocal({ port: 0, token });
  const app = await startApp({
    DATABASE_URL: database.url,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    TRUST_PROXY: "1",
  });
  process.env.E2E_BASE_URL = app.url;
  process.env.E2E_DATABASE_URL = database.url;
  return async () => {
    await app.stop();
    await upstash.close();
    await database.drop();
  };
}
