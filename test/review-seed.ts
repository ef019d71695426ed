/**
 * Test factory for stored tenant reviews: a ready review (with its completed compose run and a
 * complete evidence snapshot) or a draft (its compose run still queued), with the realistic
 * sections of test/review-fixture.ts. For surface tests (pages, API, CLI) that need a review
 * without composing one; the compose itself is tested through real jobs.
 */
import { randomUUID } from "node:crypto";
import type { Database } from "../src/db/database.js";
import type { RunOutcome } from "../src/operations/run-record.js";
import type { RunService } from "../src/operations/run-service.js";
import { parseReviewPeriod } from "../src/reviews/review-period.js";
import { OPERATOR_ERRORS } from "../src/shared/operator-error.js";
import { buildReviewSections } from "./review-fixture.js";

/** The stored review's id, its compose run and its period. */
export interface SeededReview {
  reviewId: string;
  runId: string;
  periodKey: string;
  periodLabel: string;
}

/**
 * Store a tenant review of `periodKey` (Default: "2026-10") for a tenant.
 * @param options.status - "ready" (Default) or "draft" (its compose run stays queued)
 */
export async function seedTenantReview(
  database: Database,
  runs: RunService,
  input: { workspaceId: string; tenantId: string; status?: "ready" | "draft"; periodKey?: string },
): Promise<SeededReview> {
  const period = parseReviewPeriod(input.periodKey ?? "2026-10", new Date());
  const status = input.status ?? "ready";
  const inputs = {
    tenantId: input.tenantId,
    periodKey: period.key,
    periodLabel: period.label,
    windowStart: period.start.toISOString(),
    windowEnd: period.end.toISOString(),
  };
  const start = async (type: "tenant.review.compose" | "evidence_snapshot.generate") =>
    (
      await runs.startRun(
        {
          workspaceId: input.workspaceId,
          tenantId: input.tenantId,
          type,
          initiatorUserId: null,
          initiatorLabel: "cli",
          identityKey: `${type}:seed-${randomUUID()}`,
          inputs,
        },
        3,
      )
    ).run;
  const compose = await start("tenant.review.compose");
  // No worker should pick the seeded runs up: their jobs go.
  await database.pool.query("delete from graphile_worker._private_jobs where payload->>'runId' = $1", [compose.id]);
  let snapshotId: string | null = null;
  if (status === "ready") {
    const evidence = await start("evidence_snapshot.generate");
    await database.pool.query("delete from graphile_worker._private_jobs where payload->>'runId' = $1", [evidence.id]);
    await runs.completeRun({ runId: evidence.id, attempt: "any" }, { outcome: "succeeded", result: {} });
    const snapshot = await database.pool.query<{ id: string }>(
      `insert into evidence_snapshots (workspace_id, tenant_id, run_id, window_start, window_end, status, content, completed_at)
       values ($1, $2, $3, $4, $5, 'complete', '{}', now()) returning id`,
      [input.workspaceId, input.tenantId, evidence.id, period.start, period.end],
    );
    snapshotId = snapshot.rows[0]?.id ?? null;
  }
  const review = await database.pool.query<{ id: string }>(
    `insert into tenant_reviews (workspace_id, tenant_id, run_id, period_start, period_end, period_label, status,
       evidence_snapshot_id, sections, ready_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
    [
      input.workspaceId,
      input.tenantId,
      compose.id,
      period.start,
      period.end,
      period.label,
      status,
      snapshotId,
      JSON.stringify(status === "ready" ? buildReviewSections() : []),
      status === "ready" ? new Date() : null,
    ],
  );
  if (status === "ready") {
    await runs.completeRun(
      { runId: compose.id, attempt: "any" },
      { outcome: "succeeded", result: { reviewId: review.rows[0]?.id, periodLabel: period.label } },
    );
  }
  return { reviewId: review.rows[0]?.id ?? "", runId: compose.id, periodKey: period.key, periodLabel: period.label };
}

/**
 * Completed baseline compares of a tenant, one per outcome given (completed now), with no job left
 * for a worker: the operations an evidence snapshot of the current period counts.
 */
export async function seedCompletedRuns(
  database: Database,
  runs: RunService,
  input: { workspaceId: string; tenantId: string; outcomes: RunOutcome[] },
): Promise<void> {
  for (const [index, outcome] of input.outcomes.entries()) {
    const { run } = await runs.startRun(
      {
        workspaceId: input.workspaceId,
        tenantId: input.tenantId,
        type: "baseline_compare",
        initiatorUserId: null,
        initiatorLabel: "cli",
        identityKey: `baseline_compare:seed-${index}-${input.tenantId}`,
        inputs: {},
      },
      3,
    );
    await database.pool.query("delete from graphile_worker._private_jobs where payload->>'runId' = $1", [run.id]);
    await runs.completeRun(
      { runId: run.id, attempt: "any" },
      outcome === "succeeded" || outcome === "partially_succeeded"
        ? { outcome, result: {} }
        : {
            outcome,
            failure: {
              code: "evidence_source_unreachable",
              message: OPERATOR_ERRORS.evidence_source_unreachable,
              diagnostics: "seeded",
            },
          },
    );
  }
}
