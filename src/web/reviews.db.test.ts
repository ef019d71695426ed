/**
 * Tenant review pages and API through the real app (`app.request`) on a real database: access per
 * role (DESIGN.md §6: readers read and export, operators compose, non-members 404, members
 * without the capability 403), the compose form (period picker validated on the server, field
 * errors that never echo hostile input, the queued toast and `run-enqueued`, the same run on a
 * second start), the review view (ready and draft), and the exports (media types, attachment
 * file names, a draft refused with 409).
 */
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedTenant } from "../../test/factories.js";
import { FIXTURE_IDS } from "../../test/review-fixture.js";
import { seedTenantReview } from "../../test/review-seed.js";
import { createTestApp, ORIGIN, signInAs, type TestSession } from "../../test/web-fixture.js";
import { createApiToken } from "../access/authentication.js";
import type { Role } from "../access/capabilities.js";
import type { Database } from "../db/database.js";
import { previousMonthPeriod } from "../reviews/review-period.js";
import { OPERATOR_ERRORS } from "../shared/operator-error.js";
import { toReviewContentDisposition } from "./review-export.js";

const WORKSPACE = { name: "Contoso MSP", slug: "contoso" };

async function setUp(database: Database) {
  const { app, runs } = createTestApp(database);
  const sessions = {} as Record<Role | "stranger", TestSession>;
  for (const role of ["owner", "operator", "reader"] as const) {
    sessions[role] = await signInAs(database, app, WORKSPACE, role);
  }
  sessions.stranger = await signInAs(database, app, WORKSPACE, null);
  const workspaceId = String(
    (await database.pool.query("select id from workspaces where slug = $1", [WORKSPACE.slug])).rows[0]?.id,
  );
  const tenant = await seedTenant(database, workspaceId, { name: "Fabrikam" });
  const other = await seedTenant(database, workspaceId, { name: "Northwind" });
  const ready = await seedTenantReview(database, runs, { workspaceId, tenantId: tenant.id, periodKey: "2026-10" });
  const draft = await seedTenantReview(database, runs, {
    workspaceId,
    tenantId: tenant.id,
    periodKey: "2026-Q3",
    status: "draft",
  });
  const base = `/w/${WORKSPACE.slug}/tenants/${tenant.id}/reviews`;
  return { app, runs, sessions, workspaceId, tenant, other, ready, draft, base };
}

async function composeRuns(database: Database): Promise<{ id: string; identity_key: string }[]> {
  const { rows } = await database.pool.query<{ id: string; identity_key: string }>(
    "select id, identity_key from operation_runs where type = 'tenant.review.compose' and initiator_user_id is not null",
  );
  return rows;
}

