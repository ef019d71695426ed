/**
 * Tenant review composition as a real composite run: the composite summary equals the snapshot's
 * counts, evidence is generated first when missing, draft → ready, ready is final, change since
 * the previous review.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, seedProfile, seedTenant, seedWorkspace } from "../../test/factories.js";
import { runQueuedJobs } from "../../test/run-jobs.js";
import { recordFindings } from "../baselines/baseline-compare.js";
import type { DriftFinding } from "../baselines/drift/compare-policies.js";
import type { Database } from "../db/database.js";
import { startEvidenceSnapshot } from "../evidence/evidence-runs.js";
import { toCompositeSummary } from "../evidence/evidence-snapshot-generate.js";
import { getEvidenceSnapshot } from "../evidence/evidence-snapshots.js";
import { describeProgress } from "../operations/progress-contract.js";
import { getRun } from "../operations/run-queries.js";
import type { CompositeSummary, OperationRun, RunOutcome } from "../operations/run-record.js";
import type { RunService } from "../operations/run-service.js";
import { formatUtcDateTime } from "./render/review-copy.js";
import { runReviewCompose } from "./review-compose.js";
import type { BaselinePostureSection, EvidenceBasisSection, ReviewSection } from "./review-content.js";
import { currentMonthPeriod, previousMonthPeriod } from "./review-period.js";
import { startReviewCompose } from "./review-runs.js";
import { getTenantReview, listTenantReviews } from "./tenant-reviews.js";

async function seedCompletedRun(
  runs: RunService,
  input: {
    workspaceId: string;
    tenantId: string;
    type: "baseline_capture" | "baseline_compare";
    outcome: RunOutcome;
    inputs?: Record<string, unknown>;
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
      inputs: input.inputs ?? {},
    },
    1,
  );
  const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
  if (begun === undefined) throw new Error("run did not begin");
  await runs.completeRun(
    { runId: run.id, attempt: begun.attempt },
    { outcome: input.outcome, ...(input.result ? { result: input.result } : {}) },
  );
  return run.id;
}

const startDeps = (database: Database, runs: RunService) => ({ db: database.db, runs, maxAttempts: 3 });

/** The composite view of a compose run as the shell would show it while running. */
function runningView(run: OperationRun) {
  const now = new Date();
  return describeProgress({ ...run, status: "running", outcome: null, completedAt: null, heartbeatAt: now }, now);
}

