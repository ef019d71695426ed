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
import { WAIT_REASON_KEYS } from "./run-types.js";

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
  Object.fromEntries(
    SUMMARY_COUNT_KEYS.map((key) => [key, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional()]),
  ) as Record<SummaryCountKey, z.ZodOptional<z.ZodNumber>>,
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

/**
 * One namespace of a stored `context` (`inputs`, `progress`, `resume`, `result`), read as an own
 * data property only: getters are not invoked and inherited values are ignored. Never throws.
 *
 * @param context - the stored `context` column, untrusted (may be null or not an object)
 * @returns the namespace's raw value (still untrusted: parse it), or `undefined`
 */
export function findContextValue(context: unknown, namespace: keyof RunContext): unknown {
  if (context === null || typeof context !== "object") {
    return undefined;
  }
  try {
    const descriptor = Reflect.getOwnPropertyDescriptor(context, namespace);
    return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
  } catch {
    return undefined; // a Proxy trap threw: an unreadable namespace is a missing one
  }
}

/** Deepest nesting {@link parseUntrusted} accepts; stored run JSON is shallow, anything deeper is malformed. */
const MAX_UNTRUSTED_DEPTH = 16;

/** Marker for "not plain JSON": distinct from every JSON value, including `undefined`. */
const NOT_PLAIN = Symbol("not plain JSON");

/**
 * Copy a value made only of plain JSON parts: null, booleans, numbers, strings, arrays, and
 * objects whose prototype is `Object.prototype` or `null` with own data properties. Getters are
 * never invoked, inherited properties never read, class instances (Date, Map, …) rejected, so
 * the copy cannot run code or change between reads when zod looks at it. Proxies may still throw,
 * which is why {@link parseUntrusted} also catches.
 */
function toPlainJson(value: unknown, depth: number): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number") {
    return value;
  }
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "object" || depth > MAX_UNTRUSTED_DEPTH) {
    return NOT_PLAIN;
  }
  const prototype = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (isArray ? prototype !== Array.prototype : prototype !== Object.prototype && prototype !== null) {
    return NOT_PLAIN;
  }
  const copy: Record<string, unknown> = isArray ? ([] as unknown as Record<string, unknown>) : {};
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (isArray && key === "length") {
      continue;
    }
    if (typeof key === "symbol" || descriptor === undefined || !("value" in descriptor)) {
      return NOT_PLAIN; // symbols, accessors: not JSON
    }
    const inner = toPlainJson(descriptor.value, depth + 1);
    if (inner === NOT_PLAIN) {
      return NOT_PLAIN;
    }
    // defineProperty, not assignment: an own "__proto__" key stays data and never sets the prototype.
    Object.defineProperty(copy, key, { value: inner, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * Parse untrusted stored JSON (a `context` namespace, `summary_counts`, `failure`) with `schema`.
 * Never throws: non-plain values (class instances, getters, inherited properties, proxies that
 * throw, nesting deeper than 16) and schema failures all give `undefined`, so callers fall through
 * to a safer description (STYLE.md §3 `parse*`, DESIGN.md §3 "malformed metadata falls through").
 *
 * @returns the parsed value, or `undefined` when `value` is not plain JSON or fails `schema`
 */
export function parseUntrusted<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  try {
    const plain = toPlainJson(value, 0);
    if (plain === NOT_PLAIN) {
      return undefined;
    }
    const parsed = schema.safeParse(plain);
    return parsed.success ? parsed.data : undefined;
  } catch {
    // A hostile value (e.g. a Proxy whose traps throw) is malformed metadata, not a bug to surface.
    return undefined;
  }
}

/** Longest phase or wait reason key the reader accepts; catalog keys are short identifiers. */
const MAX_PROGRESS_KEY_LENGTH = 64;

/**
 * Reader schema for `context.progress.phase`. Other keys may sit beside it; whether the phase is a
 * key of the run type's phase catalog is checked by the progress contract, never here.
 * @see DESIGN.md §3 rule 2
 */
export const phaseProgressSchema = z.object({ phase: z.string().min(1).max(MAX_PROGRESS_KEY_LENGTH) });

/** A count of operation runs: a non-negative safe integer. */
const runCountSchema = z.int().min(0);

/** Counts per known run outcome; an unknown outcome key makes the whole summary invalid. */
export const outcomeCountsSchema = z.strictObject({
  succeeded: runCountSchema.optional(),
  partially_succeeded: runCountSchema.optional(),
  failed: runCountSchema.optional(),
  blocked: runCountSchema.optional(),
  cancelled: runCountSchema.optional(),
});

/**
 * `context.progress.composite` ({@link CompositeSummary}): `total` must equal the sum of
 * `byOutcome`, every count a non-negative integer. `byType` (detail pages only) is keyed by run
 * type; readers map its keys through the run type catalog and never display them raw.
 * @see DESIGN.md §3 "Composite summary"
 */
export const compositeSummarySchema = z
  .strictObject({
    total: runCountSchema,
    byOutcome: outcomeCountsSchema,
    byType: z.record(z.string().max(MAX_PROGRESS_KEY_LENGTH), outcomeCountsSchema).optional(),
  })
  .refine(
    (summary) =>
      Object.values(summary.byOutcome).reduce((sum: number, count) => sum + (count ?? 0), 0) === summary.total,
    { message: "composite total must equal the sum of byOutcome" },
  );

/** Reader schema for `{ composite }` inside `context.progress`; other keys may sit beside it. */
export const compositeProgressSchema = z.object({ composite: compositeSummarySchema });

/**
 * Reader schema for a wait inside `context.progress`: `waitReason` a wait reason key, `waitUntil`
 * an ISO-8601 date-time with offset ("2025-01-07T10:42:00Z"). A malformed `waitUntil` is
 * dropped (the wait is still shown, without a time) rather than hiding the wait.
 * @see DESIGN.md §3 "wait reason"
 */
export const waitProgressSchema = z.object({
  waitReason: z.enum(WAIT_REASON_KEYS),
  waitUntil: z.iso.datetime({ offset: true }).optional().catch(undefined),
});

/**
 * Writer schema for the whole `context.progress` namespace ({@link ProgressMetadata}): strict, so
 * the run service cannot store a key no reader understands.
 */
export const progressMetadataSchema = z.strictObject({
  phase: z.string().min(1).max(MAX_PROGRESS_KEY_LENGTH).optional(),
  waitReason: z.enum(WAIT_REASON_KEYS).optional(),
  waitUntil: z.iso.datetime({ offset: true }).optional(),
  composite: compositeSummarySchema.optional(),
});

/** A count in an operator-safe result: a non-negative safe integer. */
const resultCountSchema = z.int().min(0);

/**
 * Policy kinds a capture could not read at all (e.g. Microsoft Graph kept throttling them past the
 * retry budget): Graph `@odata.type` names without the prefix, mapped to labels by readers. A
 * malformed list is dropped as a whole (`.catch`), the rest of the result still reads.
 */
const unreadablePolicyKindsSchema = z
  .array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,99}$/))
  .max(100)
  .optional()
  .catch(undefined);

