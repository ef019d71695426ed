/**
 * The content of an evidence snapshot (`evidence_snapshots.content`): what was true of one tenant
 * in one review window, with every count traceable to the rows it counts (DESIGN.md §1, issue 4).
 * Written once by the `evidence_snapshot.generate` work, read by review composition and the UI.
 * Readers treat stored JSON as untrusted and parse it with {@link evidenceSnapshotContentSchema}.
 * @module
 */
import { z } from "zod";
import { RUN_OUTCOMES } from "../operations/run-record.js";

const count = z.int().min(0);
const isoDateTime = z.iso.datetime({ offset: true });
const uuid = z.uuid();
const outcome = z.enum(RUN_OUTCOMES);

/**
 * One evidence source the generation walks; `total` of the run's counts is the number of sources.
 * `key` is internal ("inventory", "drift:<profileId>", "operations"); `label` is operator copy.
 */
export const evidenceSourceEntrySchema = z.object({ key: z.string().max(100), label: z.string().max(300) });

/** Inventory coverage: the policies read by the tenant's latest completed capture or compare, by kind. */
export const inventoryCoverageSchema = z.object({
  /** The evidence capture the counts come from, and the run that read it. Null when the tenant was never read. */
  captureId: uuid.nullable(),
  runId: uuid.nullable(),
  /** `baseline_capture` or `baseline_compare`. */
  runType: z.string().max(100).nullable(),
  /** When that capture finished (ISO-8601). */
  capturedAt: isoDateTime.nullable(),
  /** Entries the source listed. */
  entryCount: count,
  /** Readable policies (any kind, in scope of that run's profile or not). */
  policyCount: count,
  /** Policies by policy kind (Graph `@odata.type` without prefix) → count. Sums to `policyCount`. */
  byKind: z.record(z.string().max(200), count),
  /** Entries that could not be read. */
  unreadableCount: count,
});
export type InventoryCoverage = z.infer<typeof inventoryCoverageSchema>;

/** Open / resolved / reopened counts. `resolved` counts findings resolved within the window. */
export const findingStatusCountsSchema = z.object({ open: count, resolved: count, reopened: count });
export type FindingStatusCounts = z.infer<typeof findingStatusCountsSchema>;

/** One point of a profile's drift history: the open findings a completed compare left behind. */
export const driftHistoryPointSchema = z.object({
  runId: uuid,
  /** When the compare completed (ISO-8601). */
  at: isoDateTime,
  /** Open + reopened findings after that compare (its `context.result.openFindingCount`). */
  openFindingCount: count,
  outcome,
});
export type DriftHistoryPoint = z.infer<typeof driftHistoryPointSchema>;

/** A completed compare that left no findings state behind (it failed, was blocked or was cancelled). */
export const unusableCompareSchema = z.object({
  runId: uuid,
  /** When it completed (ISO-8601). */
  completedAt: isoDateTime,
  outcome,
});
export type UnusableCompare = z.infer<typeof unusableCompareSchema>;

/** Drift of the tenant against one baseline profile it was compared with, as of the window's end. */
export const profileDriftSchema = z.object({
  profileId: uuid,
  profileName: z.string().max(300),
  /**
   * The compare the counts come from: the latest compare of this tenant and profile before `asOf`
   * that produced findings state (succeeded or partially succeeded); null when none did. Snapshots
   * generated before this rule may name a later failed compare here.
   */
  lastCompareRunId: uuid.nullable(),
  lastComparedAt: isoDateTime.nullable(),
  lastCompareOutcome: outcome.nullable(),
  /**
   * The latest completed compare before `asOf` when it is later than `lastCompareRunId`'s and
   * produced no findings state (failed, blocked, cancelled); absent when the latest compare is the
   * posture's own.
   */
  laterUnusableCompare: unusableCompareSchema.optional(),
  /** Current finding counts by status (open and reopened are unresolved; resolved = resolved in the window). */
  counts: findingStatusCountsSchema,
  /** The same counts by finding kind (DESIGN.md §5 kinds: setting_changed, policy_missing, …). */
  byKind: z.record(z.string().max(100), findingStatusCountsSchema),
  /** Ids of the unresolved (open or reopened) findings, for traceability. */
  unresolvedFindingIds: z.array(uuid),
  /** Completed compares of this tenant and profile inside the window, oldest first. */
  history: z.array(driftHistoryPointSchema),
});
export type ProfileDrift = z.infer<typeof profileDriftSchema>;

/** Runs of one type that ended with one outcome: the count and exactly the runs it counts. */
export const countedRunsSchema = z
  .object({ count, runIds: z.array(uuid) })
  .refine((value) => value.count === value.runIds.length, { message: "count must equal runIds.length" });

/**
 * A run of the window that did not fully succeed (partially succeeded, failed, blocked or
 * cancelled), with its operator-safe reason only (never diagnostics).
 */
export const operationFailureSchema = z.object({
  runId: uuid,
  type: z.string().max(100),
  outcome,
  completedAt: isoDateTime,
  /** Operator-safe failure code and sentence (`operation_runs.failure`), or null when none was stored. */
  code: z.string().max(100).nullable(),
  message: z.string().max(1_000).nullable(),
  /**
   * Policy kinds (Graph `@odata.type` without prefix) a capture or compare could not read, from its
   * `context.result.unreadablePolicyKinds`; absent when the run named none. Readers map them to
   * catalog labels.
   */
  unreadablePolicyKinds: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,99}$/))
    .max(100)
    .optional(),
});
export type OperationFailure = z.infer<typeof operationFailureSchema>;

/**
 * The tenant's operation runs that completed inside the window, by type and outcome. Review-family
 * runs (`evidence_snapshot.generate`, `tenant.review.compose`) are not counted: a review reports on
 * governance work, not on itself. Runs still queued or running at `asOf` are not counted either;
 * `activeRunCount` says how many there were.
 */
export const operationCountsSchema = z.object({
  total: count,
  byOutcome: z.partialRecord(outcome, count),
  /** run type → outcome → counted runs. */
  byType: z.record(z.string().max(100), z.partialRecord(outcome, countedRunsSchema)),
  failures: z.array(operationFailureSchema),
  activeRunCount: count,
});
export type OperationCounts = z.infer<typeof operationCountsSchema>;

/** `evidence_snapshots.content`. */
export const evidenceSnapshotContentSchema = z.object({
  /**
   * The moment the snapshot describes (ISO-8601): min(window end, generation time). Only a snapshot
   * whose `asOf` equals the window's end describes the whole window; review composition reuses no other.
   */
  asOf: isoDateTime,
  /** The sources walked, in order (the run's counted `total`). */
  sources: z.array(evidenceSourceEntrySchema),
  inventory: inventoryCoverageSchema,
  /** One entry per baseline profile this tenant was compared with (or is the source of), by profile name. */
  drift: z.array(profileDriftSchema),
  operations: operationCountsSchema,
});
export type EvidenceSnapshotContent = z.infer<typeof evidenceSnapshotContentSchema>;
