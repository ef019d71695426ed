/**
 * Evidence snapshot generation (run type `evidence_snapshot.generate`, counted): walk a tenant's
 * evidence sources for one review window — inventory coverage, drift per baseline profile, operation
 * runs — and store what was true as one immutable `evidence_snapshots` row (DESIGN.md §1, §3
 * "Counted families"). Review composition calls the same code when it must generate a snapshot first.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { RunWorkContext } from "../baselines/run-work-context.js";
import type { Db } from "../db/database.js";
import type { EvidenceSnapshotResult } from "../operations/run-presenter.js";
import { type CompositeSummary, RUN_OUTCOMES, type RunOutcome, type SummaryCounts } from "../operations/run-record.js";
import type { RunCompletion } from "../operations/run-service.js";
import {
  type DriftHistoryPoint,
  type EvidenceSnapshotContent,
  evidenceSnapshotContentSchema,
  type FindingStatusCounts,
  type InventoryCoverage,
  type OperationCounts,
  type OperationFailure,
  operationFailureSchema,
  type ProfileDrift,
} from "./evidence-snapshot-content.js";

/** Run types that are not counted as operations: a review reports on governance work, not on itself. */
export const REVIEW_FAMILY_RUN_TYPES = ["evidence_snapshot.generate", "tenant.review.compose"] as const;

/** `context.inputs` of an `evidence_snapshot.generate` run (also the window part of a compose run's inputs). */
export const evidenceInputsSchema = z.object({
  tenantId: z.uuid(),
  periodKey: z.string().min(1).max(40),
  periodLabel: z.string().max(100).optional(),
  windowStart: z.iso.datetime({ offset: true }),
  windowEnd: z.iso.datetime({ offset: true }),
});
export type EvidenceInputs = z.infer<typeof evidenceInputsSchema>;

/** A stored, complete evidence snapshot with its parsed content. Times are Dates. */
export interface CompleteEvidenceSnapshot {
  id: string;
  workspaceId: string;
  tenantId: string;
  /** The run that generated it (an evidence run, or the compose run that generated it first). */
  runId: string;
  windowStart: Date;
  windowEnd: Date;
  createdAt: Date;
  completedAt: Date;
  content: EvidenceSnapshotContent;
}

/** What {@link generateEvidenceSnapshot} needs besides the run context. */
export interface EvidenceGenerationInput {
  workspaceId: string;
  tenantId: string;
  /** Review window, half-open [windowStart, windowEnd). */
  windowStart: Date;
  windowEnd: Date;
  /** The clock: `asOf` = min(windowEnd, now()). */
  now: () => Date;
  /**
   * Write `total`/`processed` to the run's summary counts (Default: true). Off when a compose run
   * generates inline: a composite-aware run must never show a percentage (DESIGN.md §3).
   */
  reportCounts?: boolean;
}

const outcomeSchema = z.enum(RUN_OUTCOMES);

/**
 * Generate (or finish generating) the evidence snapshot of the run in `ctx`. The row is inserted
 * `generating` and written once more, `complete`, with its content: a retried attempt reuses the
 * row by run id, and a row already complete is returned as is. Reports counted progress: `total` =
 * evidence sources, `processed` +1 after each; sleeps `ctx.evidenceReadDelayMs` per source and
 * honours `ctx.checkpoint()` between sources.
 * @returns the complete snapshot
 */
