/**
 * Operations pages through the real app (`app.request`) on a real database: access per role
 * (DESIGN.md §6), progress by mode, leaks, validation and keyset pagination.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { readRunRow, seedProfile, seedTenant } from "../../test/factories.js";
import { createTestApp, signInAs } from "../../test/web-fixture.js";
import { createUser } from "../access/authentication.js";
import type { Role } from "../access/capabilities.js";
import { ensureLocalOperator, ensureWorkspace } from "../access/workspaces.js";
import type { Database } from "../db/database.js";
import type { RunService } from "../operations/run-service.js";
import type { createApp } from "./app.js";

const ORIGIN = "http://localhost";
const PASSWORD = "correct horse battery staple";
/** Stored free text that must never reach an operator. */
const SECRET = "SECRET_MARKER";
/** Raw diagnostics: only owners and managers may see them. */
const DIAGNOSTICS = "DIAG_MARKER: ECONNRESET at readExport (/srv/tenants/contoso/export.js:12:7)";

interface Fixture {
  database: Database;
  runs: RunService;
  app: ReturnType<typeof createApp>;
  workspaceId: string;
  slug: string;
  ownerId: string;
  tenantId: string;
  profileId: string;
}

async function setUp(database: Database): Promise<Fixture> {
  const { app, runs } = createTestApp(database);
  const ownerId = await createUser(database.db, {
    email: "owner@example.com",
    displayName: "Owen",
    password: PASSWORD,
  });
  const slug = "contoso";
  const workspace = await ensureWorkspace(database.db, { name: "Contoso MSP", slug, memberUserId: ownerId });
  const tenant = await seedTenant(database, workspace.id, { name: "Fabrikam" });
  const profile = await seedProfile(database, workspace.id, tenant, { name: "Standard baseline" });
  return { database, runs, app, workspaceId: workspace.id, slug, ownerId, tenantId: tenant.id, profileId: profile.id };
}

/** A user with `role` in the fixture's workspace, or (null) a member of another workspace only; signed in. */
function signIn(fx: Fixture, role: Role | null) {
  return signInAs(fx.database, fx.app, { name: "Contoso MSP", slug: fx.slug }, role);
}

/** A queued baseline compare of the fixture's tenant and profile. */
async function startCompare(fx: Fixture, type: "baseline_compare" | "evidence_snapshot.generate" = "baseline_compare") {
  const { run } = await fx.runs.startRun(
    {
      workspaceId: fx.workspaceId,
      tenantId: fx.tenantId,
      type,
      initiatorUserId: fx.ownerId,
      identityKey: `${type}:${randomUUID()}`,
      inputs: { profileId: fx.profileId, tenantId: fx.tenantId },
    },
    3,
  );
  return run;
}

/** A running run, owned by attempt 1. */
async function startRunning(fx: Fixture, type: "baseline_compare" | "evidence_snapshot.generate" = "baseline_compare") {
  const run = await startCompare(fx, type);
  const jobId = Number((await readRunRow(fx.database, run.id)).job_id);
  const begun = await fx.runs.beginAttempt(run.id, { workerId: "test-worker", jobId });
  if (begun === undefined) throw new Error("beginAttempt returned nothing");
  return { run: begun, owner: { runId: begun.id, attempt: begun.attempt } };
}

/** A failed run whose stored failure text and context are hostile; its diagnostics hold {@link DIAGNOSTICS}. */
async function seedHostileFailedRun(fx: Fixture) {
  const { run, owner } = await startRunning(fx);
  await fx.runs.completeRun(owner, {
    outcome: "failed",
    failure: {
      code: "evidence_source_unreachable",
      message: `${SECRET} Error: connect ECONNREFUSED 10.0.0.7:443`,
      diagnostics: DIAGNOSTICS,
    },
  });
  await fx.database.pool.query(
    `update operation_runs set context = context || $2::jsonb, summary_counts = $3::jsonb where id = $1`,
    [
      run.id,
      JSON.stringify({
        inputs: { profileId: `${SECRET}_profile`, note: `${SECRET} at x (/etc/passwd)` },
        progress: { phase: `${SECRET}_phase`, waitReason: SECRET },
        result: { findingCount: `${SECRET}`, byKind: { [SECRET]: 1 } },
      }),
      JSON.stringify({ total: SECRET, [SECRET]: 3 }),
    ],
  );
  return run;
}

