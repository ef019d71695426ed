/**
 * Real input (issue 4): capture a baseline from the OpenIntuneBaseline corpus (../shared/corpus),
 * compare a tenant holding a later release, add a failed and a partially succeeded run, generate
 * evidence, compose a review (which, the period still running, generates fresh evidence and says
 * why) and check every section against what the database recorded.
 * Expected drift counts are read from drift_findings (the compare's truth), not from the review code.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
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
import { startBaselineCapture, startBaselineCompare } from "../baselines/baseline-runs.js";
import { SECRET_MARKER } from "../baselines/drift/normalize-policy.js";
import { startEvidenceSnapshot } from "../evidence/evidence-runs.js";
import { getRun } from "../operations/run-queries.js";
import type { RunOutcome } from "../operations/run-record.js";
import { operatorFailure, type RunService } from "../operations/run-service.js";
import type { ReviewSection } from "./review-content.js";
import { currentMonthPeriod } from "./review-period.js";
import { startReviewCompose } from "./review-runs.js";
import { getTenantReview } from "./tenant-reviews.js";

const V35 = corpusSnapshot("oib-win-v3.5-193226e");
const V37 = corpusSnapshot("oib-win-v3.7-75c4825");

function section<K extends ReviewSection["kind"]>(sections: ReviewSection[], kind: K) {
  const found = sections.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} section`);
  return found as Extract<ReviewSection, { kind: K }>;
}

/** A compare run of the tenant that ended with `outcome` through the run service (no work behind it). */
async function seedEndedCompare(
  runs: RunService,
  input: {
    workspaceId: string;
    tenantId: string;
    outcome: RunOutcome;
    code: "evidence_source_unreachable" | "evidence_partially_unreadable";
    result?: Record<string, unknown>;
  },
): Promise<string> {
  const { run } = await runs.startRun(
    {
      workspaceId: input.workspaceId,
      tenantId: input.tenantId,
      type: "baseline_compare",
      initiatorUserId: null,
      initiatorLabel: "test",
      identityKey: `baseline_compare:${randomUUID()}`,
      inputs: {},
    },
    1,
  );
  const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
  await runs.completeRun(
    { runId: run.id, attempt: begun?.attempt ?? 0 },
    {
      outcome: input.outcome,
      failure: operatorFailure(input.code, "EACCES: permission denied, open '/srv/exports/contoso/WINDOWS/x.json'"),
      ...(input.result ? { result: input.result } : {}),
    },
  );
  return run.id;
}

