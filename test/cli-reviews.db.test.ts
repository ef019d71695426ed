/**
 * `tenantpilot reviews …` and `evidence generate` as a user runs them: a real CLI process on a real
 * database with its in-process worker (local mode), and against the real web app through the JSON
 * API (`--server`): compose → ready → show → export, the `--json` shapes, exit codes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiToken } from "../src/access/authentication.js";
import type { Database } from "../src/db/database.js";
import type { RunOutcome } from "../src/operations/run-record.js";
import { currentMonthPeriod, previousMonthPeriod } from "../src/reviews/review-period.js";
import { dbTest } from "./db-test.js";
import { type E2eApp, type SeededOperator, seedOperator, startWebApp } from "./e2e/browser.js";
import { createTestRunService, seedTenant } from "./factories.js";
import { seedCompletedRuns, seedTenantReview } from "./review-seed.js";

const REPO = path.resolve(import.meta.dirname, "..");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `tenantpilot` as a user would (no server from the environment unless given), from the
 * checkout or from `cwd` (e.g. a reports folder).
 */
function runCli(args: string[], env: Record<string, string>, cwd = REPO): Promise<CliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== "TENANTPILOT_SERVER" && key !== "TENANTPILOT_TOKEN"),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, "bin/tenantpilot.js"), ...args], {
      cwd,
      env: { ...inherited, LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
    );
  });
}

/** The "local" workspace the CLI acts in, after its first command. */
async function localWorkspaceId(database: Database): Promise<string> {
  const { rows } = await database.pool.query<{ id: string }>("select id from workspaces where slug = 'local'");
  return rows[0]?.id ?? "";
}

const OUTCOMES: RunOutcome[] = ["succeeded", "succeeded", "partially_succeeded", "failed"];

const SECTION_HEADINGS = [
  "Executive summary",
  "Baseline posture",
  "Notable drift",
  "Operations health",
  "Evidence basis",
];

/**
 * `reviews show` of a review composed over {@link OUTCOMES}: every section heading with content
 * under it (not an empty heading), and each section's own figures and sentences.
 */
