/**
 * CLI: run the local Upstash REST stand-in (see scripts/upstash-local/server.ts).
 *
 *   npm run upstash:local      # or: tsx scripts/upstash-local.ts
 *
 * Env: UPSTASH_LOCAL_PORT (default 8079), UPSTASH_LOCAL_TOKEN (default
 * local-dev-token), REDIS_URL (default redis://127.0.0.1:6379). Point the app at it
 * with UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079 and the same token.
 */
import { startUpstashLocal, type UpstashLocal } from './upstash-local/server';

const DEFAULT_PORT = 8079;

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`UPSTASH_LOCAL_PORT must be an integer 0-65535, got "${raw}"`);
  }
  return port;
}

/** Never print a Redis password that happens to sit in REDIS_URL. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

const hasCode = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;

async function main(): Promise<void> {
  const port = parsePort(process.env.UPSTASH_LOCAL_PORT);
  const token = process.env.UPSTASH_LOCAL_TOKEN || 'local-dev-token';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

  let server: UpstashLocal;
  try {
    server = await startUpstashLocal({ port, token, redisUrl });
  } catch (err) {
    if (hasCode(err, 'EADDRINUSE')) {
      console.error(
        `upstash-local: port ${port} on 127.0.0.1 is already in use ` +
          '(another upstash-local running?). Stop it or set UPSTASH_LOCAL_PORT.',
      );
    } else {
      console.error(err instanceof Error ? err.message : String(err));
    }
    process.exit(1);
  }

  console.log(`upstash-local listening on ${server.url} -> ${redact(redisUrl)}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // Second Ctrl-C: the user does not want to wait for a graceful close.
      process.exit(1);
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`upstash-local: error while stopping on ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