describe("tenant reviews pages", () => {
  dbTest("a reader sees the list with status and links but no compose form", async ({ database }) => {
    const { sessions, base, ready, draft } = await setUp(database);
    const response = await sessions.reader.get(base);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Reviews of Fabrikam");
    expect(html).toContain(`data-review-id="${ready.reviewId}"`);
    expect(html).toContain("October 2026");
    expect(html).toContain("Q3 2026");
    expect(html).toMatch(/data-status="ready"[^>]*>Ready</);
    expect(html).toMatch(/data-status="draft"[^>]*>Draft</);
    expect(html).toContain(`${base}/${ready.reviewId}/export.pdf`);
    expect(html).toContain(`/operations/${draft.runId}`); // a draft links to its operation
    expect(html).not.toContain("Compose a review");
    expect(html).toContain("data-activity"); // the tenant shell's activity area
  });

  dbTest("the list refreshes itself from a fragment when a run of the tenant completes", async ({ database }) => {
    const { sessions, base, ready, workspaceId, tenant } = await setUp(database);
    const html = await (await sessions.reader.get(base)).text();
    const list = /<div id="reviews-list"[^>]*>/.exec(html)?.[0] ?? "";
    expect(list).toContain("data-refresh-on-complete");
    expect(list).toContain(`data-workspace-id="${workspaceId}"`);
    expect(list).toContain(`data-tenant-id="${tenant.id}"`);
    expect(list).toContain(`hx-get="${base}/list"`);
    expect(list).toContain('hx-trigger="run-completed"'); // an event from the SSE stream (app.js), never a poll
    expect(list).not.toMatch(/every \d/);
    const fragment = await sessions.reader.get(`${base}/list`, { "hx-request": "true" });
    expect(fragment.status).toBe(200);
    const table = await fragment.text();
    expect(table.startsWith('<div class="reviews-scroll"><table class="reviews-table">')).toBe(true);
    expect(table).toContain(`data-review-id="${ready.reviewId}"`);
    expect(table).not.toContain("<html");
    expect((await sessions.stranger.get(`${base}/list`)).status).toBe(404);
  });

  dbTest("an operator sees the period picker defaulting to the previous full month", async ({ database }) => {
    const { sessions, base } = await setUp(database);
    const html = await (await sessions.operator.get(base)).text();
    expect(html).toContain("Compose a review");
    const previous = previousMonthPeriod(new Date()).key;
    expect(html).toMatch(new RegExp(`<input type="month" name="month"[^>]*value="${previous}"`));
    expect(html).toContain('name="quarter"');
    expect(html).toContain('type="date" name="from"');
    expect(html).toContain("Yes, compose review");
  });

  dbTest("non-members get 404 and a reader's compose 403, for every review route", async ({ database }) => {
    const { sessions, base, ready } = await setUp(database);
    for (const url of [base, `${base}/${ready.reviewId}`, `${base}/${ready.reviewId}/export.md`]) {
      expect((await sessions.stranger.get(url)).status).toBe(404);
    }
    const strangerForm = { _csrf: sessions.stranger.csrf, periodKind: "month", month: "2026-10", confirm: "yes" };
    expect((await sessions.stranger.post(base, strangerForm)).status).toBe(404);
    const refused = await sessions.reader.post(base, {
      _csrf: sessions.reader.csrf,
      periodKind: "month",
      month: "2026-10",
      confirm: "yes",
    });
    expect(refused.status).toBe(403);
    expect(await composeRuns(database)).toEqual([]);
  });

  dbTest("a review of another tenant, or a malformed id, is not found under this tenant", async ({ database }) => {
    const { sessions, base, ready, other } = await setUp(database);
    const otherBase = `/w/${WORKSPACE.slug}/tenants/${other.id}/reviews`;
    expect((await sessions.owner.get(`${otherBase}/${ready.reviewId}`)).status).toBe(404);
    expect((await sessions.owner.get(`${otherBase}/${ready.reviewId}/export.json`)).status).toBe(404);
    expect((await sessions.owner.get(`${base}/not-a-uuid`)).status).toBe(404);
    expect((await sessions.owner.get(`/w/other-slug/tenants/${other.id}/reviews`)).status).toBe(404);
  });

  dbTest("composing (form post) queues one run and redirects with the queued toast", async ({ database }) => {
    const { sessions, base, tenant } = await setUp(database);
    const form = { _csrf: sessions.operator.csrf, periodKind: "month", month: "2026-10", confirm: "yes" };
    const response = await sessions.operator.post(base, form);
    expect(response.status).toBe(303);
    const location = response.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^${base}\\?started=[0-9a-f-]{36}$`));
    const runs = await composeRuns(database);
    expect(runs.map((run) => run.identity_key)).toEqual([`tenant.review.compose:${tenant.id}:2026-10`]);
    const page = await (await sessions.operator.get(location)).text();
    expect(page).toContain("Tenant review queued");
    expect(page).toContain("It runs in the background; you can keep working.");
    expect(page).toContain(`href="/operations/${runs[0]?.id}"`);
  });

  dbTest(
    "composing with htmx answers the toast and run-enqueued; a repeat is 'already queued'",
    async ({ database }) => {
      const { app, sessions, base } = await setUp(database);
      const post = (fields: Record<string, string>) =>
        app.request(`${ORIGIN}${base}`, {
          method: "POST",
          body: new URLSearchParams({ _csrf: sessions.operator.csrf, ...fields }).toString(),
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: ORIGIN,
            cookie: sessions.operator.cookie,
            "hx-request": "true",
          },
        });
      const fields = { periodKind: "quarter", quarter: "2026-Q3", confirm: "yes" };
      const first = await post(fields);
      expect(first.status).toBe(200);
      const trigger = JSON.parse(first.headers.get("hx-trigger") ?? "{}") as {
        "run-enqueued"?: { runId: string; version: number };
      };
      const runs = await composeRuns(database);
      expect(runs).toHaveLength(1);
      expect(trigger["run-enqueued"]?.runId).toBe(runs[0]?.id);
      const html = await first.text();
      expect(html).toContain('id="compose-review"');
      expect(html).toContain('<strong class="toast-title">Tenant review queued</strong>');
      const again = await (await post(fields)).text();
      expect(again).toContain("Tenant review is already queued");
      expect(again).toContain(`href="/operations/${runs[0]?.id}"`);
      expect(await composeRuns(database)).toHaveLength(1);
    },
  );

  dbTest.for([
    ["a script as the month", { periodKind: "month", month: "<script>alert(1)</script>" }, "month", "Month:"],
    ["an impossible month", { periodKind: "month", month: "2026-13" }, "month", "Month: choose a real month"],
    ["a month that has not started", { periodKind: "month", month: "2999-01" }, "month", "has not started yet"],
    ["a quarter not in the list", { periodKind: "quarter", quarter: "2026-Q9" }, "quarter", "Quarter:"],
    ["an inverted range", { periodKind: "custom", from: "2026-10-20", to: "2026-10-01" }, "to", "To: the last day"],
    ["an impossible first day", { periodKind: "custom", from: "2026-02-30", to: "2026-03-10" }, "from", "From: this"],
    ["an impossible last day", { periodKind: "custom", from: "2026-02-01", to: "2026-02-30" }, "to", "To: this is"],
    ["a range over 366 days", { periodKind: "custom", from: "2024-01-01", to: "2025-06-30" }, "to", "at most 366"],
    ["a range not started", { periodKind: "custom", from: "2999-01-01", to: "2999-01-02" }, "from", "not started"],
    ["a range without its end", { periodKind: "custom", from: "2026-10-01", to: "" }, "to", "To: enter the last day"],
    ["a hostile range", { periodKind: "custom", from: '"><img src=x onerror=alert(1)>', to: "x" }, "from", "From:"],
    ["an unknown period kind", { periodKind: "<b>decade</b>" }, "periodKind", "Period: choose"],
    ["an overlong value", { periodKind: "month", month: "9".repeat(5_000) }, "periodKind", "Period:"],
  ] as const)(
    "rejects %s with an error next to the field, echoing nothing",
    async ([, fields, field, text], { database }) => {
      const { sessions, base } = await setUp(database);
      const response = await sessions.operator.post(base, { _csrf: sessions.operator.csrf, confirm: "yes", ...fields });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(`data-field-error="${field}"`);
      expect(html).toContain(text);
      expect(html).not.toContain("<script>alert(1)");
      expect(html).not.toContain("onerror=alert");
      expect(html).not.toContain("<b>decade");
      expect(html).not.toContain("99999");
      expect(await composeRuns(database)).toEqual([]);
    },
  );

  dbTest("a ready review shows its sections, export links and a Print button", async ({ database }) => {
    const { sessions, base, ready } = await setUp(database);
    const response = await sessions.reader.get(`${base}/${ready.reviewId}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const heading of [
      "Executive summary",
      "Baseline posture",
      "Notable drift",
      "Operations health",
      "Evidence basis",
    ]) {
      expect(html).toContain(heading);
    }
    for (const ext of ["md", "pdf", "json"]) expect(html).toContain(`${base}/${ready.reviewId}/export.${ext}`);
    expect(html).toContain("data-print");
    // Run ids are links to their operations, not bare UUIDs.
    for (const runId of [FIXTURE_IDS.snapshotRun, FIXTURE_IDS.captureRun, FIXTURE_IDS.failedRun]) {
      expect(html).toContain(`href="/operations/${runId}"`);
    }
    expect(html).toContain(`href="/operations/${FIXTURE_IDS.countedRuns[0]}"`);
    expect(html).toContain("<svg"); // the charts
    expect(html).not.toContain("<script>alert(1)</script>"); // the fixture's hostile text is escaped
    expect(html).not.toContain('role="progressbar"');
  });

  dbTest("a finished compose's operation page opens its review; a draft's does not", async ({ database }) => {
    const { sessions, base, ready, draft } = await setUp(database);
    const html = await (await sessions.reader.get(`/operations/${ready.runId}`)).text();
    expect(html).toMatch(new RegExp(`<a href="${base}/${ready.reviewId}" data-followup="true">Open review →</a>`));
    expect((await sessions.reader.get(`${base}/${ready.reviewId}`)).status).toBe(200); // and the link opens
    const draftPage = await (await sessions.reader.get(`/operations/${draft.runId}`)).text();
    expect(draftPage).not.toContain("data-followup");
    expect((await sessions.stranger.get(`/operations/${ready.runId}`)).status).toBe(404);
  });

  dbTest("a compose whose review is gone links nowhere", async ({ database }) => {
    const { sessions, ready } = await setUp(database);
    await database.pool.query("alter table tenant_reviews disable trigger user");
    await database.pool.query("delete from tenant_reviews where id = $1", [ready.reviewId]);
    const html = await (await sessions.owner.get(`/operations/${ready.runId}`)).text();
    expect(html).not.toContain("Open review");
  });

  dbTest("a draft review says it is being composed and links to its operation", async ({ database }) => {
    const { sessions, base, draft } = await setUp(database);
    const html = await (await sessions.reader.get(`${base}/${draft.reviewId}`)).text();
    expect(html).toContain("This review is being composed.");
    expect(html).toContain(`href="/operations/${draft.runId}"`);
    expect(html).not.toContain("data-review-exports");
  });
});