function section<K extends ReviewSection["kind"]>(sections: ReviewSection[], kind: K) {
  const found = sections.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} section`);
  return found as Extract<ReviewSection, { kind: K }>;
}

function finding(name: string, path: string, expected: unknown, actual: unknown): DriftFinding {
  return {
    kind: "setting_changed",
    policyKind: "deviceManagementConfigurationPolicy",
    policyName: name,
    policyIdentity: `deviceManagementConfigurationPolicy|${name.toLowerCase()}`,
    path,
    expected,
    actual,
  };
}

describe("tenant.review.compose", () => {
  dbTest(
    "generates the evidence snapshot first when none exists, says so, and seeds the composite from its counts",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id, { name: "Contoso" });
      const base = { workspaceId: workspace.id, tenantId: tenant.id };
      await seedCompletedRun(runs, { ...base, type: "baseline_compare", outcome: "succeeded" });
      await seedCompletedRun(runs, { ...base, type: "baseline_compare", outcome: "failed" });
      await seedCompletedRun(runs, { ...base, type: "baseline_capture", outcome: "partially_succeeded" });
      const period = currentMonthPeriod(new Date());

      const { run, created } = await startReviewCompose(startDeps(database, runs), {
        workspaceId: workspace.id,
        tenant: "contoso",
        period: period.key,
        initiator: { userId },
      });
      expect(created).toBe(true);
      expect(run.identityKey).toBe(`tenant.review.compose:${tenant.id}:${period.key}`);
      await runQueuedJobs(database, runs);
      const done = await getRun(database.db, workspace.id, run.id);
      expect(done.outcome).toBe("succeeded");
      const result = done.context.result as { reviewId: string; evidenceSnapshotId: string };
      expect(done.context.result).toEqual({
        reviewId: expect.any(String),
        evidenceSnapshotId: expect.any(String),
        generatedEvidence: true,
        evidenceReason: "No evidence snapshot of this period existed, so the review's compose operation generated one.",
        operationCount: 3,
        periodLabel: period.label,
      });

      // The snapshot belongs to the compose run, and the evidence basis says the compose generated it.
      const snapshot = await getEvidenceSnapshot(database.db, workspace.id, result.evidenceSnapshotId);
      expect(snapshot.runId).toBe(run.id);
      const review = await getTenantReview(database.db, workspace.id, result.reviewId);
      expect(review).toMatchObject({
        status: "ready",
        evidenceSnapshotId: snapshot.id,
        runId: run.id,
        tenantName: "Contoso",
      });
      expect(section(review.sections, "evidence_basis")).toMatchObject({
        snapshotId: snapshot.id,
        snapshotRunId: run.id,
        generatedByCompose: true,
        generationReason:
          "No evidence snapshot of this period existed, so the review's compose operation generated one.",
      });
      expect(review.sections.map((entry) => entry.kind)).toEqual([
        "executive_summary",
        "baseline_posture",
        "notable_drift",
        "operations_health",
        "evidence_basis",
      ]);

      // Composite parts equal the snapshot's counts exactly, by outcome and by type; never a percentage.
      const composite = (done.context.progress as { composite: CompositeSummary }).composite;
      const operations = snapshot.content?.operations;
      if (operations === undefined) throw new Error("snapshot has no content");
      expect(composite).toEqual(toCompositeSummary(operations));
      expect(composite).toEqual({
        total: 3,
        byOutcome: { succeeded: 1, failed: 1, partially_succeeded: 1 },
        byType: { baseline_compare: { succeeded: 1, failed: 1 }, baseline_capture: { partially_succeeded: 1 } },
      });
      const view = runningView(done);
      expect(view).toMatchObject({
        mode: "composite",
        detail: "Based on 3 operations: 1 succeeded, 1 partially succeeded, 1 failed",
      });
      expect(view).not.toHaveProperty("percent");
      // A composite-aware run never writes counts (even while generating evidence inline).
      expect(done.summaryCounts).toEqual({});

      const notes = await database.db.execute(sql`select title, body, url from notifications where run_id = ${run.id}`);
      expect(notes.rows).toEqual([
        {
          title: `Contoso: Tenant review ready: ${period.label}`,
          body: "Based on 3 operations; the evidence snapshot was generated first.",
          url: `/operations/${run.id}`,
        },
      ]);
      expect(await listTenantReviews(database.db, workspace.id, tenant.id)).toEqual([
        expect.objectContaining({ id: review.id, status: "ready", periodKey: period.key, periodLabel: period.label }),
      ]);
    },
  );

  dbTest(
    "reuses a past period's snapshot that was generated after the period ended, without generating another",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id);
      const period = previousMonthPeriod(new Date());
      const inPeriod = createTestRunService(database, () => new Date(period.start.getTime() + 86_400_000));
      await seedCompletedRun(inPeriod.runs, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        type: "baseline_compare",
        outcome: "succeeded",
      });
      const input = { workspaceId: workspace.id, tenant: tenant.id, period: period.key, initiator: { userId } };
      const evidence = await startEvidenceSnapshot(startDeps(database, runs), input);
      await runQueuedJobs(database, runs);
      const evidenceRun = await getRun(database.db, workspace.id, evidence.run.id);
      const snapshotId = (evidenceRun.context.result as { evidenceSnapshotId: string }).evidenceSnapshotId;
      const snapshot = await getEvidenceSnapshot(database.db, workspace.id, snapshotId);
      expect(snapshot.content?.asOf).toBe(period.end.toISOString());

      const compose = await startReviewCompose(startDeps(database, runs), input);
      await runQueuedJobs(database, runs);
      const done = await getRun(database.db, workspace.id, compose.run.id);
      expect(done.context.result).toEqual({
        reviewId: expect.any(String),
        evidenceSnapshotId: snapshotId,
        generatedEvidence: false,
        operationCount: 1,
        periodLabel: period.label,
      });
      const review = await getTenantReview(
        database.db,
        workspace.id,
        (done.context.result as { reviewId: string }).reviewId,
      );
      const basis = section(review.sections, "evidence_basis");
      expect(basis).toMatchObject({ snapshotId, snapshotRunId: evidence.run.id, generatedByCompose: false });
      expect(basis).not.toHaveProperty("generationReason");
      const snapshots = await database.db.execute(sql`select count(*)::int as n from evidence_snapshots`);
      expect(snapshots.rows).toEqual([{ n: 1 }]);
    },
  );

  dbTest(
    "composing twice in a running period with a compare in between: the second review counts the compare",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, { name: "Baseline source" });
      const tenant = await seedTenant(database, workspace.id, { name: "Adatum" });
      const profile = await seedProfile(database, workspace.id, source, { name: "Windows baseline" });
      const period = currentMonthPeriod(new Date());
      const input = { workspaceId: workspace.id, tenant: tenant.id, period: period.key, initiator: { userId } };

      // 09:13: compose with no operations yet.
      const first = await startReviewCompose(startDeps(database, runs), input);
      await runQueuedJobs(database, runs);
      const firstRun = await getRun(database.db, workspace.id, first.run.id);
      expect(firstRun.context.result).toMatchObject({ generatedEvidence: true, operationCount: 0 });
      const firstSnapshotId = (firstRun.context.result as { evidenceSnapshotId: string }).evidenceSnapshotId;
      const firstSnapshot = await getEvidenceSnapshot(database.db, workspace.id, firstSnapshotId);

      // 09:13: a compare finds one drift finding.
      const compare = await seedCompletedRun(runs, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        type: "baseline_compare",
        outcome: "succeeded",
        inputs: { profileId: profile.id, tenantId: tenant.id },
        result: { findingCount: 1, openFindingCount: 1 },
      });
      await recordFindings(database.db, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        profileId: profile.id,
        mayResolve: () => true,
        runId: compare,
        findings: [finding("Win - Defender", "device_vendor_msft_policy_config_defender_allowarchivescanning", 1, 0)],
      });

      // 09:14: compose again. The first snapshot stopped at its asOf, so it is not reused.
      const second = await startReviewCompose(startDeps(database, runs), input);
      expect(second.created).toBe(true);
      await runQueuedJobs(database, runs);
      const secondRun = await getRun(database.db, workspace.id, second.run.id);
      const reason = `The period had not ended when the last evidence snapshot was taken (as of ${formatUtcDateTime(firstSnapshot.content?.asOf ?? null)}), so a new one was generated.`;
      expect(secondRun.context.result).toMatchObject({
        generatedEvidence: true,
        evidenceReason: reason,
        operationCount: 1,
      });
      const secondSnapshotId = (secondRun.context.result as { evidenceSnapshotId: string }).evidenceSnapshotId;
      expect(secondSnapshotId).not.toBe(firstSnapshotId);
      const review = await getTenantReview(
        database.db,
        workspace.id,
        (secondRun.context.result as { reviewId: string }).reviewId,
      );
      const summary = section(review.sections, "executive_summary");
      expect(summary).toMatchObject({ posture: "drifted", unresolvedFindingCount: 1, operationCount: 1 });
      expect(summary.headline).toBe("Drifted from 1 of 1 compared baseline profile; 1 operation, all succeeded.");
      expect(section(review.sections, "baseline_posture").profiles).toEqual([
        expect.objectContaining({ profileName: "Windows baseline", state: "drifted", lastCompareRunId: compare }),
      ]);
      expect(section(review.sections, "operations_health").total).toBe(1);
      const basis = section(review.sections, "evidence_basis");
      expect(basis).toMatchObject({
        snapshotId: secondSnapshotId,
        snapshotRunId: second.run.id,
        generatedByCompose: true,
        generationReason: reason,
        replacedSnapshotId: firstSnapshotId,
        countedRunIds: [compare],
      });
      expect(basis.notes).toContain(reason);
    },
  );

  dbTest(
    "the previous review is the latest ready one whose period ended by this period's start, never an overlapping one",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, { name: "Baseline source" });
      const tenant = await seedTenant(database, workspace.id, { name: "Tailspin" });
      const profile = await seedProfile(database, workspace.id, source, { name: "Windows baseline" });
      const inOctober = createTestRunService(database, () => new Date("2025-10-10T12:00:00Z"));
      await seedCompletedRun(inOctober.runs, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        type: "baseline_compare",
        outcome: "succeeded",
        inputs: { profileId: profile.id, tenantId: tenant.id },
        result: { findingCount: 0, openFindingCount: 0 },
      });
      const input = { workspaceId: workspace.id, tenant: tenant.id, initiator: { userId } };
      const compose = async (period: string) => {
        const { run } = await startReviewCompose(startDeps(database, runs), { ...input, period });
        await runQueuedJobs(database, runs);
        return (await getRun(database.db, workspace.id, run.id)).context.result as { reviewId: string };
      };
      await compose("2025-Q4");
      const october = await compose("2025-10");
      const november = await compose("2025-11");
      const review = await getTenantReview(database.db, workspace.id, november.reviewId);
      expect(section(review.sections, "baseline_posture").previousReview).toEqual({
        reviewId: october.reviewId,
        periodLabel: "October 2025",
      });
      const summary = section(review.sections, "executive_summary");
      expect(summary.points).toContain("Unresolved findings are unchanged since the October 2025 review.");
      expect(summary.points.join(" ")).not.toContain("Q4");
    },
  );

  dbTest(
    "a snapshot with zero runs seeds composite total 0 and the running view says so, with no parts",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id);
      const { run } = await startReviewCompose(startDeps(database, runs), {
        workspaceId: workspace.id,
        tenant: tenant.id,
        period: currentMonthPeriod(new Date()).key,
        initiator: { userId },
      });
      await runQueuedJobs(database, runs);
      const done = await getRun(database.db, workspace.id, run.id);
      expect(done.outcome).toBe("succeeded");
      expect((done.context.progress as { composite: unknown }).composite).toEqual({
        total: 0,
        byOutcome: {},
        byType: {},
      });
      expect(runningView(done)).toEqual(
        expect.objectContaining({ mode: "composite", detail: "No operations in this period", parts: [] }),
      );
      const review = await getTenantReview(
        database.db,
        workspace.id,
        (done.context.result as { reviewId: string }).reviewId,
      );
      expect(section(review.sections, "operations_health")).toMatchObject({ total: 0, byType: [], failures: [] });
      expect(section(review.sections, "executive_summary").points).toContain(
        `No operations completed in ${currentMonthPeriod(new Date()).label}.`,
      );
    },
  );

  dbTest("a review is a draft while composing, then ready; a ready review cannot be updated", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id);
    const { run } = await startReviewCompose(startDeps(database, runs), {
      workspaceId: workspace.id,
      tenant: tenant.id,
      period: currentMonthPeriod(new Date()).key,
      initiator: { userId },
    });
    const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
    if (begun === undefined) throw new Error("run did not begin");
    const owner = { runId: run.id, attempt: begun.attempt };
    const statusWhenSeeded: string[] = [];
    const completion = await runReviewCompose(
      {
        run: begun,
        db: database.db,
        signal: new AbortController().signal,
        setPhase: async () => undefined,
        reportCounts: () => undefined,
        saveResume: async () => undefined,
        checkpoint: async () => undefined,
        setComposite: async (summary) => {
          const rows = await database.db.execute(sql`select status from tenant_reviews where run_id = ${run.id}`);
          statusWhenSeeded.push((rows.rows[0] as { status: string }).status);
          await runs.setComposite(owner, summary);
        },
      },
      () => new Date(),
    );
    expect(statusWhenSeeded).toEqual(["draft"]);
    await runs.completeRun(owner, completion);
    const reviewId = (completion.result as { reviewId: string }).reviewId;
    expect(await getTenantReview(database.db, workspace.id, reviewId)).toMatchObject({
      status: "ready",
      readyAt: expect.any(String),
    });
    await expect(
      database.db.execute(sql`update tenant_reviews set period_label = 'changed' where id = ${reviewId}`),
    ).rejects.toThrow();
    await expect(
      database.db.execute(sql`update tenant_reviews set sections = '[]'::jsonb where id = ${reviewId}`),
    ).rejects.toThrow();
    await expect(getTenantReview(database.db, workspace.id, randomUUID())).rejects.toMatchObject({ code: "not_found" });
  });

  dbTest("reports the change in unresolved findings since the previous ready review", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const source = await seedTenant(database, workspace.id, { name: "Baseline source" });
    const tenant = await seedTenant(database, workspace.id, { name: "Contoso" });
    const profile = await seedProfile(database, workspace.id, source, { name: "Windows baseline" });
    const previous = previousMonthPeriod(new Date());
    const current = currentMonthPeriod(new Date());
    const tenth = new Date(previous.start.getTime() + 9 * 86_400_000 + 12 * 3_600_000);

    // Last month: a compare left 3 findings open (one of them under a password setting).
    const past = createTestRunService(database, () => tenth);
    const compareInputs = { profileId: profile.id, tenantId: tenant.id };
    const first = await seedCompletedRun(past.runs, {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      type: "baseline_compare",
      outcome: "succeeded",
      inputs: compareInputs,
      result: { findingCount: 3, openFindingCount: 3 },
    });
    const findings = [
      finding("Win - Defender", "device_vendor_msft_policy_config_defender_allowarchivescanning", 1, 0),
      finding("Win - LAPS", "device_vendor_msft_laps_policies_administratoraccountpassword", "hunter2", "letmein"),
      finding(
        "Win - Edge",
        "device_vendor_msft_policy_config_microsoft_edge_homepagelocation",
        "https://a",
        "https://b",
      ),
    ];
    const lifecycle = { workspaceId: workspace.id, tenantId: tenant.id, profileId: profile.id, mayResolve: () => true };
    await recordFindings(database.db, { ...lifecycle, runId: first, findings });
    await database.db.execute(sql`update drift_findings set first_seen_at = ${tenth} where tenant_id = ${tenant.id}`);
    const input = { workspaceId: workspace.id, tenant: tenant.id, initiator: { userId } };
    await startReviewCompose(startDeps(database, runs), { ...input, period: previous.key });
    await runQueuedJobs(database, runs);
    const [previousReview] = await listTenantReviews(database.db, workspace.id, tenant.id);
    const before = await getTenantReview(database.db, workspace.id, previousReview?.id ?? "");
    expect(section(before.sections, "baseline_posture").profiles).toEqual([
      expect.objectContaining({ profileName: "Windows baseline", state: "drifted", unresolvedCount: 3 }),
    ]);

    // This month: a compare resolved one of them.
    const second = await seedCompletedRun(runs, {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      type: "baseline_compare",
      outcome: "succeeded",
      inputs: compareInputs,
      result: { findingCount: 2, openFindingCount: 2 },
    });
    await recordFindings(database.db, { ...lifecycle, runId: second, findings: findings.slice(1) });
    await startReviewCompose(startDeps(database, runs), { ...input, period: current.key });
    await runQueuedJobs(database, runs);
    const reviews = await listTenantReviews(database.db, workspace.id, tenant.id);
    expect(reviews.map((review) => review.periodKey)).toEqual([current.key, previous.key]);
    const after = await getTenantReview(database.db, workspace.id, reviews[0]?.id ?? "");
    const posture: BaselinePostureSection = section(after.sections, "baseline_posture");
    expect(posture.previousReview).toEqual({ reviewId: before.id, periodLabel: previous.label });
    expect(posture.profiles).toEqual([
      expect.objectContaining({
        state: "drifted",
        unresolvedCount: 2,
        resolvedCount: 1,
        previousUnresolvedCount: 3,
        changeSincePrevious: -1,
      }),
    ]);
    expect(section(after.sections, "executive_summary").points).toContain(
      `Unresolved findings fell by 1 since the ${previous.label} review.`,
    );
    const drift = section(after.sections, "notable_drift");
    expect(drift.unresolvedCount).toBe(2);
    const laps = drift.findings.find((entry) => entry.policyName === "Win - LAPS");
    expect(laps).toMatchObject({ expected: { kind: "redacted" }, actual: { kind: "redacted" } });
    const edge = drift.findings.find((entry) => entry.policyName === "Win - Edge");
    expect(edge).toMatchObject({
      findingKindLabel: "Changed setting",
      expected: { kind: "value", text: "https://a" },
      actual: { kind: "value", text: "https://b" },
    });
    expect(edge?.settingLabel).not.toContain("device_vendor_msft");
    expect(JSON.stringify(after.sections)).not.toMatch(/hunter2|letmein/);
    const basis: EvidenceBasisSection = section(after.sections, "evidence_basis");
    expect(basis.countedRunIds).toEqual([second]);
  });
});
