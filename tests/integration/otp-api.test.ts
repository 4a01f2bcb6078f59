/** The OTP endpoints through their exported handlers: enumeration, tokens, malformed bodies. */
import { describe, expect, it } from "vitest";
import { POST as requestCode } from "@/app/api/auth/otp/request/route";
import { POST as verifyCode } from "@/app/api/auth/otp/verify/route";
import { listOutbox } from "@/lib/delivery/outbox";
import { makeUser } from "../support/factories";

let n = 0;
const post = (handler: (r: Request) => Promise<Response>, body: unknown, ip = `192.0.2.${++n}`) =>
  handler(new Request("http://localhost:3000/api/auth/otp", { method: "POST", headers: { "content-type": "application/json", "x-clinicauth-peer": ip }, body: typeof body === "string" ? body : JSON.stringify(body) }));

describe("POST /api/auth/otp/request", () => {
  it("answers a known and an unknown identifier with the same status and body", async () => {
    const known = await makeUser();
    const a = await post(requestCode, { identifier: known.email });
    const b = await post(requestCode, { identifier: `ghost-${Date.now()}@clinic.example` });
    expect(a.status).toBe(b.status);
    const [ja, jb] = [await a.json(), await b.json()];
    expect(Object.keys(jb).sort()).toEqual(Object.keys(ja).sort());
    expect(jb).toEqual(ja);
    expect(a.headers.get("cache-control")).toBe("no-store");
  });

  it.each([
    ["an empty object", {}, "identifier"],
    ["a number", { identifier: 12 }, "identifier"],
    ["an unknown channel", { identifier: "a@clinic.example", channel: "pigeon" }, "channel"],
    ["an unknown field", { identifier: "a@clinic.example", admin: true }, "(body)"],
    ["a huge identifier", { identifier: `${"a".repeat(5000)}@clinic.example` }, "identifier"],
    ["an invalid phone number", { identifier: "+1 555" }, "identifier"],
  ])("refuses %s with 400 naming the field", async (_what, body, field) => {
    const res = await post(requestCode, body);
    expect(res.status).toBe(400);
    const err = (await res.json()).error;
    expect(err.code).toBe("invalid_input");
    expect(err.fields.map((f: { path: string }) => f.path)).toContain(field);
  });
});

describe("POST /api/auth/otp/verify", () => {
  it("signs in with a cookie by default, or with body tokens on request", async () => {
    const user = await makeUser();
    await post(requestCode, { identifier: user.email });
    const code = listOutbox({ to: user.email! })[0]!.code!;
    const res = await post(verifyCode, { identifier: user.email, code });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.user).toMatchObject({ id: user.id, role: "staff" });
    expect(body.accessToken).toBeTruthy();
    expect(body.refreshToken).toBeUndefined();
    expect(res.headers.getSetCookie()[0]).toMatch(/^clinicauth_rt=[A-Za-z0-9_-]{43}; Path=\/api\/auth; HttpOnly; SameSite=Strict/);

    const again = await makeUser();
    await post(requestCode, { identifier: again.email });
    const code2 = listOutbox({ to: again.email! })[0]!.code!;
    const res2 = await post(verifyCode, { identifier: again.email, code: code2, tokenDelivery: "body" });
    expect((await res2.json()).refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res2.headers.getSetCookie()).toEqual([]);
  });

  it("answers every failure with the same generic message", async () => {
    const user = await makeUser();
    const answers = [
      await post(verifyCode, { identifier: user.email, code: "123456" }),
      await post(verifyCode, { identifier: `ghost-${Date.now()}@clinic.example`, code: "123456" }),
    ];
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual([400, 400]);
    expect(bodies[0].error.message).toBe(bodies[1].error.message);
    expect(bodies.map((b) => b.error.code)).toEqual(["invalid_code", "invalid_code"]);
  });

  it("refuses malformed codes with 400 naming the field", async () => {
    for (const code of ["12345", "abcdef", 123456, "1234567"]) {
      const res = await post(verifyCode, { identifier: "a@clinic.example", code });
      expect(res.status).toBe(400);
      expect((await res.json()).error.fields[0].path).toBe("code");
    }
  });
});
