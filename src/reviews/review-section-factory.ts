/**
 * The review section factory: the one place that turns an evidence snapshot (plus the previous
 * review and the unresolved findings it names) into review sections. A registry keyed by
 * {@link ReviewSectionKind}, one builder per kind, used in {@link REVIEW_SECTION_KINDS} order.
 * Pure: no I/O, no clock; every string it writes is operator copy from catalogs or fixed templates,
 * and setting values pass through {@link toDisplayValue} (secrets never leave as text).
 * @module
 */
import { FINDING_KIND_LABELS } from "../baselines/drift/finding-kinds.js";
import { SECRET_MARKER } from "../baselines/drift/normalize-policy.js";
import type { EvidenceSnapshotContent } from "../evidence/evidence-snapshot-content.js";
import { describePolicyKind } from "../inventory/policy-kinds.js";
import { formatCount } from "../operations/progress-contract.js";
import { RUN_OUTCOMES, type RunOutcome } from "../operations/run-record.js";
import { getRunTypeInfo } from "../operations/run-types.js";
import { DISPLAY_STATUS_CATALOG } from "../operations/status-normalizer.js";
import { isOperatorErrorCode, OPERATOR_ERRORS } from "../shared/operator-error.js";
import { formatUtcDateTime } from "./render/review-copy.js";
import {
  type BaselinePostureSection,
  type DisplayValue,
  type EvidenceBasisSection,
  type ExecutiveSummarySection,
  type NotableDriftSection,
  type NotableFinding,
  type OperationsHealthSection,
  type PostureState,
  type ProfilePosture,
  REVIEW_SECTION_KINDS,
  type ReviewSection,
  type ReviewSectionKind,
} from "./review-content.js";

/** Most notable findings a review lists. */
export const MAX_NOTABLE_FINDINGS = 15;
/** Longest value text a review shows; longer values end with "…". */
export const MAX_DISPLAY_VALUE_LENGTH = 200;

/** A stored drift finding as the factory reads it (loaded by review-compose from the snapshot's ids). */
export interface FindingForReview {
  id: string;
  profileName: string;
  kind: string;
  policyKind: string;
  policyName: string;
  path: string | null;
  expected: unknown;
  actual: unknown;
  status: string;
  firstSeenAt: Date;
}

/**
 * Why a compose run generated its own evidence snapshot: none of the period existed, or the latest
 * one was taken before the period ended (`staleAsOf`, ISO-8601) and so misses later work.
 */
export type EvidenceGeneration =
  | { reason: "none_existed" }
  | { reason: "period_not_ended"; staleSnapshotId: string; staleAsOf: string };

/**
 * The sentence saying why a compose run generated its evidence:
 * "The period had not ended when the last evidence snapshot was taken (as of 12 Nov 2026 09:11 UTC),
 * so a new one was generated."
 */
export function describeEvidenceGeneration(generation: EvidenceGeneration): string {
  return generation.reason === "period_not_ended"
    ? `The period had not ended when the last evidence snapshot was taken (as of ${formatUtcDateTime(generation.staleAsOf)}), so a new one was generated.`
    : "No evidence snapshot of this period existed, so the review's compose operation generated one.";
}

/** Everything the builders read. */
export interface ReviewSectionInput {
  periodLabel: string;
  snapshot: {
    id: string;
    runId: string;
    completedAt: Date;
    windowStart: Date;
    windowEnd: Date;
    content: EvidenceSnapshotContent;
  };
  /** True when the compose run generated the snapshot first. */
  generatedByCompose: boolean;
  /** Why it did, when it did (Default: unknown — the evidence basis then only says that it did). */
  evidenceGeneration?: EvidenceGeneration | null;
  /** The latest ready review of the tenant whose period ended by this one's start, with its stored sections. */
  previousReview: { id: string; periodLabel: string; sections: readonly ReviewSection[] } | null;
  /** The snapshot's unresolved findings (any order; the factory ranks them). */
  findings: readonly FindingForReview[];
}

