/**
 * The operation run record (DESIGN.md §2) as the domain sees it, and zod schemas for the untrusted
 * JSON it carries.
 *
 * Terminology:
 * - operation run: one persisted execution of background work (an `operation_runs` row).
 * - run type: the family of a run (`baseline_capture`, `baseline_compare`, …), see run-types.ts.
 * - attempt: which execution of the run's graphile-worker job owns the run; writes from any other
 *   attempt change nothing.
 * - version: bumped on every visible change; event ids and "drop older frames" use it.
 * - identity key: what makes two runs the same work; at most one active run per identity key.
 * @module
 */
import { z } from "zod";

/** Stored run statuses. Transitions only move forward: queued → running → completed. */
export const RUN_STATUSES = ["queued", "running", "completed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Terminal outcomes, set exactly once with status `completed`. */
export const RUN_OUTCOMES = ["succeeded", "partially_succeeded", "failed", "blocked", "cancelled"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The only keys `summary_counts` may hold; each a non-negative integer count. */
export const SUMMARY_COUNT_KEYS = [
  "total",
  "processed",
  "succeeded",
  "failed",
  "skipped",
  "created",
  "updated",
  "unchanged",
] as const;
export type SummaryCountKey = (typeof SUMMARY_COUNT_KEYS)[number];
export type SummaryCounts = Partial<Record<SummaryCountKey, number>>;

/**
 * Writer-side schema for summary counts: unknown keys are rejected (strict), values must be
 * non-negative safe integers. Readers must not trust stored values and re-validate.
 */
export const summaryCountsSchema = z.strictObject(
  Object.fromEntries(SUMMARY_COUNT_KEYS.map((key) => [key, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional()])) as Record<
    SummaryCountKey,
    z.ZodOptional<z.ZodNumber>
  >,
);

/** Operator-safe failure stored on a completed run. `diagnostics` is shown only with `operations.diagnostics`. */
export interface RunFailure {
  /** A key of OPERATOR_ERRORS. */
  code: string;
  /** The operator-safe sentence for `code`. */
  message: string;
  /** Raw error text, stack, file names, transport detail. Never shown without the diagnostics capability. */
  diagnostics: string;
}

/**
 * `context.progress` as the run service writes it. Readers treat it as untrusted (`unknown`).
 * - `phase`: a key of the run type's phase catalog.
 * - `waitReason`: a key of the wait reason catalog; `waitUntil`: ISO-8601 time of the next attempt.
 * - `composite`: counts of underlying operation outcomes (composite-aware run types only).
 */
export interface ProgressMetadata {
  phase?: string;
  waitReason?: string;
  waitUntil?: string;
  composite?: CompositeSummary;
}

/** Composite summary: how many underlying operation runs ended with each outcome (and, for detail pages, by type). */
export interface CompositeSummary {
  total: number;
  byOutcome: Partial<Record<RunOutcome, number>>;
  byType?: Record<string, Partial<Record<RunOutcome, number>>>;
}

/** `operation_runs.context` namespaces (DESIGN.md §2). Each is untrusted JSON when read back. */
export interface RunContext {
  /** What was asked (profile id, tenant id, snapshot id, …). */
  inputs?: unknown;
  /** Phase or composite metadata, see {@link ProgressMetadata}. */
  progress?: unknown;
  /** Opaque resume token for a retried attempt. */
  resume?: unknown;
  /** Operator-safe result summary, e.g. finding counts. */
  result?: unknown;
}

/** One operation run, camelCase, as read from `operation_runs`. JSON columns are untrusted. */
export interface OperationRun {
  id: string;
  workspaceId: string;
  tenantId: string | null;
  type: string;
  initiatorUserId: string | null;
  /** Who or what started it when there is no user: "cli", "demo", "system". */
  initiatorLabel: string | null;
  status: string;
  outcome: string | null;
  identityKey: string;
  context: RunContext;
  summaryCounts: unknown;
  failure: RunFailure | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  heartbeatAt: Date | null;
  attempt: number;
  version: number;
  /** The graphile-worker worker id holding this run's job while it runs (for the reaper). */
  workerId: string | null;
}