export async function generateEvidenceSnapshot(
  ctx: RunWorkContext,
  input: EvidenceGenerationInput,
): Promise<CompleteEvidenceSnapshot> {
  const { db } = ctx;
  await db.execute(sql`insert into evidence_snapshots (workspace_id, tenant_id, run_id, window_start, window_end)
    values (${input.workspaceId}, ${input.tenantId}, ${ctx.run.id}, ${input.windowStart}, ${input.windowEnd})
    on conflict (run_id) do nothing`);
  const existing = await findSnapshotRow(db, sql`run_id = ${ctx.run.id}`);
  if (existing === undefined) throw new Error(`evidence snapshot of run ${ctx.run.id} was not inserted`);
  const report = (counts: SummaryCounts) => {
    if (input.reportCounts !== false) ctx.reportCounts(counts);
  };
  const done = toCompleteSnapshot(existing);
  if (done !== undefined) {
    report({ total: done.content.sources.length, processed: done.content.sources.length });
    return done;
  }

  const now = input.now();
  const asOf = new Date(Math.min(input.windowEnd.getTime(), now.getTime()));
  const window: Window = { tenantId: input.tenantId, start: input.windowStart, asOf };
  const profiles = await listReviewedProfiles(db, input.workspaceId, input.tenantId);
  const sources = [
    { key: "inventory", label: "Inventory coverage" },
    ...profiles.map((profile) => ({ key: `drift:${profile.id}`, label: `Drift against ${profile.name}` })),
    { key: "operations", label: "Operation runs" },
  ];
  let processed = 0;
  report({ total: sources.length, processed });
  const step = async <T>(read: () => Promise<T>): Promise<T> => {
    await ctx.checkpoint();
    if (ctx.evidenceReadDelayMs) await sleep(ctx.evidenceReadDelayMs, undefined, { signal: ctx.signal });
    const value = await read();
    processed++;
    report({ processed });
    return value;
  };

  const inventory = await step(() => readInventoryCoverage(db, window));
  const drift: ProfileDrift[] = [];
  for (const profile of profiles) drift.push(await step(() => readProfileDrift(db, window, profile)));
  const operations = await step(() => readOperationCounts(db, window));
  await ctx.checkpoint();

  const content = evidenceSnapshotContentSchema.parse({
    asOf: asOf.toISOString(),
    sources: sources.map((source) => ({ key: source.key, label: source.label.slice(0, 300) })),
    inventory,
    drift,
    operations,
  } satisfies EvidenceSnapshotContent);
  const completed = await db.execute(sql`update evidence_snapshots
    set status = 'complete', content = ${JSON.stringify(content)}::jsonb, completed_at = ${input.now()}
    where id = ${existing.id} and status = 'generating'
    returning ${SNAPSHOT_COLUMNS}`);
  const row = (completed.rows[0] as SnapshotRow | undefined) ?? (await findSnapshotRow(db, sql`id = ${existing.id}`));
  const snapshot = row === undefined ? undefined : toCompleteSnapshot(row);
  if (snapshot === undefined) throw new Error(`evidence snapshot ${existing.id} did not complete`);
  return snapshot;
}

/**
 * The work of an `evidence_snapshot.generate` run: generate the snapshot of `context.inputs`'
 * tenant and window. Result: {@link EvidenceSnapshotResult}.
 */
export async function runEvidenceSnapshotGenerate(ctx: RunWorkContext, now: () => Date): Promise<RunCompletion> {
  const inputs = evidenceInputsSchema.parse(ctx.run.context.inputs);
  const snapshot = await generateEvidenceSnapshot(ctx, {
    workspaceId: ctx.run.workspaceId,
    tenantId: inputs.tenantId,
    windowStart: new Date(inputs.windowStart),
    windowEnd: new Date(inputs.windowEnd),
    now,
  });
  const result = {
    evidenceSnapshotId: snapshot.id,
    sourceCount: snapshot.content.sources.length,
    operationCount: snapshot.content.operations.total,
    openFindingCount: countUnresolvedFindings(snapshot.content),
    ...(inputs.periodLabel ? { periodLabel: inputs.periodLabel } : {}),
  } satisfies EvidenceSnapshotResult;
  return { outcome: "succeeded", result };
}

/** Unresolved (open + reopened) drift findings over every profile of a snapshot. */
export function countUnresolvedFindings(content: EvidenceSnapshotContent): number {
  return content.drift.reduce((sum, profile) => sum + profile.counts.open + profile.counts.reopened, 0);
}

/**
 * The composite summary of a snapshot's operation counts (DESIGN.md §3 "Composite summary"):
 * exactly its `total`, `byOutcome` and, per type, each outcome's count. Zero runs give total 0.
 */
export function toCompositeSummary(operations: OperationCounts): CompositeSummary {
  const byType: Record<string, Partial<Record<RunOutcome, number>>> = {};
  for (const [type, outcomes] of Object.entries(operations.byType)) {
    const counts: Partial<Record<RunOutcome, number>> = {};
    for (const outcome of RUN_OUTCOMES) {
      const counted = outcomes[outcome];
      if (counted !== undefined) counts[outcome] = counted.count;
    }
    byType[type] = counts;
  }
  return { total: operations.total, byOutcome: { ...operations.byOutcome }, byType };
}

/**
 * The latest complete snapshot of exactly this tenant and window, or undefined. It may describe
 * only part of the window (see {@link coversWholeWindow}).
 */