/** A builder of one section kind. */
export type ReviewSectionBuilder<K extends ReviewSectionKind> = (
  input: ReviewSectionInput,
) => Extract<ReviewSection, { kind: K }>;

/** The registry: one builder per section kind. */
export const REVIEW_SECTION_BUILDERS: { readonly [K in ReviewSectionKind]: ReviewSectionBuilder<K> } = {
  executive_summary: buildExecutiveSummary,
  baseline_posture: buildBaselinePosture,
  notable_drift: buildNotableDrift,
  operations_health: buildOperationsHealth,
  evidence_basis: buildEvidenceBasis,
};

/** Build one section. */
export function buildReviewSection(kind: ReviewSectionKind, input: ReviewSectionInput): ReviewSection {
  return REVIEW_SECTION_BUILDERS[kind](input);
}

/** Build every section, in {@link REVIEW_SECTION_KINDS} order. */
export function buildReviewSections(input: ReviewSectionInput): ReviewSection[] {
  return REVIEW_SECTION_KINDS.map((kind) => buildReviewSection(kind, input));
}

// ---- executive summary ----

function buildExecutiveSummary(input: ReviewSectionInput): ExecutiveSummarySection {
  const { content } = input.snapshot;
  const postures = toProfilePostures(input);
  const drifted = postures.filter((profile) => profile.state === "drifted").length;
  const compared = postures.filter((profile) => profile.state !== "not_compared").length;
  const unresolved = postures.reduce((sum, profile) => sum + profile.unresolvedCount, 0);
  const failed = content.operations.byOutcome.failed ?? 0;
  const posture: PostureState = drifted > 0 ? "drifted" : compared > 0 ? "aligned" : "not_compared";
  const operations = countNoun(content.operations.total, "operation", "operations");
  // One sentence whether no profile is related to the tenant or none of its profiles produced
  // findings state yet: either way no compare tells us anything about drift.
  const postureSentence =
    compared === 0
      ? "Not compared with any baseline profile"
      : drifted > 0
        ? `Drifted from ${formatCount(drifted)} of ${countNoun(compared, "compared baseline profile", "compared baseline profiles")}`
        : `Aligned with ${compared === 1 ? "its compared baseline profile" : `all ${formatCount(compared)} compared baseline profiles`}`;
  // Every outcome other than succeeded is named, so a partial run is never hidden behind "0 failed".
  const notSucceeded = describeOutcomeCounts({ ...content.operations.byOutcome, succeeded: 0 });
  const operationsClause =
    content.operations.total === 0 ? "" : notSucceeded === "" ? ", all succeeded" : `, ${notSucceeded}`;
  const headline = `${postureSentence}; ${operations}${operationsClause}.`;
  const points: string[] = [];
  points.push(
    unresolved === 0
      ? "No drift findings are unresolved."
      : `${capitalise(countNoun(unresolved, "drift finding is", "drift findings are"))} unresolved.`,
  );
  const resolved = postures.reduce((sum, profile) => sum + profile.resolvedCount, 0);
  if (resolved > 0)
    points.push(`${capitalise(countNoun(resolved, "finding was", "findings were"))} resolved in ${input.periodLabel}.`);
  const change = postures.reduce<number | null>(
    (sum, profile) => (profile.changeSincePrevious === null ? sum : (sum ?? 0) + profile.changeSincePrevious),
    null,
  );
  if (input.previousReview !== null && change !== null) {
    points.push(
      change === 0
        ? `Unresolved findings are unchanged since the ${input.previousReview.periodLabel} review.`
        : `Unresolved findings ${change > 0 ? "rose" : "fell"} by ${formatCount(Math.abs(change))} since the ${input.previousReview.periodLabel} review.`,
    );
  }
  // The per-profile note is also a point: renderers show points in every format.
  for (const profile of postures) {
    if (profile.note !== undefined) points.push(`${profile.profileName}: ${lowerFirst(profile.note)}`);
  }
  if (content.operations.total > 0) {
    const outcomes = describeOutcomeCounts(content.operations.byOutcome);
    points.push(`Operations in ${input.periodLabel}: ${outcomes}.`);
  } else {
    points.push(`No operations completed in ${input.periodLabel}.`);
  }
  if (content.inventory.captureId !== null) {
    points.push(
      `${capitalise(countNoun(content.inventory.policyCount, "policy was", "policies were"))} read at the latest capture.`,
    );
  }
  return {
    kind: "executive_summary",
    headline: truncate(headline, 500),
    points: points.map((point) => truncate(point, 500)).slice(0, 20),
    posture,
    unresolvedFindingCount: unresolved,
    operationCount: content.operations.total,
    failedOperationCount: failed,
  };
}

