import { createPerson, expect, latestCode, signIn, test, uniquePhone, watchProblems } from "./support/fixtures";

test.describe("sign-in", () => {
  test("by email code read from the outbox, to the dashboard", async ({ page }) => {
    const problems = watchProblems(page);
    const person = await createPerson("staff");
    await signIn(page, person.email!);
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: `Hello, ${person.name}` })).toBeVisible();
    await expect(page.getByText("this device")).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("by SMS, and by WhatsApp", async ({ page }) => {
    const phone = uniquePhone();
    await createPerson("staff", { phone });
    await signIn(page, phone.replace("+1415", "+1 (415) "), "SMS", phone);
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("cell", { name: "SMS" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await expect(page).toHaveURL(/\/login/);

    const phone2 = uniquePhone();
    await createPerson("staff", { phone: phone2 });
    await signIn(page, phone2, "WhatsApp");
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("cell", { name: "WhatsApp" })).toBeVisible();
  });

  test("an admin lands on the admin sessions page", async ({ page }) => {
    const admin = await createPerson("admin");
    await signIn(page, admin.email!);
    await expect(page).toHaveURL(/\/admin\/sessions$/);
    await expect(page.getByRole("heading", { name: "Active sessions" })).toBeVisible();
  });

  test("a wrong code shows the message; resend shows the countdown", async ({ page }) => {
    const person = await createPerson("staff");
    await page.goto("/login");
    await page.getByLabel("Email or phone number").fill(person.email!);
    await page.getByRole("button", { name: "Send code" }).click();
    const resend = page.getByRole("button", { name: /Resend code in \d+ s/ });
    await expect(resend).toBeVisible();
    await expect(resend).toBeDisabled();
    const code = await latestCode(page, person.email!);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await page.getByLabel("6-digit code").fill(wrong);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("invalid or has expired");
    await expect(page).toHaveURL(/\/login/);
  });

  test("next= is honoured only for same-origin paths", async ({ page }) => {
    const person = await createPerson("staff");
    await page.goto("/login?next=https://evil.example/");
    await page.getByLabel("Email or phone number").fill(person.email!);
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByLabel("6-digit code").fill(await latestCode(page, person.email!));
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test("an unknown address is answered like a known one", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email or phone number").fill(`nobody-${Date.now()}@clinic.example`);
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.getByLabel("6-digit code")).toBeVisible();
  });
});
