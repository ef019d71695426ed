/**
 * Notifications through the real app on a real database: one terminal notification per completed
 * run for its initiator, the list, mark as read (only your own: someone else's id is 404, nothing
 * written), mark all, the bell's unread count, and a constant number of queries for the bell.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedTenant } from "../../test/factories.js";
import { createTestApp, signInAs, type TestSession } from "../../test/web-fixture.js";
import type { Database } from "../db/database.js";
import type { RunService } from "../operations/run-service.js";

const WORKSPACE = { name: "Contoso MSP", slug: "contoso" };

async function setUp(database: Database) {
  const { app, runs, notifier } = createTestApp(database);
  const owner = await signInAs(database, app, WORKSPACE, "owner");
  const workspaceId = String(
    (await database.pool.query("select id from workspaces where slug = $1", [WORKSPACE.slug])).rows[0]?.id,
  );
  const tenant = await seedTenant(database, workspaceId, { name: "Fabrikam" });
  return { app, runs, notifier, owner, workspaceId, tenantId: tenant.id };
}

/** Start and complete a compare initiated by `session`'s user; returns the run id. */
async function completeRun(
  runs: RunService,
  fx: { workspaceId: string; tenantId: string },
  session: TestSession,
  outcome: "succeeded" | "failed" = "succeeded",
): Promise<string> {
  const { run } = await runs.startRun(
    {
      workspaceId: fx.workspaceId,
      tenantId: fx.tenantId,
      type: "baseline_compare",
      initiatorUserId: session.userId,
      identityKey: `baseline_compare:${randomUUID()}`,
      inputs: {},
    },
    3,
  );
  await runs.completeRun(
    { runId: run.id, attempt: "any" },
    outcome === "failed"
      ? {
          outcome,
          failure: {
            code: "evidence_source_unreachable",
            message: "SECRET_MARKER raw",
            diagnostics: "SECRET_MARKER stack",
          },
        }
      : { outcome, result: { findingCount: 12 } },
  );
  return run.id;
}

async function notificationRows(database: Database) {
  const { rows } = await database.pool.query(
    "select id, user_id, run_id, read_at from notifications order by created_at",
  );
  return rows as { id: string; user_id: string; run_id: string; read_at: Date | null }[];
}

function bellCount(html: string): string | undefined {
  return /data-unread-count="(\d+)"/.exec(html)?.[1];
}

