/**
 * upstash-local: a small HTTP server that speaks the Upstash Redis REST protocol
 * in front of a real Redis, so `@upstash/redis` and `@upstash/ratelimit` run
 * unchanged in local development and tests (no Upstash account, no network).
 *
 * Wire format, as `@upstash/redis` 1.39 uses it (node_modules/@upstash/redis):
 *   POST /            body ["SET","k","v"]          -> {"result": ...} | 400 {"error": ...}
 *   POST /pipeline    body [["SET","k","v"],[...]]  -> [{"result": ...} | {"error": ...}, ...]
 *   POST /multi-exec  same body, run in MULTI/EXEC  -> same shape as /pipeline
 *   GET|POST /set/k/v path-style commands (POST body becomes the last argument)
 *   GET /health       readiness probe, no auth
 * Auth is `Authorization: Bearer <token>` (or `?_token=`); failures are 401.
 * With `Upstash-Encoding: base64` (the client's default) bulk strings are
 * base64-encoded so arbitrary bytes survive JSON; numbers and nulls are not.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command as IoRedisCommand, Redis, type Pipeline } from 'ioredis';

export interface UpstashLocalOptions {
  /** TCP port; 0 picks a free one. Default 8079. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (never expose this without TLS). */
  host?: string;
  /** Bearer token clients must send. */
  token: string;
  /** Redis to proxy to. Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Largest accepted request body in bytes; larger bodies get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where Redis connection problems are reported. Default console.error. */
  log?: (message: string) => void;
}

export interface UpstashLocal {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A validated command: name first, every argument already a string. */
type Command = [string, ...string[]];
type JsonValue = string | number | null | JsonValue[];
type CommandOutcome = { result: JsonValue } | { error: string };

const DEFAULT_MAX_BODY = 1024 * 1024;

/** 400-class problems with the request itself, reported as `{error}` like Upstash does. */
class BadRequest extends Error {}

/**
 * Commands that would block or change the state of the shared connection, and so
 * break every other request multiplexed on it. Transactions go through /multi-exec;
 * Upstash's streaming pub/sub (SSE) is not implemented here.
 */
const REFUSED = new Set([
  'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE',
  'MONITOR', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'SELECT', 'SWAPDB',
  'QUIT', 'RESET', 'HELLO', 'AUTH', 'CLIENT', 'SYNC', 'PSYNC', 'REPLCONF',
  'BLPOP', 'BRPOP', 'BRPOPLPUSH', 'BLMOVE', 'BLMPOP', 'BZPOPMIN', 'BZPOPMAX', 'BZMPOP',
  'WAIT', 'WAITAOF',
]);

// ---------------------------------------------------------------------------
// Lua shebang fix-up
// ---------------------------------------------------------------------------

/**
 * `@upstash/ratelimit` >= 2.1 starts its scripts with `#!lua flags=allow-key-locking`,
 * an Upstash-only flag: Redis 7 rejects the script with
 * "ERR Unexpected flag in script shebang". We drop that flag before Redis sees the
 * script. If nothing else is left on the shebang line, the line is emptied (not
 * removed) so Lua line numbers in error messages still match the original source.
 */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);

export function stripUpstashScriptFlags(script: string): string {
  if (!script.startsWith('#!')) return script;
  const eol = script.indexOf('\n');
  const line = eol === -1 ? script : script.slice(0, eol);
  const rest = eol === -1 ? '' : script.slice(eol);
  const [engine = '', ...params] = line.trim().split(/\s+/);
  let changed = false;
  const kept = params.flatMap((param) => {
    if (!param.startsWith('flags=')) return [param];
    const flags = param.slice('flags='.length).split(',').filter((f) => f !== '');
    const remaining = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
    if (remaining.length === flags.length) return [param];
    changed = true;
    return remaining.length > 0 ? [`flags=${remaining.join(',')}`] : [];
  });
  if (!changed) return script;
  return (kept.length > 0 ? [engine, ...kept].join(' ') : '') + rest;
}

