/**
 * The main browser test of issue 3: sign in, start a compare of a corpus tenant on the baselines
 * page, see the queued toast, watch the tenant shell's stepper advance through the compare phases
 * live (one SSE stream per browser, shared with a second tab), then open View operation and see
 * the outcome and the finding count. A real worker runs the compare with slowed evidence reads.
 */
import type { Page } from "playwright-core";
import { describe, expect } from "vitest";
import { startBaselineCapture } from "../../src/baselines/baseline-runs.js";
import { corpusPresent, corpusSnapshot, seedProfile, seedTenant } from "../factories.js";
import { type E2eApp, e2eTest, screenshot, seedOperator, signIn } from "./browser.js";

if (!corpusPresent) console.warn("compare-live e2e: the shared corpus is absent; the live compare test is skipped");

/**
 * The browser globals the page functions use. The project's TypeScript lib has no DOM, and page
 * functions are serialized (no closures), so each one casts `globalThis` to this itself.
 */
interface PageElement {
  querySelector(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
interface PageGlobals {
  document: PageElement & { body: unknown };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  __progress: { phases: string[]; counts: string[] };
  __sameDocument?: boolean;
}

/** Wait until a run is completed (the test's own setup; the pages never poll). */
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

/**
 * Record in the page every phase and count line the activity area shows for `runId`, as the DOM
 * changes (no reload: the record lives in the page's window).
 */
async function recordProgress(page: Page, runId: string): Promise<void> {
  await page.evaluate((id) => {
    const browser = globalThis as unknown as PageGlobals;
    const seen: { phases: string[]; counts: string[] } = { phases: [], counts: [] };
    browser.__progress = seen;
    const look = () => {
      const entry = browser.document.querySelector(`[data-activity] [data-run-id="${id}"]`);
      const phase = entry?.querySelector('li[data-state="current"]')?.getAttribute("data-phase");
      if (phase && seen.phases.at(-1) !== phase) seen.phases.push(phase);
      const text = entry?.textContent ?? "";
      const count = /(\d+) of (\d+) policies/.exec(text)?.[0];
      if (count && seen.counts.at(-1) !== count) seen.counts.push(count);
    };
    new browser.MutationObserver(look).observe(browser.document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    look();
  }, runId);
}

function readProgress(page: Page): Promise<{ phases: string[]; counts: string[] }> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).__progress);
}

const COMPARE_PHASES = ["check_eligibility", "capture_evidence", "compare", "record_findings"];

