/**
 * The auth and admin endpoints, called through their exported handlers (the same functions Next
 * serves) against the real database: cross-site refusal, ownership, admin rights, input errors.
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { POST as refresh } from "@/app/api/auth/refresh/route";
import { POST as logout } from "@/app/api/auth/logout/route";
import { POST as logoutAll } from "@/app/api/auth/logout-all/route";
import { GET as me } from "@/app/api/auth/me/route";
import { GET as mySessions } from "@/app/api/auth/sessions/route";
import { DELETE as revokeMine } from "@/app/api/auth/sessions/[id]/route";
import { GET as adminSessions } from "@/app/api/admin/sessions/route";
import { DELETE as adminRevoke } from "@/app/api/admin/sessions/[id]/route";
import { POST as adminRevokeUser } from "@/app/api/admin/users/[id]/revoke-sessions/route";
import { PATCH as adminPatchUser } from "@/app/api/admin/users/[id]/route";
import { GET as adminAudit } from "@/app/api/admin/audit/route";
import { hashRefreshToken } from "@/lib/auth/refresh-token";
import { signAccessToken } from "@/lib/auth/access-token";
import { bearer, browserRequest, makeUser, params, signIn } from "../support/factories";

const COOKIE = "clinicauth_rt";
const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
const tokenRow = (token: string) => db().refreshToken.findUniqueOrThrow({ where: { tokenHash: hashRefreshToken(token) } });

async function expectErrorShape(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body.error).toMatchObject({ code });
  expect(typeof body.error.message).toBe("string");
  expect(body.error.requestId).toBeTruthy();
  return body.error;
}

describe("POST /api/auth/refresh", () => {
  it("rotates the cookie for a same-origin browser request, with no-store and a strict cookie", async () => {
    const s = await signIn(await makeUser());
    const res = await refresh(browserRequest("/api/auth/refresh", { cookie: `${COOKIE}=${s.refreshToken}`, body: {} }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = cookieOf(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/api\/auth/);
    const body = await res.json();
    expect(body.accessToken).toBeTruthy();
    expect(body.refreshToken).toBeUndefined();
    expect((await tokenRow(s.refreshToken)).rotatedAt).not.toBeNull();
  });

  it("accepts a body token from a non-browser client and answers in the body", async () => {
    const s = await signIn(await makeUser());
    const req = new Request("http://localhost:3000/api/auth/refresh", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refreshToken: s.refreshToken }) });
    const res = await refresh(req);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  const crossSite: [string, Record<string, string>][] = [
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["no custom header", { "x-clinicauth-csrf": "" }],
    ["a foreign Referer and no Origin", { origin: "", referer: "https://evil.example/page" }],
  ];
  for (const [what, headers] of crossSite) {
    it(`refuses ${what} without rotating anything`, async () => {
      const s = await signIn(await makeUser());
      const req = browserRequest("/api/auth/refresh", { cookie: `${COOKIE}=${s.refreshToken}`, body: {}, headers });
      for (const [k, v] of Object.entries(headers)) if (v === "") req.headers.delete(k);
      await expectErrorShape(await refresh(req), 403, "csrf_rejected");
      expect((await tokenRow(s.refreshToken)).rotatedAt).toBeNull();
    });
  }

  it("without a cookie answers 401 in the error shape", async () => {
    await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { body: {} })), 401, "unauthorized");
  });
});

describe("logout", () => {
  it("ends the session, clears the cookie and site data, and the access token dies at once", async () => {
    const s = await signIn(await makeUser());
    expect((await me(bearer("/api/auth/me", s.accessToken))).status).toBe(200);
    const res = await logout(browserRequest("/api/auth/logout", { cookie: `${COOKIE}=${s.refreshToken}`, body: {} }));
    expect(res.status).toBe(200);
    expect(res.headers.get("clear-site-data")).toBe('"cookies", "storage"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(cookieOf(res)).toMatch(/Max-Age=0/);
    expect((await db().session.findUniqueOrThrow({ where: { id: s.sessionId } })).revokedReason).toBe("logout");
    await expectErrorShape(await me(bearer("/api/auth/me", s.accessToken)), 401, "session_ended");
  });

  it("logout-all ends every session of the person", async () => {
    const user = await makeUser();
    const a = await signIn(user);
    const b = await signIn(user);
    const res = await logoutAll(bearer("/api/auth/logout-all", a.accessToken, { method: "POST" }));
    expect(res.status).toBe(200);
    expect((await res.json()).sessionsEnded).toBe(2);
    await expectErrorShape(await me(bearer("/api/auth/me", b.accessToken)), 401, "session_ended");
  });
});

describe("staff boundaries", () => {
  it("lists only my sessions and marks this one", async () => {
    const user = await makeUser();
    const other = await signIn(await makeUser());
    const s = await signIn(user);
    const body = await (await mySessions(bearer("/api/auth/sessions", s.accessToken))).json();
    expect(body.currentSessionId).toBe(s.sessionId);
    expect(body.sessions.map((x: { id: string }) => x.id)).toEqual([s.sessionId]);
    expect(JSON.stringify(body)).not.toContain(other.sessionId);
  });

  it("revoking another person's session answers 404 and leaves it alive", async () => {
    const mine = await signIn(await makeUser());
    const theirs = await signIn(await makeUser());
    await expectErrorShape(await revokeMine(bearer(`/api/auth/sessions/${theirs.sessionId}`, mine.accessToken, { method: "DELETE" }), params({ id: theirs.sessionId })), 404, "not_found");
    expect((await db().session.findUniqueOrThrow({ where: { id: theirs.sessionId } })).revokedAt).toBeNull();
  });

  it("staff reach no admin endpoint", async () => {
    const s = await signIn(await makeUser());
    const target = await makeUser();
    const id = crypto.randomUUID();
    await expectErrorShape(await adminSessions(bearer("/api/admin/sessions", s.accessToken)), 403, "forbidden");
    await expectErrorShape(await adminAudit(bearer("/api/admin/audit", s.accessToken)), 403, "forbidden");
    await expectErrorShape(await adminRevoke(bearer(`/api/admin/sessions/${id}`, s.accessToken, { method: "DELETE" }), params({ id })), 403, "forbidden");
    await expectErrorShape(await adminRevokeUser(bearer(`/api/admin/users/${target.id}/revoke-sessions`, s.accessToken, { method: "POST" }), params({ id: target.id })), 403, "forbidden");
    await expectErrorShape(await adminPatchUser(bearer(`/api/admin/users/${target.id}`, s.accessToken, { method: "PATCH", body: { status: "disabled" } }), params({ id: target.id })), 403, "forbidden");
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("active");
  });

  it("a demoted admin loses admin rights on the next call, whatever the token says", async () => {
    const admin = await makeUser("admin");
    const boss = await signIn(await makeUser("admin"));
    const s = await signIn(admin);
    expect((await adminSessions(bearer("/api/admin/sessions", s.accessToken))).status).toBe(200);
    const res = await adminPatchUser(bearer(`/api/admin/users/${admin.id}`, boss.accessToken, { method: "PATCH", body: { role: "staff" } }), params({ id: admin.id }));
    expect(res.status).toBe(200);
    await expectErrorShape(await adminSessions(bearer("/api/admin/sessions", s.accessToken)), 403, "forbidden");
  });
});

describe("admin", () => {
  it("lists live sessions filtered by user, role and channel, most recent first, paged", async () => {
    const admin = await signIn(await makeUser("admin"));
    const nurse = await makeUser("staff");
    await signIn(nurse);
    await signIn(nurse);
    const res = await adminSessions(bearer(`/api/admin/sessions?user=${encodeURIComponent(nurse.email!)}&role=staff&channel=email&pageSize=1`, admin.accessToken));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.total).toBe(2);
    expect(body.sessions).toHaveLength(1);
    expect(body.sessions[0].user.id).toBe(nurse.id);
    const page2 = await (await adminSessions(bearer(`/api/admin/sessions?user=${encodeURIComponent(nurse.email!)}&pageSize=1&page=2`, admin.accessToken))).json();
    expect(page2.sessions[0].id).not.toBe(body.sessions[0].id);
    expect(new Date(body.sessions[0].lastSeenAt) >= new Date(page2.sessions[0].lastSeenAt)).toBe(true);
  });

  it("revokes one session; the staff access token is refused on its next request; audited with the admin as actor", async () => {
    const adminUser = await makeUser("admin");
    const admin = await signIn(adminUser);
    const staff = await signIn(await makeUser());
    const res = await adminRevoke(bearer(`/api/admin/sessions/${staff.sessionId}`, admin.accessToken, { method: "DELETE" }), params({ id: staff.sessionId }));
    expect(res.status).toBe(200);
    await expectErrorShape(await me(bearer("/api/auth/me", staff.accessToken)), 401, "session_ended");
    const event = await db().auditEvent.findFirstOrThrow({ where: { sessionId: staff.sessionId, type: "session.revoked" } });
    expect(event.actorId).toBe(adminUser.id);
    expect((await db().session.findUniqueOrThrow({ where: { id: staff.sessionId } })).revokedReason).toBe("admin_revoked");
  });

  it("disabling a person ends all their sessions and they cannot refresh", async () => {
    const admin = await signIn(await makeUser("admin"));
    const person = await makeUser();
    const s = await signIn(person);
    const res = await adminPatchUser(bearer(`/api/admin/users/${person.id}`, admin.accessToken, { method: "PATCH", body: { status: "disabled" } }), params({ id: person.id }));
    expect(res.status).toBe(200);
    expect((await res.json()).sessionsEnded).toBe(1);
    await expectErrorShape(await me(bearer("/api/auth/me", s.accessToken)), 401, "session_ended");
    await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { cookie: `${COOKIE}=${s.refreshToken}`, body: {} })), 401, "invalid_token");
    expect(await db().auditEvent.count({ where: { userId: person.id, type: "user.disabled" } })).toBe(1);
  });

  it("unknown ids answer 404", async () => {
    const admin = await signIn(await makeUser("admin"));
    const id = crypto.randomUUID();
    await expectErrorShape(await adminRevoke(bearer(`/api/admin/sessions/${id}`, admin.accessToken, { method: "DELETE" }), params({ id })), 404, "not_found");
    await expectErrorShape(await adminRevokeUser(bearer(`/api/admin/users/${id}/revoke-sessions`, admin.accessToken, { method: "POST" }), params({ id })), 404, "not_found");
  });
});

describe("malformed input answers a clear 4xx in the one error shape", () => {
  it("bad JSON, wrong content type, oversized body", async () => {
    await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { body: "{not json" })), 400, "malformed_json");
    await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { body: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } })), 415, "unsupported_media_type");
    await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { body: { refreshToken: "x".repeat(20_000) } })), 413, "payload_too_large");
  });

  it("wrong types, unknown fields and huge strings list the fields", async () => {
    const admin = await signIn(await makeUser("admin"));
    const target = await makeUser();
    const wrongType = await expectErrorShape(await refresh(browserRequest("/api/auth/refresh", { body: { refreshToken: 42 } })), 400, "invalid_input");
    expect(wrongType.fields[0].path).toBe("refreshToken");
    const unknown = await expectErrorShape(await adminPatchUser(bearer(`/api/admin/users/${target.id}`, admin.accessToken, { method: "PATCH", body: { status: "disabled", isRoot: true } }), params({ id: target.id })), 400, "invalid_input");
    expect(JSON.stringify(unknown.fields)).toContain("isRoot");
    await expectErrorShape(await adminPatchUser(bearer(`/api/admin/users/${target.id}`, admin.accessToken, { method: "PATCH", body: { role: "root" } }), params({ id: target.id })), 400, "invalid_input");
    await expectErrorShape(await adminSessions(bearer(`/api/admin/sessions?user=${"a".repeat(5000)}`, admin.accessToken)), 400, "invalid_input");
    await expectErrorShape(await adminSessions(bearer(`/api/admin/sessions?page=-1`, admin.accessToken)), 400, "invalid_input");
    await expectErrorShape(await revokeMine(bearer(`/api/auth/sessions/not-a-uuid`, admin.accessToken, { method: "DELETE" }), params({ id: "not-a-uuid" })), 400, "invalid_input");
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("active");
  });

  it("a validly signed token naming someone else's live session is refused", async () => {
    const victim = await signIn(await makeUser("admin"));
    const mallory = await makeUser();
    const forged = await signAccessToken({ userId: mallory.id, sessionId: victim.sessionId, role: "admin" });
    await expectErrorShape(await me(bearer("/api/auth/me", forged.token)), 401, "session_ended");
    expect((await me(bearer("/api/auth/me", victim.accessToken))).status).toBe(200);
  });

  it("missing or garbage bearer tokens answer 401", async () => {
    await expectErrorShape(await me(new Request("http://localhost:3000/api/auth/me")), 401, "unauthorized");
    await expectErrorShape(await me(bearer("/api/auth/me", "garbage.token.here")), 401, "invalid_token");
  });
});
