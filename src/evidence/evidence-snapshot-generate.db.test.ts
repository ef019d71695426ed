/**
 * Evidence snapshot generation as a real counted run: sources walked, progress, traceable counts,
 * immutability once complete.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, seedProfile, seedTenant, seedWorkspace } from "../../test/factories.js";
import { runQueuedJobs } from "../../test/run-jobs.js";
import type { RunWorkContext } from "../baselines/run-work-context.js";
import type { Database } from "../db/database.js";
import { getRun } from "../operations/run-queries.js";
import type { RunFailure, RunOutcome, SummaryCounts } from "../operations/run-record.js";
import type { RunService } from "../operations/run-service.js";
import { currentMonthPeriod } from "../reviews/review-period.js";
import { startEvidenceSnapshot } from "./evidence-runs.js";
import { generateEvidenceSnapshot } from "./evidence-snapshot-generate.js";
import { getEvidenceSnapshot, listEvidenceSnapshots } from "./evidence-snapshots.js";

/** A run of `type` that completed with `outcome` through the run service (clock: the service's). */
async function seedCompletedRun(
  runs: RunService,
  input: {
    workspaceId: string;
    tenantId: string;
    type: "baseline_capture" | "baseline_compare" | "evidence_snapshot.generate" | "tenant.review.compose";
    outcome: RunOutcome;
    failure?: RunFailure;
    result?: Record<string, unknown>;
  },
): Promise<string> {
  const { run } = await runs.startRun(
    {
      workspaceId: input.workspaceId,
      tenantId: input.tenantId,
      type: input.type,
      initiatorUserId: null,
      initiatorLabel: "test",
      identityKey: `${input.type}:${randomUUID()}`,
      inputs: {},
    },
    1,
  );
  const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
  if (begun === undefined) throw new Error("run did not begin");
  await runs.completeRun(
    { runId: run.id, attempt: begun.attempt },
    {
      outcome: input.outcome,
      ...(input.failure ? { failure: input.failure } : {}),
      ...(input.result ? { result: input.result } : {}),
    },
  );
  return run.id;
}

async function seedTenantWithRuns(database: Database, runs: RunService) {
  const { workspace, userId } = await seedWorkspace(database);
  const tenant = await seedTenant(database, workspace.id, { name: "Contoso" });
  const other = await seedTenant(database, workspace.id, { name: "Fabrikam" });
  const base = { workspaceId: workspace.id, tenantId: tenant.id };
  const succeeded = [
    await seedCompletedRun(runs, { ...base, type: "baseline_compare", outcome: "succeeded" }),
    await seedCompletedRun(runs, { ...base, type: "baseline_compare", outcome: "succeeded" }),
    await seedCompletedRun(runs, { ...base, type: "baseline_capture", outcome: "succeeded" }),
  ];
  const failed = await seedCompletedRun(runs, {
    ...base,
    type: "baseline_compare",
    outcome: "failed",
    failure: {
      code: "evidence_source_unreachable",
      message: "The tenant's evidence source could not be read.",
      diagnostics: "ENOENT: /secret/path/export at readdir",
    },
  });
  const partial = await seedCompletedRun(runs, {
    ...base,
    type: "baseline_compare",
    outcome: "partially_succeeded",
    failure: {
      code: "evidence_partially_unreadable",
      message: "Some policy kinds could not be read from the tenant's evidence source: Settings catalog policy.",
      diagnostics: "429 Too Many Requests at /deviceManagement/configurationPolicies",
    },
    result: { findingCount: 0, unreadablePolicyKinds: ["deviceManagementConfigurationPolicy"] },
  });
  // Not counted: another tenant's run, a review-family run, a run of an earlier month.
  await seedCompletedRun(runs, {
    workspaceId: workspace.id,
    tenantId: other.id,
    type: "baseline_compare",
    outcome: "succeeded",
  });
  await seedCompletedRun(runs, { ...base, type: "evidence_snapshot.generate", outcome: "succeeded" });
  const past = createTestRunService(database, () => new Date("2020-03-10T12:00:00Z"));
  const old = await seedCompletedRun(past.runs, { ...base, type: "baseline_compare", outcome: "failed" });
  return { workspace, userId, tenant, other, succeeded, failed, partial, old };
}