const sha1 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex');

/**
 * Keeps clients' script hashes valid after we rewrote the script: the library calls
 * EVALSHA with sha1(original), but Redis only knows sha1(stripped). Unknown hashes
 * pass through untouched so Redis answers NOSCRIPT and the client falls back to EVAL.
 */
class ScriptAliases {
  /** sha1(original) -> sha1(stripped); one entry per distinct rewritten script. */
  private readonly toRedis = new Map<string, string>();

  /** Returns the command Redis should run plus a fix-up for its reply. */
  rewrite(cmd: Command): { cmd: Command; fixReply: (reply: unknown) => unknown } {
    const name = cmd[0].toUpperCase();
    const args = cmd.slice(1);
    const keep = (reply: unknown): unknown => reply;

    if ((name === 'EVAL' || name === 'EVAL_RO') && args[0] !== undefined) {
      return { cmd: [cmd[0], this.register(args[0]).stripped, ...args.slice(1)], fixReply: keep };
    }
    if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && args[0] !== undefined) {
      return { cmd: [cmd[0], this.resolve(args[0]), ...args.slice(1)], fixReply: keep };
    }
    const sub = args[0]?.toUpperCase();
    if (name === 'SCRIPT' && sub === 'LOAD' && args[1] !== undefined) {
      const { stripped, originalSha, strippedSha } = this.register(args[1]);
      // Hand back the hash of what the caller sent, which is what it will EVALSHA with.
      const fixReply = (reply: unknown): unknown =>
        Buffer.isBuffer(reply) && reply.toString() === strippedSha ? Buffer.from(originalSha) : reply;
      return { cmd: [cmd[0], args[0] ?? 'LOAD', stripped, ...args.slice(2)], fixReply };
    }
    if (name === 'SCRIPT' && sub === 'EXISTS') {
      return { cmd: [cmd[0], args[0] ?? 'EXISTS', ...args.slice(1).map((s) => this.resolve(s))], fixReply: keep };
    }
    return { cmd, fixReply: keep };
  }

  private register(script: string): { stripped: string; originalSha: string; strippedSha: string } {
    const stripped = stripUpstashScriptFlags(script);
    const originalSha = sha1(script);
    const strippedSha = stripped === script ? originalSha : sha1(stripped);
    if (strippedSha !== originalSha) this.toRedis.set(originalSha, strippedSha);
    return { stripped, originalSha, strippedSha };
  }

  private resolve(sha: string): string {
    // Redis compares script hashes case-insensitively; so do we.
    return this.toRedis.get(sha.toLowerCase()) ?? sha;
  }
}

// ---------------------------------------------------------------------------
// Request parsing and reply encoding
// ---------------------------------------------------------------------------

/** The client JSON-serialises non-primitive values itself, so only primitives are valid. */
function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest('ERR a command must be a non-empty JSON array, e.g. ["GET","key"]');
  }
  const parts = value.map((part: unknown) => {
    if (typeof part === 'string') return part;
    if (typeof part === 'number' || typeof part === 'boolean') return String(part);
    throw new BadRequest(`ERR command arguments must be strings, numbers or booleans, got ${JSON.stringify(part)}`);
  });
  const [name, ...args] = parts;
  if (name === undefined || name === '') throw new BadRequest('ERR empty command name');
  const upper = name.toUpperCase();
  const blockingRead = (upper === 'XREAD' || upper === 'XREADGROUP') && args.some((a) => a.toUpperCase() === 'BLOCK');
  if (REFUSED.has(upper) || blockingRead) {
    throw new BadRequest(`ERR '${name}' is not supported by upstash-local (it would block or change the shared connection)`);
  }
  return [name, ...args];
}

function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest('ERR body must be a non-empty JSON array of commands');
  }
  return value.map(parseCommand);
}

