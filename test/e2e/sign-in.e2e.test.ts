/**
 * Sign-in in a real browser: Debian's Chromium against the real web app and a real database.
 */
import { describe, expect } from "vitest";
import { e2eTest, screenshot, seedOperator, signIn } from "./browser.js";

const WRONG = "The email address or password is not right.";

describe("sign-in in a browser", () => {
  e2eTest("an anonymous visit lands on the sign-in page", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await expect.poll(() => page.title()).toContain("Sign in");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to TenantPilot");
  });

  e2eTest("a wrong password stays on the sign-in page with one sentence", async ({ app, page }) => {
    const operator = await seedOperator(app.database);
    await page.goto("/sign-in");
    await signIn(page, operator.email, `${operator.password} but wrong`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await page.getByRole("alert").textContent()).toBe(WRONG);
    // The email stays filled in, the password does not.
    expect(await page.locator('input[name="email"]').inputValue()).toBe(operator.email);
    expect(await page.locator('input[name="password"]').inputValue()).toBe("");
    expect(await page.context().cookies()).toEqual([]);
  });

  e2eTest("the right password reaches the home page; sign-out returns to sign-in", async ({ app, page }) => {
    const operator = await seedOperator(app.database, { workspaceName: "Contoso MSP", displayName: "Ada Lovelace" });
    await page.goto("/");
    await signIn(page, operator.email, operator.password);
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.getByRole("heading", { level: 2 }).first().textContent()).toContain("Contoso MSP");
    expect(await page.locator(".topbar .who").textContent()).toBe("Ada Lovelace");
    const [session] = await page.context().cookies();
    expect(session).toMatchObject({ name: "tp_session", httpOnly: true, sameSite: "Lax" });
    await screenshot(page, "sign-in-home");

    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Sign out" }).click()]);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await page.getByRole("button", { name: "Sign in" }).count()).toBe(1);
    // The session is gone: the home page sends us back to sign in.
    await page.goto("/");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  e2eTest(
    "a second tab of the same browser shares the session, and sign-out ends it in both",
    async ({ app, context, page }) => {
      const operator = await seedOperator(app.database, { workspaceName: "Fabrikam Partners" });
      await page.goto("/sign-in");
      await signIn(page, operator.email, operator.password);
      expect(new URL(page.url()).pathname).toBe("/");

      const second = await context.newPage();
      await second.goto("/");
      expect(new URL(second.url()).pathname).toBe("/");
      expect(await second.getByRole("heading", { level: 2 }).first().textContent()).toContain("Fabrikam Partners");

      await Promise.all([second.waitForEvent("load"), second.getByRole("button", { name: "Sign out" }).click()]);
      expect(new URL(second.url()).pathname).toBe("/sign-in");
      await page.reload();
      expect(new URL(page.url()).pathname).toBe("/sign-in");
    },
  );

  e2eTest("another browser context does not share the session", async ({ app, browser, page }) => {
    const operator = await seedOperator(app.database);
    await page.goto("/sign-in");
    await signIn(page, operator.email, operator.password);
    expect(new URL(page.url()).pathname).toBe("/");
    const other = await browser.newContext({ baseURL: app.baseUrl });
    try {
      const stranger = await other.newPage();
      await stranger.goto("/");
      expect(new URL(stranger.url()).pathname).toBe("/sign-in");
    } finally {
      await other.close();
    }
  });
});

describe("sign-in with a worker running beside the web app", () => {
  e2eTest.override({ withWorker: true });

  e2eTest("signs in and shows nothing running", async ({ app, page }) => {
    expect(app.worker).toBeDefined();
    const operator = await seedOperator(app.database, { workspaceName: "Northwind IT" });
    await page.goto("/");
    await signIn(page, operator.email, operator.password);
    expect(await page.getByRole("heading", { level: 2 }).first().textContent()).toContain("Northwind IT");
    expect(await page.getByText("Nothing is running.").count()).toBe(1);
  });
});