/**
 * `context.result` of a `baseline_compare` run, as the job writes it and the presenter reads it.
 * - `findingCount`: drift findings this compare produced or confirmed.
 * - `openFindingCount`: of those, findings still open after the lifecycle update.
 * - `unknownPolicyCount`: policies whose capture failed (finding state `unknown`).
 * - `byKind`: finding count per finding kind (`missing_policy`, `setting_changed`, …).
 * - `newCount` / `reopenedCount` / `resolvedCount`: lifecycle changes this compare made.
 * - `comparedPolicyCount` / `comparedSettingCount`: how much was compared; `unreadableCount`: files not read.
 * Readers strip keys they do not know (the job may add more), writers use this shape.
 * @see DESIGN.md §2 `context.result`, §5 "Finding kinds"
 */
export const compareResultSchema = z.object({
  snapshotId: z.string().max(MAX_PROGRESS_KEY_LENGTH).optional(),
  findingCount: resultCountSchema.optional(),
  openFindingCount: resultCountSchema.optional(),
  newCount: resultCountSchema.optional(),
  reopenedCount: resultCountSchema.optional(),
  resolvedCount: resultCountSchema.optional(),
  unknownPolicyCount: resultCountSchema.optional(),
  unreadableCount: resultCountSchema.optional(),
  comparedPolicyCount: resultCountSchema.optional(),
  comparedSettingCount: resultCountSchema.optional(),
  byKind: z.record(z.string().max(MAX_PROGRESS_KEY_LENGTH), resultCountSchema).optional(),
  unreadablePolicyKinds: unreadablePolicyKindsSchema,
});
export type CompareResult = z.infer<typeof compareResultSchema>;

/**
 * `context.result` of a `baseline_capture` run.
 * - `policyCount`: policies captured into the snapshot.
 * - `unreadableCount`: policies (or export files) that could not be read.
 * - `outOfScopeCount`: readable policies outside the profile's policy kinds; `snapshotId`: the snapshot built.
 * @see DESIGN.md §2 `context.result`
 */
export const captureResultSchema = z.object({
  snapshotId: z.string().max(MAX_PROGRESS_KEY_LENGTH).optional(),
  policyCount: resultCountSchema.optional(),
  unreadableCount: resultCountSchema.optional(),
  outOfScopeCount: resultCountSchema.optional(),
  unreadablePolicyKinds: unreadablePolicyKindsSchema,
});
export type CaptureResult = z.infer<typeof captureResultSchema>;
