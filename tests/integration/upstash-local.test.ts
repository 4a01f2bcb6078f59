/**
 * Integration tests for scripts/upstash-local: the real `@upstash/redis` and
 * `@upstash/ratelimit` clients against the local REST server, backed by the real
 * Redis at REDIS_URL (default redis://127.0.0.1:6379). Every key lives under a
 * random per-run prefix and is deleted afterwards.
 */
import { createHash, randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from '@upstash/redis';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis as IORedis } from 'ioredis';
import {
  startUpstashLocal,
  stripUpstashScriptFlags,
  type UpstashLocal,
} from '../../scripts/upstash-local/server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = `test-${randomUUID()}`;
const PREFIX = `test:upstash-local:${randomUUID()}:`;
const key = (name: string): string => `${PREFIX}${name}`;
const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let server: UpstashLocal;
/** Direct connection to check what really landed in Redis, and to clean up. */
let direct: IORedis;

/** Raw REST call, for protocol details the client hides. */
async function rest(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, json: await res.json() };
}

beforeAll(async () => {
  server = await startUpstashLocal({ port: 0, token: TOKEN, redisUrl: REDIS_URL });
  direct = new IORedis(REDIS_URL);
});

afterAll(async () => {
  if (direct) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await direct.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await direct.del(...keys);
    await direct.quit();
  }
  await server?.close();
});

// Default client settings (auto-pipelining -> /pipeline, base64 responses) and the
// plainest ones (one POST / per command, no base64) must behave the same.
const clientVariants = [
  { name: 'default client (auto-pipeline, base64)', opts: {} },
  { name: 'plain client (POST /, no base64)', opts: { enableAutoPipelining: false, responseEncoding: false } },
] as const;

describe.each(clientVariants)('@upstash/redis via upstash-local: $name', ({ name, opts }) => {
  let redis: Redis;
  const k = (n: string): string => key(`${name.split(' ')[0]}:${n}`);

  beforeAll(() => {
    redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, ...opts });
  });

  it('sets and gets strings, including unicode, and stores them verbatim in Redis', async () => {
    const text = 'Grüße 🩺 日本語 — "quoted" \\ back';
    expect(await redis.set(k('uni'), text)).toBe('OK');
    expect(await redis.get(k('uni'))).toBe(text);
    expect(await direct.get(k('uni'))).toBe(text);
  });

  it('returns values that look like base64 or status replies unchanged', async () => {
    for (const value of ['T0s=', 'OK', 'PONG', '']) {
      await redis.set(k('tricky'), value);
      expect(await redis.get(k('tricky'))).toBe(value);
    }
  });

  it('round-trips a JSON object (client serialises it)', async () => {
    const obj = { clinic: 'North', staff: [{ id: 1, roles: ['nurse'] }], active: true };
    await redis.set(k('json'), obj);
    expect(await redis.get(k('json'))).toEqual(obj);
    expect(JSON.parse((await direct.get(k('json'))) ?? 'null')).toEqual(obj);
  });

  it('increments and returns numbers, and null for a missing key', async () => {
    await redis.set(k('count'), 41);
    expect(await redis.incr(k('count'))).toBe(42);
    expect(await redis.get(k('missing'))).toBeNull();
  });

  it('runs a pipeline and reports per-command errors', async () => {
    const results = await redis.pipeline().set(k('p'), 'v').incr(k('pn')).get(k('p')).exec();
    expect(results).toEqual(['OK', 1, 'v']);

    const kept = await redis.pipeline().incr(k('pn')).incr(k('p')).exec({ keepErrors: true });
    expect(kept[0]).toEqual({ result: 2, error: undefined });
    expect(kept[1]?.error).toMatch(/not an integer/);
  });

  it('runs a multi-exec transaction', async () => {
    const results = await redis
      .multi()
      .set(k('tx'), 10)
      .incrby(k('tx'), 5)
      .get(k('tx'))
      .hset(k('txh'), { a: 'x' })
      .hgetall(k('txh'))
      .exec();
    expect(results).toEqual(['OK', 15, 15, 1, { a: 'x' }]);
  });

  it('supports hset/hgetall', async () => {
    expect(await redis.hset(k('h'), { name: 'Ada', shift: 'night', level: 3 })).toBe(3);
    expect(await redis.hgetall(k('h'))).toEqual({ name: 'Ada', shift: 'night', level: 3 });
  });

  it('surfaces a wrong-type command as a thrown error', async () => {
    await redis.set(k('str'), 'x');
    await expect(redis.lpush(k('str'), 'y')).rejects.toThrow(/WRONGTYPE/);
  });

  it('handles many concurrent commands', async () => {
    await Promise.all(Array.from({ length: 50 }, () => redis.incr(k('conc'))));
    expect(await redis.get(k('conc'))).toBe(50);
  });
});