describe.skipIf(!corpusPresent)("a live baseline compare in the browser", () => {
  e2eTest.override({ withWorker: true, evidenceReadDelayMs: 60 });

  e2eTest(
    "start on the baselines page, toast, shell stepper advancing live in two tabs, then the outcome",
    async ({ app, context, page }) => {
      // Setup: two corpus tenants and a baseline captured from the first by a real job.
      const operator = await seedOperator(app.database, { workspaceName: "Contoso MSP", displayName: "Ada Lovelace" });
      const workspaceId = operator.workspace.id;
      const slug = operator.workspace.slug;
      const source = await seedTenant(app.database, workspaceId, {
        name: "Contoso baseline tenant",
        exportDir: corpusSnapshot("oib-win-v3.2-b1d23fb"),
      });
      const target = await seedTenant(app.database, workspaceId, {
        name: "Fabrikam",
        exportDir: corpusSnapshot("oib-win-v3.3-f44f081"),
      });
      const profile = await seedProfile(app.database, workspaceId, source, {
        name: "OpenIntuneBaseline Windows",
        ignoreVersionSuffix: true,
      });
      const capture = await startBaselineCapture(
        { db: app.database.db, runs: app.runs, maxAttempts: 3 },
        { workspaceId, profile: profile.id, initiator: { userId: operator.userId } },
      );
      expect(await waitForCompletion(app, capture.run.id)).toBe("succeeded");

      // Tab 1: the tenant shell, live.
      await page.goto("/");
      await signIn(page, operator.email, operator.password);
      await page.goto(`/w/${slug}/tenants/${target.id}`);
      await page.waitForSelector('body[data-sse="open"]');
      expect(await page.getByText("Nothing is running.").isVisible()).toBe(true);
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).__sameDocument = true;
      });

      // Tab 2: the baselines page; start the compare behind its confirmation step.
      const second = await context.newPage();
      await second.goto(`/w/${slug}/baselines`);
      await second.waitForSelector('body[data-sse="open"]');
      expect(await second.locator("[data-latest-snapshot]").textContent()).toMatch(/\d+ policies · captured/);
      await second.getByText("Compare a tenant").click();
      await second.locator('select[name="tenant"]').selectOption({ label: "Fabrikam" });
      await second.getByRole("button", { name: "Yes, compare tenant" }).click();

      const toast = second.locator("#start-toasts [data-toast]");
      await toast.waitFor();
      expect(await toast.locator(".toast-title").textContent()).toBe("Baseline compare queued");
      expect(await toast.textContent()).toContain("It runs in the background; you can keep working.");
      const link = toast.getByRole("link", { name: /View operation/ });
      const href = (await link.getAttribute("href")) ?? "";
      expect(href).toMatch(/^\/operations\/[0-9a-f-]{36}$/);
      const runId = href.split("/").at(-1) ?? "";
      await recordProgress(page, runId);
      await recordProgress(second, runId);

      // A second start (double click) returns the same run, and the toast says so.
      await second.getByRole("button", { name: "Yes, compare tenant" }).click();
      await second.locator("#start-toasts .toast-title", { hasText: "Baseline compare is" }).waitFor();
      expect(await second.locator("#start-toasts a").getAttribute("href")).toBe(href);
      const { rows } = await app.database.pool.query("select id from operation_runs where type = 'baseline_compare'");
      expect(rows).toEqual([{ id: runId }]);

      // Both tabs show the stepper at step 2, with counts advancing, without a reload.
      for (const tab of [page, second]) {
        await tab.waitForFunction(
          (id) => {
            const entry = (globalThis as unknown as PageGlobals).document.querySelector(
              `[data-activity] [data-run-id="${id}"]`,
            );
            return (
              entry?.querySelector('li[data-phase="capture_evidence"][data-state="current"]') !== null &&
              entry?.textContent?.includes("Step 2 of 4") === true
            );
          },
          runId,
          { timeout: 30_000 },
        );
      }
      await screenshot(page, "compare-live-shell-step-2");
      await screenshot(second, "compare-live-baselines-toast");
      // A third tab opens the run's page while it runs: it must reach the outcome without a reload.
      const detailTab = await context.newPage();
      await detailTab.goto(href);
      await detailTab.waitForSelector('body[data-sse="open"]');
      await detailTab.evaluate(() => {
        (globalThis as unknown as PageGlobals).__sameDocument = true;
      });
      expect(await page.locator(`[data-run-id="${runId}"] [role="progressbar"]`).count()).toBe(0);

      // The run finishes: it leaves the shell and its notification appears, still in the same document.
      const outcome = await waitForCompletion(app, runId);
      for (const tab of [page, second]) {
        await tab.waitForFunction(
          (id) =>
            (globalThis as unknown as PageGlobals).document.querySelector(`[data-activity] [data-run-id="${id}"]`) ===
            null,
          runId,
          {
            timeout: 30_000,
          },
        );
      }
      await page.locator(`[data-notices] [data-notice-run-id="${runId}"]`).waitFor({ timeout: 30_000 });
      await detailTab.waitForFunction(
        () =>
          (globalThis as unknown as PageGlobals).document.querySelector(".run-detail .pill")?.textContent ===
          "Succeeded",
        undefined,
        { timeout: 30_000 },
      );
      expect(await detailTab.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument)).toBe(true);
      await screenshot(detailTab, "compare-live-operation-live");
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument)).toBe(true);
      await screenshot(page, "compare-live-shell-finished");

      for (const tab of [page, second]) {
        const progress = await readProgress(tab);
        // Phases were seen in catalog order (fast ones may pass between two frames), step 2 among them.
        expect(progress.phases).toContain("capture_evidence");
        const order = progress.phases.map((phase) => COMPARE_PHASES.indexOf(phase));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(order.every((index) => index >= 0)).toBe(true);
        // The count line moved forward live, more than once.
        expect(progress.counts.length).toBeGreaterThan(1);
      }

      // View operation: the outcome and the finding count, with the shell tab still open and live (the
      // completion it relays must not touch the detail page, which also carries data-run-id).
      await second
        .locator("#start-toasts")
        .getByRole("link", { name: /View operation/ })
        .click();
      await second.waitForURL(`**${href}`);
      const { rows: findings } = await app.database.pool.query<{ n: number }>(
        "select count(*)::int as n from drift_findings where tenant_id = $1 and status in ('open', 'reopened')",
        [target.id],
      );
      expect(outcome).toBe("succeeded");
      expect(await second.locator(".run-detail .pill").first().textContent()).toBe("Succeeded");
      const detail = (await second.locator(".run-detail").textContent()) ?? "";
      expect(detail).toMatch(/Drift findings: [\d,]+/);
      expect(detail).toContain(`Drift findings: ${findings[0]?.n.toLocaleString("en-US")}`);
      await screenshot(second, "compare-live-operation");
    },
    120_000,
  );
});