// ---- baseline posture ----

function buildBaselinePosture(input: ReviewSectionInput): BaselinePostureSection {
  return {
    kind: "baseline_posture",
    previousReview:
      input.previousReview === null
        ? null
        : { reviewId: input.previousReview.id, periodLabel: truncate(input.previousReview.periodLabel, 200) },
    profiles: toProfilePostures(input),
  };
}

/** Posture per profile of the snapshot, with the change since the previous review's figure for the same profile. */
function toProfilePostures(input: ReviewSectionInput): ProfilePosture[] {
  const previous = new Map<string, number>();
  for (const section of input.previousReview?.sections ?? []) {
    if (section.kind !== "baseline_posture") continue;
    for (const profile of section.profiles) {
      if (profile.state !== "not_compared") previous.set(profile.profileId, profile.unresolvedCount);
    }
  }
  return input.snapshot.content.drift.map((drift) => {
    const unresolvedCount = drift.counts.open + drift.counts.reopened;
    const state: PostureState =
      drift.lastCompareRunId === null ? "not_compared" : unresolvedCount > 0 ? "drifted" : "aligned";
    const note = describeLaterUnusableCompare(drift);
    const unresolvedByKind: Record<string, number> = {};
    for (const [kind, counts] of Object.entries(drift.byKind)) {
      const count = counts.open + counts.reopened;
      if (count > 0) unresolvedByKind[kind] = count;
    }
    const previousUnresolvedCount = state === "not_compared" ? null : (previous.get(drift.profileId) ?? null);
    return {
      profileId: drift.profileId,
      profileName: drift.profileName,
      state,
      lastComparedAt: drift.lastComparedAt,
      lastCompareRunId: drift.lastCompareRunId,
      ...(note === undefined ? {} : { note: truncate(note, 500) }),
      unresolvedCount,
      openCount: drift.counts.open,
      reopenedCount: drift.counts.reopened,
      resolvedCount: drift.counts.resolved,
      unresolvedByKind,
      previousUnresolvedCount,
      changeSincePrevious: previousUnresolvedCount === null ? null : unresolvedCount - previousUnresolvedCount,
    };
  });
}

const UNUSABLE_COMPARE_VERBS: Readonly<Partial<Record<RunOutcome, string>>> = {
  failed: "failed",
  blocked: "was blocked",
  cancelled: "was cancelled",
};

/**
 * "The latest compare on 12 Nov 2026 09:20 UTC failed; the posture is from the compare on 10 Nov
 * 2026 08:00 UTC." when a compare after the posture's own left no findings state; undefined otherwise.
 */
function describeLaterUnusableCompare(drift: EvidenceSnapshotContent["drift"][number]): string | undefined {
  const later = drift.laterUnusableCompare;
  if (later === undefined) return undefined;
  const verb = UNUSABLE_COMPARE_VERBS[later.outcome] ?? "did not finish";
  const latest = `The latest compare on ${formatUtcDateTime(later.completedAt)} ${verb}`;
  return drift.lastComparedAt === null
    ? `${latest}; no earlier compare succeeded, so the posture is not known.`
    : `${latest}; the posture is from the compare on ${formatUtcDateTime(drift.lastComparedAt)}.`;
}

// ---- notable drift ----

/** Most significant first: a missing policy outweighs a changed setting, which outweighs an added one. */
const FINDING_SIGNIFICANCE: readonly string[] = [
  "missing_policy",
  "ambiguous_match",
  "setting_missing",
  "setting_changed",
  "property_changed",
  "assignment_changed",
  "setting_added",
  "unexpected_policy",
];

