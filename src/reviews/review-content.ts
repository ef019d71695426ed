/**
 * The content of a tenant review (`tenant_reviews.sections`): an ordered list of sections, each a
 * self-contained, operator-safe record, so a ready review renders the same forever (HTML, Markdown,
 * PDF, JSON) even after the runs and findings it describes change. The section factory
 * (reviews/review-section-factory.ts) produces them from an evidence snapshot; renderers only read.
 * Readers parse stored JSON with {@link reviewSectionsSchema}.
 * @module
 */
import { z } from "zod";
import { RUN_OUTCOMES } from "../operations/run-record.js";

const count = z.int().min(0);
const isoDateTime = z.iso.datetime({ offset: true });
const uuid = z.uuid();
const outcome = z.enum(RUN_OUTCOMES);
const text = (max = 500) => z.string().max(max);

/** Section kinds, in the order a review shows them. */
export const REVIEW_SECTION_KINDS = [
  "executive_summary",
  "baseline_posture",
  "notable_drift",
  "operations_health",
  "evidence_basis",
] as const;
export type ReviewSectionKind = (typeof REVIEW_SECTION_KINDS)[number];

/** Section headings: the same words in every format (the PDF test looks for them). */
export const REVIEW_SECTION_TITLES: Readonly<Record<ReviewSectionKind, string>> = {
  executive_summary: "Executive summary",
  baseline_posture: "Baseline posture",
  notable_drift: "Notable drift",
  operations_health: "Operations health",
  evidence_basis: "Evidence basis",
};

/** A tenant's standing against one profile: `not_compared` when no compare completed. */
export const POSTURE_STATES = ["aligned", "drifted", "not_compared"] as const;
export type PostureState = (typeof POSTURE_STATES)[number];

/**
 * A setting value as a review may show it: a short text, "redacted" for secrets (the value is never
 * stored in the review), or "absent" (the policy or setting does not exist on that side).
 */
export const displayValueSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("value"), text: text(300) }),
  z.object({ kind: z.literal("redacted") }),
  z.object({ kind: z.literal("absent") }),
]);
export type DisplayValue = z.infer<typeof displayValueSchema>;

export const executiveSummarySectionSchema = z.object({
  kind: z.literal("executive_summary"),
  /** One sentence, e.g. "Drifted from 1 of 2 baseline profiles; 14 operations, 1 failed." */
  headline: text(),
  /** Further sentences, plain text. */
  points: z.array(text()).max(20),
  /** Worst posture over all profiles (drifted > aligned > not_compared). */
  posture: z.enum(POSTURE_STATES),
  unresolvedFindingCount: count,
  operationCount: count,
  /** Operations that ended failed (not blocked or cancelled). */
  failedOperationCount: count,
});

export const profilePostureSchema = z.object({
  profileId: uuid,
  profileName: text(300),
  state: z.enum(POSTURE_STATES),
  /**
   * The compare the posture comes from: the latest one that produced findings state (succeeded or
   * partially succeeded) before the evidence's `asOf`; null when none did.
   */
  lastComparedAt: isoDateTime.nullable(),
  lastCompareRunId: uuid.nullable(),
  /**
   * A sentence about this profile's compares the figures alone do not say, e.g. "The latest compare
   * on 12 Nov 2026 09:20 UTC failed; the posture is from the compare on 10 Nov 2026 08:00 UTC."
   * Absent when there is nothing to add.
   */
  note: text().optional(),
  /** Open + reopened findings now. */
  unresolvedCount: count,
  openCount: count,
  reopenedCount: count,
  /** Findings resolved inside the period. */
  resolvedCount: count,
  /** Unresolved findings by finding kind → count. */
  unresolvedByKind: z.record(text(100), count),
  /** The previous ready review's unresolved count for this profile; null when there is none or it did not cover the profile. */
  previousUnresolvedCount: count.nullable(),
  /** unresolvedCount − previousUnresolvedCount; null when there is no previous figure. */
  changeSincePrevious: z.int().nullable(),
});
export type ProfilePosture = z.infer<typeof profilePostureSchema>;

export const baselinePostureSectionSchema = z.object({
  kind: z.literal("baseline_posture"),
  /** The previous ready review compared against, if any. */
  previousReview: z.object({ reviewId: uuid, periodLabel: text(200) }).nullable(),
  profiles: z.array(profilePostureSchema),
});

export const notableFindingSchema = z.object({
  findingId: uuid,
  profileName: text(300),
  policyName: text(300),
  /** Graph policy kind (no prefix), e.g. "deviceManagementConfigurationPolicy". */
  policyKind: text(200),
  /** Operator label of the policy kind, e.g. "Settings catalog policy". */
  policyKindLabel: text(200),
  /** DESIGN.md §5 finding kind, e.g. "setting_changed". */
  findingKind: text(100),
  /** Operator label of the finding kind, e.g. "Setting changed". */
  findingKindLabel: text(200),
  /** Operator label of the setting (or null for policy-level findings). */
  settingLabel: text(500).nullable(),
  /**
   * The raw drift path (settings catalog definition ids, property names, "/"-separated) for
   * integrations that match on real setting ids; the JSON export carries it, HTML and Markdown show
   * `settingLabel`. Absent for policy-level findings (and for paths longer than 2,000 characters).
   */
  settingPath: text(2_000).optional(),
  expected: displayValueSchema,
  actual: displayValueSchema,
  status: z.enum(["open", "reopened"]),
  firstSeenAt: isoDateTime,
});
export type NotableFinding = z.infer<typeof notableFindingSchema>;

