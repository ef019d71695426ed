/**
 * The run type catalog: for each run type its operator-facing label, unit noun, phase catalog,
 * whether it is composite-aware, and the graphile-worker task that executes it (DESIGN.md §1, §3).
 * Labels here are the only source of run type and phase copy.
 * @module
 */

/** One phase of a phase catalog: an internal key and its operator-safe label. */
export interface PhaseDefinition {
  key: string;
  label: string;
}

/** Catalog entry for one run type. */
export interface RunTypeInfo {
  type: string;
  /** Noun phrase, sentence case: "Baseline compare". */
  label: string;
  /** Present participle for activity mode: "Comparing baseline". */
  activityLabel: string;
  /** Plural unit noun for counted detail: "120 of 450 policies". */
  unitNoun: string;
  /** Ordered phase catalog; absent → never phased. */
  phases?: readonly PhaseDefinition[];
  /** True → `context.progress.composite` may describe the run. */
  compositeAware: boolean;
  /** graphile-worker task identifier. */
  taskIdentifier: string;
}

/** Phase catalog of `baseline_capture` (DESIGN.md §3). */
export const BASELINE_CAPTURE_PHASES = [
  { key: "resolve_scope", label: "Resolving capture scope" },
  { key: "capture_evidence", label: "Capturing source tenant policies" },
  { key: "build_snapshot", label: "Building baseline snapshot" },
  { key: "finalize", label: "Finalizing" },
] as const satisfies readonly PhaseDefinition[];

/** Phase catalog of `baseline_compare` (DESIGN.md §3). */
export const BASELINE_COMPARE_PHASES = [
  { key: "check_eligibility", label: "Checking eligibility" },
  { key: "capture_evidence", label: "Capturing current tenant policies" },
  { key: "compare", label: "Comparing against baseline" },
  { key: "record_findings", label: "Recording drift findings" },
] as const satisfies readonly PhaseDefinition[];

export type BaselineCapturePhase = (typeof BASELINE_CAPTURE_PHASES)[number]["key"];
export type BaselineComparePhase = (typeof BASELINE_COMPARE_PHASES)[number]["key"];

/** Every known run type. */
export const RUN_TYPES = {
  baseline_capture: {
    type: "baseline_capture",
    label: "Baseline capture",
    activityLabel: "Capturing baseline",
    unitNoun: "policies",
    phases: BASELINE_CAPTURE_PHASES,
    compositeAware: false,
    taskIdentifier: "baseline_capture",
  },
  baseline_compare: {
    type: "baseline_compare",
    label: "Baseline compare",
    activityLabel: "Comparing baseline",
    unitNoun: "policies",
    phases: BASELINE_COMPARE_PHASES,
    compositeAware: false,
    taskIdentifier: "baseline_compare",
  },
  "evidence_snapshot.generate": {
    type: "evidence_snapshot.generate",
    label: "Evidence snapshot",
    activityLabel: "Generating evidence snapshot",
    unitNoun: "evidence sources",
    compositeAware: false,
    taskIdentifier: "evidence_snapshot_generate",
  },
  "tenant.review.compose": {
    type: "tenant.review.compose",
    label: "Tenant review",
    activityLabel: "Composing tenant review",
    unitNoun: "sections",
    compositeAware: true,
    taskIdentifier: "tenant_review_compose",
  },
} as const satisfies Record<string, RunTypeInfo>;

/** A known run type key. */
export type RunType = keyof typeof RUN_TYPES;

/** Fallback for stored types this build does not know: generic copy, never phased or composite. */
const UNKNOWN_RUN_TYPE: RunTypeInfo = {
  type: "unknown",
  label: "Operation",
  activityLabel: "Working",
  unitNoun: "items",
  compositeAware: false,
  taskIdentifier: "",
};

/** True when `value` is a known run type. */
export function isRunType(value: unknown): value is RunType {
  return typeof value === "string" && Object.hasOwn(RUN_TYPES, value);
}

/** Catalog entry for a stored type; unknown or hostile values get generic, operator-safe copy. */
export function getRunTypeInfo(type: unknown): RunTypeInfo {
  return isRunType(type) ? RUN_TYPES[type] : UNKNOWN_RUN_TYPE;
}

/**
 * Wait reasons a phase may carry (DESIGN.md §3). `{time}` is replaced by the next attempt's
 * wall-clock time ("10:42"), or the sentence ends without it when no time is known.
 */
export const WAIT_REASONS = {
  throttled: "Waiting for Microsoft Graph to accept more requests",
  retry_backoff: "Waiting before retrying",
} as const;
export type WaitReason = keyof typeof WAIT_REASONS;

/** The keys of {@link WAIT_REASONS}, for zod enums (`waitProgressSchema` in run-record.ts). */
export const WAIT_REASON_KEYS = Object.keys(WAIT_REASONS) as [WaitReason, ...WaitReason[]];

/**
 * Singular form of each catalog unit noun ("policies" → "policy"), for counts of exactly one.
 * Look up with `Object.hasOwn`; a noun missing here is used as is.
 */
export const SINGULAR_UNIT_NOUNS: Readonly<Record<string, string>> = {
  policies: "policy",
  "evidence sources": "evidence source",
  sections: "section",
  items: "item",
};

/** The unit noun of `info` for `count` units: singular for exactly 1 ("1 policy"), else plural. */
export function toUnitNoun(info: RunTypeInfo, count: number): string {
  if (count === 1 && Object.hasOwn(SINGULAR_UNIT_NOUNS, info.unitNoun)) {
    return SINGULAR_UNIT_NOUNS[info.unitNoun] ?? info.unitNoun;
  }
  return info.unitNoun;
}