type Expected = { list: number; detail: number; diagnostics: boolean; cancel: number };

const ACCESS_TABLE: [Role | "non-member", Expected][] = [
  ["owner", { list: 200, detail: 200, diagnostics: true, cancel: 303 }],
  ["manager", { list: 200, detail: 200, diagnostics: true, cancel: 303 }],
  ["operator", { list: 200, detail: 200, diagnostics: false, cancel: 303 }],
  ["reader", { list: 200, detail: 200, diagnostics: false, cancel: 403 }],
  ["non-member", { list: 404, detail: 404, diagnostics: false, cancel: 404 }],
];

describe("Operations access (DESIGN.md §6)", () => {
  dbTest.for(ACCESS_TABLE)("%s gets %j", async ([role, expected], { database }) => {
    const fx = await setUp(database);
    const failed = await seedHostileFailedRun(fx);
    const active = await startCompare(fx);
    const user = await signIn(fx, role === "non-member" ? null : role);

    expect((await user.get(`/operations?workspace=${fx.slug}`)).status).toBe(expected.list);

    const detail = await user.get(`/operations/${failed.id}`);
    expect(detail.status).toBe(expected.detail);
    const html = await detail.text();
    expect(html.includes("DIAG_MARKER")).toBe(expected.diagnostics);
    expect(html.includes('data-diagnostics="true"')).toBe(expected.diagnostics);
    expect(html).not.toContain(SECRET);

    const activePage = await user.get(`/operations/${active.id}`);
    expect(activePage.status).toBe(expected.detail);
    expect((await activePage.text()).includes(`action="/operations/${active.id}/cancel"`)).toBe(
      expected.cancel === 303,
    );

    const cancel = await user.post(`/operations/${active.id}/cancel`);
    expect(cancel.status).toBe(expected.cancel);
    const stored = await readRunRow(database, active.id);
    expect(stored.status).toBe(expected.cancel === 303 ? "completed" : "queued");
    if (expected.cancel === 303)
      expect(cancel.headers.get("location")).toBe(`/operations/${active.id}?cancel=cancelled`);
  });

  dbTest("refuses a cancel without the CSRF token and cancels nothing", async ({ database }) => {
    const fx = await setUp(database);
    const active = await startCompare(fx);
    const user = await signIn(fx, "owner");
    const response = await user.post(`/operations/${active.id}/cancel`, {});
    expect(response.status).toBe(403);
    expect((await readRunRow(database, active.id)).status).toBe("queued");
  });

  dbTest("answers unknown and malformed run ids with 404", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "owner");
    for (const id of [randomUUID(), "not-a-uuid", "1' or '1'='1", "%00", "x".repeat(300)]) {
      const response = await user.get(`/operations/${encodeURIComponent(id)}`);
      expect(response.status, id).toBe(404);
      expect(await response.text()).not.toContain("not-a-uuid");
      expect((await user.post(`/operations/${encodeURIComponent(id)}/cancel`)).status, id).toBe(404);
    }
  });

  dbTest("sends anonymous visitors to sign in", async ({ database }) => {
    const fx = await setUp(database);
    const run = await startCompare(fx);
    for (const url of ["/operations", `/operations/${run.id}`]) {
      const response = await fx.app.request(`${ORIGIN}${url}`);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/sign-in");
    }
  });
});

