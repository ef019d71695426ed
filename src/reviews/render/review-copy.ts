/**
 * Operator copy shared by every tenant review format (HTML view, printable document, Markdown, PDF):
 * labels for postures, values, finding kinds, outcomes and run types, counts with units, and UTC
 * dates. Pure: no I/O, no clock; stored keys never reach the reader (they map through catalogs).
 * @module
 */
import { FINDING_KIND_LABELS } from "../../baselines/drift/finding-kinds.js";
import { RUN_OUTCOMES, type RunOutcome } from "../../operations/run-record.js";
import { getRunTypeInfo, isRunType, RUN_TYPES } from "../../operations/run-types.js";
import { DISPLAY_STATUS_CATALOG, type StatusTone } from "../../operations/status-normalizer.js";
import type {
  BaselinePostureSection,
  DisplayValue,
  EvidenceBasisSection,
  NotableDriftSection,
  OperationsHealthSection,
  PostureState,
  TenantReviewDocument,
} from "../review-content.js";

/** Shown instead of a secret setting value (the review never stores it). */
export const REDACTED_VALUE_TEXT = "Secret (hidden)";
/** Shown when the policy or setting does not exist on that side. */
export const ABSENT_VALUE_TEXT = "Not present";

const numberFormat = new Intl.NumberFormat("en-US");

/** "12,400": en-US grouping (docs/ui-standards.md §2). */
export function formatCount(count: number): string {
  return numberFormat.format(count);
}