describe("tenant review exports", () => {
  dbTest(
    "a reader exports Markdown and JSON as attachments named after tenant, period and review",
    async ({ database }) => {
      const { sessions, base, ready } = await setUp(database);
      const short = ready.reviewId.slice(0, 8);
      const md = await sessions.reader.get(`${base}/${ready.reviewId}/export.md`);
      expect(md.status).toBe(200);
      expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
      expect(md.headers.get("content-disposition")).toBe(
        `attachment; filename="Fabrikam-review-2026-10-${short}.md"; filename*=UTF-8''Fabrikam-review-2026-10-${short}.md`,
      );
      const text = await md.text();
      expect(text).toContain("Executive summary");
      expect(text).toContain("Evidence basis");

      const json = await sessions.reader.get(`${base}/${ready.reviewId}/export.json`);
      expect(json.status).toBe(200);
      expect(json.headers.get("content-type")).toBe("application/json");
      expect(json.headers.get("content-disposition")).toContain(`filename="Fabrikam-review-2026-10-${short}.json"`);
      expect(JSON.stringify(await json.json())).toContain("executive_summary");
    },
  );

  dbTest(
    "the PDF export is a PDF attachment",
    async ({ database }) => {
      const { sessions, base, ready } = await setUp(database);
      const pdf = await sessions.reader.get(`${base}/${ready.reviewId}/export.pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get("content-type")).toBe("application/pdf");
      expect(pdf.headers.get("content-disposition")).toContain(
        `filename="Fabrikam-review-2026-10-${ready.reviewId.slice(0, 8)}.pdf"`,
      );
      const bytes = new Uint8Array(await pdf.arrayBuffer());
      expect(Buffer.from(bytes.slice(0, 5)).toString("latin1")).toBe("%PDF-");
    },
    60_000,
  );

  dbTest("a draft review cannot be exported: 409 with the operator sentence", async ({ database }) => {
    const { sessions, base, draft } = await setUp(database);
    for (const ext of ["md", "pdf", "json"]) {
      const response = await sessions.owner.get(`${base}/${draft.reviewId}/export.${ext}`);
      expect(response.status).toBe(409);
      expect(await response.text()).toContain(OPERATOR_ERRORS.review_not_ready);
    }
  });

  dbTest("file names keep hostile tenant names out of the header's syntax", () => {
    const review = {
      id: "0f1e2d3c-4b5a-4978-8867-564534231201",
      tenantName: 'Ünïcode "evil"/..\\name;\r\nX-Injected: 1',
      periodStart: "2026-11-01T00:00:00.000Z",
      periodEnd: "2026-11-16T00:00:00.000Z",
    };
    const header = toReviewContentDisposition(review, "pdf");
    expect(header).not.toMatch(/[\r\n]/);
    const ascii = /filename="([^"]*)"/.exec(header)?.[1] ?? "";
    expect(ascii).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(ascii).toBe("Unicode-evil-name-X-Injected-1-review-2026-11-01_to_2026-11-15-0f1e2d3c.pdf");
    const star = /filename\*=UTF-8''(\S+)$/.exec(header)?.[1] ?? "";
    expect(star).toMatch(/^[A-Za-z0-9%._~!-]+$/);
    expect(decodeURIComponent(star)).toContain("Ünïcode");
    expect(decodeURIComponent(star)).not.toMatch(/["/\\;\r\n]/);
    expect(decodeURIComponent(star)).toMatch(/-review-2026-11-01\.\.2026-11-15-0f1e2d3c\.pdf$/);
  });

  dbTest("two reviews of the same period download under different names", () => {
    const period = { tenantName: "Northwind Traders", periodStart: "2026-11-01T00:00:00.000Z" };
    const first = toReviewContentDisposition(
      { ...period, id: "aaaaaaaa-0000-4000-8000-000000000001", periodEnd: "2026-12-01T00:00:00.000Z" },
      "pdf",
    );
    const second = toReviewContentDisposition(
      { ...period, id: "bbbbbbbb-0000-4000-8000-000000000002", periodEnd: "2026-12-01T00:00:00.000Z" },
      "pdf",
    );
    expect(first).toContain('filename="Northwind-Traders-review-2026-11-aaaaaaaa.pdf"');
    expect(second).toContain('filename="Northwind-Traders-review-2026-11-bbbbbbbb.pdf"');
  });
});

describe("tenant reviews JSON API", () => {
  dbTest("compose and evidence start with 202, then 200 for the same active run", async ({ database }) => {
    const { app, tenant, sessions } = await setUp(database);
    const token = (await createApiToken(database.db, sessions.operator.userId, "ci")).token;
    const call = (method: string, url: string, body?: unknown) =>
      app.request(`${ORIGIN}/api/v1${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const path = `/workspaces/${WORKSPACE.slug}/tenants/${tenant.id}`;
    const first = await call("POST", `${path}/reviews`, { period: "2026-q3" });
    expect(first.status).toBe(202);
    const body = (await first.json()) as { run: { id: string; type: string }; created: boolean };
    expect(body.created).toBe(true);
    expect(body.run.type).toBe("tenant.review.compose");
    const again = await call("POST", `${path}/reviews`, { period: "2026-Q3" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { run: { id: string } }).run.id).toBe(body.run.id);
    const evidence = await call("POST", `${path}/evidence-snapshots`, { period: "2026-10" });
    expect(evidence.status).toBe(202);
    expect(((await evidence.json()) as { run: { type: string } }).run.type).toBe("evidence_snapshot.generate");
  });

  dbTest("a bad period is a 400 naming body.period, without the value", async ({ database }) => {
    const { tenant, sessions } = await setUp(database);
    for (const [period, reason] of [
      ["<script>x</script>", "It must be a month (2026-11)"],
      ["2999-01", "This period has not started yet."],
      ["2026-10-20..2026-10-01", "The last day of the range is before the first."],
      ["", "expected string to have >=1 characters"],
    ] as const) {
      const response = await sessions.owner.send(
        "POST",
        `/api/v1/workspaces/${WORKSPACE.slug}/tenants/${tenant.id}/reviews`,
        {
          period,
        },
      );
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).toContain('"body.period"');
      expect(text).toContain(reason);
      expect(text).not.toContain("<script>");
    }
    expect(await composeRuns(database)).toEqual([]);
  });

  dbTest("lists, reads and exports reviews per role", async ({ database }) => {
    const { tenant, sessions, ready, draft } = await setUp(database);
    const list = await sessions.reader.get(`/api/v1/workspaces/${WORKSPACE.slug}/tenants/${tenant.id}/reviews`);
    expect(list.status).toBe(200);
    const { reviews } = (await list.json()) as { reviews: { id: string; status: string; periodKey: string }[] };
    expect(reviews.map((review) => [review.id, review.status, review.periodKey])).toEqual([
      [ready.reviewId, "ready", "2026-10"],
      [draft.reviewId, "draft", "2026-Q3"],
    ]);
    const one = await sessions.reader.get(`/api/v1/workspaces/${WORKSPACE.slug}/reviews/${ready.reviewId}`);
    expect(one.status).toBe(200);
    const document = (await one.json()) as { tenantName: string; sections: { kind: string }[] };
    expect(document.tenantName).toBe("Fabrikam");
    expect(document.sections.map((section) => section.kind)).toEqual([
      "executive_summary",
      "baseline_posture",
      "notable_drift",
      "operations_health",
      "evidence_basis",
    ]);
    const md = await sessions.reader.get(
      `/api/v1/workspaces/${WORKSPACE.slug}/reviews/${ready.reviewId}/export?format=md`,
    );
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.headers.get("content-disposition")).toContain(
      `filename="Fabrikam-review-2026-10-${ready.reviewId.slice(0, 8)}.md"`,
    );
    const bad = await sessions.reader.get(
      `/api/v1/workspaces/${WORKSPACE.slug}/reviews/${ready.reviewId}/export?format=docx`,
    );
    expect(bad.status).toBe(400);
    const drafted = await sessions.reader.get(
      `/api/v1/workspaces/${WORKSPACE.slug}/reviews/${draft.reviewId}/export?format=json`,
    );
    expect(drafted.status).toBe(409);
    expect(((await drafted.json()) as { error: { code: string } }).error.code).toBe("review_not_ready");
    expect((await sessions.stranger.get(`/api/v1/workspaces/${WORKSPACE.slug}/reviews/${ready.reviewId}`)).status).toBe(
      404,
    );
    const refused = await sessions.reader.send(
      "POST",
      `/api/v1/workspaces/${WORKSPACE.slug}/tenants/${tenant.id}/reviews`,
      { period: "2026-10" },
    );
    expect(refused.status).toBe(403);
  });
});
