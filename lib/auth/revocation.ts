/**
 * Immediate revocation: a revoked session's access token is refused on its next request.
 *
 * The database is the truth (sessions.revoked_at, users.status). In front of it sits a fast mark
 * per revoked session id: in Redis when Upstash is configured (shared by every app instance), in
 * process memory otherwise. A session not marked is looked up in the database and the answer is
 * cached briefly, so a steady stream of API calls costs one Redis GET or a memory lookup.
 */
import "server-only";
import { env } from "@/lib/env";
import { upstash } from "@/lib/redis";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";

const KEY = (sid: string) => `clinicauth:revoked:${sid}`;
/** How long a "still live" database answer is trusted in memory. Local revocations clear it at once. */
const LIVE_CACHE_MS = 2000;

const revokedLocally = new Map<string, number>(); // sid -> mark expiry (ms)
const liveCache = new Map<string, { until: number; userId: string }>(); // sid -> owner, cache expiry (ms)

function markTtlSeconds(): number {
  const e = env();
  // An access token cannot outlive this, so neither needs the mark.
  return e.ACCESS_TOKEN_TTL + e.JWT_CLOCK_SKEW + 60;
}

/** Record that these sessions are revoked. Call after the database transaction commits. */
export async function markRevoked(sessionIds: string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  const ttl = markTtlSeconds();
  const until = Date.now() + ttl * 1000;
  for (const sid of sessionIds) {
    revokedLocally.set(sid, until);
    liveCache.delete(sid);
  }
  const redis = upstash();
  if (!redis) return;
  try {
    const p = redis.pipeline();
    for (const sid of sessionIds) p.set(KEY(sid), "1", { ex: ttl });
    await p.exec();
  } catch (err) {
    // Other instances fall back to their database lookups (LIVE_CACHE_MS stale at most).
    log().error({ err: String(err), sessions: sessionIds.length }, "revocation mark could not be written to Redis");
  }
}

async function ownerIfLive(sid: string): Promise<string | null> {
  const row = await db().session.findUnique({
    where: { id: sid },
    select: { userId: true, revokedAt: true, user: { select: { status: true } } },
  });
  return row && !row.revokedAt && row.user.status === "active" ? row.userId : null;
}

/**
 * True when the session may still be used by this user. The owner check binds `sid` to `sub`, so
 * a token naming someone else's live session is refused even if it carries a valid signature.
 */
export async function isSessionLive(sid: string, userId: string): Promise<boolean> {
  const t = Date.now();
  const mark = revokedLocally.get(sid);
  if (mark !== undefined) {
    if (mark > t) return false;
    revokedLocally.delete(sid);
  }
  const cached = liveCache.get(sid);
  if (cached !== undefined && cached.until > t) {
    if (cached.userId !== userId) return false;
    const redis = upstash();
    if (!redis) return true;
    try {
      return (await redis.get(KEY(sid))) === null;
    } catch {
      return true; // the database said live within LIVE_CACHE_MS
    }
  }
  const owner = await ownerIfLive(sid);
  if (!owner) {
    revokedLocally.set(sid, t + markTtlSeconds() * 1000);
    return false;
  }
  liveCache.set(sid, { until: t + LIVE_CACHE_MS, userId: owner });
  if (liveCache.size > 50_000) liveCache.clear();
  return owner === userId;
}