describe("notifications", () => {
  dbTest("a completed run stores exactly one notification, for its initiator only", async ({ database }) => {
    const fx = await setUp(database);
    const reader = await signInAs(database, fx.app, WORKSPACE, "reader");
    const runId = await completeRun(fx.runs, fx, fx.owner);
    // A second completion attempt does not hold the guard and stores nothing more.
    expect(await fx.runs.completeRun({ runId, attempt: "any" }, { outcome: "failed" })).toBe(false);
    const rows = await notificationRows(database);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: fx.owner.userId, run_id: runId, read_at: null });

    const ownerPage = await (await fx.owner.get("/notifications")).text();
    expect(ownerPage).toContain("Baseline compare finished: 12 drift findings");
    expect(ownerPage).toContain(`href="/operations/${runId}"`);
    expect(ownerPage).toContain("View operation");
    expect(ownerPage).toContain('data-unread="true"');
    const readerPage = await fx.app.request(`http://localhost/notifications`, { headers: { cookie: reader.cookie } });
    expect(readerPage.status).toBe(200);
    expect(await readerPage.text()).toContain("No notifications yet.");
  });

  dbTest("lists newest first and never shows stored failure text", async ({ database }) => {
    const fx = await setUp(database);
    const first = await completeRun(fx.runs, fx, fx.owner, "failed");
    const second = await completeRun(fx.runs, fx, fx.owner);
    const html = await (await fx.owner.get("/notifications")).text();
    expect(html.indexOf(`data-notification-id`)).toBeGreaterThan(-1);
    expect(html.indexOf(`/operations/${second}`)).toBeLessThan(html.indexOf(`/operations/${first}`));
    expect(html).toContain("Baseline compare failed");
    expect(html).not.toContain("SECRET_MARKER");
  });

  dbTest("mark as read: your own only; someone else's id is 404 and stays unread", async ({ database }) => {
    const fx = await setUp(database);
    const manager = await signInAs(database, fx.app, WORKSPACE, "manager");
    await completeRun(fx.runs, fx, fx.owner);
    const [row] = await notificationRows(database);
    if (row === undefined) throw new Error("no notification stored");

    const foreign = await manager.post(`/notifications/${row.id}/read`);
    expect(foreign.status).toBe(404);
    expect((await notificationRows(database))[0]?.read_at).toBeNull();
    expect((await manager.post(`/notifications/not-a-uuid/read`)).status).toBe(404);
    expect((await manager.post(`/notifications/${randomUUID()}/read`)).status).toBe(404);

    // Without the CSRF token nothing is written.
    expect((await fx.owner.post(`/notifications/${row.id}/read`, {})).status).toBe(403);
    expect((await notificationRows(database))[0]?.read_at).toBeNull();

    const own = await fx.owner.post(`/notifications/${row.id}/read`);
    expect(own.status).toBe(303);
    expect(own.headers.get("location")).toBe("/notifications");
    const readAt = (await notificationRows(database))[0]?.read_at;
    expect(readAt).toBeInstanceOf(Date);
    // Idempotent: the first read time is kept.
    expect((await fx.owner.post(`/notifications/${row.id}/read`)).status).toBe(303);
    expect((await notificationRows(database))[0]?.read_at).toEqual(readAt);
  });

  dbTest("the bell shows the unread count; mark all clears only your own", async ({ database }) => {
    const fx = await setUp(database);
    const operator = await signInAs(database, fx.app, WORKSPACE, "operator");
    expect(bellCount(await (await fx.owner.get("/")).text())).toBe("0");
    await completeRun(fx.runs, fx, fx.owner);
    await completeRun(fx.runs, fx, fx.owner, "failed");
    await completeRun(fx.runs, fx, operator);

    const home = await (await fx.owner.get("/")).text();
    expect(bellCount(home)).toBe("2");
    expect(home).toContain('aria-label="Notifications, 2 unread"');
    expect(bellCount(await (await fx.owner.get("/operations")).text())).toBe("2");
    expect(bellCount(await (await fx.owner.get("/no-such-page")).text())).toBe("2");
    expect(bellCount(await (await operator.get("/notifications")).text())).toBe("1");

    expect((await fx.owner.post("/notifications/read-all")).status).toBe(303);
    expect(bellCount(await (await fx.owner.get("/notifications")).text())).toBe("0");
    expect(bellCount(await (await operator.get("/")).text())).toBe("1");
    const unreadByUser = await database.pool.query(
      "select user_id, count(*)::int as n from notifications where read_at is null group by user_id",
    );
    expect(unreadByUser.rows).toEqual([{ user_id: operator.userId, n: 1 }]);
  });

  dbTest("a notification of a workspace you left is neither listed nor counted", async ({ database }) => {
    const fx = await setUp(database);
    const operator = await signInAs(database, fx.app, WORKSPACE, "operator");
    await completeRun(fx.runs, fx, operator);
    await database.pool.query("delete from memberships where user_id = $1 and workspace_id = $2", [
      operator.userId,
      fx.workspaceId,
    ]);
    const html = await (await operator.get("/notifications")).text();
    expect(bellCount(html)).toBe("0");
    expect(html).toContain("No notifications yet.");
    const [row] = await notificationRows(database);
    expect((await operator.post(`/notifications/${row?.id}/read`)).status).toBe(404);
  });

  dbTest("the bell costs the same number of queries with 1 or 30 notifications", async ({ database }) => {
    const fx = await setUp(database);
    let queries = 0;
    const query = database.pool.query.bind(database.pool);
    const countQueries = async () => {
      await fx.notifier.flush(); // the run service's NOTIFY flush is not the page's query
      queries = 0;
      const response = await fx.owner.get("/notifications");
      await response.text();
      return queries;
    };
    // biome-ignore lint/suspicious/noExplicitAny: counting wrapper around pg's overloaded query
    (database.pool as any).query = (...args: any[]) => {
      queries++;
      // biome-ignore lint/suspicious/noExplicitAny: forwarded as received
      return (query as any)(...args);
    };
    await completeRun(fx.runs, fx, fx.owner);
    const one = await countQueries();
    for (let i = 0; i < 29; i++) await completeRun(fx.runs, fx, fx.owner);
    const many = await countQueries();
    expect(bellCount(await (await fx.owner.get("/notifications")).text())).toBe("30");
    expect(many).toBe(one);
  });
});
