/**
 * The browser test of issue 4: sign in, open a tenant's Reviews page from its shell, compose a
 * review for a period with operations behind the period picker's confirmation, see the queued
 * toast, and see in the tenant shell's activity area the composite summary ("Based on 4
 * operations: …", from the runs created here) live while it runs — never a progress bar — then the
 * review becomes ready and the Reviews list shows it ready without a reload (the stream's
 * completion refreshes it), the operation page's "Open review" link leads to it, its page shows the
 * section headings and run ids as links, fits a 390 px wide phone, and its export links respond.
 * A real worker composes with a delay per section so the composite stays visible.
 */
import type { Page } from "playwright-core";
import { describe, expect } from "vitest";
import { currentMonthPeriod } from "../../src/reviews/review-period.js";
import { seedTenant } from "../factories.js";
import { seedCompletedRuns } from "../review-seed.js";
import { type E2eApp, e2eTest, screenshot, seedOperator, signIn } from "./browser.js";

/** The browser globals the page functions use (the project's TypeScript lib has no DOM). */
interface PageElement {
  querySelector(selector: string): PageElement | null;
  textContent: string | null;
}
interface PageGlobals {
  document: PageElement & { body: unknown; documentElement: { scrollWidth: number } };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  __seen: { details: string[]; bars: number };
  __sameDocument?: boolean;
}

/** Wait until a run is completed (test setup only; the pages never poll). */
async function waitForCompletion(app: E2eApp, runId: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await app.database.pool.query<{ status: string; outcome: string | null }>(
      "select status, outcome from operation_runs where id = $1",
      [runId],
    );
    if (rows[0]?.status === "completed") return rows[0].outcome ?? "";
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`run ${runId} did not complete in ${timeoutMs} ms`);
}

