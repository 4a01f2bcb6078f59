/**
 * `npm run dev` with nothing configured: an embedded Postgres (PGlite) on 127.0.0.1 with its data in
 * .data/, migrations applied, seed users, development signing keys, mock delivery, in-memory rate
 * limits, and Next.js in development mode. With DATABASE_URL set, that database is used instead.
 * Ctrl-C stops everything this started.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { EnvError, parseEnv, resetEnv } from "../lib/env";

function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer().once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function fail(message: string): never {
  console.error(`\n${message}\n`);
  process.exit(1);
}

async function main() {
  Object.assign(process.env, { NODE_ENV: "development" });
  // Read once here to validate and to learn ports and paths; the app reads it again after
  // DATABASE_URL is settled below.
  let pre;
  try {
    pre = parseEnv(process.env);
  } catch (err) {
    if (err instanceof EnvError) fail(err.message);
    throw err;
  }
  const DATA_DIR = pre.DATA_DIR;
  const PG_PORT = pre.DEV_DB_PORT;
  const appPort = pre.PORT;
  if (!(await portFree(appPort, "0.0.0.0"))) fail(`Port ${appPort} is already in use. Stop the other program or run: PORT=3001 npm run dev`);

  const stoppers: (() => Promise<void>)[] = [];
  let embedded = false;
  if (!pre.DATABASE_URL) {
    if (!(await portFree(PG_PORT))) fail(`Port ${PG_PORT} (embedded database) is already in use. Stop the other program or set DEV_DB_PORT.`);
    mkdirSync(DATA_DIR, { recursive: true });
    const pglite = await PGlite.create(path.join(DATA_DIR, "pglite"));
    const socket = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: PG_PORT });
    await socket.start();
    stoppers.push(async () => {
      await socket.stop();
      await pglite.close();
    });
    // PGlite is a single session: one connection, so one pooled client (docs/decisions/0001).
    process.env.DATABASE_URL = `postgresql://postgres@127.0.0.1:${PG_PORT}/postgres`;
    process.env.DATABASE_POOL_MAX = "1";
    embedded = true;
  }

  // Asynchronously: the embedded database is served by this very process, so blocking here
  // (execFileSync) would deadlock the migration against it.
  const migrated = await new Promise<number>((resolve) => {
    spawn("npx", ["prisma", "migrate", "deploy"], { stdio: ["ignore", "ignore", "inherit"], env: process.env }).on("exit", (code) => resolve(code ?? 1));
  });
  if (migrated !== 0) fail("Applying database migrations failed (see above).");

  resetEnv();
  const { env } = await import("../lib/env");
  const { seed } = await import("../prisma/seed");
  const { SEED_USERS } = await import("../prisma/seed-data");
  const { disconnectDb } = await import("../lib/db/client");
  const { ensureDevJwks } = await import("../lib/auth/keys");
  const { createLogger } = await import("../lib/log");
  const { startServer } = await import("./server");

  const e = env();
  await seed();
  await ensureDevJwks(e.DATA_DIR);
  // The server process opens its own pool; the embedded database takes one connection at a time.
  await disconnectDb();

  const server = await startServer({ dev: true, host: "0.0.0.0", port: appPort, logger: createLogger() });
  stoppers.unshift(() => server.close());

  const people = SEED_USERS.map((u) => `${u.email ?? u.phone} (${u.role})`).join(", ");
  console.log(
    `\nClinicAuth is running at ${server.url} with ${embedded ? `the embedded database in ${DATA_DIR}/pglite` : "DATABASE_URL"}. ` +
      `Open ${server.url}/login and sign in as one of the seeded people: ${people}. ` +
      `Nothing is really sent: codes appear in this console and at ${server.url}/dev/outbox. Press Ctrl-C to stop.\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const s of stoppers) await s().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((err: unknown) => fail(`npm run dev failed: ${err instanceof Error ? err.message : String(err)}`));
