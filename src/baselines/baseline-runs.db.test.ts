/**
 * Capture and compare on real input: corpus snapshots of the OpenIntuneBaseline (../shared/corpus),
 * run as real graphile-worker jobs against real PostgreSQL, findings recorded with their lifecycle.
 *
 * Expected counts come from the corpus README's hand-checked facts, not from the engine:
 * v3.2 → v3.3: the 60 policies with the same name in both are byte-identical; 7 names exist only in
 * v3.2 and 27 only in v3.3. So matching by exact name gives 7 missing_policy, 27 unexpected_policy
 * (reported only when the profile asks for it) and nothing else.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  corpusPresent,
  corpusSnapshot,
  createTestRunService,
  seedProfile,
  seedTenant,
  seedWorkspace,
} from "../../test/factories.js";
import { runQueuedJobs } from "../../test/run-jobs.js";
import type { Database } from "../db/database.js";
import { tenants } from "../db/schema.js";
import { getRun } from "../operations/run-queries.js";
import type { RunService } from "../operations/run-service.js";
import { startBaselineCapture, startBaselineCompare } from "./baseline-runs.js";
import { listFindings } from "./drift-findings.js";

const V32 = corpusSnapshot("oib-win-v3.2-b1d23fb");
const V33 = corpusSnapshot("oib-win-v3.3-f44f081");

async function captureAndCompare(
  database: Database,
  runs: RunService,
  options: { reportUnexpected: boolean; baselineDir: string; currentDir: string },
) {
  const { workspace, userId } = await seedWorkspace(database);
  const source = await seedTenant(database, workspace.id, { name: "Source", exportDir: options.baselineDir });
  const target = await seedTenant(database, workspace.id, { name: "Target", exportDir: options.currentDir });
  const profile = await seedProfile(database, workspace.id, source, { reportUnexpected: options.reportUnexpected });
  const deps = { db: database.db, runs, maxAttempts: 3 };
  const capture = await startBaselineCapture(deps, {
    workspaceId: workspace.id,
    profile: profile.id,
    initiator: { userId },
  });
  await runQueuedJobs(database, runs);
  const compare = await startBaselineCompare(deps, {
    workspaceId: workspace.id,
    profile: profile.id,
    tenant: target.id,
    initiator: { userId },
  });
  await runQueuedJobs(database, runs);
  return {
    workspace,
    target,
    profile,
    deps,
    userId,
    captureRun: await getRun(database.db, workspace.id, capture.run.id),
    compareRun: await getRun(database.db, workspace.id, compare.run.id),
  };
}

function countByKind(findings: { kind: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}

describe.skipIf(!corpusPresent)("baseline capture and compare on the shared corpus", () => {
  dbTest("captures all 67 policies of v3.2 into a snapshot", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { captureRun } = await captureAndCompare(database, runs, {
      reportUnexpected: false,
      baselineDir: V32,
      currentDir: V32,
    });
    expect(captureRun.outcome).toBe("succeeded");
    expect(captureRun.context.result).toMatchObject({ policyCount: 67, unreadableCount: 0 });
    const items = await database.db.execute(sql`select count(*)::int as n from baseline_snapshot_items`);
    expect((items.rows[0] as { n: number }).n).toBe(67);
    const phases = await database.db.execute(
      sql`select phase from operation_run_events where run_id = ${captureRun.id} and phase is not null order by version`,
    );
    expect([...new Set(phases.rows.map((row) => (row as { phase: string }).phase))]).toEqual([
      "resolve_scope",
      "capture_evidence",
      "build_snapshot",
      "finalize",
    ]);
  });

  dbTest("a snapshot compared with itself gives zero findings", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { compareRun } = await captureAndCompare(database, runs, {
      reportUnexpected: true,
      baselineDir: V33,
      currentDir: V33,
    });
    expect(compareRun.outcome).toBe("succeeded");
    expect(compareRun.context.result).toMatchObject({ findingCount: 0, openFindingCount: 0 });
    expect(await listFindings(database.db, compareRun.workspaceId)).toEqual([]);
  });

  dbTest("v3.2 → v3.3 gives exactly 7 missing and 27 unexpected policies, nothing else", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { compareRun } = await captureAndCompare(database, runs, {
      reportUnexpected: true,
      baselineDir: V32,
      currentDir: V33,
    });
    expect(compareRun.outcome).toBe("succeeded");
    const findings = await listFindings(database.db, compareRun.workspaceId);
    expect(countByKind(findings)).toEqual({ missing_policy: 7, unexpected_policy: 27 });
    expect(compareRun.context.result).toMatchObject({ findingCount: 34, openFindingCount: 34, newCount: 34 });
    const phases = await database.db.execute(
      sql`select phase from operation_run_events where run_id = ${compareRun.id} and phase is not null order by version`,
    );
    expect([...new Set(phases.rows.map((row) => (row as { phase: string }).phase))]).toEqual([
      "check_eligibility",
      "capture_evidence",
      "compare",
      "record_findings",
    ]);
    const notes = await database.db.execute(sql`select title from notifications where run_id = ${compareRun.id}`);
    expect(notes.rows).toEqual([{ title: "Target: Baseline compare finished: 34 drift findings" }]);
  });

  dbTest("without reportUnexpected only the 7 missing policies are findings", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { compareRun } = await captureAndCompare(database, runs, {
      reportUnexpected: false,
      baselineDir: V32,
      currentDir: V33,
    });
    expect(countByKind(await listFindings(database.db, compareRun.workspaceId))).toEqual({ missing_policy: 7 });
  });

  dbTest("findings resolve when drift goes away and reopen when it returns", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, target, profile, deps, userId } = await captureAndCompare(database, runs, {
      reportUnexpected: true,
      baselineDir: V32,
      currentDir: V33,
    });
    const compareAgain = async () => {
      const started = await startBaselineCompare(deps, {
        workspaceId: workspace.id,
        profile: profile.id,
        tenant: target.id,
        initiator: { userId },
      });
      await runQueuedJobs(database, runs);
      return getRun(database.db, workspace.id, started.run.id);
    };
    // The tenant is brought back to the baseline: every finding resolves.
    await database.db
      .update(tenants)
      .set({ evidenceSource: { kind: "export_folder", path: V32 } })
      .where(eq(tenants.id, target.id));
    const aligned = await compareAgain();
    expect(aligned.context.result).toMatchObject({ findingCount: 0, resolvedCount: 34, openFindingCount: 0 });
    expect(countByKind(await listFindings(database.db, workspace.id, { status: "resolved" }))).toEqual({
      missing_policy: 7,
      unexpected_policy: 27,
    });
    // It drifts again: the same findings come back as reopened, not as new ones.
    await database.db
      .update(tenants)
      .set({ evidenceSource: { kind: "export_folder", path: V33 } })
      .where(eq(tenants.id, target.id));
    const drifted = await compareAgain();
    expect(drifted.context.result).toMatchObject({
      findingCount: 34,
      newCount: 0,
      reopenedCount: 34,
      openFindingCount: 34,
    });
    expect((await listFindings(database.db, workspace.id, { status: "reopened" })).length).toBe(34);
  });
});

describe.skipIf(!corpusPresent)("baseline compare with an unreadable export file", () => {
  dbTest(
    "ends partially_succeeded naming the file and marks its policy unknown, never missing",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      // v3.2 compared with itself, except that one compliance policy's file is truncated mid-JSON.
      const copy = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-broken-"));
      cpSync(V32, copy, { recursive: true });
      const broken = "WINDOWS/IntuneManagement/CompliancePolicies/Win - OIB - Compliance - U - Password - v3.1.json";
      const text = readFileSync(path.join(copy, broken), "utf8");
      writeFileSync(path.join(copy, broken), text.slice(0, text.length / 2));
      try {
        const { compareRun } = await captureAndCompare(database, runs, {
          reportUnexpected: true,
          baselineDir: V32,
          currentDir: copy,
        });
        expect(compareRun.outcome).toBe("partially_succeeded");
        expect(compareRun.failure).toMatchObject({
          code: "evidence_partially_unreadable",
          message: "Some policies in the tenant's evidence source could not be read.",
        });
        expect(compareRun.failure?.diagnostics).toContain(broken);
        expect(compareRun.failure?.diagnostics).toContain("Win - OIB - Compliance - U - Password - v3.1");
        // Unknown, never missing: the compliance policy in the broken file is not reported absent.
        expect(compareRun.context.result).toMatchObject({ findingCount: 0, unreadableCount: 1 });
        expect((compareRun.context.result as { unknownPolicyCount: number }).unknownPolicyCount).toBeGreaterThanOrEqual(
          1,
        );
        expect(await listFindings(database.db, compareRun.workspaceId)).toEqual([]);
        const notes = await database.db.execute(sql`select title from notifications where run_id = ${compareRun.id}`);
        expect(notes.rows).toEqual([
          { title: "Target: Baseline compare partially succeeded: no drift findings; some policies could not be read" },
        ]);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  dbTest("a partial compare resolves nothing it did not read", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, target, profile, deps, userId } = await captureAndCompare(database, runs, {
      reportUnexpected: false,
      baselineDir: V32,
      currentDir: V33,
    });
    // 7 missing policies are open. Now the tenant's folder is v3.2 again, but every compliance file is broken:
    // the findings of policies that were read resolve; nothing is claimed about the unreadable ones.
    const copy = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-broken-"));
    cpSync(V32, copy, { recursive: true });
    const folder = path.join(copy, "WINDOWS/IntuneManagement/CompliancePolicies");
    for (const file of readdirSync(folder)) writeFileSync(path.join(folder, file), "{ not json");
    try {
      await database.db
        .update(tenants)
        .set({ evidenceSource: { kind: "export_folder", path: copy } })
        .where(eq(tenants.id, target.id));
      const started = await startBaselineCompare(deps, {
        workspaceId: workspace.id,
        profile: profile.id,
        tenant: target.id,
        initiator: { userId },
      });
      await runQueuedJobs(database, runs);
      const run = await getRun(database.db, workspace.id, started.run.id);
      expect(run.outcome).toBe("partially_succeeded");
      const open = await listFindings(database.db, workspace.id, { status: "active" });
      const resolved = await listFindings(database.db, workspace.id, { status: "resolved" });
      expect(open.length + resolved.length).toBe(7);
      expect(resolved.length).toBeGreaterThan(0);
      // Nothing resolved that belongs to the unreadable kind.
      expect(resolved.every((finding) => finding.policyKind !== "windows10CompliancePolicy")).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!corpusPresent)("baseline compare of an empty export folder", () => {
  dbTest("fails with evidence_source_empty instead of reporting every policy missing", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const empty = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-empty-"));
    try {
      const { compareRun } = await captureAndCompare(database, runs, {
        reportUnexpected: true,
        baselineDir: V32,
        currentDir: empty,
      });
      expect(compareRun).toMatchObject({
        outcome: "failed",
        failure: expect.objectContaining({ code: "evidence_source_empty" }),
      });
      expect(await listFindings(database.db, compareRun.workspaceId)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("baseline runs on bad input", () => {
  dbTest(
    "a compare without a snapshot is refused with no_baseline_snapshot and starts nothing",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id);
      const profile = await seedProfile(database, workspace.id, tenant);
      await expect(
        startBaselineCompare(
          { db: database.db, runs, maxAttempts: 3 },
          { workspaceId: workspace.id, profile: profile.id, tenant: tenant.id, initiator: { userId } },
        ),
      ).rejects.toMatchObject({ code: "no_baseline_snapshot" });
      const count = await database.db.execute(sql`select count(*)::int as n from operation_runs`);
      expect((count.rows[0] as { n: number }).n).toBe(0);
    },
  );

  dbTest(
    "a capture of a missing export folder fails with an operator-safe reason and the path only in diagnostics",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id, { exportDir: "/nonexistent/tenantpilot-export" });
      const profile = await seedProfile(database, workspace.id, tenant);
      const started = await startBaselineCapture(
        { db: database.db, runs, maxAttempts: 3 },
        { workspaceId: workspace.id, profile: profile.id, initiator: { userId } },
      );
      await runQueuedJobs(database, runs);
      const run = await getRun(database.db, workspace.id, started.run.id);
      expect(run.outcome).toBe("failed");
      expect(run.failure?.code).toBe("evidence_source_unreachable");
      expect(run.failure?.message).toBe("The tenant's evidence source could not be read.");
      expect(run.failure?.diagnostics).toContain("/nonexistent/tenantpilot-export");
    },
  );
});

describe("baseline runs of a Microsoft Graph tenant with no app registration", () => {
  dbTest(
    "a compare or capture is refused at once with graph_not_connected and starts nothing",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id, { name: "Graph, unconnected" });
      await database.db
        .update(tenants)
        .set({ evidenceSource: { kind: "graph" } })
        .where(eq(tenants.id, tenant.id));
      const profile = await seedProfile(database, workspace.id, tenant);
      const deps = { db: database.db, runs, maxAttempts: 3 };
      await expect(
        startBaselineCapture(deps, { workspaceId: workspace.id, profile: profile.id, initiator: { userId } }),
      ).rejects.toMatchObject({ code: "graph_not_connected", message: expect.stringContaining("Graph, unconnected") });
      const count = await database.db.execute(sql`select count(*)::int as n from operation_runs`);
      expect((count.rows[0] as { n: number }).n).toBe(0);
    },
  );

  dbTest.skipIf(!corpusPresent)(
    "a compare whose tenant lost its connection before the job ran ends blocked, not failed",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, { name: "Source", exportDir: V32 });
      const target = await seedTenant(database, workspace.id, { name: "Target", exportDir: V32 });
      const profile = await seedProfile(database, workspace.id, source);
      const deps = { db: database.db, runs, maxAttempts: 3 };
      await startBaselineCapture(deps, { workspaceId: workspace.id, profile: profile.id, initiator: { userId } });
      await runQueuedJobs(database, runs);
      const started = await startBaselineCompare(deps, {
        workspaceId: workspace.id,
        profile: profile.id,
        tenant: target.id,
        initiator: { userId },
      });
      // Between the start and the job, the tenant becomes a Graph tenant with no app registration.
      await database.db
        .update(tenants)
        .set({ evidenceSource: { kind: "graph" } })
        .where(eq(tenants.id, target.id));
      await runQueuedJobs(database, runs);
      const run = await getRun(database.db, workspace.id, started.run.id);
      expect(run.outcome).toBe("blocked");
      expect(run.failure).toMatchObject({
        code: "graph_not_connected",
        message: "The tenant is not connected to Microsoft Graph with an app registration.",
      });
      const notes = await database.db.execute(sql`select title from notifications where run_id = ${run.id}`);
      expect(notes.rows).toEqual([
        {
          title:
            "Target: Baseline compare blocked: The tenant is not connected to Microsoft Graph with an app registration.",
        },
      ]);
    },
  );
});
