/**
 * The deployment files, for real: Debian's nginx on loopback running deploy/nginx/clinicauth.conf
 * (rendered with this test's ports and paths), TLS with a self-signed certificate made here, and the
 * production build behind it (`npm start`, TRUST_PROXY=1, in-memory rate limits). Every check goes
 * through the proxy over https.
 *
 * Clients connect from their own loopback addresses (127.0.0.2, .3, ...) while nginx reaches the app
 * from 127.0.0.1, so the address the app records tells the real client apart from the proxy and from
 * whatever a client wrote into X-Forwarded-For.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { freePort, startApp, type AppServer } from "./support/app-server";
import { createPerson } from "./support/fixtures";

const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const SITE_TEMPLATE = path.join(__dirname, "..", "..", "deploy", "nginx", "clinicauth.conf");
const NAME = "auth.clinic.test";

/** The headers the app sets on every response; each must arrive exactly once through nginx. */
const ONCE = [
  "strict-transport-security",
  "content-security-policy",
  "x-frame-options",
  "x-content-type-options",
  "referrer-policy",
  "permissions-policy",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "x-xss-protection",
  "x-request-id",
];

/** Replaces every __PLACEHOLDER__ of the site file; refuses unknown or leftover ones. */
function renderSite(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/__([A-Z][A-Z0-9_]*)__/g, (whole, key: string) => {
    if (key in values) return values[key]!;
    // The header comment mentions the placeholder syntax itself; only directives must be complete.
    return whole;
  });
  const leftovers = rendered
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .flatMap((line) => line.match(/__[A-Z][A-Z0-9_]*__/g) ?? []);
  if (leftovers.length > 0) throw new Error(`Unrendered placeholders in ${SITE_TEMPLATE}: ${[...new Set(leftovers)].join(", ")}`);
  return rendered;
}

type Reply = { status: number; headers: http.IncomingHttpHeaders; raw: string[]; body: string };

type Call = {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  /** Local (client) address to connect from. */
  from?: string;
  /** Plain http to the redirect server instead of https. */
  plain?: boolean;
};

type Env = { dir: string; nginx?: ChildProcess; nginxOutput: () => string; app?: AppServer; httpPort: number; httpsPort: number; origin: string };
let env: Env | undefined;

function call(c: Call): Promise<Reply> {
  const e = env!;
  const port = c.plain ? e.httpPort : e.httpsPort;
  const headers: Record<string, string> = { host: `${NAME}:${port}`, ...c.headers };
  if (c.body !== undefined && !c.chunked) headers["content-length"] = String(Buffer.byteLength(c.body));
  const options: https.RequestOptions = {
    host: "127.0.0.1",
    port,
    method: c.method ?? (c.body === undefined ? "GET" : "POST"),
    path: c.path,
    headers,
    localAddress: c.from,
    agent: false,
    ...(c.plain ? {} : { servername: NAME, rejectUnauthorized: false }),
  };
  return new Promise<Reply>((resolve, reject) => {
    const req = (c.plain ? http : https).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`${options.method} ${c.path}: no answer in 15 s`)));
    req.on("error", reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

/** A bare TLS handshake with the site: the protocol and cipher agreed, or the server's refusal. */
function handshake(options: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: env!.httpsPort, servername: NAME, rejectUnauthorized: false, ...options }, () => {
      const agreed = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.destroy();
      resolve(agreed);
    });
    socket.once("error", reject);
  });
}

function count(reply: Reply, name: string): number {
  let n = 0;
  for (let i = 0; i < reply.raw.length; i += 2) if (reply.raw[i]!.toLowerCase() === name) n++;
  return n;
}

