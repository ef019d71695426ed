/**
 * Tenant review composition (run type `tenant.review.compose`, composite): create the review as a
 * draft, reuse the evidence snapshot of exactly its tenant and period when it describes the whole
 * period (generated at or after the period's end), else generate a fresh one first and say why,
 * seed the run's composite summary from the snapshot's operation counts, compose the sections
 * through the section factory, and make the review ready in one statement (DESIGN.md §1, §3
 * "Composite summary"; issue 4 "if no evidence snapshot exists for the window, compose generates
 * one first and says so" — a snapshot taken before the period ended counts as none).
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { listFindings } from "../baselines/drift-findings.js";
import type { RunWorkContext } from "../baselines/run-work-context.js";
import type { Db } from "../db/database.js";
import {
  type CompleteEvidenceSnapshot,
  coversWholeWindow,
  evidenceInputsSchema,
  findCompleteSnapshotById,
  findLatestCompleteSnapshot,
  findSnapshotIdOfRun,
  generateEvidenceSnapshot,
  toCompositeSummary,
} from "../evidence/evidence-snapshot-generate.js";
import type { ReviewComposeResult } from "../operations/run-presenter.js";
import type { CompositeSummary } from "../operations/run-record.js";
import type { RunCompletion } from "../operations/run-service.js";
import { REVIEW_SECTION_KINDS, type ReviewSection, reviewSectionSchema } from "./review-content.js";
import {
  buildReviewSection,
  describeEvidenceGeneration,
  type EvidenceGeneration,
  type ReviewSectionInput,
} from "./review-section-factory.js";

/** `context.inputs` of a `tenant.review.compose` run: the tenant and review period (window = period). */
export const composeInputsSchema = evidenceInputsSchema.extend({ periodLabel: z.string().min(1).max(100) });

/** What composition needs from its run beyond the baseline work context. */
export interface ReviewWorkContext extends RunWorkContext {
  /** Record the composite summary through the run service (`setComposite`), guarded by this attempt. */
  setComposite(summary: CompositeSummary): Promise<void>;
}

/**
 * Compose the review of the run in `ctx`. Resumable: the review row and an inline-generated
 * snapshot are found again by run id; a review already ready is reported as is.
 * Result: {@link ReviewComposeResult}.
 */