export async function findLatestCompleteSnapshot(
  db: Db,
  input: {
    workspaceId: string;
    tenantId: string;
    windowStart: Date;
    windowEnd: Date;
    /** Leave out the snapshot this run generated (a compose run looking for one it did not make). */
    excludeRunId?: string;
  },
): Promise<CompleteEvidenceSnapshot | undefined> {
  const row = await findSnapshotRow(
    db,
    sql`workspace_id = ${input.workspaceId} and tenant_id = ${input.tenantId} and status = 'complete'
      and window_start = ${input.windowStart} and window_end = ${input.windowEnd}
      and run_id is distinct from ${input.excludeRunId ?? null}`,
  );
  return row === undefined ? undefined : toCompleteSnapshot(row);
}

/**
 * True when a snapshot still describes its whole window truthfully: it was generated at or after
 * the window's end, so its `asOf` is the window's end. A snapshot taken while the period was
 * running misses everything after its `asOf` (compares, findings, runs) and must not be reused.
 */
export function coversWholeWindow(snapshot: Pick<CompleteEvidenceSnapshot, "windowEnd" | "content">): boolean {
  return new Date(snapshot.content.asOf).getTime() >= snapshot.windowEnd.getTime();
}

/** The snapshot a run generated (complete or not), by run id. */
export async function findSnapshotIdOfRun(db: Db, runId: string): Promise<string | undefined> {
  return (await findSnapshotRow(db, sql`run_id = ${runId}`))?.id;
}

/** A complete snapshot by id; undefined when it does not exist, is not complete or its content is invalid. */
export async function findCompleteSnapshotById(
  db: Db,
  snapshotId: string,
): Promise<CompleteEvidenceSnapshot | undefined> {
  const row = await findSnapshotRow(db, sql`id = ${snapshotId}`);
  return row === undefined ? undefined : toCompleteSnapshot(row);
}

interface Window {
  tenantId: string;
  start: Date;
  /** min(window end, generation time): nothing at or after it is counted. */
  asOf: Date;
}

interface SnapshotRow {
  id: string;
  workspace_id: string;
  tenant_id: string;
  run_id: string;
  window_start: Date | string;
  window_end: Date | string;
  status: string;
  content: unknown;
  created_at: Date | string;
  completed_at: Date | string | null;
}

const SNAPSHOT_COLUMNS = sql.raw(
  "id, workspace_id, tenant_id, run_id, window_start, window_end, status, content, created_at, completed_at",
);

async function findSnapshotRow(db: Db, where: ReturnType<typeof sql>): Promise<SnapshotRow | undefined> {
  const result = await db.execute(
    sql`select ${SNAPSHOT_COLUMNS} from evidence_snapshots where ${where} order by completed_at desc nulls last, created_at desc limit 1`,
  );
  return result.rows[0] as SnapshotRow | undefined;
}

/** A complete row with valid content, else undefined (a stored shape is untrusted). */
function toCompleteSnapshot(row: SnapshotRow): CompleteEvidenceSnapshot | undefined {
  if (row.status !== "complete" || row.completed_at === null) return undefined;
  const parsed = evidenceSnapshotContentSchema.safeParse(row.content);
  if (!parsed.success) return undefined;
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    tenantId: row.tenant_id,
    runId: row.run_id,
    windowStart: new Date(row.window_start),
    windowEnd: new Date(row.window_end),
    createdAt: new Date(row.created_at),
    completedAt: new Date(row.completed_at),
    content: parsed.data,
  };
}

/** Profiles the tenant was compared with, has findings for, or is the source tenant of — by name. */
async function listReviewedProfiles(
  db: Db,
  workspaceId: string,
  tenantId: string,
): Promise<{ id: string; name: string }[]> {
  const result = await db.execute(sql`select p.id, p.name from baseline_profiles p
    where p.workspace_id = ${workspaceId} and (
      p.source_tenant_id = ${tenantId}
      or exists (select 1 from drift_findings f where f.profile_id = p.id and f.tenant_id = ${tenantId})
      or exists (select 1 from operation_runs r where r.tenant_id = ${tenantId} and r.type = 'baseline_compare'
        and r.context->'inputs'->>'profileId' = p.id::text))
    order by lower(p.name), p.id`);
  return result.rows as { id: string; name: string }[];
}

