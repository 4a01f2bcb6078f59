/**
 * Fixtures for the end-to-end tests: every test gets its own client address (the app runs with
 * TRUST_PROXY=1 in these tests, as behind nginx), so per-IP rate limits of one test never touch
 * another; fresh people are created directly in the test database.
 */
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";

let seq = 0;
export function uniqueIp(): string {
  seq++;
  return `10.${(process.pid % 200) + 1}.${Math.floor(seq / 250)}.${(seq % 250) + 1}`;
}

export async function createPerson(role: "staff" | "admin", contact: { email?: string; phone?: string } = {}) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const email = contact.phone ? null : (contact.email ?? `${role}-${tag}@clinic.example`);
    const name = `${role === "admin" ? "Admin" : "Nurse"} ${tag}`;
    const res = await client.query<{ id: string }>(
      `INSERT INTO users (id, email, phone, name, role, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, now()) RETURNING id`,
      [email, contact.phone ?? null, name, role],
    );
    return { id: res.rows[0]!.id, email, phone: contact.phone ?? null, name, role };
  } finally {
    await client.end();
  }
}

let phoneSeq = 0;
/** A valid, unused North American number per call (555-01xx range is reserved for fiction). */
export function uniquePhone(): string {
  phoneSeq++;
  return `+1415555${String(1000 + ((Date.now() / 1000 + phoneSeq * 7) % 9000)).slice(0, 4)}`;
}

export async function latestCode(page: Page, to: string): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const res = await page.request.get(`/api/dev/outbox?to=${encodeURIComponent(to)}`);
    const body = (await res.json()) as { messages: { code?: string }[] };
    const code = body.messages[0]?.code;
    if (code) return code;
    await page.waitForTimeout(100);
  }
  throw new Error(`no code delivered to ${to}`);
}

export async function signIn(page: Page, identifier: string, channel?: "SMS" | "WhatsApp", to = identifier): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email or phone number").fill(identifier);
  if (channel) await page.getByLabel(channel, { exact: true }).check();
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByLabel("6-digit code")).toBeVisible();
  const code = await latestCode(page, to);
  await page.getByLabel("6-digit code").fill(code);
}

/** Console errors and CSP violations seen by a page. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  return problems;
}

type Fixtures = { ip: string; context: BrowserContext };

export const test = base.extend<Fixtures>({
  ip: async ({}, use) => use(uniqueIp()),
  context: async ({ browser, ip }, use) => {
    const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, extraHTTPHeaders: { "x-forwarded-for": ip } });
    await use(context);
    await context.close();
  },
});

export { expect };