describe.skipIf(!corpusPresent)("tenant review of a corpus tenant", () => {
  dbTest("composes every section from real captures, compares and runs", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const deps = { db: database.db, runs, maxAttempts: 3 };
    const initiator = { userId };
    // Baseline: OIB v3.5. The reviewed tenant runs v3.7 (names paired with the version suffix ignored,
    // so changed settings show up as setting-level drift) and is also the source of its own profile.
    const source = await seedTenant(database, workspace.id, { name: "OIB v3.5", exportDir: V35 });
    const contoso = await seedTenant(database, workspace.id, { name: "Contoso", exportDir: V37 });
    const oib = await seedProfile(database, workspace.id, source, {
      name: "OpenIntuneBaseline",
      ignoreVersionSuffix: true,
    });
    const own = await seedProfile(database, workspace.id, contoso, { name: "Contoso standard" });
    await startBaselineCapture(deps, { workspaceId: workspace.id, profile: oib.id, initiator });
    await startBaselineCapture(deps, { workspaceId: workspace.id, profile: own.id, initiator });
    await runQueuedJobs(database, runs);
    const compareOib = await startBaselineCompare(deps, {
      workspaceId: workspace.id,
      profile: oib.id,
      tenant: contoso.id,
      initiator,
    });
    const compareOwn = await startBaselineCompare(deps, {
      workspaceId: workspace.id,
      profile: own.id,
      tenant: contoso.id,
      initiator,
    });
    await runQueuedJobs(database, runs);
    const base = { workspaceId: workspace.id, tenantId: contoso.id };
    const failed = await seedEndedCompare(runs, { ...base, outcome: "failed", code: "evidence_source_unreachable" });
    const partial = await seedEndedCompare(runs, {
      ...base,
      outcome: "partially_succeeded",
      code: "evidence_partially_unreadable",
      result: { unreadablePolicyKinds: ["deviceManagementConfigurationPolicy", "windows10CompliancePolicy"] },
    });
    const contosoRuns = await database.db.execute(
      sql`select id, type, outcome from operation_runs where tenant_id = ${contoso.id} order by completed_at`,
    );
    const countedIds = (contosoRuns.rows as { id: string }[]).map((row) => row.id);
    expect(countedIds).toHaveLength(5); // capture of its own profile, two compares, the failed and the partial run
    expect((await getRun(database.db, workspace.id, compareOib.run.id)).outcome).toBe("succeeded");
    expect((await getRun(database.db, workspace.id, compareOwn.run.id)).outcome).toBe("succeeded");

    const period = currentMonthPeriod(new Date());
    const evidence = await startEvidenceSnapshot(deps, {
      workspaceId: workspace.id,
      tenant: "Contoso",
      period: period.key,
      initiator,
    });
    await runQueuedJobs(database, runs);
    const evidenceRun = await getRun(database.db, workspace.id, evidence.run.id);
    expect(evidenceRun.outcome).toBe("succeeded");
    expect(evidenceRun.summaryCounts).toEqual({ total: 4, processed: 4 }); // inventory, two profiles, operations
    const staleSnapshotId = (evidenceRun.context.result as { evidenceSnapshotId: string }).evidenceSnapshotId;

    const compose = await startReviewCompose(deps, {
      workspaceId: workspace.id,
      tenant: "Contoso",
      period: period.key,
      initiator,
    });
    await runQueuedJobs(database, runs);
    const composeRun = await getRun(database.db, workspace.id, compose.run.id);
    expect(composeRun.outcome).toBe("succeeded");
    // The period is still running: the snapshot generated above stops at its asOf, so compose makes its own.
    expect(composeRun.context.result).toMatchObject({ generatedEvidence: true, operationCount: 5 });
    const snapshotId = (composeRun.context.result as { evidenceSnapshotId: string }).evidenceSnapshotId;
    expect(snapshotId).not.toBe(staleSnapshotId);
    expect((composeRun.context.progress as { composite: unknown }).composite).toEqual({
      total: 5,
      byOutcome: { succeeded: 3, failed: 1, partially_succeeded: 1 },
      byType: {
        baseline_capture: { succeeded: 1 },
        baseline_compare: { succeeded: 2, failed: 1, partially_succeeded: 1 },
      },
    });
    const review = await getTenantReview(
      database.db,
      workspace.id,
      (composeRun.context.result as { reviewId: string }).reviewId,
    );
    expect(review.status).toBe("ready");

    // What the compare recorded: the truth the review must repeat.
    const recorded = await database.db.execute(sql`select kind, count(*)::int as n from drift_findings
      where tenant_id = ${contoso.id} and profile_id = ${oib.id} and status in ('open', 'reopened') group by kind`);
    const unresolvedByKind = Object.fromEntries(
      (recorded.rows as { kind: string; n: number }[]).map((row) => [row.kind, row.n]),
    );
    const unresolved = Object.values(unresolvedByKind).reduce((sum, n) => sum + n, 0);
    expect(unresolved).toBeGreaterThan(0);
    expect(unresolvedByKind.setting_changed ?? 0).toBeGreaterThan(0);

    const summary = section(review.sections, "executive_summary");
    expect(summary).toMatchObject({
      posture: "drifted",
      unresolvedFindingCount: unresolved,
      operationCount: 5,
      failedOperationCount: 1,
      headline: "Drifted from 1 of 2 compared baseline profiles; 5 operations, 1 partially succeeded, 1 failed.",
    });
    expect(summary.points).toContain(`Operations in ${period.label}: 3 succeeded, 1 partially succeeded, 1 failed.`);

    const posture = section(review.sections, "baseline_posture");
    expect(posture.previousReview).toBeNull();
    expect(posture.profiles).toEqual([
      expect.objectContaining({
        profileName: "Contoso standard",
        state: "aligned",
        unresolvedCount: 0,
        lastCompareRunId: compareOwn.run.id,
      }),
      expect.objectContaining({
        profileName: "OpenIntuneBaseline",
        state: "drifted",
        unresolvedCount: unresolved,
        unresolvedByKind,
        lastCompareRunId: compareOib.run.id,
        previousUnresolvedCount: null,
        changeSincePrevious: null,
      }),
    ]);

    const drift = section(review.sections, "notable_drift");
    expect(drift.unresolvedCount).toBe(unresolved);
    expect(drift.findings.length).toBe(Math.min(unresolved, 15));
    for (const entry of drift.findings) {
      expect(entry.profileName).toBe("OpenIntuneBaseline");
      expect(entry.findingKindLabel).not.toMatch(/_/);
      for (const value of [entry.expected, entry.actual]) {
        if (value.kind === "value") expect(value.text).not.toContain(SECRET_MARKER);
      }
      if (entry.settingLabel !== null) expect(entry.settingLabel).not.toMatch(/vendor_msft|_/);
    }
    const changed = drift.findings.find((entry) => entry.findingKind === "setting_changed");
    expect(changed?.settingLabel).toEqual(expect.any(String));
    // A choice value shows its option ("audit", "block"), not the setting definition id it repeats.
    const changedValues = drift.findings
      .filter((entry) => entry.findingKind === "setting_changed")
      .flatMap((entry) => [entry.expected, entry.actual]);
    expect(changedValues.some((value) => value.kind === "value")).toBe(true);
    for (const value of changedValues) {
      expect(value.kind).not.toBe("absent");
      if (value.kind === "value") expect(value.text).not.toMatch(/vendor_msft/);
    }
    const recordedIds = await database.db.execute(sql`select id from drift_findings
      where tenant_id = ${contoso.id} and status in ('open', 'reopened')`);
    const ids = new Set((recordedIds.rows as { id: string }[]).map((row) => row.id));
    expect(drift.findings.every((entry) => ids.has(entry.findingId))).toBe(true);

    const health = section(review.sections, "operations_health");
    expect(health.total).toBe(5);
    expect(health.byType).toEqual([
      { type: "baseline_capture", typeLabel: "Baseline capture", total: 1, byOutcome: { succeeded: 1 } },
      {
        type: "baseline_compare",
        typeLabel: "Baseline compare",
        total: 4,
        byOutcome: { succeeded: 2, failed: 1, partially_succeeded: 1 },
      },
    ]);
    expect(health.failures).toEqual([
      {
        runId: failed,
        typeLabel: "Baseline compare",
        outcome: "failed",
        outcomeLabel: "Failed",
        completedAt: expect.any(String),
        reason: "The tenant's evidence source could not be read.",
      },
      {
        runId: partial,
        typeLabel: "Baseline compare",
        outcome: "partially_succeeded",
        outcomeLabel: "Partially succeeded",
        completedAt: expect.any(String),
        reason:
          "Some policies in the tenant's evidence source could not be read. Policy kinds not read: Settings catalog policy, Windows compliance policy.",
      },
    ]);
    expect(JSON.stringify(review.sections)).not.toMatch(/EACCES|\/srv\/exports/);

    const basis = section(review.sections, "evidence_basis");
    expect(basis).toMatchObject({
      snapshotId,
      snapshotRunId: compose.run.id,
      generatedByCompose: true,
      replacedSnapshotId: staleSnapshotId,
      generationReason: expect.stringMatching(
        /^The period had not ended when the last evidence snapshot was taken \(as of /,
      ),
      windowStart: period.start.toISOString(),
      windowEnd: period.end.toISOString(),
      sources: [
        "Inventory coverage",
        "Drift against Contoso standard",
        "Drift against OpenIntuneBaseline",
        "Operation runs",
      ],
    });
    expect(basis.countedRunIds.toSorted()).toEqual([...countedIds].toSorted());
    expect(basis.countedRunIds).toContain(partial);
    expect(basis.inventory.policyCount + basis.inventory.unreadableCount).toBe(92); // v3.7 holds 92 export files
    expect(basis.inventory.byKind.reduce((sum, entry) => sum + entry.count, 0)).toBe(basis.inventory.policyCount);
    expect(basis.inventory.byKind[0]).toMatchObject({
      policyKind: "deviceManagementConfigurationPolicy",
      label: "Settings catalog policy",
    });
  });
});