export async function runReviewCompose(ctx: ReviewWorkContext, now: () => Date): Promise<RunCompletion> {
  const inputs = composeInputsSchema.parse(ctx.run.context.inputs);
  const windowStart = new Date(inputs.windowStart);
  const windowEnd = new Date(inputs.windowEnd);
  const workspaceId = ctx.run.workspaceId;
  await ctx.db.execute(sql`insert into tenant_reviews (workspace_id, tenant_id, run_id, period_start, period_end, period_label)
    values (${workspaceId}, ${inputs.tenantId}, ${ctx.run.id}, ${windowStart}, ${windowEnd}, ${inputs.periodLabel})
    on conflict (run_id) do nothing`);
  const review = (
    await ctx.db.execute(sql`select id, status, evidence_snapshot_id from tenant_reviews where run_id = ${ctx.run.id}`)
  ).rows[0] as { id: string; status: string; evidence_snapshot_id: string | null };

  // The snapshot: one this run generated (a previous attempt may have started it), else the latest
  // complete one of exactly this tenant and window if it covers the whole window, else generate it
  // now, inside this run. A snapshot taken while the period was running is never reused: work done
  // after its asOf (a compare, its findings) would be missing from a review composed later.
  const ownSnapshotId = await findSnapshotIdOfRun(ctx.db, ctx.run.id);
  let snapshot: CompleteEvidenceSnapshot | undefined;
  let generatedEvidence = ownSnapshotId !== undefined;
  let staleSnapshot: CompleteEvidenceSnapshot | undefined;
  if (review.status === "ready" && review.evidence_snapshot_id !== null) {
    snapshot = await findCompleteSnapshotById(ctx.db, review.evidence_snapshot_id);
  } else {
    const latest = await findLatestCompleteSnapshot(ctx.db, {
      workspaceId,
      tenantId: inputs.tenantId,
      windowStart,
      windowEnd,
      excludeRunId: ctx.run.id,
    });
    if (latest !== undefined && !coversWholeWindow(latest)) staleSnapshot = latest;
    else if (ownSnapshotId === undefined) snapshot = latest;
  }
  if (snapshot === undefined) {
    generatedEvidence = true;
    // No counted progress here: this run is composite-aware and must never show a percentage.
    snapshot = await generateEvidenceSnapshot(ctx, {
      workspaceId,
      tenantId: inputs.tenantId,
      windowStart,
      windowEnd,
      now,
      reportCounts: false,
    });
  }
  const operationCount = snapshot.content.operations.total;
  const evidenceGeneration: EvidenceGeneration | null = !generatedEvidence
    ? null
    : staleSnapshot === undefined
      ? { reason: "none_existed" }
      : { reason: "period_not_ended", staleSnapshotId: staleSnapshot.id, staleAsOf: staleSnapshot.content.asOf };
  // `evidenceReason` is extra to ReviewComposeResult (readers strip keys they do not know): the
  // operator-safe sentence saying why this run generated its own evidence.
  const result = (): ReviewComposeResult & { evidenceReason?: string } => ({
    reviewId: review.id,
    evidenceSnapshotId: (snapshot as CompleteEvidenceSnapshot).id,
    generatedEvidence,
    ...(evidenceGeneration === null ? {} : { evidenceReason: describeEvidenceGeneration(evidenceGeneration) }),
    operationCount,
    periodLabel: inputs.periodLabel,
  });
  if (review.status === "ready") return { outcome: "succeeded", result: result() };

  // Seeded from the snapshot the review is built from: exactly its counts, total 0 when it counted no runs.
  await ctx.setComposite(toCompositeSummary(snapshot.content.operations));

  const previousReview = await findPreviousReadyReview(ctx.db, {
    workspaceId,
    tenantId: inputs.tenantId,
    periodStart: windowStart,
    excludeReviewId: review.id,
  });
  const findings = await listFindings(ctx.db, workspaceId, {
    ids: snapshot.content.drift.flatMap((profile) => profile.unresolvedFindingIds),
  });
  const input: ReviewSectionInput = {
    periodLabel: inputs.periodLabel,
    snapshot,
    generatedByCompose: generatedEvidence,
    evidenceGeneration,
    previousReview,
    findings,
  };
  const sections: ReviewSection[] = [];
  for (const kind of REVIEW_SECTION_KINDS) {
    // A visible pause per section (demos, e2e) and a cancellation point between sections.
    if (ctx.evidenceReadDelayMs) await sleep(ctx.evidenceReadDelayMs, undefined, { signal: ctx.signal });
    await ctx.checkpoint();
    sections.push(reviewSectionSchema.parse(buildReviewSection(kind, input)));
  }
  await ctx.checkpoint();

  const updated = await ctx.db.execute(sql`update tenant_reviews
    set status = 'ready', ready_at = ${now()}, sections = ${JSON.stringify(sections)}::jsonb,
      evidence_snapshot_id = ${snapshot.id}, previous_review_id = ${previousReview?.id ?? null}
    where id = ${review.id} and status = 'draft'`);
  if (updated.rowCount !== 1) throw new Error(`tenant review ${review.id} was not a draft when it was made ready`);
  return { outcome: "succeeded", result: result() };
}

/**
 * The latest ready review of the tenant whose period ends at or before `periodStart` (periods are
 * half-open, so it does not overlap this one: a Q4 review is never "previous" to November), with
 * its valid sections. Latest = latest end, then latest start (the shorter, closer period), then
 * the most recently made ready.
 */
async function findPreviousReadyReview(
  db: Db,
  input: { workspaceId: string; tenantId: string; periodStart: Date; excludeReviewId: string },
): Promise<ReviewSectionInput["previousReview"]> {
  const result = await db.execute(sql`select id, period_label, sections from tenant_reviews
    where workspace_id = ${input.workspaceId} and tenant_id = ${input.tenantId} and status = 'ready'
      and period_end <= ${input.periodStart} and id <> ${input.excludeReviewId}
    order by period_end desc, period_start desc, ready_at desc limit 1`);
  const row = result.rows[0] as { id: string; period_label: string; sections: unknown } | undefined;
  if (row === undefined) return null;
  const sections = Array.isArray(row.sections)
    ? row.sections.flatMap((section) => {
        const parsed = reviewSectionSchema.safeParse(section);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  return { id: row.id, periodLabel: row.period_label, sections };
}