describe("evidence_snapshot.generate", () => {
  dbTest(
    "counts the tenant's runs of the window by type and outcome, each count with exactly its run ids",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const seeded = await seedTenantWithRuns(database, runs);
      const period = currentMonthPeriod(new Date());
      const { run, created } = await startEvidenceSnapshot(
        { db: database.db, runs, maxAttempts: 3 },
        {
          workspaceId: seeded.workspace.id,
          tenant: "Contoso",
          period: period.key,
          initiator: { userId: seeded.userId },
        },
      );
      expect(created).toBe(true);
      expect(run.identityKey).toBe(`evidence_snapshot.generate:${seeded.tenant.id}:${period.key}`);
      expect(run.context.inputs).toEqual({
        tenantId: seeded.tenant.id,
        periodKey: period.key,
        periodLabel: period.label,
        windowStart: period.start.toISOString(),
        windowEnd: period.end.toISOString(),
      });
      await runQueuedJobs(database, runs);
      const done = await getRun(database.db, seeded.workspace.id, run.id);
      expect(done.outcome).toBe("succeeded");

      const [summary] = await listEvidenceSnapshots(database.db, seeded.workspace.id, seeded.tenant.id);
      const snapshot = await getEvidenceSnapshot(database.db, seeded.workspace.id, summary?.id ?? "");
      const operations = snapshot.content?.operations;
      expect(snapshot).toMatchObject({ status: "complete", runId: run.id, operationCount: 5 });
      expect(operations?.total).toBe(5);
      expect(operations?.byOutcome).toEqual({ succeeded: 3, failed: 1, partially_succeeded: 1 });
      expect(operations?.byType).toEqual({
        baseline_compare: {
          succeeded: { count: 2, runIds: expect.arrayContaining(seeded.succeeded.slice(0, 2)) },
          failed: { count: 1, runIds: [seeded.failed] },
          partially_succeeded: { count: 1, runIds: [seeded.partial] },
        },
        baseline_capture: { succeeded: { count: 1, runIds: [seeded.succeeded[2]] } },
      });
      const counted = Object.values(operations?.byType ?? {}).flatMap((outcomes) =>
        Object.values(outcomes).flatMap((entry) => entry.runIds),
      );
      expect(counted.toSorted()).toEqual([...seeded.succeeded, seeded.failed, seeded.partial].toSorted());
      expect(counted).not.toContain(seeded.old);
      // Every run that did not fully succeed is listed, partial ones included, with the operator-safe
      // code and sentence (and the policy kinds a partial read missed) only, never diagnostics.
      expect(operations?.failures).toEqual([
        {
          runId: seeded.failed,
          type: "baseline_compare",
          outcome: "failed",
          completedAt: expect.any(String),
          code: "evidence_source_unreachable",
          message: "The tenant's evidence source could not be read.",
        },
        {
          runId: seeded.partial,
          type: "baseline_compare",
          outcome: "partially_succeeded",
          completedAt: expect.any(String),
          code: "evidence_partially_unreadable",
          message: "Some policy kinds could not be read from the tenant's evidence source: Settings catalog policy.",
          unreadablePolicyKinds: ["deviceManagementConfigurationPolicy"],
        },
      ]);
      expect(JSON.stringify(snapshot.content)).not.toMatch(/ENOENT|429 Too Many/);
      // Counted progress: one unit per evidence source, all processed.
      expect(snapshot.content?.sources.map((source) => source.key)).toEqual(["inventory", "operations"]);
      expect(done.summaryCounts).toEqual({ total: 2, processed: 2 });
      expect(done.context.result).toEqual({
        evidenceSnapshotId: snapshot.id,
        sourceCount: 2,
        operationCount: 5,
        openFindingCount: 0,
        periodLabel: period.label,
      });
      const notes = await database.db.execute(sql`select title from notifications where run_id = ${run.id}`);
      expect(notes.rows).toEqual([{ title: "Contoso: Evidence snapshot ready: 5 operations, no open findings" }]);
    },
  );

  dbTest("reports total = evidence sources first, then processed +1 after each source", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id);
    await seedProfile(database, workspace.id, tenant, { name: "Windows baseline" });
    await seedProfile(database, workspace.id, tenant, { name: "Another baseline" });
    const period = currentMonthPeriod(new Date());
    const { run } = await startEvidenceSnapshot(
      { db: database.db, runs, maxAttempts: 3 },
      { workspaceId: workspace.id, tenant: tenant.id, period: period.key, initiator: { userId } },
    );
    const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
    const reported: SummaryCounts[] = [];
    const ctx: RunWorkContext = {
      run: begun ?? run,
      db: database.db,
      signal: new AbortController().signal,
      setPhase: async () => undefined,
      reportCounts: (counts) => reported.push(counts),
      saveResume: async () => undefined,
      checkpoint: async () => undefined,
    };
    const input = { workspaceId: workspace.id, tenantId: tenant.id, windowStart: period.start, windowEnd: period.end };
    const snapshot = await generateEvidenceSnapshot(ctx, { ...input, now: () => new Date() });
    expect(snapshot.content.sources.map((source) => source.label)).toEqual([
      "Inventory coverage",
      "Drift against Another baseline",
      "Drift against Windows baseline",
      "Operation runs",
    ]);
    expect(reported).toEqual([
      { total: 4, processed: 0 },
      { processed: 1 },
      { processed: 2 },
      { processed: 3 },
      { processed: 4 },
    ]);
    // A retried attempt reuses the row of its run: same snapshot, no second row.
    const again = await generateEvidenceSnapshot(ctx, { ...input, now: () => new Date() });
    expect(again.id).toBe(snapshot.id);
    const rows = await database.db.execute(sql`select count(*)::int as n from evidence_snapshots`);
    expect(rows.rows).toEqual([{ n: 1 }]);
  });

  dbTest(
    "takes the posture from the latest compare that produced findings state and names a later failed compare",
    async ({ database }) => {
      const { workspace } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, { name: "Baseline source" });
      const tenant = await seedTenant(database, workspace.id, { name: "Contoso" });
      const profile = await seedProfile(database, workspace.id, source, { name: "Windows baseline" });
      const period = currentMonthPeriod(new Date());
      const at = (hours: number) => new Date(period.start.getTime() + hours * 3_600_000);
      const compare = async (hours: number, outcome: RunOutcome, result?: Record<string, unknown>) => {
        const { runs } = createTestRunService(database, () => at(hours));
        const { run } = await runs.startRun(
          {
            workspaceId: workspace.id,
            tenantId: tenant.id,
            type: "baseline_compare",
            initiatorUserId: null,
            initiatorLabel: "test",
            identityKey: `baseline_compare:${randomUUID()}`,
            inputs: { profileId: profile.id, tenantId: tenant.id },
          },
          1,
        );
        const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
        if (begun === undefined) throw new Error("run did not begin");
        await runs.completeRun({ runId: run.id, attempt: begun.attempt }, { outcome, ...(result ? { result } : {}) });
        return run.id;
      };
      const partial = await compare(1, "partially_succeeded", { findingCount: 2, openFindingCount: 2 });
      const failed = await compare(2, "failed");
      const { runs } = createTestRunService(database);
      const { run } = await runs.startRun(
        {
          workspaceId: workspace.id,
          tenantId: tenant.id,
          type: "evidence_snapshot.generate",
          initiatorUserId: null,
          initiatorLabel: "test",
          identityKey: `evidence_snapshot.generate:${randomUUID()}`,
          inputs: {},
        },
        1,
      );
      const ctx: RunWorkContext = {
        run,
        db: database.db,
        signal: new AbortController().signal,
        setPhase: async () => undefined,
        reportCounts: () => undefined,
        saveResume: async () => undefined,
        checkpoint: async () => undefined,
      };
      const snapshot = await generateEvidenceSnapshot(ctx, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        windowStart: period.start,
        windowEnd: period.end,
        now: () => at(3),
      });
      expect(snapshot.content.drift).toEqual([
        expect.objectContaining({
          profileName: "Windows baseline",
          lastCompareRunId: partial,
          lastComparedAt: at(1).toISOString(),
          lastCompareOutcome: "partially_succeeded",
          laterUnusableCompare: { runId: failed, completedAt: at(2).toISOString(), outcome: "failed" },
        }),
      ]);
    },
  );

  dbTest("a complete snapshot is immutable: an UPDATE raises", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const seeded = await seedTenantWithRuns(database, runs);
    await startEvidenceSnapshot(
      { db: database.db, runs, maxAttempts: 3 },
      {
        workspaceId: seeded.workspace.id,
        tenant: seeded.tenant.id,
        period: currentMonthPeriod(new Date()).key,
        initiator: { userId: null, label: "cli" },
      },
    );
    await runQueuedJobs(database, runs);
    const [summary] = await listEvidenceSnapshots(database.db, seeded.workspace.id, seeded.tenant.id);
    await expect(
      database.db.execute(sql`update evidence_snapshots set content = '{}'::jsonb where id = ${summary?.id}`),
    ).rejects.toThrow();
    await expect(getEvidenceSnapshot(database.db, seeded.workspace.id, randomUUID())).rejects.toMatchObject({
      code: "not_found",
    });
  });

  dbTest("a period that starts in the future is refused and starts nothing", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id);
    await expect(
      startEvidenceSnapshot(
        { db: database.db, runs, maxAttempts: 3 },
        { workspaceId: workspace.id, tenant: tenant.id, period: "2999-01", initiator: { userId } },
      ),
    ).rejects.toMatchObject({ code: "invalid_input" });
  });
});
