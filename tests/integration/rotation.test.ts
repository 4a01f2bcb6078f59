import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { rotateRefreshToken } from "@/lib/auth/rotation";
import { authenticate } from "@/lib/auth/require-auth";
import { verifyAccessToken } from "@/lib/auth/access-token";
import { AppError } from "@/lib/http/errors";
import { makeUser, signIn } from "../support/factories";

const meta = { ip: "198.51.100.1", userAgent: "test" };
const liveTokens = (sessionId: string) => db().refreshToken.count({ where: { sessionId, rotatedAt: null } });
const bearerHeaders = (t: string) => new Headers({ authorization: `Bearer ${t}` });

function freezeAt(start: Date) {
  let t = start.getTime();
  setClock(() => new Date(t));
  return { advance: (seconds: number) => (t += seconds * 1000) };
}

afterEach(() => {
  delete process.env.SESSION_ABSOLUTE_TTL;
  delete process.env.SESSION_IDLE_TTL_STAFF;
  resetEnv();
});

describe("refresh rotation", () => {
  it("rotates once: the old token is retired, the new one is the single live token", async () => {
    const user = await makeUser();
    const first = await signIn(user);
    const next = await rotateRefreshToken(first.refreshToken, meta);
    expect(next.outcome).toBe("rotated");
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.sessionId).toBe(first.sessionId);
    expect(await liveTokens(first.sessionId)).toBe(1);
    const stored = await db().refreshToken.findMany({ where: { sessionId: first.sessionId }, select: { tokenHash: true } });
    expect(stored.map((s) => s.tokenHash)).not.toContain(next.refreshToken);
  });

  it("20 parallel refreshes with one token: nobody is logged out, every caller gets a working pair, one chain continues", async () => {
    const user = await makeUser();
    const first = await signIn(user);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => rotateRefreshToken(first.refreshToken, meta)));
    const ok = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof rotateRefreshToken>>> => r.status === "fulfilled").map((r) => r.value);
    expect(ok).toHaveLength(20);
    expect(ok.filter((r) => r.outcome === "rotated")).toHaveLength(1);
    expect(ok.filter((r) => r.outcome === "grace")).toHaveLength(19);

    const session = await db().session.findUniqueOrThrow({ where: { id: first.sessionId } });
    expect(session.revokedAt).toBeNull();
    expect(await db().refreshToken.count({ where: { sessionId: first.sessionId } })).toBe(21);
    expect(await liveTokens(first.sessionId)).toBe(1);

    for (const r of ok) {
      const claims = await verifyAccessToken(r.accessToken);
      expect(claims.sid).toBe(first.sessionId);
    }
    // Every caller's refresh token still works (live, or inside the grace window).
    for (const r of ok) await expect(rotateRefreshToken(r.refreshToken, meta)).resolves.toMatchObject({ sessionId: first.sessionId });
    expect(await liveTokens(first.sessionId)).toBe(1);
    expect((await db().session.findUniqueOrThrow({ where: { id: first.sessionId } })).revokedAt).toBeNull();
  });

  it("a rotated token replayed after the grace window kills the session, is audited, and the access token is refused at once", async () => {
    const clock = freezeAt(new Date());
    const user = await makeUser();
    const first = await signIn(user);
    const second = await rotateRefreshToken(first.refreshToken, meta);
    await expect(authenticate(bearerHeaders(second.accessToken), "user")).resolves.toMatchObject({ sessionId: first.sessionId });

    clock.advance(11);
    await expect(rotateRefreshToken(first.refreshToken, meta)).rejects.toMatchObject({ code: "invalid_token" });

    const session = await db().session.findUniqueOrThrow({ where: { id: first.sessionId } });
    expect(session.revokedReason).toBe("reuse_detected");
    expect(session.reuseDetectedAt).not.toBeNull();
    expect(await liveTokens(first.sessionId)).toBe(0);
    const events = await db().auditEvent.findMany({ where: { sessionId: first.sessionId, type: "session.reuse_detected" } });
    expect(events).toHaveLength(1);
    await expect(authenticate(bearerHeaders(second.accessToken), "user")).rejects.toMatchObject({ code: "session_ended" });
    // The newest token of the family is dead too.
    await expect(rotateRefreshToken(second.refreshToken, meta)).rejects.toBeInstanceOf(AppError);
  });

  it("inside the grace window a replay gets a fresh successor and the session survives", async () => {
    const clock = freezeAt(new Date());
    const user = await makeUser();
    const first = await signIn(user);
    await rotateRefreshToken(first.refreshToken, meta);
    clock.advance(9);
    const again = await rotateRefreshToken(first.refreshToken, meta);
    expect(again.outcome).toBe("grace");
    expect(await liveTokens(first.sessionId)).toBe(1);
    expect((await db().session.findUniqueOrThrow({ where: { id: first.sessionId } })).revokedAt).toBeNull();
  });

  it("refresh after the idle timeout fails and ends the session (staff 15 min, admin 10 min)", async () => {
    const clock = freezeAt(new Date());
    const staff = await makeUser("staff");
    const admin = await makeUser("admin");
    const s = await signIn(staff);
    const a = await signIn(admin);
    clock.advance(10 * 60 + 1);
    await expect(rotateRefreshToken(a.refreshToken, meta)).rejects.toMatchObject({ code: "invalid_token" });
    const staffNext = await rotateRefreshToken(s.refreshToken, meta); // 10 min idle is fine for staff
    clock.advance(15 * 60 + 1);
    await expect(rotateRefreshToken(staffNext.refreshToken, meta)).rejects.toMatchObject({ code: "invalid_token" });
    const rows = await db().session.findMany({ where: { id: { in: [s.sessionId, a.sessionId] } }, select: { revokedReason: true } });
    expect(rows.map((r) => r.revokedReason).sort()).toEqual(["idle_timeout", "idle_timeout"]);
  });

  it("refresh after the absolute lifetime fails even when the person stayed active", async () => {
    process.env.SESSION_ABSOLUTE_TTL = "3600";
    process.env.SESSION_IDLE_TTL_STAFF = "900";
    resetEnv();
    const clock = freezeAt(new Date());
    const user = await makeUser();
    let token = (await signIn(user)).refreshToken;
    for (let i = 0; i < 4; i++) {
      clock.advance(14 * 60);
      token = (await rotateRefreshToken(token, meta)).refreshToken;
    }
    clock.advance(5 * 60); // 61 minutes after sign-in
    await expect(rotateRefreshToken(token, meta)).rejects.toMatchObject({ code: "invalid_token" });
    const session = await db().session.findFirstOrThrow({ where: { userId: user.id } });
    expect(session.revokedReason).toBe("absolute_timeout");
  });

  it("unknown and malformed tokens are refused without touching any session", async () => {
    await expect(rotateRefreshToken("x".repeat(43), meta)).rejects.toMatchObject({ code: "invalid_token" });
    await expect(rotateRefreshToken("short", meta)).rejects.toMatchObject({ code: "invalid_token" });
  });
});