function buildNotableDrift(input: ReviewSectionInput): NotableDriftSection {
  const { content } = input.snapshot;
  const unresolvedIds = new Set(content.drift.flatMap((profile) => profile.unresolvedFindingIds));
  const rank = (kind: string) => {
    const index = FINDING_SIGNIFICANCE.indexOf(kind);
    return index === -1 ? FINDING_SIGNIFICANCE.length : index;
  };
  const order = (a: FindingForReview, b: FindingForReview) =>
    rank(a.kind) - rank(b.kind) ||
    a.firstSeenAt.getTime() - b.firstSeenAt.getTime() ||
    a.policyName.localeCompare(b.policyName) ||
    (a.path ?? "").localeCompare(b.path ?? "");
  const findings = pickAcrossKinds(
    input.findings.filter((finding) => unresolvedIds.has(finding.id)).toSorted(order),
    MAX_NOTABLE_FINDINGS,
  )
    .toSorted(order)
    .map(toNotableFinding);
  const chart = content.drift
    .flatMap((profile) =>
      profile.history.map((point) => ({
        at: point.at,
        profileName: profile.profileName,
        unresolvedCount: point.openFindingCount,
      })),
    )
    .toSorted((a, b) => a.at.localeCompare(b.at) || a.profileName.localeCompare(b.profileName));
  return { kind: "notable_drift", unresolvedCount: unresolvedIds.size, findings, chart };
}

/**
 * Up to `max` findings taken in turns from each finding kind (in significance order), so twenty
 * missing policies do not hide every changed setting. `sorted` is in significance order.
 */
function pickAcrossKinds(sorted: readonly FindingForReview[], max: number): FindingForReview[] {
  const byKind = new Map<string, FindingForReview[]>();
  for (const finding of sorted) {
    const queue = byKind.get(finding.kind) ?? [];
    queue.push(finding);
    byKind.set(finding.kind, queue);
  }
  const picked: FindingForReview[] = [];
  const queues = [...byKind.values()];
  while (picked.length < max && queues.some((queue) => queue.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next !== undefined && picked.length < max) picked.push(next);
    }
  }
  return picked;
}

function toNotableFinding(finding: FindingForReview): NotableFinding {
  const secret = finding.path !== null && isSecretSettingPath(finding.path);
  const settingId = finding.path?.split("/").at(-1);
  let expected = toDisplayValue(finding.expected, { secret, ...(settingId ? { settingId } : {}) });
  let actual = toDisplayValue(finding.actual, { secret, ...(settingId ? { settingId } : {}) });
  // Policy-level findings carry no values: say which side has the policy.
  if (finding.kind === "missing_policy") {
    expected = { kind: "value", text: "Policy present" };
    actual = { kind: "absent" };
  } else if (finding.kind === "unexpected_policy") {
    expected = { kind: "absent" };
    actual = { kind: "value", text: "Policy present" };
  }
  const kindLabel = Object.hasOwn(FINDING_KIND_LABELS, finding.kind)
    ? FINDING_KIND_LABELS[finding.kind as keyof typeof FINDING_KIND_LABELS].one
    : "other finding";
  return {
    findingId: finding.id,
    profileName: truncate(finding.profileName, 300),
    policyName: truncate(finding.policyName, 300),
    policyKind: truncate(finding.policyKind, 200),
    policyKindLabel: truncate(describePolicyKind(finding.policyKind), 200),
    findingKind: truncate(finding.kind, 100),
    findingKindLabel: capitalise(kindLabel),
    settingLabel: finding.path === null ? null : truncate(toSettingLabel(finding.path), 500),
    // The raw id for integrations; never truncated (a cut id would match the wrong setting).
    ...(finding.path !== null && finding.path !== "" && finding.path.length <= 2_000
      ? { settingPath: finding.path }
      : {}),
    expected,
    actual,
    status: finding.status === "reopened" ? "reopened" : "open",
    firstSeenAt: finding.firstSeenAt.toISOString(),
  };
}