/** Policies by kind from the tenant's latest capture (of a capture or compare that did not fail) before `asOf`. */
async function readInventoryCoverage(db: Db, window: Window): Promise<InventoryCoverage> {
  const latest = await db.execute(sql`select c.id, c.run_id, r.type, c.completed_at, c.total_count
    from evidence_captures c join operation_runs r on r.id = c.run_id
    where c.tenant_id = ${window.tenantId} and c.completed_at is not null and c.completed_at <= ${window.asOf}
      and r.status = 'completed' and r.outcome in ('succeeded', 'partially_succeeded')
    order by c.completed_at desc limit 1`);
  const capture = latest.rows[0] as
    | { id: string; run_id: string; type: string; completed_at: Date | string; total_count: number }
    | undefined;
  if (capture === undefined) {
    return {
      captureId: null,
      runId: null,
      runType: null,
      capturedAt: null,
      entryCount: 0,
      policyCount: 0,
      byKind: {},
      unreadableCount: 0,
    };
  }
  const items = await db.execute(sql`select policy_kind, count(*)::int as n from evidence_capture_items
    where capture_id = ${capture.id} group by policy_kind order by policy_kind nulls last`);
  const byKind: Record<string, number> = {};
  let policyCount = 0;
  let unreadableCount = 0;
  for (const raw of items.rows) {
    const row = raw as { policy_kind: string | null; n: number };
    if (row.policy_kind === null) unreadableCount += row.n;
    else {
      byKind[row.policy_kind.slice(0, 200)] = (byKind[row.policy_kind.slice(0, 200)] ?? 0) + row.n;
      policyCount += row.n;
    }
  }
  return {
    captureId: capture.id,
    runId: capture.run_id,
    runType: capture.type,
    capturedAt: new Date(capture.completed_at).toISOString(),
    entryCount: capture.total_count,
    policyCount,
    byKind,
    unreadableCount,
  };
}

/**
 * Drift of the tenant against one profile as of `asOf`. A finding counts when first seen before
 * `asOf`; it is unresolved then when still open or reopened, or resolved only after `asOf` (counted
 * open); `resolved` counts findings resolved inside the window.
 */
async function readProfileDrift(db: Db, window: Window, profile: { id: string; name: string }): Promise<ProfileDrift> {
  const findings = await db.execute(sql`select id, kind, status, resolved_at from drift_findings
    where tenant_id = ${window.tenantId} and profile_id = ${profile.id} and first_seen_at < ${window.asOf}
    order by first_seen_at, id`);
  const counts: FindingStatusCounts = { open: 0, resolved: 0, reopened: 0 };
  const byKind: Record<string, FindingStatusCounts> = {};
  const unresolvedFindingIds: string[] = [];
  for (const raw of findings.rows) {
    const row = raw as { id: string; kind: string; status: string; resolved_at: Date | string | null };
    const resolvedAtMs = row.resolved_at === null ? undefined : new Date(row.resolved_at).getTime();
    let bucket: keyof FindingStatusCounts | undefined;
    if (row.status === "open" || row.status === "reopened") bucket = row.status;
    else if (row.status === "resolved" && resolvedAtMs !== undefined) {
      if (resolvedAtMs >= window.asOf.getTime()) bucket = "open";
      else if (resolvedAtMs >= window.start.getTime()) bucket = "resolved";
    }
    if (bucket === undefined) continue;
    counts[bucket]++;
    const kind = row.kind.slice(0, 100);
    byKind[kind] ??= { open: 0, resolved: 0, reopened: 0 };
    byKind[kind][bucket]++;
    if (bucket !== "resolved") unresolvedFindingIds.push(row.id);
  }
  const compares =
    await db.execute(sql`select id, outcome, completed_at, context->'result'->'openFindingCount' as open_count
    from operation_runs
    where tenant_id = ${window.tenantId} and type = 'baseline_compare' and status = 'completed'
      and context->'inputs'->>'profileId' = ${profile.id} and completed_at < ${window.asOf}
    order by completed_at, id`);
  const rows = compares.rows as { id: string; outcome: string; completed_at: Date | string; open_count: unknown }[];
  // The posture comes from the latest compare that left findings state behind; a later compare that
  // failed, was blocked or was cancelled changed no finding, so it is named beside it, not instead.
  const last = rows.findLast((row) => row.outcome === "succeeded" || row.outcome === "partially_succeeded");
  const latest = rows.at(-1);
  const latestOutcome = latest === undefined ? undefined : outcomeSchema.safeParse(latest.outcome);
  const laterUnusableCompare =
    latest !== undefined && latest !== last && latestOutcome?.success
      ? { runId: latest.id, completedAt: new Date(latest.completed_at).toISOString(), outcome: latestOutcome.data }
      : undefined;
  const history: DriftHistoryPoint[] = [];
  for (const row of rows) {
    const outcome = outcomeSchema.safeParse(row.outcome);
    const open = z.int().min(0).safeParse(row.open_count);
    if (new Date(row.completed_at).getTime() < window.start.getTime() || !outcome.success || !open.success) continue;
    history.push({
      runId: row.id,
      at: new Date(row.completed_at).toISOString(),
      openFindingCount: open.data,
      outcome: outcome.data,
    });
  }
  const lastOutcome = last === undefined ? undefined : outcomeSchema.safeParse(last.outcome);
  return {
    profileId: profile.id,
    profileName: profile.name.slice(0, 300),
    lastCompareRunId: last?.id ?? null,
    lastComparedAt: last === undefined ? null : new Date(last.completed_at).toISOString(),
    lastCompareOutcome: lastOutcome?.success ? lastOutcome.data : null,
    ...(laterUnusableCompare === undefined ? {} : { laterUnusableCompare }),
    counts,
    byKind,
    unresolvedFindingIds,
    history,
  };
}