/** "1 drift finding", "12 drift findings", "no drift findings". */
export function describeCount(count: number, singular: string, plural: string): string {
  if (count === 0) return `no ${plural}`;
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

function toDate(iso: string | null): Date | undefined {
  if (iso === null) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const pad = (value: number) => String(value).padStart(2, "0");

/** "3 Nov 2026" (UTC); "Unknown date" for a missing or unreadable time. */
export function formatUtcDate(iso: string | null): string {
  const date = toDate(iso);
  if (!date) return "Unknown date";
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "3 Nov 2026 10:42 UTC" (24-hour); "Unknown time" for a missing or unreadable time. */
export function formatUtcDateTime(iso: string | null): string {
  const date = toDate(iso);
  if (!date) return "Unknown time";
  return `${formatUtcDate(iso)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** How a posture reads: a label, a tone for colour, and a symbol so colour is never the only cue. */
export interface PostureCopy {
  label: string;
  tone: StatusTone;
  symbol: string;
}

const POSTURE_COPY: Readonly<Record<PostureState, PostureCopy>> = {
  aligned: { label: "Aligned", tone: "success", symbol: "✓" },
  drifted: { label: "Drifted", tone: "warning", symbol: "!" },
  not_compared: { label: "Not compared", tone: "neutral", symbol: "–" },
};

/** Copy of a baseline posture; unknown stored values read "Not compared". */
export function describePosture(state: PostureState): PostureCopy {
  return Object.hasOwn(POSTURE_COPY, state) ? POSTURE_COPY[state] : POSTURE_COPY.not_compared;
}

/**
 * The text of an expected or actual value: the value, "Secret (hidden)" or "Not present". A redacted
 * value prints only the placeholder, even if a stray `text` was smuggled onto it.
 */
export function describeDisplayValue(value: DisplayValue): string {
  switch (value.kind) {
    case "value":
      return value.text;
    case "redacted":
      return REDACTED_VALUE_TEXT;
    default:
      return ABSENT_VALUE_TEXT;
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "Changed setting" for `setting_changed`; unknown kinds read "Other finding", never the key. */
export function describeFindingKind(kind: string): string {
  return Object.hasOwn(FINDING_KIND_LABELS, kind)
    ? capitalise(FINDING_KIND_LABELS[kind as keyof typeof FINDING_KIND_LABELS].one)
    : "Other finding";
}

/** Unresolved-by-kind counts as table rows in catalog order, unknown kinds summed as "Other findings". */
export function toFindingKindRows(counts: Readonly<Record<string, number>>): { label: string; count: number }[] {
  const rows: { label: string; count: number }[] = [];
  for (const [kind, labels] of Object.entries(FINDING_KIND_LABELS)) {
    const count = Object.hasOwn(counts, kind) ? counts[kind] : undefined;
    if (typeof count === "number" && count > 0) rows.push({ label: capitalise(labels.many), count });
  }
  let other = 0;
  for (const [kind, count] of Object.entries(counts)) {
    if (!Object.hasOwn(FINDING_KIND_LABELS, kind) && Number.isSafeInteger(count) && count > 0) other += count;
  }
  if (other > 0) rows.push({ label: "Other findings", count: other });
  return rows;
}

/** "Open" / "Reopened". */
export function describeFindingStatus(status: "open" | "reopened"): string {
  return status === "reopened" ? "Reopened" : "Open";
}

/** The display status label of an outcome ("Partially succeeded"), from the status catalog. */
export function describeOutcome(outcome: RunOutcome): string {
  return Object.hasOwn(DISPLAY_STATUS_CATALOG, outcome)
    ? DISPLAY_STATUS_CATALOG[outcome].label
    : DISPLAY_STATUS_CATALOG.completed_unknown.label;
}

/** The tone of an outcome, from the status catalog. */
export function toOutcomeTone(outcome: RunOutcome): StatusTone {
  return Object.hasOwn(DISPLAY_STATUS_CATALOG, outcome) ? DISPLAY_STATUS_CATALOG[outcome].tone : "neutral";
}

/** The catalog label of a run type ("Baseline compare"); unknown types read "Operation". */
export function describeRunType(type: string): string {
  return isRunType(type) ? getRunTypeInfo(type).label : getRunTypeInfo(undefined).label;
}

const KNOWN_RUN_TYPE_LABELS: ReadonlySet<string> = new Set(Object.values(RUN_TYPES).map((info) => info.label));

/**
 * A stored run type label (failure entries keep only the label): a catalog label passes; anything
 * else, such as an unknown type's key, reads "Operation".
 */
export function describeRunTypeLabel(typeLabel: string): string {
  return KNOWN_RUN_TYPE_LABELS.has(typeLabel) ? typeLabel : getRunTypeInfo(undefined).label;
}

/** Change since the previous review with its sign: "+3", "−2", "No change", or "No previous figure". */
export function describeChange(change: number | null): string {
  if (change === null) return "No previous figure";
  if (change === 0) return "No change";
  return change > 0 ? `+${formatCount(change)}` : `−${formatCount(-change)}`;
}

/** "Draft" / "Ready". */
export function describeReviewStatus(status: TenantReviewDocument["status"]): string {
  return status === "ready" ? "Ready" : "Draft";
}

/** The sentence of the draft banner, after its "Draft review." lead. */
export const DRAFT_NOTICE = "Its content may still change until it is marked ready.";

/** "Tenant review: Contoso". */
export function describeReviewTitle(review: Pick<TenantReviewDocument, "tenantName">): string {
  return `Tenant review: ${review.tenantName}`;
}

/**
 * Which review the posture changes compare with. When the previous review has no figure for any
 * profile listed (it covered other profiles, or none was compared then), that is said plainly
 * instead of promising a comparison every row then declines.
 */
export function describePreviousReview(
  section: Pick<BaselinePostureSection, "previousReview"> & {
    profiles?: readonly Pick<BaselinePostureSection["profiles"][number], "previousUnresolvedCount">[];
  },
): string {
  if (!section.previousReview) return "There is no ready review of an earlier period to compare with.";
  const profiles = section.profiles ?? [];
  if (profiles.length > 0 && profiles.every((profile) => profile.previousUnresolvedCount === null))
    return `The previous ready review (${section.previousReview.periodLabel}) has no figure for these baseline profiles, so no change is shown.`;
  return `Changes are compared with the previous ready review (${section.previousReview.periodLabel}).`;
}

/** Shown when the tenant was compared with no baseline profile (and is the source of none). */
export const NO_PROFILES = "This tenant has not been compared with any baseline profile, so no posture is reported.";

/** "4 unresolved drift findings across all baseline profiles; the 3 most significant are listed below." */
export function describeNotableDrift(section: Pick<NotableDriftSection, "unresolvedCount" | "findings">): string {
  if (section.unresolvedCount === 0) return "No unresolved drift findings.";
  const shown = section.findings.length;
  const all = describeCount(section.unresolvedCount, "unresolved drift finding", "unresolved drift findings");
  return `${all} across all baseline profiles${shown < section.unresolvedCount ? `; the ${formatCount(shown)} most significant are listed below` : ""}.`;
}

/**
 * "14 operations completed in this period: 11 succeeded, 1 failed. 1 operation was still running
 * when the evidence was generated and is not counted." Outcomes in catalog order, labels from the
 * status catalog.
 */
export function describeOperationsSummary(
  section: Pick<OperationsHealthSection, "total" | "byOutcome" | "activeRunCount">,
): string {
  const outcomes = RUN_OUTCOMES.flatMap((outcome) => {
    const count = section.byOutcome[outcome] ?? 0;
    return count > 0 ? [`${formatCount(count)} ${describeOutcome(outcome).toLowerCase()}`] : [];
  });
  const counted =
    section.total === 0
      ? "No operations in this period."
      : `${describeCount(section.total, "operation", "operations")} completed in this period${outcomes.length > 0 ? `: ${outcomes.join(", ")}` : ""}.`;
  const active =
    section.activeRunCount > 0
      ? ` ${describeCount(section.activeRunCount, "operation was", "operations were")} still running when the evidence was generated and ${section.activeRunCount === 1 ? "is" : "are"} not counted.`
      : "";
  return counted + active;
}

/** Shown instead of the failures table. */
export const NO_FAILURES = "No operation partially succeeded, failed, was blocked or was cancelled in this period.";

/** "87 policies, 2 export files unreadable; captured 27 Nov 2026 07:58 UTC". */
export function describeInventory(inventory: EvidenceBasisSection["inventory"]): string {
  const unreadable =
    inventory.unreadableCount > 0
      ? `, ${describeCount(inventory.unreadableCount, "policy entry", "policy entries")} unreadable`
      : "";
  const captured = inventory.capturedAt
    ? `captured ${formatUtcDateTime(inventory.capturedAt)}`
    : "no capture in this window";
  return `${describeCount(inventory.policyCount, "policy", "policies")}${unreadable}; ${captured}`;
}

/** "The operation figures of this review count 14 operations:" (or that they count none). */
export function describeCountedRuns(count: number): string {
  return count === 0
    ? "The operation figures of this review count no operations."
    : `The operation figures of this review count ${describeCount(count, "operation", "operations")}:`;
}