describe('authentication and HTTP edges', () => {
  it('rejects a wrong token through the client', async () => {
    const bad = new Redis({ url: server.url, token: 'wrong-token', enableTelemetry: false, retry: false });
    await expect(bad.get(key('x'))).rejects.toThrow(/Unauthorized/);
  });

  it('answers 401 without a token and 200 on /health without one', async () => {
    const noAuth = await fetch(`${server.url}/`, { method: 'POST', body: '["PING"]' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ error: 'Unauthorized' });

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ result: 'OK' });
  });

  it('base64-encodes bulk strings (binary-exact) but not numbers or nulls', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    await direct.set(key('bin'), bytes);
    const res = await rest(
      '/pipeline',
      JSON.stringify([['GET', key('bin')], ['STRLEN', key('bin')], ['GET', key('nope')], ['SET', key('s'), 'v']]),
      { 'Upstash-Encoding': 'base64' },
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: bytes.toString('base64') },
      { result: 4 },
      { result: null },
      { result: 'OK' },
    ]);
  });

  it('supports path-style commands', async () => {
    const res = await fetch(`${server.url}/set/${encodeURIComponent(key('path'))}/hello?EX=100`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.json()).toEqual({ result: 'OK' });
    expect(await direct.get(key('path'))).toBe('hello');
    expect(await direct.ttl(key('path'))).toBeGreaterThan(90);
  });

  it('answers 400 with {error} for malformed JSON and for Redis errors', async () => {
    expect(await rest('/', '["GET",')).toEqual({ status: 400, json: { error: expect.stringMatching(/JSON/) } });
    expect(await rest('/', '{"cmd":"GET"}')).toMatchObject({ status: 400 });
    expect(await rest('/', '["NOSUCHCOMMAND"]')).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/unknown command/) },
    });
  });

  it('refuses commands that would block the shared connection', async () => {
    const res = await rest('/', JSON.stringify(['BLPOP', key('q'), '0']));
    expect(res.status).toBe(400);
  });

  it('answers 413 for bodies over 1 MiB', async () => {
    const big = JSON.stringify(['SET', key('big'), 'x'.repeat(1024 * 1024)]);
    const res = await rest('/', big);
    expect(res.status).toBe(413);
    expect(await direct.exists(key('big'))).toBe(0);
  });

  it('fails an aborted transaction as a whole', async () => {
    const res = await rest('/multi-exec', JSON.stringify([['SET', key('abort'), '1'], ['SET', key('abort')]]));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/EXECABORT/) });
    expect(await direct.exists(key('abort'))).toBe(0);
  });

  it('reports NOSCRIPT for an unknown EVALSHA', async () => {
    const res = await rest('/', JSON.stringify(['EVALSHA', 'ab'.repeat(20), '0']));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringContaining('NOSCRIPT') });
  });

  it('reports EADDRINUSE when the port is taken', async () => {
    await expect(startUpstashLocal({ port: server.port, token: TOKEN, redisUrl: REDIS_URL })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('close() ends keep-alive connections promptly', async () => {
    const other = await startUpstashLocal({ port: 0, token: TOKEN, redisUrl: REDIS_URL });
    const res = await fetch(`${other.url}/health`); // fetch keeps the socket alive
    expect(res.status).toBe(200);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2500);
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});

describe('Lua scripts with the Upstash-only shebang flag', () => {
  const flagged = '#!lua flags=allow-key-locking\nreturn ARGV[1]';

  it('strips only the Upstash flag and keeps line numbers', () => {
    expect(stripUpstashScriptFlags(flagged)).toBe('\nreturn ARGV[1]');
    expect(stripUpstashScriptFlags('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe(
      '#!lua flags=no-writes\nreturn 1',
    );
    expect(stripUpstashScriptFlags('#!lua flags=no-writes\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(stripUpstashScriptFlags('return 1')).toBe('return 1');
  });

  it('EVAL, SCRIPT LOAD, SCRIPT EXISTS and EVALSHA work with the original hash', async () => {
    const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false });
    const script = `${flagged} .. "-${randomUUID()}"`; // unique, so nothing is cached yet
    expect(await redis.eval(script, [], ['one'])).toMatch(/^one-/);
    expect(await redis.evalsha(sha1(script), [], ['two'])).toMatch(/^two-/);

    const other = `${flagged} .. "+${randomUUID()}"`;
    expect(await redis.scriptLoad(other)).toBe(sha1(other));
    expect(await redis.scriptExists(sha1(other), 'cd'.repeat(20))).toEqual([1, 0]);
    expect(await redis.evalsha(sha1(other), [], ['three'])).toMatch(/^three\+/);
  });

  it('reports Lua errors with the original line numbers', async () => {
    const res = await rest('/', JSON.stringify(['EVAL', '#!lua flags=allow-key-locking\nreturn +', '0']));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/:2:/) });
  });
});

describe('@upstash/ratelimit via upstash-local', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false });
  });

  /** Windows are aligned to the epoch; don't start a burst right at a boundary. */
  async function awayFromWindowEdge(windowMs: number): Promise<void> {
    const intoWindow = Date.now() % windowMs;
    if (intoWindow > windowMs - 1500) await sleep(windowMs - intoWindow + 50);
  }

  it('slidingWindow(5, "10 s") allows exactly 5 of 7 calls', async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(5, '10 s'),
      prefix: key('rl-sliding'),
      ephemeralCache: false,
    });
    await awayFromWindowEdge(10_000);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await limiter.limit('user-1'));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results[0]?.remaining).toBe(4);
    // A different identifier has its own budget.
    expect((await limiter.limit('user-2')).success).toBe(true);
    // The counters really live in Redis under the prefix.
    expect((await direct.keys(`${key('rl-sliding')}:user-1:*`)).length).toBeGreaterThan(0);
  });

  it('fixedWindow with getRemaining and resetUsedTokens', async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(3, '60 s'),
      prefix: key('rl-fixed'),
      ephemeralCache: false,
    });
    await awayFromWindowEdge(60_000);
    const allowed = [];
    for (let i = 0; i < 4; i++) allowed.push((await limiter.limit('ip-1')).success);
    expect(allowed).toEqual([true, true, true, false]);
    expect((await limiter.getRemaining('ip-1')).remaining).toBe(0);

    await limiter.resetUsedTokens('ip-1');
    expect((await limiter.getRemaining('ip-1')).remaining).toBe(3);
    expect((await limiter.limit('ip-1')).success).toBe(true);
  });
});