/**
 * The tenant's runs completed in [window start, asOf), by type and outcome with the ids each count
 * counts. Review-family runs and runs with an outcome this build does not know are not counted.
 */
async function readOperationCounts(db: Db, window: Window): Promise<OperationCounts> {
  const reviewTypes = sql.join(
    REVIEW_FAMILY_RUN_TYPES.map((type) => sql`${type}`),
    sql`, `,
  );
  const completed = await db.execute(sql`select id, type, outcome, completed_at, failure,
      context->'result'->'unreadablePolicyKinds' as unreadable_policy_kinds
    from operation_runs
    where tenant_id = ${window.tenantId} and status = 'completed'
      and completed_at >= ${window.start} and completed_at < ${window.asOf}
      and type not in (${reviewTypes})
    order by completed_at, id`);
  const operations: OperationCounts = { total: 0, byOutcome: {}, byType: {}, failures: [], activeRunCount: 0 };
  for (const raw of completed.rows) {
    const row = raw as {
      id: string;
      type: string;
      outcome: string;
      completed_at: Date | string;
      failure: unknown;
      unreadable_policy_kinds: unknown;
    };
    const parsed = outcomeSchema.safeParse(row.outcome);
    if (!parsed.success) continue;
    const outcome = parsed.data;
    const type = row.type.slice(0, 100);
    operations.total++;
    operations.byOutcome[outcome] = (operations.byOutcome[outcome] ?? 0) + 1;
    operations.byType[type] ??= {};
    const ofType = operations.byType[type];
    ofType[outcome] ??= { count: 0, runIds: [] };
    const counted = ofType[outcome];
    counted.count++;
    counted.runIds.push(row.id);
    if (outcome !== "succeeded") {
      operations.failures.push(toOperationFailure(row, type, outcome));
    }
  }
  const active = await db.execute(sql`select count(*)::int as n from operation_runs
    where tenant_id = ${window.tenantId} and status in ('queued', 'running') and type not in (${reviewTypes})
      and created_at < ${window.asOf}`);
  operations.activeRunCount = (active.rows[0] as { n: number }).n;
  return operations;
}

const unreadablePolicyKindsSchema = operationFailureSchema.shape.unreadablePolicyKinds.unwrap().min(1);

/**
 * Only the stored operator-safe `code` and `message` are kept, plus the policy kinds the run's
 * result says it could not read (identifier-shaped kind names only; a malformed list is dropped);
 * diagnostics never leave the run.
 */
function toOperationFailure(
  row: { id: string; completed_at: Date | string; failure: unknown; unreadable_policy_kinds: unknown },
  type: string,
  outcome: RunOutcome,
): OperationFailure {
  const failure =
    row.failure !== null && typeof row.failure === "object" ? (row.failure as Record<string, unknown>) : {};
  const code = typeof failure.code === "string" && failure.code.length <= 100 ? failure.code : null;
  const message = typeof failure.message === "string" ? failure.message.slice(0, 1_000) : null;
  const kinds = unreadablePolicyKindsSchema.safeParse(row.unreadable_policy_kinds);
  return {
    runId: row.id,
    type,
    outcome,
    completedAt: new Date(row.completed_at).toISOString(),
    code,
    message,
    ...(kinds.success ? { unreadablePolicyKinds: kinds.data } : {}),
  };
}
