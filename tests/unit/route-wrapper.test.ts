/** The route wrapper's error paths, called directly. */
import { afterEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { z } from "zod";
import { route } from "@/lib/http/route";
import { resetEnv } from "@/lib/env";
import { createLogger, setLogger } from "@/lib/log";

const body = z.strictObject({ name: z.string().max(20), count: z.number().int() });
const echo = route({ name: "test.echo", body }, async ({ body }) => ({ got: body }));
const post = (payload: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  echo(new Request("http://localhost:3000/x", { method: "POST", headers: { "x-request-id": "req-123", ...headers }, body: payload }));

function captureLogs(): string[] {
  const lines: string[] = [];
  // The app's own logger (with its redaction), writing into memory.
  setLogger(createLogger(new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) })));
  return lines;
}

afterEach(() => {
  delete process.env.APP_URL;
  Object.assign(process.env, { NODE_ENV: "test", LOG_LEVEL: "silent" });
  for (const k of ["JWT_PRIVATE_JWKS", "OTP_SECRET", "METRICS_TOKEN", "RATE_LIMIT_STORE"]) delete process.env[k];
  resetEnv();
});

describe("route wrapper", () => {
  it("passes valid input to the handler", async () => {
    const res = await post(JSON.stringify({ name: "a", count: 1 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { name: "a", count: 1 } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
  });

  it("400 malformed JSON, 400 listing invalid fields, 415 wrong content type", async () => {
    const bad = await post("{nope");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "malformed_json", requestId: "req-123" });
    const invalid = await post(JSON.stringify({ name: 5, extra: true }));
    expect(invalid.status).toBe(400);
    const err = (await invalid.json()).error;
    expect(err.code).toBe("invalid_input");
    expect(err.fields.map((f: { path: string }) => f.path).sort()).toEqual(["(body)", "count", "name"]);
    const form = await post("a=b", { "content-type": "text/plain" });
    expect(form.status).toBe(415);
    expect((await form.json()).error.code).toBe("unsupported_media_type");
  });

  it("413 for a body over 16 KiB, whether or not Content-Length says so", async () => {
    const big = JSON.stringify({ name: "x".repeat(17 * 1024), count: 1 });
    expect((await post(big)).status).toBe(413);
    // A streamed body has no Content-Length: the limit is enforced while reading.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
        c.close();
      },
    });
    const res = await echo(new Request("http://localhost:3000/x", { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("payload_too_large");
  });

  it("504 when the handler takes longer than the timeout", async () => {
    const slow = route({ name: "test.slow", timeoutMs: 50 }, () => new Promise<object>((r) => setTimeout(() => r({}), 1000)));
    const res = await slow(new Request("http://localhost:3000/slow"));
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe("timeout");
  });

  it("500 with the request id and no stack in production; the log has the request id", async () => {
    Object.assign(process.env, { NODE_ENV: "production", LOG_LEVEL: "info", APP_URL: "https://auth.clinic.example", JWT_PRIVATE_JWKS: '{"keys":[{"kty":"EC"}]}', OTP_SECRET: "s".repeat(40), METRICS_TOKEN: "m", RATE_LIMIT_STORE: "memory" });
    resetEnv();
    const lines = captureLogs();
    const boom = route({ name: "test.boom" }, async () => {
      throw new Error("database password is hunter2");
    });
    const res = await boom(new Request("http://localhost:3000/boom", { headers: { "x-request-id": "req-500" } }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: "internal", requestId: "req-500" });
    expect(text).not.toContain("stack");
    expect(text).not.toContain("hunter2");
    expect(lines.some((l) => l.includes('"requestId":"req-500"'))).toBe(true);
  });

  it("never logs Authorization headers, cookies or tokens", async () => {
    process.env.LOG_LEVEL = "info";
    resetEnv();
    const lines = captureLogs();
    const boom = route({ name: "test.boom" }, async ({ req }) => {
      // Even a careless log call is redacted.
      const { log } = await import("@/lib/log");
      log().error({ headers: { authorization: req.headers.get("authorization"), cookie: req.headers.get("cookie") }, body: { refreshToken: "rt-secret", code: "123456" } }, "careless");
      throw new Error("x");
    });
    await boom(new Request("http://localhost:3000/boom", { headers: { authorization: "Bearer at-secret", cookie: "clinicauth_rt=ck-secret" } }));
    const all = lines.join("\n");
    expect(all).toContain("careless");
    for (const secret of ["at-secret", "ck-secret", "rt-secret", "123456"]) expect(all).not.toContain(secret);
  });
});