/**
 * RESP2 reply -> JSON. Status replies arrive as Buffers too (indistinguishable from
 * bulk strings); the client special-cases a plain "OK", so "OK" is sent
 * as-is and everything else is base64 when asked for.
 */
function encodeReply(reply: unknown, base64: boolean): JsonValue {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((item: unknown) => encodeReply(item, base64));
  // A Lua table can contain error replies; JSON has no error type, so send the text.
  const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(reply instanceof Error ? reply.message : String(reply));
  if (!base64) return bytes.toString('utf8');
  return bytes.length === 2 && bytes.toString() === 'OK' ? 'OK' : bytes.toString('base64');
}

/** ReplyError = Redis said no (400). Anything else is a transport problem (e.g. Redis down). */
const isRedisReplyError = (err: unknown): err is Error => err instanceof Error && err.name === 'ReplyError';
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

type BodyResult = { ok: true; body: Buffer } | { ok: false };

/**
 * Buffers the body up to `limit` bytes. Past the limit we keep reading but discard,
 * so the client gets a clean 413 instead of a reset connection mid-upload.
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size <= limit ? { ok: true, body: Buffer.concat(chunks) } : { ok: false }));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function bearerToken(req: IncomingMessage, url: URL): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1]?.trim() ?? url.searchParams.get('_token') ?? undefined;
}

/** Path style: /set/k/v?EX=100 -> SET k v EX 100; a POST body is appended as the value. */
function commandFromPath(url: URL, body: Buffer): Command {
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new BadRequest(`ERR malformed URL segment: ${p}`);
      }
    });
  if (body.length > 0) parts.push(body.toString('utf8'));
  for (const [key, value] of url.searchParams) {
    if (key === '_token') continue;
    parts.push(key);
    if (value !== '') parts.push(value);
  }
  return parseCommand(parts);
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

/**
 * A command whose reply comes back exactly as Redis sent it (RESP2: bulk and status
 * strings as Buffers, integers, nil, arrays, nested errors). Plain callBuffer is not
 * enough: ioredis reshapes some replies for convenience (HGETALL -> object), which
 * would corrupt the REST answer.
 */
class RawCommand extends IoRedisCommand {
  constructor([name, ...args]: Command) {
    super(name, args, { replyEncoding: null });
  }

  override transformReply(result: Buffer | Buffer[]): Buffer | Buffer[] {
    return result;
  }
}

