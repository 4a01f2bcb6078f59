/**
 * Black box over HTTP against the production build: the security headers on pages, API routes,
 * a 404 and a 500; the CSP nonce; request ids; the pages in Chromium with no CSP violation or
 * console error, and no serious accessibility violation.
 */
import AxeBuilder from "@axe-core/playwright";
import { createPerson, expect, signIn, test, watchProblems } from "./support/fixtures";

const COMMON: Record<string, RegExp> = {
  "x-frame-options": /^DENY$/,
  "x-content-type-options": /^nosniff$/,
  "referrer-policy": /^strict-origin-when-cross-origin$/,
  "cross-origin-opener-policy": /^same-origin$/,
  "cross-origin-resource-policy": /^same-origin$/,
  "x-xss-protection": /^0$/,
  "strict-transport-security": /^max-age=63072000; includeSubDomains$/,
  "x-request-id": /^[A-Za-z0-9._-]{1,64}$/,
  "content-security-policy": /script-src 'self' 'nonce-[^']+' 'strict-dynamic'.*object-src 'none'.*base-uri 'none'.*frame-ancestors 'none'.*form-action 'self'/,
};

test.describe("security headers", () => {
  const cases: [string, string, number][] = [
    ["a page", "/login", 200],
    ["an API route", "/api/health", 200],
    ["an auth API error", "/api/auth/me", 401],
    ["a 404 page", "/no-such-page", 404],
    ["a 404 under /api", "/api/no-such-route", 404],
    ["a 500", "/api/dev/fail", 500],
  ];
  for (const [what, path, status] of cases) {
    test(`on ${what} (${path})`, async ({ request }) => {
      const res = await request.get(path);
      expect(res.status()).toBe(status);
      const h = res.headers();
      for (const [name, pattern] of Object.entries(COMMON)) expect(h[name], name).toMatch(pattern);
      for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) expect(h["permissions-policy"]).toContain(`${feature}=()`);
      expect(h["x-powered-by"]).toBeUndefined();
      if (path.startsWith("/api/auth")) expect(h["cache-control"]).toBe("no-store");
      if (status >= 400 && path.startsWith("/api/")) {
        const body = await res.json().catch(() => null);
        {
          expect(body.error.code).toBeTruthy();
          expect(body.error.requestId).toBe(h["x-request-id"]);
          expect(JSON.stringify(body)).not.toContain("stack");
          expect(JSON.stringify(body)).not.toContain("Deliberate failure");
        }
      }
    });
  }

  test("the CSP nonce differs per request and is the one on the page's scripts", async ({ request }) => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await request.get("/login");
      const nonce = /'nonce-([^']+)'/.exec(res.headers()["content-security-policy"]!)![1]!;
      nonces.add(nonce);
      const html = await res.text();
      const scriptNonces = [...html.matchAll(/<script[^>]*nonce="([^"]+)"/g)].map((m) => m[1]);
      expect(scriptNonces.length).toBeGreaterThan(0);
      expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
    }
    expect(nonces.size).toBe(3);
  });

  test("a safe incoming request id is kept; an unsafe one is replaced", async ({ request }) => {
    const kept = await request.get("/api/health", { headers: { "x-request-id": "abc.DEF_123-x" } });
    expect(kept.headers()["x-request-id"]).toBe("abc.DEF_123-x");
    const replaced = await request.get("/api/health", { headers: { "x-request-id": "bad id\"<script>" } });
    expect(replaced.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("the refresh endpoint refuses GET and cross-site POSTs", async ({ request }) => {
    expect((await request.get("/api/auth/refresh")).status()).toBe(405);
    const cross = await request.post("/api/auth/refresh", { headers: { origin: "https://evil.example", "content-type": "application/json", "x-clinicauth-csrf": "1" }, data: "{}" });
    expect(cross.status()).toBe(403);
    expect((await cross.json()).error.code).toBe("csrf_rejected");
  });
});

test.describe("pages in Chromium", () => {
  test("no console errors or CSP violations, and no serious accessibility violations", async ({ page }) => {
    const problems = watchProblems(page);
    const check = async (name: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${name}: ${v.id} ${v.help}`)).toEqual([]);
    };
    await page.goto("/");
    await check("home");
    await page.goto("/no-such-page");
    await check("404");
    // The browser reports the deliberate 404 itself as a console error; nothing else may.
    expect(problems.filter((p) => !p.includes("status of 404"))).toEqual([]);
    problems.length = 0;
    await page.goto("/dev/outbox");
    await check("outbox");
    await page.goto("/login");
    await check("login");
    await page.setViewportSize({ width: 375, height: 740 });
    await check("login (phone width)");
    await page.setViewportSize({ width: 1280, height: 800 });

    const admin = await createPerson("admin");
    await signIn(page, admin.email!);
    await expect(page.getByRole("table", { name: "Active sessions" })).toBeVisible();
    await expect(page.getByRole("cell", { name: admin.name, exact: true }).first()).toBeVisible();
    await check("admin sessions");
    await page.goto("/dashboard");
    await expect(page.getByRole("heading", { name: `Hello, ${admin.name}` })).toBeVisible();
    await check("dashboard");
    expect(problems).toEqual([]);
  });
});