function expectSecurityHeadersOnce(reply: Reply, what: string): void {
  for (const name of ONCE) expect(count(reply, name), `${name} on ${what}`).toBe(1);
  expect(reply.headers["strict-transport-security"], what).toBe("max-age=63072000; includeSubDomains");
  expect(reply.headers["x-powered-by"], what).toBeUndefined();
  // server_tokens off: no version.
  expect(reply.headers.server, what).toBe("nginx");
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function waitForPort(port: number, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null) return reject(new Error(`nginx exited (${proc.exitCode}):\n${output()}`));
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve();
      });
      s.on("error", () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port} in 10 s:\n${output()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function stopNginx(e: Env): Promise<void> {
  const proc = e.nginx;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGQUIT"); // graceful: finish open requests, then exit
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGKILL");
    await exited;
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  if (!existsSync(NGINX)) throw new Error(`nginx is not installed at ${NGINX} (apt-get install -y nginx-light, or set NGINX_BIN)`);
  if (!process.env.E2E_DATABASE_URL) throw new Error("E2E_DATABASE_URL is not set: run through `npx playwright test` (global setup)");

  const dir = mkdtempSync(path.join(os.tmpdir(), "clinicauth-nginx-"));
  const httpPort = await freePort();
  let httpsPort = await freePort();
  while (httpsPort === httpPort) httpsPort = await freePort();
  const origin = `https://${NAME}:${httpsPort}`;
  let output = "";
  env = { dir, nginxOutput: () => output, httpPort, httpsPort, origin };

  // The production app, told (as in production) that one proxy of ours is in front and what the
  // public origin is.
  env.app = await startApp({
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    TRUST_PROXY: "1",
    RATE_LIMIT_STORE: "memory",
    APP_URL: origin,
  });

  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`, "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
    { stdio: "pipe" },
  );
  mkdirSync(path.join(dir, "logs"));
  mkdirSync(path.join(dir, "temp"));
  const site = renderSite(readFileSync(SITE_TEMPLATE, "utf8"), {
    SERVER_NAME: NAME,
    PUBLIC_ORIGIN: origin,
    LISTEN_HTTP: `127.0.0.1:${httpPort}`,
    LISTEN_HTTPS: `127.0.0.1:${httpsPort}`,
    UPSTREAM: new URL(env.app.url).host,
    CERT: path.join(dir, "cert.pem"),
    CERT_KEY: path.join(dir, "key.pem"),
    CACHE_DIR: path.join(dir, "cache"),
    LOG_DIR: path.join(dir, "logs"),
  });
  writeFileSync(path.join(dir, "clinicauth.conf"), site);
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, "temp", name)};`;
  writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      // Workers of a root master default to `nobody`, which cannot enter the 0700 temp directory.
      process.getuid?.() === 0 ? "user root;" : "",
      "worker_processes 1;",
      `error_log ${path.join(dir, "logs", "error.log")} warn;`,
      "events { worker_connections 256; }",
      "http {",
      `  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
      `  include ${path.join(dir, "clinicauth.conf")};`,
      "}",
      "",
    ].join("\n"),
  );

  const args = ["-e", "stderr", "-p", `${dir}/`, "-c", path.join(dir, "nginx.conf"), "-g", `daemon off; pid ${path.join(dir, "nginx.pid")};`];
  try {
    execFileSync(NGINX, [...args, "-t", "-q"], { stdio: "pipe" });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`nginx -t refused the rendered site:\n${stderr}`);
  }
  const proc = spawn(NGINX, args, { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  env.nginx = proc;
  await waitForPort(httpsPort, proc, () => `${output}${readLog(path.join(dir, "logs", "error.log"))}`);
});

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

test.afterAll(async () => {
  const e = env;
  env = undefined;
  if (!e) return;
  try {
    await stopNginx(e);
  } finally {
    await e.app?.stop().catch(() => undefined);
    rmSync(e.dir, { recursive: true, force: true });
  }
});

test.describe("behind nginx (deploy/nginx/clinicauth.conf)", () => {
  test("security headers arrive once each, HSTS from the app; static assets are cached by nginx", async () => {
    const page = await call({ path: "/login", from: "127.0.0.10" });
    expect(page.status).toBe(200);
    expectSecurityHeadersOnce(page, "a page");

    const api = await call({ path: "/api/health", from: "127.0.0.10" });
    expect(api.status).toBe(200);
    expectSecurityHeadersOnce(api, "an API route");

    const missing = await call({ path: "/no-such-page", from: "127.0.0.10" });
    expect(missing.status).toBe(404);
    expectSecurityHeadersOnce(missing, "a 404");

    // One request id for nginx's log and the app's: a safe client id is kept, otherwise nginx's own.
    expect((await call({ path: "/api/health", from: "127.0.0.10", headers: { "x-request-id": "support-ticket-42" } })).headers["x-request-id"]).toBe("support-ticket-42");
    expect(api.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);

    const asset = /\/_next\/static\/[^"?]+\.js/.exec(page.body)?.[0];
    expect(asset, "a script of the login page").toBeTruthy();
    const first = await call({ path: asset!, from: "127.0.0.10" });
    const second = await call({ path: asset!, from: "127.0.0.10" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers["x-cache-status"]).toBe("HIT");
    expect(second.body).toBe(first.body);
    expect(second.headers["cache-control"]).toContain("immutable");
    expectSecurityHeadersOnce(second, "a cached static asset");
  });

  test("the app records the real client address; a forged X-Forwarded-For is ignored", async () => {
    const e = env!;
    const person = await createPerson("staff");
    const email = person.email!;
    const forged = { "x-forwarded-for": "1.2.3.4", "x-real-ip": "1.2.3.4", "x-clinicauth-peer": "1.2.3.4", "x-clinicauth-client-ip": "1.2.3.4", forwarded: "for=1.2.3.4" };
    const json = { "content-type": "application/json" };

    const requested = await call({ path: "/api/auth/otp/request", from: "127.0.0.2", headers: { ...json, ...forged }, body: JSON.stringify({ identifier: email }) });
    expect(requested.status, requested.body).toBe(200);
    expectSecurityHeadersOnce(requested, "the OTP request");
    expect(await query("SELECT ip FROM audit_events WHERE user_id = $1 AND type = 'otp.requested'", [person.id])).toEqual([{ ip: "127.0.0.2" }]);
    expect(await query("SELECT ip FROM otp_challenges WHERE identifier = $1", [email])).toEqual([{ ip: "127.0.0.2" }]);

    const outbox = await call({ path: `/api/dev/outbox?to=${encodeURIComponent(email)}`, from: "127.0.0.2" });
    const code = (JSON.parse(outbox.body) as { messages: { code?: string }[] }).messages[0]?.code;
    expect(code, "the mock delivered a code").toMatch(/^\d{6}$/);

    const verified = await call({ path: "/api/auth/otp/verify", from: "127.0.0.2", headers: { ...json, ...forged }, body: JSON.stringify({ identifier: email, code }) });
    expect(verified.status, verified.body).toBe(200);
    const setCookie = verified.headers["set-cookie"]?.[0] ?? "";
    expect(setCookie).toMatch(/^__Secure-clinicauth_rt=[A-Za-z0-9_-]{43}; Path=\/api\/auth; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(await query("SELECT ip FROM sessions WHERE user_id = $1", [person.id])).toEqual([{ ip: "127.0.0.2" }]);
    expect(await query("SELECT ip FROM audit_events WHERE user_id = $1 AND type = 'session.created'", [person.id])).toEqual([{ ip: "127.0.0.2" }]);

    // The cookie refresh works through the proxy (Origin = APP_URL, the public https origin), and
    // the session follows the person to another network.
    const cookie = setCookie.split(";")[0]!;
    const csrf = { cookie, "x-clinicauth-csrf": "1", "content-length": "0" };
    const crossSite = await call({ path: "/api/auth/refresh", method: "POST", from: "127.0.0.6", headers: { ...csrf, origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    const refreshed = await call({ path: "/api/auth/refresh", method: "POST", from: "127.0.0.6", headers: { ...csrf, origin: e.origin, ...forged } });
    expect(refreshed.status, refreshed.body).toBe(200);
    expect(refreshed.headers["set-cookie"]?.[0]).toMatch(/^__Secure-clinicauth_rt=/);
    expect(await query("SELECT ip FROM sessions WHERE user_id = $1", [person.id])).toEqual([{ ip: "127.0.0.6" }]);

    // The app's one log line per request names the same client.
    const lines = e
      .app!.output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg?: string; path?: string; ip?: string });
    const logged = lines.filter((l) => l.msg === "request" && l.path === "/api/auth/otp/request").map((l) => l.ip);
    expect(logged).toContain("127.0.0.2");
    expect(logged).not.toContain("1.2.3.4");
  });

  test("rate limits count per real client: the 6th OTP request in 15 minutes gets 429", async () => {
    const tag = Date.now().toString(36);
    const ask = (i: number, from: string) =>
      call({
        path: "/api/auth/otp/request",
        from,
        // A different forged address every time: were it believed, each request would get a fresh bucket.
        headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.${i + 1}` },
        // Unknown people: same answer as known ones, nothing is sent, no per-identifier cooldown.
        body: JSON.stringify({ identifier: `nobody-${tag}-${i}@clinic.example` }),
      });

    for (let i = 0; i < 5; i++) {
      const ok = await ask(i, "127.0.0.3");
      expect(ok.status, ok.body).toBe(200);
      expect(ok.headers["ratelimit-policy"]).toContain('"otp-request";q=5;w=900');
      expect(ok.headers.ratelimit).toMatch(new RegExp(`"otp-request";r=${4 - i};t=\\d+`));
    }
    const refused = await ask(5, "127.0.0.3");
    expect(refused.status).toBe(429);
    const body = JSON.parse(refused.body) as { error: { code: string; policy: string; retryAfter: number; requestId: string } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.policy).toBe("otp-request");
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(901);
    expect(refused.headers.ratelimit).toContain(`"otp-request";r=0;t=${retryAfter}`);
    expect(refused.headers["ratelimit-policy"]).toContain('"otp-request";q=5;w=900');
    for (const name of ["ratelimit", "ratelimit-policy", "retry-after"]) expect(count(refused, name), name).toBe(1);
    expectSecurityHeadersOnce(refused, "the 429");

    // Another client behind the same proxy still has its own budget.
    const other = await ask(6, "127.0.0.4");
    expect(other.status, other.body).toBe(200);
    expect(other.headers.ratelimit).toMatch(/"otp-request";r=4;t=\d+/);
  });

  test("bodies over 16 KiB are refused by nginx (413); 16 KiB exactly reaches the app", async () => {
    const json = { "content-type": "application/json" };
    const sized = (bytes: number) => {
      const frame = (s: string) => `{"identifier":"${s}","code":"123456"}`;
      const body = frame("a".repeat(bytes - frame("").length));
      expect(Buffer.byteLength(body)).toBe(bytes);
      return body;
    };

    const tooLarge = await call({ path: "/api/auth/otp/verify", from: "127.0.0.5", headers: json, body: sized(16 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    // nginx's answer, not the app's (the app would refuse it too, with its headers): never forwarded.
    expect(tooLarge.headers["strict-transport-security"]).toBeUndefined();
    expect(tooLarge.headers["content-type"]).toBe("application/json");
    const error = (JSON.parse(tooLarge.body) as { error: { code: string; requestId: string } }).error;
    expect(error.code).toBe("payload_too_large");
    expect(error.requestId).toBe(tooLarge.headers["x-request-id"]);

    const chunked = await call({ path: "/api/auth/otp/verify", from: "127.0.0.5", headers: json, body: sized(20 * 1024), chunked: true });
    expect(chunked.status).toBe(413);
    expect(chunked.headers["strict-transport-security"]).toBeUndefined();

    // At the limit nginx forwards it; the app reads it and rejects the oversized field (400).
    const atLimit = await call({ path: "/api/auth/otp/verify", from: "127.0.0.5", headers: json, body: sized(16 * 1024) });
    expect(atLimit.status, atLimit.body).toBe(400);
    expect((JSON.parse(atLimit.body) as { error: { code: string } }).error.code).toBe("invalid_input");
    expectSecurityHeadersOnce(atLimit, "the app's 400");
  });

  test("plain http redirects to the configured https origin; other host names get nothing", async () => {
    const e = env!;
    const redirect = await call({ path: "/login?next=%2Fdashboard", plain: true, from: "127.0.0.7" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`${e.origin}/login?next=%2Fdashboard`);

    // An unknown Host on port 80 is dropped (444); the redirect never reflects a client's Host.
    await expect(call({ path: "/", plain: true, from: "127.0.0.7", headers: { host: "evil.example" } })).rejects.toThrow();
  });

  test("TLS 1.3, or 1.2 with forward-secret AEAD suites; older protocols and other names are refused", async () => {
    expect(await handshake({})).toEqual({ protocol: "TLSv1.3", cipher: expect.stringMatching(/^TLS_(AES_\d+_GCM|CHACHA20_POLY1305)_SHA\d+$/) });
    expect(await handshake({ maxVersion: "TLSv1.2" })).toEqual({ protocol: "TLSv1.2", cipher: expect.stringMatching(/^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/) });
    // The client offers these (security level 0); the refusal is the server's alert.
    await expect(handshake({ minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" })).rejects.toThrow(/alert protocol version/);
    await expect(handshake({ maxVersion: "TLSv1.2", ciphers: "AES128-SHA:AES256-SHA" })).rejects.toThrow(/alert handshake failure/);
    await expect(handshake({ servername: "evil.example" })).rejects.toThrow(/unrecognized name/);
  });

  test("when the app is down, nginx answers in the app's JSON error shape", async () => {
    const e = env!;
    const app = e.app!;
    e.app = undefined;
    await app.stop();
    const down = await call({ path: "/api/health", from: "127.0.0.8" });
    expect(down.status).toBe(502);
    expect(down.headers["content-type"]).toBe("application/json");
    expect(down.headers["cache-control"]).toBe("no-store");
    const error = (JSON.parse(down.body) as { error: { code: string; requestId: string } }).error;
    expect(error.code).toBe("service_unavailable");
    expect(error.requestId).toBe(down.headers["x-request-id"]);
  });
});
