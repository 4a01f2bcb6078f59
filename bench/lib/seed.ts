/**
 * Test data written straight into the benchmark database with SQL, in the shapes the services
 * write (see prisma/migrations and lib/auth): people, live sessions with one live refresh token
 * each (stored as SHA-256, base64url, of a 43-character base64url token: lib/auth/refresh-token.ts),
 * and live OTP challenges whose code HMAC is HMAC-SHA256(OTP_SECRET, `${identifier}:${code}`) in hex
 * (lib/auth/otp-code.ts). SQL keeps the seeding out of the measured processes and needs none of the
 * "server-only" modules.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type pg from "pg";

export type SeededSession = { userId: string; sessionId: string; refreshToken: string };

export const BENCH_CODE = "246810";

export class Seeder {
  private counter = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly otpSecret: string,
  ) {}

  private emails(n: number, tag: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`${tag}-${++this.counter}@bench.example`);
    return out;
  }

  async users(n: number, tag: string): Promise<{ id: string; email: string }[]> {
    const { rows } = await this.pool.query<{ id: string; email: string }>(
      `INSERT INTO users (id, email, name, role, status, created_at, updated_at)
       SELECT gen_random_uuid(), e, 'Bench ' || split_part(e, '@', 1), 'staff', 'active', now(), now()
       FROM unnest($1::text[]) AS e
       RETURNING id, email`,
      [this.emails(n, tag)],
    );
    return rows;
  }

  /** n people, each with one live session and its live refresh token. */
  async sessions(n: number, tag: string): Promise<SeededSession[]> {
    const users = await this.users(n, tag);
    const { rows } = await this.pool.query<{ id: string; user_id: string }>(
      `INSERT INTO sessions (id, user_id, channel, ip, user_agent, device, created_at, last_seen_at, expires_at)
       SELECT gen_random_uuid(), u, 'email', '192.0.2.1', 'clinicauth-bench', 'Benchmark', now(), now(), now() + interval '12 hours'
       FROM unnest($1::uuid[]) AS u
       RETURNING id, user_id`,
      [users.map((u) => u.id)],
    );
    const tokens = rows.map(() => randomBytes(32).toString("base64url"));
    await this.pool.query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at)
       SELECT gen_random_uuid(), s, h, now() FROM unnest($1::uuid[], $2::text[]) AS t(s, h)`,
      [rows.map((r) => r.id), tokens.map((t) => createHash("sha256").update(t, "utf8").digest("base64url"))],
    );
    return rows.map((r, i) => ({ userId: r.user_id, sessionId: r.id, refreshToken: tokens[i]! }));
  }

  /** n people, each with one live e-mail challenge whose code is BENCH_CODE. Returns the identifiers. */
  async otpChallenges(n: number, tag: string): Promise<string[]> {
    const users = await this.users(n, tag);
    const identifiers = users.map((u) => u.email);
    await this.pool.query(
      `INSERT INTO otp_challenges (id, identifier, channel, code_hmac, attempts, status, ip, created_at, expires_at)
       SELECT gen_random_uuid(), i, 'email', h, 0, 'live', '192.0.2.1', now(), now() + interval '10 minutes'
       FROM unnest($1::text[], $2::text[]) AS t(i, h)`,
      [identifiers, identifiers.map((id) => createHmac("sha256", this.otpSecret).update(`${id}:${BENCH_CODE}`).digest("hex"))],
    );
    return identifiers;
  }
}
