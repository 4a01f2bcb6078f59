/**
 * `npm start`: production start-up. Refuses to start, with one line per problem, when the
 * environment is incomplete; prints the effective configuration (no secrets); serves the build.
 */
import { EnvError, env } from "../lib/env";
import { createLogger } from "../lib/log";
import { configSummary } from "./config-summary";
import { startServer } from "./server";

async function main() {
  let e;
  try {
    e = env();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error("ClinicAuth cannot start; fix the environment:");
      for (const p of err.problems) console.error(`  - ${p}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger();
  console.log(configSummary(e));
  const server = await startServer({ dev: false, host: e.HOST, port: e.PORT, logger });
  logger.info({ url: server.url }, "ClinicAuth is listening");
  const stop = (signal: string) => {
    logger.info({ signal }, "shutting down");
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(`ClinicAuth failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
