import { expect, test } from "@playwright/test";

test("the home page loads in Chromium without console errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "ClinicAuth" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/login");
  expect(problems).toEqual([]);
});

test("health reports the database and Redis up", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.checks.database.status).toBe("up");
  expect(body.checks.redis.status).toBe("up");
});