/** Words in a setting path or name that mark its value as secret (compared on lower-case, glued words). */
const SECRET_WORDS_ANYWHERE = ["secret", "psk", "presharedkey", "privatekey", "passphrase"];
const SECRET_WORDS_AT_END = [
  "password",
  "passwords",
  "key",
  "keys",
  "pin",
  "token",
  "tokens",
  "credential",
  "credentials",
];

/**
 * True when a setting path or name looks like it holds a secret (password, pre-shared key,
 * token, credential, private key, …). Errs towards redaction: a false positive hides a value, a
 * false negative would show a secret.
 */
export function isSecretSettingPath(path: string): boolean {
  return path.split("/").some((segment) => {
    const glued = segment.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (glued === "") return false;
    // A setting *about* passwords ("passwordMinimumLength") is not a secret; one that ends in one is.
    return (
      SECRET_WORDS_ANYWHERE.some((word) => glued.includes(word)) ||
      SECRET_WORDS_AT_END.some((word) => glued.endsWith(word))
    );
  });
}

/**
 * A stored setting value as a review may show it: `absent` for null, undefined, "" and [];
 * `redacted` for secrets (the normaliser's "(secret)" marker anywhere inside, or `secret: true`);
 * otherwise a short text (scalars as is, lists joined with ", ", objects as compact JSON),
 * truncated to {@link MAX_DISPLAY_VALUE_LENGTH} characters. A settings catalog choice value that
 * repeats its setting's definition id (`settingId`) shows only the option:
 * "…_blockuseofcopiedorimpersonatedsystemtools_audit" → "audit".
 */
export function toDisplayValue(value: unknown, options: { secret?: boolean; settingId?: string } = {}): DisplayValue {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) {
    return { kind: "absent" };
  }
  if (options.secret || containsSecretMarker(value)) return { kind: "redacted" };
  let text: string;
  if (typeof value === "string") text = toChoiceOption(value, options.settingId);
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else if (Array.isArray(value) && value.every((item) => ["string", "number", "boolean"].includes(typeof item)))
    text = value.map(String).join(", ");
  else {
    try {
      text = JSON.stringify(value) ?? "";
    } catch {
      text = "(value not shown)"; // unreachable for stored JSON; never let a value break a review
    }
  }
  return { kind: "value", text: truncate(text.replace(/\s+/g, " ").trim(), MAX_DISPLAY_VALUE_LENGTH) };
}

/** The option part of a choice value "<settingDefinitionId>_<option>", else the value unchanged. */
function toChoiceOption(value: string, settingId: string | undefined): string {
  const lower = value.toLowerCase();
  if (settingId !== undefined && settingId !== "" && lower.startsWith(`${settingId.toLowerCase()}_`)) {
    const option = value.slice(settingId.length + 1);
    if (option !== "") return option;
  }
  return value;
}

function containsSecretMarker(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes(SECRET_MARKER);
  if (value === null || typeof value !== "object" || depth > 16) return depth > 16;
  return Object.values(value as Record<string, unknown>).some((inner) => containsSecretMarker(inner, depth + 1));
}

/** Prefixes of settings catalog definition ids that say nothing to an operator. */
const SETTING_ID_PREFIXES = [
  /^(device|user)_vendor_msft_policy_config_/,
  /^(device|user)_vendor_msft_/,
  /^vendor_msft_/,
  /^com\.apple\./,
];

/**
 * An operator label for a drift path: settings catalog definition ids lose their CSP prefix and
 * the parent's shared prefix, words are split (snake case, camel case) and the last two levels are
 * joined with " › ". Placeholders ("{tenantid}") are dropped. Glued words stay glued: there is no
 * dictionary to split them, and a guessed split would invent words.
 * "device_vendor_msft_policy_config_defender_allowarchivescanning" → "Defender allowarchivescanning";
 * "passwordRequiredType" → "Password required type";
 * "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork" → "Passportforwork policies usepassportforwork".
 */