describe("Operations detail page", () => {
  dbTest("shows a counted run with a progress bar", async ({ database }) => {
    const fx = await setUp(database);
    const { run, owner } = await startRunning(fx, "evidence_snapshot.generate");
    await fx.runs.reportCounts(owner, { total: 450, processed: 120 });
    const html = await (await (await signIn(fx, "reader")).get(`/operations/${run.id}`)).text();
    expect(html).toContain('data-mode="counted"');
    expect(html).toContain('role="progressbar"');
    expect(html).toContain('aria-valuenow="26"');
    expect(html).not.toContain('class="stepper"');
  });

  dbTest(
    "shows a phased run with a stepper, its timeline and names instead of ids, and no bar",
    async ({ database }) => {
      const fx = await setUp(database);
      const { run, owner } = await startRunning(fx);
      await fx.runs.setPhase(owner, "check_eligibility");
      await fx.runs.setPhase(owner, "capture_evidence");
      await fx.runs.reportCounts(owner, { total: 87, processed: 41 });
      const html = await (await (await signIn(fx, "reader")).get(`/operations/${run.id}`)).text();
      expect(html).toContain('data-mode="phased"');
      expect(html).toContain('class="stepper"');
      expect(html).toContain("Step 2 of 4");
      expect(html).not.toContain('role="progressbar"');
      expect(html).toContain("Baseline compare · Capturing current tenant policies · Step 2 of 4");
      expect(html).toContain("Checking eligibility");
      expect(html).toContain("Fabrikam");
      expect(html).toContain("Standard baseline");
      expect(html).not.toContain(fx.profileId);
      expect(html).not.toContain(fx.tenantId);
    },
  );

  dbTest("shows a completed compare's result and counts", async ({ database }) => {
    const fx = await setUp(database);
    const { run, owner } = await startRunning(fx);
    await fx.runs.reportCounts(owner, { total: 87, processed: 87 });
    await fx.runs.completeRun(owner, {
      outcome: "succeeded",
      result: { findingCount: 12, openFindingCount: 12, newCount: 12, resolvedCount: 0, reopenedCount: 0 },
    });
    const html = await (await (await signIn(fx, "reader")).get(`/operations/${run.id}`)).text();
    expect(html).toContain("Baseline compare finished: 12 drift findings");
    expect(html).toContain("87 of 87 policies processed");
    expect(html).toContain("Drift findings: 12");
    expect(html).not.toContain("Cancel operation");
  });

  dbTest(
    "never shows hostile stored text, stacks or raw keys to a member without diagnostics",
    async ({ database }) => {
      const fx = await setUp(database);
      const run = await seedHostileFailedRun(fx);
      const user = await signIn(fx, "operator");
      for (const url of [`/operations/${run.id}`, `/operations?workspace=${fx.slug}`]) {
        const html = await (await user.get(url)).text();
        expect(html, url).not.toMatch(/SECRET_MARKER|DIAG_MARKER|ECONN|\/etc\/|\/srv\/|evidence_source_unreachable/);
      }
      const detail = await (await user.get(`/operations/${run.id}`)).text();
      expect(detail).toContain("The tenant&#39;s evidence source could not be read.");
      expect(detail).toContain("Unknown baseline profile");
    },
  );
});

