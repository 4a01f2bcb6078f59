/**
 * The token client in a real browser against a server with short lifetimes: access tokens of 8 s
 * with no clock skew, an admin idle timeout of 20 s.
 */
import type { Page } from "@playwright/test";
import { startApp, type AppServer } from "./support/app-server";
import { createPerson, expect, signIn, test, uniqueIp } from "./support/fixtures";

let app: AppServer;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  app = await startApp({
    DATABASE_URL: process.env.E2E_DATABASE_URL!,
    RATE_LIMIT_STORE: "memory",
    TRUST_PROXY: "1",
    ACCESS_TOKEN_TTL: "8",
    JWT_CLOCK_SKEW: "0",
    SESSION_IDLE_TTL_ADMIN: "20",
    SESSION_IDLE_TTL_STAFF: "120",
  });
});
test.afterAll(async () => app?.stop());

function countRefreshes(...pages: Page[]): { count: () => number } {
  let n = 0;
  for (const p of pages) p.on("request", (r) => r.url().endsWith("/api/auth/refresh") && r.method() === "POST" && n++);
  return { count: () => n };
}

test.use({ baseURL: undefined });

test.describe("token client", () => {
  test("queries in flight when the token expires continue with exactly one refresh", async ({ browser }) => {
    const context = await browser.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": uniqueIp() } });
    const page = await context.newPage();
    const admin = await createPerson("admin");
    await signIn(page, admin.email!);
    await expect(page.getByRole("heading", { name: "Active sessions" })).toBeVisible();
    await page.waitForTimeout(9_000); // the access token is now expired; no input, so no proactive refresh
    const refreshes = countRefreshes(page);
    const apiCalls: { url: string; status: number }[] = [];
    page.on("response", (r) => r.url().includes("/api/") && apiCalls.push({ url: r.url(), status: r.status() }));
    await page.getByRole("button", { name: "Refresh", exact: true }).click(); // real input, then several queries at once
    await expect.poll(() => apiCalls.filter((c) => c.status === 200 && /\/api\/(auth\/me|admin\/sessions|admin\/audit)/.test(c.url)).length).toBeGreaterThanOrEqual(3);
    expect(apiCalls.filter((c) => c.status === 401).length).toBeGreaterThanOrEqual(2);
    expect(refreshes.count()).toBe(1);
    await expect(page.getByRole("table", { name: "Active sessions" })).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/sessions$/);
    await context.close();
  });

  test("two tabs: one refresh for both; signing out in one signs out the other", async ({ browser }) => {
    const context = await browser.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": uniqueIp() } });
    const a = await context.newPage();
    const staff = await createPerson("staff");
    await signIn(a, staff.email!);
    await expect(a).toHaveURL(/\/dashboard$/);
    const b = await context.newPage();
    await b.goto("/dashboard");
    await expect(b.getByRole("heading", { name: `Hello, ${staff.name}` })).toBeVisible();
    const refreshes = countRefreshes(a, b);
    await a.mouse.click(5, 300); // activity in one tab counts for the browser
    await b.mouse.click(5, 300);
    await a.waitForTimeout(9_000); // past the proactive refresh point of both tabs
    expect(refreshes.count()).toBe(1);
    await expect(a.getByRole("heading", { name: `Hello, ${staff.name}` })).toBeVisible();
    await expect(b.getByRole("heading", { name: `Hello, ${staff.name}` })).toBeVisible();

    await a.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(a).toHaveURL(/\/login/);
    await expect(b).toHaveURL(/\/login/, { timeout: 5_000 });
    await context.close();
  });

  test("reload keeps the session; an admin revoking it sends the staff page to the login page within seconds", async ({ browser }) => {
    const staffCtx = await browser.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": uniqueIp() } });
    const adminCtx = await browser.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": uniqueIp() } });
    const staffPage = await staffCtx.newPage();
    const adminPage = await adminCtx.newPage();
    const staff = await createPerson("staff");
    const admin = await createPerson("admin");
    await signIn(staffPage, staff.email!);
    await expect(staffPage).toHaveURL(/\/dashboard$/);
    await staffPage.reload();
    await expect(staffPage.getByRole("heading", { name: `Hello, ${staff.name}` })).toBeVisible();

    await signIn(adminPage, admin.email!);
    await adminPage.getByLabel("Person").fill(staff.email!);
    await adminPage.getByRole("button", { name: "Filter" }).click();
    await adminPage.getByRole("button", { name: `Revoke session of ${staff.name}`, exact: false }).click();
    await expect(adminPage.getByRole("status").filter({ hasText: "Ended one session" })).toBeVisible();
    await expect(staffPage).toHaveURL(/\/login/, { timeout: 8_000 });
    await staffCtx.close();
    await adminCtx.close();
  });

  test("the idle rule signs an admin out; the table's 10 s polling does not keep the session alive", async ({ browser }) => {
    const context = await browser.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": uniqueIp() } });
    const page = await context.newPage();
    const admin = await createPerson("admin");
    await signIn(page, admin.email!);
    await expect(page.getByRole("heading", { name: "Active sessions" })).toBeVisible();
    const refreshes = countRefreshes(page);
    await expect(page.getByRole("alertdialog")).toContainText("signed out in", { timeout: 15_000 });
    await expect(page).toHaveURL(/\/login\?.*reason=idle/, { timeout: 15_000 });
    expect(refreshes.count()).toBe(0);
    await context.close();
  });
});

