/**
 * A fresh Postgres database for one test run: created, migrated with the same `prisma migrate deploy`
 * users run, dropped at the end. Refuses any host but this machine, so a stray DATABASE_URL can never
 * point the tests at a real database.
 */
import { execFileSync } from "node:child_process";
import pg from "pg";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

export function testServerUrl(): URL {
  const url = new URL(process.env.TEST_DATABASE_SERVER ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  if (!LOCAL_HOSTS.has(url.hostname)) throw new Error(`Refusing to run tests against non-local database host ${url.hostname}`);
  return url;
}

export async function createTestDatabase(prefix = "clinicauth_test"): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = testServerUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: "pipe" });
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
