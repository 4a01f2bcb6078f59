/** Reuse detection is loud: audit, metric, dashboard flag, a message to the person, a signed webhook. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/db/client";
import { resetEnv } from "@/lib/env";
import { setClock } from "@/lib/clock";
import { metrics } from "@/lib/metrics";
import { rotateRefreshToken } from "@/lib/auth/rotation";
import { clearOutbox, listOutbox } from "@/lib/delivery/outbox";
import { makeUser, signIn } from "../support/factories";

const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.SECURITY_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  process.env.SECURITY_WEBHOOK_SECRET = "webhook-secret";
  resetEnv();
});

afterAll(async () => {
  delete process.env.SECURITY_WEBHOOK_URL;
  delete process.env.SECURITY_WEBHOOK_SECRET;
  resetEnv();
  await new Promise((r) => server.close(r));
});

const reuseCount = async () => (await metrics().refresh.get()).values.find((v) => v.labels.outcome === "reuse_revoked")?.value ?? 0;

describe("refresh token reuse", () => {
  it("raises every alarm the design lists", async () => {
    clearOutbox();
    let t = Date.now();
    setClock(() => new Date(t));
    const user = await makeUser();
    const first = await signIn(user);
    await rotateRefreshToken(first.refreshToken, { ip: "198.51.100.9", userAgent: "a" });
    t += 11_000;
    const before = await reuseCount();
    await expect(rotateRefreshToken(first.refreshToken, { ip: "203.0.113.66", userAgent: "attacker" })).rejects.toMatchObject({ code: "invalid_token" });

    expect(await reuseCount()).toBe(before + 1);
    const session = await db().session.findUniqueOrThrow({ where: { id: first.sessionId } });
    expect(session.reuseDetectedAt).not.toBeNull();
    const audit = await db().auditEvent.findFirstOrThrow({ where: { sessionId: first.sessionId, type: "session.reuse_detected" } });
    expect(audit.ip).toBe("203.0.113.66");

    const notice = listOutbox({ to: user.email! })[0]!;
    expect(notice.text).toContain("all your sessions");
    expect(notice.code).toBeUndefined();

    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ type: "session.reuse_detected", userId: user.id, sessionId: first.sessionId, ip: "203.0.113.66" });
    const [tPart, vPart] = String(headers["x-clinicauth-signature"]).split(",");
    const ts = tPart!.slice(2);
    expect(vPart).toBe(`v1=${createHmac("sha256", "webhook-secret").update(`${ts}.${body}`).digest("hex")}`);
    expect(body).not.toContain(first.refreshToken);
  });
});
