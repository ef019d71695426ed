/**
 * The tenant page's overview (issue 4 follow-up): unresolved drift with the latest compare, and the
 * latest review — from what is stored, with "never compared" / "none yet" before there is any.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedProfile, seedTenant } from "../../test/factories.js";
import { seedCompletedRuns, seedTenantReview } from "../../test/review-seed.js";
import { createTestApp, signInAs } from "../../test/web-fixture.js";
import type { Database } from "../db/database.js";

const WORKSPACE = { name: "Contoso MSP", slug: "contoso-overview" };

async function seedFinding(
  database: Database,
  input: { workspaceId: string; tenantId: string; profileId: string; status: string },
) {
  const runId = randomUUID();
  await database.pool.query(
    `insert into drift_findings (workspace_id, tenant_id, profile_id, fingerprint, kind, policy_kind, policy_name,
       policy_identity, path, expected, actual, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
     values ($1, $2, $3, $4, 'setting_changed', 'windows10CompliancePolicy', 'Compliance', 'Compliance',
       'a/b', '"x"'::jsonb, '"y"'::jsonb, $5, now(), now(), $6, $6)`,
    [input.workspaceId, input.tenantId, input.profileId, randomUUID(), input.status, runId],
  );
}

describe("tenant page overview", () => {
  dbTest("shows unresolved drift, the latest compare and the latest review", async ({ database }) => {
    const { app, runs } = createTestApp(database);
    const reader = await signInAs(database, app, WORKSPACE, "reader");
    const { rows } = await database.pool.query<{ id: string }>("select id from workspaces where slug = $1", [
      WORKSPACE.slug,
    ]);
    const workspaceId = rows[0]?.id ?? "";
    const tenant = await seedTenant(database, workspaceId, { name: "Fabrikam" });
    const page = `/w/${WORKSPACE.slug}/tenants/${tenant.id}`;
    const overview = async () => {
      const html = await (await reader.get(page)).text();
      const field = (name: string) =>
        (new RegExp(`<dd data-${name}[^>]*>(.*?)</dd>`, "s").exec(html)?.[1] ?? "").replace(/<[^>]+>/g, "");
      return { drift: field("drift-summary"), review: field("latest-review"), html };
    };

    expect(await overview()).toMatchObject({ drift: "Never compared with a baseline", review: "None yet" });

    const profile = await seedProfile(database, workspaceId, tenant);
    const other = await seedProfile(database, workspaceId, tenant, { name: "Second baseline" });
    await seedCompletedRuns(database, runs, { workspaceId, tenantId: tenant.id, outcomes: ["succeeded", "failed"] });
    for (const [profileId, status] of [
      [profile.id, "open"],
      [profile.id, "reopened"],
      [other.id, "open"],
      [other.id, "resolved"],
    ] as const) {
      await seedFinding(database, { workspaceId, tenantId: tenant.id, profileId, status });
    }
    await seedTenantReview(database, runs, { workspaceId, tenantId: tenant.id, periodKey: "2026-09" });
    const ready = await seedTenantReview(database, runs, { workspaceId, tenantId: tenant.id, periodKey: "2026-10" });

    const after = await overview();
    // Resolved findings do not count; the seeded compares completed in order, the failed one last.
    expect(after.drift).toMatch(
      /^3 unresolved findings \(2 baseline profiles\) · last compare Failed \d+ \w+ \d{4},? \d\d:\d\d UTC$/,
    );
    expect(after.review).toBe("October 2026 · Ready");
    expect(after.html).toContain(`href="${page}/reviews/${ready.reviewId}"`);
    expect(after.html).toContain(`href="/w/${WORKSPACE.slug}/findings?tenant=${tenant.id}"`);
  });
});