export function toSettingLabel(path: string): string {
  const segments = path
    .split("/")
    .map((segment) => segment.trim())
    .filter((segment) => segment !== "" && !/^\[?\d+\]?$/.test(segment) && !/^#?\d+$/.test(segment));
  if (segments.length === 0) return "Setting";
  const words: string[] = [];
  segments.forEach((segment, index) => {
    let value = segment;
    const parent = index > 0 ? segments[index - 1] : undefined;
    if (parent !== undefined && value.includes("_")) {
      const shared = sharedUnderscorePrefix(parent, value);
      if (shared.length > 0 && shared.length < value.length) value = value.slice(shared.length);
    }
    for (const prefix of SETTING_ID_PREFIXES) value = value.replace(prefix, "");
    words.push(humanise(dropPlaceholders(value)));
  });
  const label = words
    .filter((word) => word !== "")
    .slice(-2)
    .join(" › ");
  return label === "" ? "Setting" : label;
}

/**
 * CSP paths name per-instance nodes with placeholders ("passportforwork_{tenantid}_policies"):
 * they stand for an id the operator never sees, so they are dropped with their joining underscore.
 */
function dropPlaceholders(value: string): string {
  return value
    .replace(/\{[^{}]*\}|<[^<>]*>/g, "")
    .replace(/_{2,}/g, "_")
    .replace(/^_+|_+$/g, "");
}

function sharedUnderscorePrefix(a: string, b: string): string {
  const partsA = a.split("_");
  const partsB = b.split("_");
  let count = 0;
  while (count < partsA.length && count < partsB.length - 1 && partsA[count] === partsB[count]) count++;
  return count === 0 ? "" : `${partsB.slice(0, count).join("_")}_`;
}

function humanise(value: string): string {
  const text = value
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  return capitalise(text);
}

// ---- operations health ----

function buildOperationsHealth(input: ReviewSectionInput): OperationsHealthSection {
  const { operations } = input.snapshot.content;
  const byType = Object.entries(operations.byType)
    .map(([type, outcomes]) => {
      const byOutcome: Partial<Record<RunOutcome, number>> = {};
      let total = 0;
      for (const outcome of RUN_OUTCOMES) {
        const counted = outcomes[outcome];
        if (counted === undefined) continue;
        byOutcome[outcome] = counted.count;
        total += counted.count;
      }
      return { type, typeLabel: getRunTypeInfo(type).label, total, byOutcome };
    })
    .toSorted((a, b) => a.typeLabel.localeCompare(b.typeLabel) || a.type.localeCompare(b.type));
  const failures = operations.failures.slice(0, 100).map((failure) => ({
    runId: failure.runId,
    typeLabel: getRunTypeInfo(failure.type).label,
    outcome: failure.outcome,
    outcomeLabel: DISPLAY_STATUS_CATALOG[failure.outcome].label,
    completedAt: failure.completedAt,
    reason: toFailureReason(failure.code, failure.message, failure.unreadablePolicyKinds),
  }));
  return {
    kind: "operations_health",
    total: operations.total,
    byOutcome: { ...operations.byOutcome },
    byType,
    failures,
    activeRunCount: operations.activeRunCount,
  };
}

/** Most unreadable policy kinds a reason names; the rest are counted ("and 3 more"). */
const MAX_REASON_POLICY_KINDS = 10;

/**
 * The operator-safe reason of a run that did not fully succeed: the catalog sentence of its code,
 * else the stored operator-safe message, else the generic sentence; then, when the run's result
 * named policy kinds it could not read, "Policy kinds not read: Settings catalog policy, …" by
 * catalog labels (never stored names). Diagnostics are never in a snapshot.
 */
export function toFailureReason(
  code: string | null,
  message: string | null,
  unreadablePolicyKinds: readonly string[] = [],
): string {
  const sentence = isOperatorErrorCode(code)
    ? OPERATOR_ERRORS[code]
    : message !== null && message.trim() !== ""
      ? message.trim()
      : OPERATOR_ERRORS.internal_error;
  if (unreadablePolicyKinds.length === 0) return truncate(sentence, 1_000);
  const labels = unreadablePolicyKinds.slice(0, MAX_REASON_POLICY_KINDS).map(describePolicyKind);
  const more =
    unreadablePolicyKinds.length > MAX_REASON_POLICY_KINDS
      ? ` and ${formatCount(unreadablePolicyKinds.length - MAX_REASON_POLICY_KINDS)} more`
      : "";
  return truncate(`${sentence} Policy kinds not read: ${labels.join(", ")}${more}.`, 1_000);
}

// ---- evidence basis ----

function buildEvidenceBasis(input: ReviewSectionInput): EvidenceBasisSection {
  const { snapshot } = input;
  const { content } = snapshot;
  const countedRunIds = Object.values(content.operations.byType).flatMap((outcomes) =>
    RUN_OUTCOMES.flatMap((outcome) => outcomes[outcome]?.runIds ?? []),
  );
  const notes: string[] = [];
  const generationReason =
    input.generatedByCompose && input.evidenceGeneration
      ? describeEvidenceGeneration(input.evidenceGeneration)
      : undefined;
  if (generationReason !== undefined) notes.push(generationReason);
  else if (input.generatedByCompose)
    notes.push("This evidence snapshot was generated by the review's compose operation.");
  // "Before" is the snapshot's asOf: the period's end, or the moment a still-running period was read.
  const periodEnded = new Date(content.asOf).getTime() >= snapshot.windowEnd.getTime();
  const before = periodEnded ? "before the end of this period" : `by ${formatUtcDateTime(content.asOf)}`;
  if (content.inventory.captureId === null)
    notes.push(`The tenant's policies were not read ${before}: inventory coverage is empty.`);
  if (content.drift.every((drift) => drift.lastCompareRunId === null))
    notes.push(`No baseline compare of this tenant succeeded ${before}: no drift is reported.`);
  if (content.operations.activeRunCount > 0)
    notes.push(
      `${capitalise(countNoun(content.operations.activeRunCount, "operation was", "operations were"))} still running when the evidence was generated and ${content.operations.activeRunCount === 1 ? "is" : "are"} not counted.`,
    );
  if (!periodEnded)
    notes.push(
      `The period had not ended when the evidence was generated: it covers the period up to ${formatUtcDateTime(content.asOf)}.`,
    );
  notes.push("Evidence snapshot and tenant review operations are not counted as operations.");
  return {
    kind: "evidence_basis",
    snapshotId: snapshot.id,
    snapshotRunId: snapshot.runId,
    generatedAt: snapshot.completedAt.toISOString(),
    generatedByCompose: input.generatedByCompose,
    ...(generationReason === undefined ? {} : { generationReason: truncate(generationReason, 500) }),
    ...(input.generatedByCompose && input.evidenceGeneration?.reason === "period_not_ended"
      ? { replacedSnapshotId: input.evidenceGeneration.staleSnapshotId }
      : {}),
    windowStart: snapshot.windowStart.toISOString(),
    windowEnd: snapshot.windowEnd.toISOString(),
    asOf: content.asOf,
    sources: content.sources.map((source) => truncate(source.label, 300)),
    inventory: {
      captureRunId: content.inventory.runId,
      capturedAt: content.inventory.capturedAt,
      policyCount: content.inventory.policyCount,
      unreadableCount: content.inventory.unreadableCount,
      byKind: Object.entries(content.inventory.byKind)
        .map(([policyKind, count]) => ({
          policyKind: truncate(policyKind, 200),
          label: truncate(describePolicyKind(policyKind), 200),
          count,
        }))
        .toSorted((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    },
    countedRunIds,
    notes,
  };
}

// ---- copy helpers ----

function describeOutcomeCounts(byOutcome: Partial<Record<RunOutcome, number>>): string {
  return RUN_OUTCOMES.flatMap((outcome) => {
    const count = byOutcome[outcome] ?? 0;
    return count > 0 ? [`${formatCount(count)} ${DISPLAY_STATUS_CATALOG[outcome].label.toLowerCase()}`] : [];
  }).join(", ");
}

/** "1 operation", "14 operations", "no operations". */
function countNoun(count: number, singular: string, plural: string): string {
  return count === 0 ? `no ${plural}` : `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