export async function startUpstashLocal(options: UpstashLocalOptions): Promise<UpstashLocal> {
  const host = options.host ?? '127.0.0.1';
  const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = options.log ?? ((message: string) => console.error(message));
  if (!options.token) throw new Error('upstash-local: a non-empty token is required');
  const expectedToken = Buffer.from(options.token);

  // One shared connection: ioredis pipelines concurrent commands over it in order,
  // and multi() writes MULTI..EXEC as one batch, so transactions cannot interleave.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectionName: 'upstash-local',
    // Fail requests quickly while Redis is down instead of hanging the HTTP client.
    maxRetriesPerRequest: 2,
  });
  let lastRedisError = '';
  let started = false;
  redis.on('error', (err: unknown) => {
    const message = messageOf(err);
    // ioredis repeats the same error on every reconnect attempt; report changes only.
    // Before startup succeeds the error is reported once, by the rejected promise.
    if (started && message !== lastRedisError) log(`upstash-local: redis error: ${message}`);
    lastRedisError = message;
  });
  redis.on('ready', () => {
    lastRedisError = '';
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    // connect() only says "Connection is closed."; the error event had the real cause.
    const reason = lastRedisError || messageOf(err);
    throw new Error(`upstash-local: cannot reach Redis at ${redisUrl}: ${reason}`, { cause: err });
  }

  const scripts = new ScriptAliases();

  async function runOne(command: Command, base64: boolean): Promise<CommandOutcome> {
    const { cmd, fixReply } = scripts.rewrite(command);
    const raw = new RawCommand(cmd);
    try {
      void redis.sendCommand(raw);
      return { result: encodeReply(fixReply(await raw.promise), base64) };
    } catch (err) {
      // Redis refusing the command is a per-command answer; anything else (Redis
      // unreachable) fails the whole request with 500 via the handler's catch.
      if (isRedisReplyError(err)) return { error: err.message };
      throw err;
    }
  }

  /** Rejects with a ReplyError (EXECABORT) when Redis discarded the whole transaction. */
  async function runMulti(commands: Command[], base64: boolean): Promise<CommandOutcome[]> {
    const tx = redis.multi();
    // multi() returns a Pipeline at runtime; its declared type just omits sendCommand.
    const queue = tx as unknown as Pick<Pipeline, 'sendCommand'>;
    const fixes = commands.map((command) => {
      const { cmd, fixReply } = scripts.rewrite(command);
      queue.sendCommand(new RawCommand(cmd));
      return fixReply;
    });
    const replies = await tx.exec();
    if (replies === null) throw new Error('ERR transaction aborted');
    return replies.map(([err, reply], i): CommandOutcome => {
      if (err) return { error: err.message };
      const fix = fixes[i] ?? ((r: unknown) => r);
      return { result: encodeReply(fix(reply), base64) };
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upstash-local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (path === '/health' && (method === 'GET' || method === 'HEAD')) {
      return sendJson(res, 200, { result: 'OK' });
    }
    if (!['GET', 'HEAD', 'POST', 'PUT'].includes(method)) {
      return sendJson(res, 405, { error: 'Method Not Allowed' });
    }
    const given = bearerToken(req, url);
    const givenBytes = Buffer.from(given ?? '');
    if (givenBytes.length !== expectedToken.length || !timingSafeEqual(givenBytes, expectedToken)) {
      return sendJson(res, 401, { error: 'Unauthorized' });
    }

    const read = await readBody(req, maxBody);
    if (!read.ok) return sendJson(res, 413, { error: `ERR request body larger than ${maxBody} bytes` });
    const body = read.body;
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const json = (): unknown => {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch {
        throw new BadRequest('ERR request body is not valid JSON');
      }
    };

    if (path === '/' && (method === 'GET' || method === 'HEAD')) return sendJson(res, 200, { result: 'OK' });
    if (path === '/') {
      const outcome = await runOne(parseCommand(json()), base64);
      return sendJson(res, 'error' in outcome ? 400 : 200, outcome);
    }
    if (path === '/pipeline') {
      // Not atomic, like Upstash's /pipeline. runOne sends before its first await,
      // so the commands reach Redis in request order.
      const commands = parseCommandList(json());
      return sendJson(res, 200, await Promise.all(commands.map((c) => runOne(c, base64))));
    }
    if (path === '/multi-exec') {
      const commands = parseCommandList(json());
      try {
        return sendJson(res, 200, await runMulti(commands, base64));
      } catch (err) {
        // EXECABORT lists the queue-time errors separately; surface the first one.
        const previous = (err as { previousErrors?: unknown[] }).previousErrors?.[0];
        const detail = previous === undefined ? '' : ` (${messageOf(previous)})`;
        return sendJson(res, isRedisReplyError(err) ? 400 : 500, { error: messageOf(err) + detail });
      }
    }
    const outcome = await runOne(commandFromPath(url, body), base64);
    return sendJson(res, 'error' in outcome ? 400 : 200, outcome);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BadRequest) sendJson(res, 400, { error: err.message });
      else sendJson(res, 500, { error: `ERR upstash-local: ${messageOf(err)}` });
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8079, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err; // keeps err.code (e.g. EADDRINUSE) for the caller
  }

  started = true;
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive sockets from fetch would otherwise hold close() open; give
          // in-flight requests a moment, then cut whatever is left.
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