function expectWholeReview(stdout: string): void {
  const sections = stdout.split(/^## /m).slice(1);
  expect(sections.map((section) => section.split("\n")[0])).toEqual(SECTION_HEADINGS);
  for (const section of sections) {
    const body = section
      .split("\n")
      .slice(1)
      .join("\n")
      .replace(/^Export: .*$/m, "");
    expect(body.trim().length).toBeGreaterThan(20);
  }
  const byHeading = Object.fromEntries(sections.map((section) => [section.split("\n")[0], section]));
  expect(byHeading["Executive summary"]).toContain("| Operations in period | 4 |");
  expect(byHeading["Executive summary"]).toContain("| Failed operations | 1 |");
  expect(byHeading["Operations health"]).toContain("The tenant's evidence source could not be read.");
  expect(byHeading["Operations health"]).toMatch(/\| Baseline compare \| 2 \| 1 \| 1 \|/);
  expect(byHeading["Evidence basis"]).toContain("### Counted operations");
  expect(stdout).toMatch(/^Export: tenantpilot reviews export [0-9a-f-]{36} --format md\|pdf\|json/m);
}
const COMPOSITE = "Based on 4 operations: 2 succeeded, 1 partially succeeded, 1 failed";

describe("tenantpilot reviews (local database)", () => {
  dbTest(
    "compose --watch shows the composite summary live, then the review is ready, shown and exported",
    async ({ database, databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl, EVIDENCE_READ_DELAY_MS: "300" };
      expect((await runCli(["tenants", "add", "--name", "Fabrikam", "--export-dir", REPO], env)).code).toBe(0);
      const workspaceId = await localWorkspaceId(database);
      const tenantId = String(
        (await database.pool.query("select id from tenants where name = 'Fabrikam'")).rows[0]?.id ?? "",
      );
      const { runs, notifier } = createTestRunService(database);
      await seedCompletedRuns(database, runs, { workspaceId, tenantId, outcomes: OUTCOMES });
      await notifier.flush();
      const period = currentMonthPeriod(new Date());

      const compose = await runCli(
        ["reviews", "compose", "--tenant", "Fabrikam", "--period", period.key, "--watch"],
        env,
      );
      expect(compose.stderr).toBe("");
      expect(compose.code).toBe(0);
      expect(compose.stdout).toContain("Tenant review queued");
      expect(compose.stdout).toContain(`Tenant review · Fabrikam  Composing tenant review · ${COMPOSITE}`);
      expect(compose.stdout).not.toMatch(/\d+%/); // composite: never a percentage
      expect(compose.stdout).toContain(`Fabrikam: Tenant review ready: ${period.label}.`);
      const reviewId = /^Review ([0-9a-f-]{36}) · /m.exec(compose.stdout)?.[1] ?? "";
      expect(reviewId).not.toBe("");

      const list = await runCli(["reviews", "list", "--tenant", "Fabrikam", "--json"], env);
      expect(list.code).toBe(0);
      const { reviews } = JSON.parse(list.stdout) as {
        reviews: { id: string; status: string; periodKey: string; periodLabel: string; readyAt: string | null }[];
      };
      expect(reviews).toHaveLength(1);
      expect(reviews[0]).toMatchObject({ id: reviewId, status: "ready", periodKey: period.key });
      expect(reviews[0]?.readyAt).toEqual(expect.any(String));
      const listText = await runCli(["reviews", "list", "--tenant", "Fabrikam"], env);
      expect(listText.stdout).toContain(`${period.label}\tReady\tcreated `);

      const show = await runCli(["reviews", "show", reviewId], env);
      expect(show.code).toBe(0);
      expectWholeReview(show.stdout);
      const shown = JSON.parse((await runCli(["reviews", "show", reviewId, "--json"], env)).stdout) as {
        review: { id: string; tenantName: string; sections: { kind: string }[] };
      };
      expect(shown.review.tenantName).toBe("Fabrikam");
      expect(shown.review.sections.map((section) => section.kind)).toContain("operations_health");

      const md = await runCli(["reviews", "export", reviewId, "--format", "md"], env);
      expect(md.code).toBe(0);
      expect(md.stdout).toContain("Executive summary");
      expect(md.stdout).toContain("Evidence basis");
      expect(show.stdout).toContain(md.stdout.trimEnd()); // show prints the whole review, as the Markdown export

      const dir = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-review-"));
      try {
        const file = path.join(dir, "review.json");
        const json = await runCli(["reviews", "export", reviewId, "--format", "json", "--output", file, "--json"], env);
        expect(json.code).toBe(0);
        expect(JSON.parse(json.stdout)).toMatchObject({ reviewId, format: "json", output: file });
        expect(JSON.stringify(JSON.parse(readFileSync(file, "utf8")))).toContain("executive_summary");
        const pdfFile = path.join(dir, "review.pdf");
        // From a folder outside the checkout, as an MSP exporting into a reports folder does: the
        // printable document is JSX, which once compiled for React there ("React is not defined").
        const pdf = await runCli(
          ["reviews", "export", reviewId, "--format", "pdf", "--output", "review.pdf"],
          env,
          dir,
        );
        expect(pdf.stderr).toBe("");
        expect(pdf.code).toBe(0);
        expect(readFileSync(pdfFile).subarray(0, 5).toString("latin1")).toBe("%PDF-");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  dbTest(
    "compose --json prints the run, whether it was created and the review summary",
    async ({ database, databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl };
      expect((await runCli(["tenants", "add", "--name", "Fabrikam", "--export-dir", REPO], env)).code).toBe(0);
      const period = currentMonthPeriod(new Date());
      const result = await runCli(
        ["reviews", "compose", "--tenant", "Fabrikam", "--period", period.key, "--json"],
        env,
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const body = JSON.parse(result.stdout) as {
        run: { type: string; outcome: string };
        created: boolean;
        review: { status: string; periodKey: string };
      };
      expect(body.created).toBe(true);
      expect(body.run).toMatchObject({ type: "tenant.review.compose", outcome: "succeeded" });
      expect(body.review).toMatchObject({ status: "ready", periodKey: period.key });
      expect(await localWorkspaceId(database)).not.toBe("");
    },
    60_000,
  );

  dbTest(
    "evidence generate runs the counted snapshot to its end",
    async ({ databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl };
      expect((await runCli(["tenants", "add", "--name", "Fabrikam", "--export-dir", REPO], env)).code).toBe(0);
      const result = await runCli(
        ["evidence", "generate", "--tenant", "Fabrikam", "--period", currentMonthPeriod(new Date()).key],
        env,
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Evidence snapshot queued");
      expect(result.stdout).toContain("Evidence snapshot ready");
    },
    60_000,
  );

  dbTest(
    "a bad period exits 2 before anything starts; --json says invalid_input",
    async ({ database, databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl };
      expect((await runCli(["tenants", "add", "--name", "Fabrikam", "--export-dir", REPO], env)).code).toBe(0);
      for (const [period, reason] of [
        ["2026-13", "--period: the month must be from 01 to 12 (e.g. 2026-11)."],
        ["2999-01", "--period: this period has not started yet. Choose one that has."],
        ["2026-10-20..2026-10-01", "--period: the last day of the range is before the first."],
        ["2026-02-30..2026-03-10", "--period: the first day of the range is not a calendar date."],
        ["2024-01-01..2025-06-30", "--period: a date range may cover at most 366 days."],
        [
          "last month",
          "--period: it must be a month (2026-11), a quarter (2026-Q4), a year (2026), a day (2026-11-30) or whole days",
        ],
      ] as const) {
        const result = await runCli(["reviews", "compose", "--tenant", "Fabrikam", "--period", period], env);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain("Error: The request is not valid. Check the values and try again.");
        expect(result.stderr).toContain(reason);
        expect(result.stderr).not.toContain(period); // the value sent is never echoed
        expect(result.stderr).not.toMatch(/\bat \S+ \(/);
      }
      const json = await runCli(["reviews", "compose", "--tenant", "Fabrikam", "--period", "2026-13", "--json"], env);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout).error).toEqual({
        code: "invalid_input",
        message: "The request is not valid. Check the values and try again.",
        detail: "--period: the month must be from 01 to 12 (e.g. 2026-11).",
      });
      const unknown = await runCli(["reviews", "compose", "--tenant", "Nobody", "--period", "2026-10"], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No tenant named "Nobody"');
      const badFormat = await runCli(
        ["reviews", "export", "00000000-0000-4000-8000-000000000000", "--format", "docx"],
        env,
      );
      expect(badFormat.code).toBe(2);
      const { rows } = await database.pool.query("select id from operation_runs where type = 'tenant.review.compose'");
      expect(rows).toEqual([]);
    },
  );

  dbTest("exporting a draft exits 2 with the review_not_ready sentence", async ({ database, databaseUrl }) => {
    const env = { DATABASE_URL: databaseUrl };
    expect((await runCli(["tenants", "add", "--name", "Fabrikam", "--export-dir", REPO], env)).code).toBe(0);
    const workspaceId = await localWorkspaceId(database);
    const tenant = await seedTenant(database, workspaceId, { name: "Northwind" });
    const { runs } = createTestRunService(database);
    const draft = await seedTenantReview(database, runs, { workspaceId, tenantId: tenant.id, status: "draft" });
    const result = await runCli(["reviews", "export", draft.reviewId, "--format", "md", "--json"], env);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe("review_not_ready");
    const missing = await runCli(["reviews", "show", "00000000-0000-4000-8000-000000000000"], env);
    expect(missing.code).toBe(2);
  });
});

describe("tenantpilot --server reviews", () => {
  let web: E2eApp;
  let operator: SeededOperator;
  let server: string[];

  beforeAll(async () => {
    web = await startWebApp({ withWorker: true, evidenceReadDelayMs: 300 });
    operator = await seedOperator(web.database);
    const token = (await createApiToken(web.database.db, operator.userId, "cli test")).token;
    server = ["--server", web.baseUrl, "--token", token];
    const tenant = await seedTenant(web.database, operator.workspace.id, { name: "Contoso" });
    await seedCompletedRuns(web.database, web.runs, {
      workspaceId: operator.workspace.id,
      tenantId: tenant.id,
      outcomes: OUTCOMES,
    });
  });
  afterAll(async () => {
    await web?.close();
  });

  test("compose --watch through the API shows the composite live; list, show and export read it back", async () => {
    const env = { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" };
    const period = currentMonthPeriod(new Date());
    const compose = await runCli(
      [...server, "reviews", "compose", "--tenant", "Contoso", "--period", period.key, "--watch"],
      env,
    );
    expect(compose.stderr).toBe("");
    expect(compose.code).toBe(0);
    expect(compose.stdout).toContain(`Composing tenant review · ${COMPOSITE}`);
    expect(compose.stdout).toContain(`Contoso: Tenant review ready: ${period.label}.`);
    const reviewId = /^Review ([0-9a-f-]{36}) · /m.exec(compose.stdout)?.[1] ?? "";

    const list = JSON.parse(
      (await runCli([...server, "reviews", "list", "--tenant", "Contoso", "--json"], env)).stdout,
    ) as {
      reviews: { id: string; status: string }[];
    };
    expect(list.reviews.map((review) => [review.id, review.status])).toEqual([[reviewId, "ready"]]);
    const show = await runCli([...server, "reviews", "show", reviewId], env);
    expect(show.code).toBe(0);
    expectWholeReview(show.stdout);
    const md = await runCli([...server, "reviews", "export", reviewId, "--format", "md"], env);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("Operations health");
    const json = await runCli([...server, "reviews", "export", reviewId, "--format", "json"], env);
    expect(json.code).toBe(0);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain("evidence_basis");
    const bad = await runCli([...server, "reviews", "compose", "--tenant", "Contoso", "--period", "2026-13"], env);
    expect(bad.code).toBe(2);
    const evidence = await runCli(
      [...server, "evidence", "generate", "--tenant", "Contoso", "--period", previousMonthPeriod(new Date()).key],
      env,
    );
    expect(evidence.code).toBe(0);
    expect(evidence.stdout).toContain("Evidence snapshot ready");
  }, 120_000);

  test("tokens create on the server's database prints a token that --server accepts", async () => {
    const env = { DATABASE_URL: web.database.connectionString };
    const created = await runCli(["tokens", "create", "--email", operator.email, "--name", "ci", "--json"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { id: string; name: string; email: string; token: string };
    expect(body).toMatchObject({ name: "ci", email: operator.email });
    expect(body.token).toMatch(/^tp_/);
    const text = await runCli(["tokens", "create", "--email", operator.email.toUpperCase()], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^tp_\S+$/m);
    expect(text.stdout).toContain("--server URL --token TOKEN");

    const remote = { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" };
    const list = await runCli(
      ["--server", web.baseUrl, "--token", body.token, "reviews", "list", "--tenant", "Contoso", "--json"],
      remote,
    );
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveProperty("reviews");

    const unknown = await runCli(["tokens", "create", "--email", "nobody@example.com", "--json"], env);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error.code).toBe("not_found");
  }, 60_000);
});