describe("Operations list", () => {
  dbTest("lists runs with labels and links, newest first", async ({ database }) => {
    const fx = await setUp(database);
    const run = await startCompare(fx);
    const html = await (await (await signIn(fx, "reader")).get("/operations")).text();
    expect(html).toContain("Baseline compare");
    expect(html).toContain("Fabrikam");
    expect(html).toContain("Queued");
    expect(html).toContain(`href="/operations/${run.id}"`);
  });

  dbTest("pages with the Older link without duplicates or gaps", async ({ database }) => {
    const fx = await setUp(database);
    const ids = new Set<string>();
    for (let i = 0; i < 7; i += 1) ids.add((await startCompare(fx)).id);
    const user = await signIn(fx, "reader");
    const seen: string[] = [];
    let url: string | undefined = `/operations?workspace=${fx.slug}&limit=3`;
    for (let page = 0; url !== undefined && page < 10; page += 1) {
      const response = await user.get(url);
      expect(response.status).toBe(200);
      const html = await response.text();
      seen.push(...[...html.matchAll(/<tr data-run-id="([^"]+)"/g)].map((match) => match[1] ?? ""));
      url = /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(ids);
  });

  dbTest("filters by type, status, tenant, initiator and creation time", async ({ database }) => {
    const fx = await setUp(database);
    const compare = await startCompare(fx);
    const evidence = await startCompare(fx, "evidence_snapshot.generate");
    const user = await signIn(fx, "reader");
    const rows = async (query: string) =>
      [...(await (await user.get(`/operations?${query}`)).text()).matchAll(/<tr data-run-id="([^"]+)"/g)].map(
        (match) => match[1],
      );
    expect(await rows("type=baseline_compare")).toEqual([compare.id]);
    expect(await rows("status=queued")).toHaveLength(2);
    expect(await rows("status=failed")).toEqual([]);
    expect(await rows(`tenant=${fx.tenantId}`)).toHaveLength(2);
    expect(await rows(`initiator=${fx.ownerId}`)).toHaveLength(2);
    expect(await rows("initiator=cli")).toEqual([]);
    // "Started by" offers the workspace's members by name and the system labels, never a bare id field.
    const form = await (await user.get(`/operations?initiator=${fx.ownerId}`)).text();
    const startedBy = /<select name="initiator">(.*?)<\/select>/s.exec(form)?.[1] ?? "";
    expect(startedBy).toMatch(new RegExp(`<option value="${fx.ownerId}" selected="">[^<]+</option>`));
    expect(startedBy).toContain('<option value="demo">Demo</option>');
    expect(startedBy).not.toContain('value="cli"');
    expect(form).not.toContain("user id or cli");
    expect(await rows("createdFrom=2000-01-01&createdTo=2000-01-02")).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await rows(`createdFrom=${today}&createdTo=${today}`)).toEqual([evidence.id, compare.id]);
  });

  dbTest.for([
    ["type=SECRET_MARKER", "Choose an operation type from the list."],
    ["status=stalled%3Cscript%3E", "Choose a status from the list."],
    ["tenant=not-a-tenant", "Choose a tenant from the list."],
    ["createdFrom=yesterday", "The created-from date is not a valid date"],
    ["createdTo=2025-13-45", "The created-to date is not a valid date"],
    ["before=garbage", "The page link is not valid."],
    ["limit=0", "The page size must be a number from 1 to 200."],
    ["initiator=%3Cscript%3E", "The initiator must be a user id or a label"],
  ] as const)(
    "answers the invalid filter %s with 400 and an operator-safe message",
    async ([query, message], { database }) => {
      const fx = await setUp(database);
      const response = await (await signIn(fx, "reader")).get(`/operations?${query}`);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).not.toMatch(/SECRET_MARKER|<script>|ZodError|invalid_enum/i);
    },
  );

  dbTest("answers a workspace the user is not a member of with 404", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, null);
    expect((await user.get(`/operations?workspace=${fx.slug}`)).status).toBe(404);
    expect((await user.get("/operations?workspace=no-such-workspace")).status).toBe(404);
  });
});

describe("Operations detail page: Started by", () => {
  dbTest(
    "names the colleague, the CLI's local operator or the system label, never 'Another member'",
    async ({ database }) => {
      const fx = await setUp(database);
      const localOperatorId = await ensureLocalOperator(database.db);
      await ensureWorkspace(database.db, { name: "Contoso MSP", slug: fx.slug, memberUserId: localOperatorId });
      const outsiderId = await createUser(database.db, {
        email: "outsider@example.com",
        displayName: "Olga Outsider",
        password: PASSWORD,
      });
      const start = async (initiator: { userId: string | null; label?: string }) =>
        (
          await fx.runs.startRun(
            {
              workspaceId: fx.workspaceId,
              tenantId: fx.tenantId,
              type: "baseline_compare",
              initiatorUserId: initiator.userId,
              ...(initiator.label ? { initiatorLabel: initiator.label } : {}),
              identityKey: `baseline_compare:${randomUUID()}`,
              inputs: { profileId: fx.profileId, tenantId: fx.tenantId },
            },
            3,
          )
        ).run;
      const byOwner = await start({ userId: fx.ownerId });
      const byCli = await start({ userId: localOperatorId });
      const byOutsider = await start({ userId: outsiderId }); // not (or no longer) a member
      const byDemo = await start({ userId: null, label: "demo" });
      const byCliLabel = await start({ userId: null, label: "cli" });
      const reader = await signIn(fx, "reader");
      const startedBy = async (runId: string) => {
        const html = await (await reader.get(`/operations/${runId}`)).text();
        return /<dt>Started by<\/dt><dd>(.*?)<\/dd>/s.exec(html)?.[1];
      };
      expect(await startedBy(byOwner.id)).toBe("Owen");
      expect(await startedBy(byCli.id)).toBe("Local operator (CLI)");
      expect(await startedBy(byOutsider.id)).toBe("A former member");
      expect(await startedBy(byDemo.id)).toBe("Demo");
      expect(await startedBy(byCliLabel.id)).toBe("Command line");
    },
  );
});