/** Record every detail line the activity entry of `runId` shows, and whether a bar ever appeared in it. */
async function recordActivity(page: Page, runId: string): Promise<void> {
  await page.evaluate((id) => {
    const browser = globalThis as unknown as PageGlobals;
    const seen = { details: [] as string[], bars: 0 };
    browser.__seen = seen;
    const look = () => {
      const entry = browser.document.querySelector(`[data-activity] [data-run-id="${id}"]`);
      if (entry === null) return;
      if (entry.querySelector('[role="progressbar"], progress') !== null) seen.bars += 1;
      const detail = entry.querySelector(".detail")?.textContent ?? "";
      if (detail !== "" && seen.details.at(-1) !== detail) seen.details.push(detail);
    };
    new browser.MutationObserver(look).observe(browser.document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    look();
  }, runId);
}

const COMPOSITE = "Based on 4 operations: 2 succeeded, 1 partially succeeded, 1 failed";
const SECTION_HEADINGS = [
  "Executive summary",
  "Baseline posture",
  "Notable drift",
  "Operations health",
  "Evidence basis",
];

describe("composing a tenant review in the browser", () => {
  e2eTest.override({ withWorker: true, evidenceReadDelayMs: 700 });

  e2eTest(
    "compose from the Reviews page, the shell shows the composite summary live, then the review is ready",
    async ({ app, page }) => {
      const operator = await seedOperator(app.database, { workspaceName: "Contoso MSP", displayName: "Ada Lovelace" });
      const slug = operator.workspace.slug;
      const tenant = await seedTenant(app.database, operator.workspace.id, { name: "Fabrikam" });
      // The operations the review is based on: completed now, so inside the current month.
      await seedCompletedRuns(app.database, app.runs, {
        workspaceId: operator.workspace.id,
        tenantId: tenant.id,
        outcomes: ["succeeded", "failed", "partially_succeeded", "succeeded"],
      });
      const period = currentMonthPeriod(new Date());

      await page.goto("/");
      await signIn(page, operator.email, operator.password);
      await page.goto(`/w/${slug}/tenants/${tenant.id}`);
      await Promise.all([
        page.waitForEvent("load"),
        page.locator(".tenant-nav").getByRole("link", { name: "Reviews" }).click(),
      ]);
      expect(new URL(page.url()).pathname).toBe(`/w/${slug}/tenants/${tenant.id}/reviews`);
      await page.waitForSelector('body[data-sse="open"]');
      expect(await page.getByText("No reviews yet.").isVisible()).toBe(true);
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).__sameDocument = true;
      });

      // The period picker, behind its confirmation step.
      await page.getByText("Compose a review", { exact: true }).click();
      await page.locator('input[name="periodKind"][value="month"]').check();
      await page.locator('input[name="month"]').fill(period.key);
      await page.getByRole("button", { name: "Yes, compose review" }).click();

      const toast = page.locator("#start-toasts [data-toast]");
      await toast.waitFor();
      expect(await toast.locator(".toast-title").textContent()).toBe("Tenant review queued");
      const href = (await toast.getByRole("link", { name: /View operation/ }).getAttribute("href")) ?? "";
      expect(href).toMatch(/^\/operations\/[0-9a-f-]{36}$/);
      const runId = href.split("/").at(-1) ?? "";
      await recordActivity(page, runId);

      // The shell's activity area shows the composite summary while it runs, without a reload.
      await page.waitForFunction(
        ([id, text]) =>
          (globalThis as unknown as PageGlobals).document
            .querySelector(`[data-activity] [data-run-id="${id}"] .detail`)
            ?.textContent?.includes(text ?? "") === true,
        [runId, COMPOSITE] as const,
        { timeout: 30_000 },
      );
      const entry = page.locator(`[data-activity] [data-run-id="${runId}"]`);
      expect(await entry.locator(".detail").textContent()).toBe(COMPOSITE);
      expect(await entry.textContent()).toContain("Composing tenant review");
      expect(await entry.locator('[role="progressbar"], progress').count()).toBe(0);
      expect(await entry.textContent()).not.toMatch(/\d+\s*%/);
      await screenshot(page, "review-compose-shell-composite");

      // It finishes: it leaves the activity area; the page was never reloaded.
      expect(await waitForCompletion(app, runId)).toBe("succeeded");
      await page.waitForFunction(
        (id) =>
          (globalThis as unknown as PageGlobals).document.querySelector(`[data-activity] [data-run-id="${id}"]`) ===
          null,
        runId,
        { timeout: 30_000 },
      );
      const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).__seen);
      expect(seen.details).toContain(COMPOSITE);
      expect(seen.bars).toBe(0);

      // The list shows the ready review without a reload: the stream's completion refreshes it.
      await page.waitForFunction(
        () =>
          (globalThis as unknown as PageGlobals).document.querySelector("#reviews-list [data-review-id] .review-status")
            ?.textContent === "Ready",
        undefined,
        { timeout: 30_000 },
      );
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument)).toBe(true);
      const row = page.locator("#reviews-list [data-review-id]");
      expect(await row.count()).toBe(1);
      const reviewId = (await row.getAttribute("data-review-id")) ?? "";
      const reviewPath = `/w/${slug}/tenants/${tenant.id}/reviews/${reviewId}`;
      expect(await row.getByRole("link", { name: period.label }).getAttribute("href")).toBe(reviewPath);
      await screenshot(page, "review-compose-list-live");

      // The compose's operation page leads to the review.
      await page.goto(href);
      const openReview = page.getByRole("link", { name: "Open review →" });
      expect(await openReview.isVisible()).toBe(true);
      await Promise.all([page.waitForEvent("load"), openReview.click()]);
      expect(new URL(page.url()).pathname).toBe(reviewPath);

      // Its page shows the sections, run ids as links to their operations; the exports respond.
      for (const heading of SECTION_HEADINGS) {
        expect(await page.getByRole("heading", { name: heading, exact: true }).isVisible()).toBe(true);
      }
      expect(await page.locator("svg").count()).toBeGreaterThan(0);
      expect(await page.getByRole("button", { name: "Print" }).isVisible()).toBe(true);
      const runRefs = page.locator(".rv a[data-run-ref]");
      expect(await runRefs.count()).toBeGreaterThan(0);
      expect(await runRefs.first().getAttribute("href")).toMatch(/^\/operations\/[0-9a-f-]{36}$/);
      await screenshot(page, "review-compose-ready");

      // On a phone the page never scrolls sideways: wide tables scroll inside their own box.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(
        await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth),
      ).toBeLessThanOrEqual(390);
      await screenshot(page, "review-compose-ready-390");
      await page.setViewportSize({ width: 1280, height: 800 });
      const expected = { md: "text/markdown; charset=utf-8", pdf: "application/pdf", json: "application/json" };
      for (const [name, type] of [
        ["Markdown", expected.md],
        ["PDF", expected.pdf],
        ["JSON", expected.json],
      ] as const) {
        const exportHref =
          (await page.locator("[data-review-exports]").getByRole("link", { name }).getAttribute("href")) ?? "";
        const response = await page.request.get(exportHref);
        expect(response.status()).toBe(200);
        expect(response.headers()["content-type"]).toBe(type);
        expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="Fabrikam-review-/);
      }

      // README's recipe: a signed-in page creates an API token with its session's CSRF token.
      const created = (await page.evaluate(`(async () => {
        const response = await fetch("/api/v1/tokens", { method: "POST", headers: { "content-type": "application/json",
          "x-csrf-token": JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"] },
          body: JSON.stringify({ name: "ci" }) });
        return { status: response.status, body: await response.json() };
      })()`)) as { status: number; body: { token?: string } };
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^tp_/);
      const withToken = await page.request.get("/api/v1/workspaces", {
        headers: { authorization: `Bearer ${created.body.token}` },
      });
      expect(withToken.status()).toBe(200);
    },
    120_000,
  );
});