test.describe("server output", () => {
  test("one log line per request with its id; no token, cookie or secret ever; the code only in the mock's line", async ({ playwright }) => {
    const ip = uniqueIp();
    const api = await playwright.request.newContext({ baseURL: app.url, extraHTTPHeaders: { "x-forwarded-for": ip } });
    const person = await createPerson("staff");
    const requestId = `trace-${Date.now()}`;
    expect((await api.post("/api/auth/otp/request", { data: { identifier: person.email }, headers: { "x-request-id": requestId } })).status()).toBe(200);
    const outbox = await (await api.get(`/api/dev/outbox?to=${encodeURIComponent(person.email!)}`)).json();
    const code: string = outbox.messages[0].code;
    const verified = await api.post("/api/auth/otp/verify", { data: { identifier: person.email, code, tokenDelivery: "body" } });
    expect(verified.status()).toBe(200);
    const { accessToken, refreshToken } = await verified.json();
    expect((await api.get("/api/auth/me", { headers: { authorization: `Bearer ${accessToken}` } })).status()).toBe(200);
    const refreshed = await (await api.post("/api/auth/refresh", { data: { refreshToken } })).json();
    await api.post("/api/auth/logout", { data: { refreshToken: refreshed.refreshToken } });
    await api.dispose();
    await new Promise((r) => setTimeout(r, 300));

    const out = app.output();
    const lines = out.split("\n").filter((l) => l.startsWith("{"));
    const requestLines = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requestLines.find((l) => l.includes(requestId))).toMatch(/"method":"POST","path":"\/api\/auth\/otp\/request","status":200/);
    expect(requestLines.filter((l) => l.includes('"path":"/api/auth/me"')).at(-1)).toContain(`"ip":"${ip}"`);
    for (const l of requestLines) expect(l).toMatch(/"requestId":"[A-Za-z0-9._-]+"/);
    for (const secret of [accessToken, refreshToken, refreshed.refreshToken, refreshed.accessToken, "e2e-otp-secret", "e2e-metrics-token", '"d":"']) {
      expect(out).not.toContain(secret);
    }
    const withCode = lines.filter((l) => l.includes(code));
    expect(withCode.length).toBeGreaterThan(0);
    for (const l of withCode) expect(l).toContain('"event":"delivery.mock"');
    expect(out).toContain("ClinicAuth (production)");
  });
});