/** One point of the drift-over-time chart: unresolved findings after a compare. */
export const driftChartPointSchema = z.object({ at: isoDateTime, profileName: text(300), unresolvedCount: count });

export const notableDriftSectionSchema = z.object({
  kind: z.literal("notable_drift"),
  /** All unresolved findings of the tenant (every profile). */
  unresolvedCount: count,
  /** The top findings, most significant first (policy missing > setting changed > …, then oldest). */
  findings: z.array(notableFindingSchema).max(50),
  /** Data of the "drift findings over time" chart, oldest first. */
  chart: z.array(driftChartPointSchema),
});

export const operationTypeHealthSchema = z.object({
  type: text(100),
  /** Run type label from the catalog, e.g. "Baseline compare". */
  typeLabel: text(200),
  total: count,
  byOutcome: z.partialRecord(outcome, count),
});

/** A run of the period that did not fully succeed (partially succeeded, failed, blocked or cancelled). */
export const operationFailureEntrySchema = z.object({
  runId: uuid,
  typeLabel: text(200),
  outcome,
  /** Display status label, e.g. "Failed", "Blocked". */
  outcomeLabel: text(100),
  completedAt: isoDateTime,
  /**
   * Operator-safe reason sentence; never diagnostics. A partial read names the policy kinds it
   * could not read by their catalog labels.
   */
  reason: text(1_000),
});

export const operationsHealthSectionSchema = z.object({
  kind: z.literal("operations_health"),
  total: count,
  byOutcome: z.partialRecord(outcome, count),
  /** Also the data of the "operation outcomes by type" chart. */
  byType: z.array(operationTypeHealthSchema),
  /** Runs that did not fully succeed, partially succeeded ones included, oldest first. */
  failures: z.array(operationFailureEntrySchema).max(100),
  /** Runs still active when the evidence was generated (not counted). */
  activeRunCount: count,
});

export const evidenceBasisSectionSchema = z.object({
  kind: z.literal("evidence_basis"),
  snapshotId: uuid,
  /** The run that generated the snapshot. */
  snapshotRunId: uuid,
  generatedAt: isoDateTime,
  /** True when this review's compose run had to generate the snapshot first. */
  generatedByCompose: z.boolean(),
  /**
   * Why the compose run generated the snapshot (operator copy), e.g. "The period had not ended when
   * the last evidence snapshot was taken (as of 12 Nov 2026 09:11 UTC), so a new one was generated."
   * Absent when an existing snapshot was reused (and in reviews composed before this field).
   */
  generationReason: text().optional(),
  /** The complete snapshot of the period that was not reused because it did not cover the whole period. */
  replacedSnapshotId: uuid.optional(),
  windowStart: isoDateTime,
  windowEnd: isoDateTime,
  asOf: isoDateTime,
  /** Operator labels of the evidence sources walked. */
  sources: z.array(text(300)),
  inventory: z.object({
    captureRunId: uuid.nullable(),
    capturedAt: isoDateTime.nullable(),
    policyCount: count,
    unreadableCount: count,
    byKind: z.array(z.object({ policyKind: text(200), label: text(200), count })),
  }),
  /** Every run the operation counts count, so each figure can be traced. */
  countedRunIds: z.array(uuid),
  /** Plain-text notes on what the evidence does not cover. */
  notes: z.array(text()),
});

export const reviewSectionSchema = z.discriminatedUnion("kind", [
  executiveSummarySectionSchema,
  baselinePostureSectionSchema,
  notableDriftSectionSchema,
  operationsHealthSectionSchema,
  evidenceBasisSectionSchema,
]);
export type ReviewSection = z.infer<typeof reviewSectionSchema>;
export type ExecutiveSummarySection = z.infer<typeof executiveSummarySectionSchema>;
export type BaselinePostureSection = z.infer<typeof baselinePostureSectionSchema>;
export type NotableDriftSection = z.infer<typeof notableDriftSectionSchema>;
export type OperationsHealthSection = z.infer<typeof operationsHealthSectionSchema>;
export type EvidenceBasisSection = z.infer<typeof evidenceBasisSectionSchema>;

/** `tenant_reviews.sections`. */
export const reviewSectionsSchema = z.array(reviewSectionSchema);

/**
 * A review as renderers and the API see it: the row's metadata and its parsed sections.
 * Times are ISO-8601 strings (UTC).
 */
export interface TenantReviewDocument {
  id: string;
  workspaceId: string;
  tenantId: string;
  tenantName: string;
  /** Entra tenant id (GUID), when known. */
  entraTenantId: string | null;
  periodStart: string;
  periodEnd: string;
  periodLabel: string;
  status: "draft" | "ready";
  runId: string;
  evidenceSnapshotId: string | null;
  createdAt: string;
  readyAt: string | null;
  sections: ReviewSection[];
}
