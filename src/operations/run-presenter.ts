/**
 * Run presenter: every piece of operator copy about an operation run, from one place — queued
 * toast, shell item, terminal notification, headline (DESIGN.md §4). Pure, never throws; it reads
 * only catalogs, validated counts and failure codes, never stored free text.
 * @module
 */

import { z } from "zod";
import { describeFindingCounts } from "../baselines/drift/finding-kinds.js";
import { describePolicyKind } from "../inventory/policy-kinds.js";
import { describeProgress, formatCount, type ProgressOptions, type ProgressView } from "./progress-contract.js";
import { describeFailure } from "./run-failure.js";
import {
  captureResultSchema,
  compareResultSchema,
  findContextValue,
  type OperationRun,
  parseUntrusted,
  summaryCountsSchema,
} from "./run-record.js";
import { getRunTypeInfo, type RunTypeInfo, toUnitNoun } from "./run-types.js";
import { DISPLAY_STATUS_CATALOG, type DisplayStatus, isRunOutcome, normalizeStatus } from "./status-normalizer.js";

/** A period label as review periods spell it ("November 2026", "Q4 2026", "1 Nov 2026 – 15 Nov 2026"). */
const periodLabelSchema = z
  .string()
  .max(100)
  .regex(/^[0-9A-Za-z –.-]+$/);
const resultIdSchema = z.uuid();

/**
 * `context.result` of an `evidence_snapshot.generate` run.
 * - `evidenceSnapshotId`: the snapshot generated; `sourceCount`: evidence sources walked.
 * - `operationCount`: operation runs the snapshot counts; `openFindingCount`: unresolved drift findings in it.
 * @see DESIGN.md §3 "Counted families"
 */
export const evidenceSnapshotResultSchema = z.object({
  evidenceSnapshotId: resultIdSchema.optional(),
  sourceCount: z.int().min(0).optional(),
  operationCount: z.int().min(0).optional(),
  openFindingCount: z.int().min(0).optional(),
  periodLabel: periodLabelSchema.optional(),
});
export type EvidenceSnapshotResult = z.infer<typeof evidenceSnapshotResultSchema>;

/**
 * `context.result` of a `tenant.review.compose` run.
 * - `reviewId`: the ready review (the tenant's Reviews page links to it; the run's tenant is the review's tenant).
 * - `evidenceSnapshotId`: the snapshot it was composed from; `generatedEvidence`: true when this run generated it first.
 * - `operationCount`: operation runs the review reports on; `periodLabel`: the review period.
 */
export const reviewComposeResultSchema = z.object({
  reviewId: resultIdSchema.optional(),
  evidenceSnapshotId: resultIdSchema.optional(),
  generatedEvidence: z.boolean().optional(),
  operationCount: z.int().min(0).optional(),
  periodLabel: periodLabelSchema.optional(),
});
export type ReviewComposeResult = z.infer<typeof reviewComposeResultSchema>;

/** The one dominant action of every run surface. */
export interface RunAction {
  label: "View operation";
  /** The canonical run URL, see {@link runUrl}. */
  url: string;
}

/** Toast shown when an operator starts work. */
export interface QueuedToast {
  /**
   * "Baseline compare queued"; for an existing active run "Baseline compare is already queued" or
   * "Baseline compare is already running", by its stored status.
   */
  title: string;
  body: string;
  action: RunAction;
}

/** One entry of the shell's activity feedback area. */
export interface ShellItem {
  /** Run type label: "Baseline compare". */
  title: string;
  /** Tenant display name; "Workspace" for workspace-level runs; "Unknown tenant" if the name is unavailable. */
  subtitle: string;
  progress: ProgressView;
  status: DisplayStatus;
  action: RunAction;
}

/** The notification stored per initiator when a run completes (shown in the bell). */
export interface TerminalNotification {
  /** One line: "Baseline compare finished: 12 drift findings". */
  title: string;
  /** Supporting sentence(s): counts, the failure's catalog sentence, or where to look. */
  body: string;
  /** The canonical run URL. */
  url: string;
}

/** Canonical run URL path prefix (DESIGN.md §4). */
const OPERATIONS_PATH = "/operations";

/** Run ids are uuids; anything else is percent-encoded so it cannot change the path. */
const SAFE_ID = /^[0-9A-Za-z_-]{1,128}$/;

/**
 * The canonical URL of a run's detail page: `/operations/{id}`. Ids that are not plain
 * identifiers are percent-encoded; an id that cannot be encoded gives the Operations list.
 * @param id - the run id (a uuid)
 */
export function runUrl(id: string): string {
  if (typeof id === "string" && SAFE_ID.test(id)) {
    return `${OPERATIONS_PATH}/${id}`;
  }
  try {
    return `${OPERATIONS_PATH}/${encodeURIComponent(String(id))}`;
  } catch {
    return OPERATIONS_PATH; // URIError: lone surrogate; the list is a safe, truthful destination
  }
}

function viewOperation(run: Pick<OperationRun, "id">): RunAction {
  return { label: "View operation", url: runUrl(run.id) };
}

/**
 * Toast after a start request. `created: false` means the identity key already had an active run,
 * which the action opens instead of a second run.
 *
 * @example describeQueuedToast(run, { created: true }).title === "Baseline compare queued"
 * @see DESIGN.md §2 `identity_key`, §4
 */
export function describeQueuedToast(
  run: Pick<OperationRun, "id" | "type"> & { status?: string },
  input: { created: boolean },
): QueuedToast {
  const label = getRunTypeInfo(run.type).label;
  const existing = run.status === "queued" ? `${label} is already queued` : `${label} is already running`;
  return {
    title: input.created ? `${label} queued` : existing,
    body: "It runs in the background; you can keep working.",
    action: viewOperation(run),
  };
}

/**
 * One shell activity item: run type label, tenant, progress, status and the View operation action.
 *
 * @param tenantName - the tenant's display name, or null for workspace-level runs or when unknown
 * @param options - forwarded to {@link describeProgress} and the status normalizer
 * @see DESIGN.md §1 "shell", §4
 */
export function describeShellItem(
  run: OperationRun,
  tenantName: string | null,
  now: Date,
  options?: ProgressOptions,
): ShellItem {
  return {
    title: getRunTypeInfo(run.type).label,
    subtitle: describeTenant(run, tenantName),
    progress: describeProgress(run, now, options),
    status: normalizeStatus(run, now, options),
    action: viewOperation(run),
  };
}

function describeTenant(run: OperationRun, tenantName: string | null): string {
  const name = typeof tenantName === "string" ? tenantName.trim() : "";
  if (name !== "") {
    return name;
  }
  return run.tenantId === null ? "Workspace" : "Unknown tenant";
}

/**
 * The notification for a completed run, from the outcome, the operator-safe `context.result`
 * (validated with `compareResultSchema` / `captureResultSchema`) and the failure code's catalog
 * sentence. Examples: "Baseline compare finished: 12 drift findings", "Baseline capture failed:
 * the tenant's evidence source could not be read.", "Baseline compare blocked: This baseline
 * profile has no snapshot yet. Capture a baseline first."
 *
 * @param options - `tenantName`: prefixes the title ("Fabrikam: Baseline compare finished: …")
 * @returns never throws; a run that is not completed gets its status as the title
 * @see DESIGN.md §4
 */
export function describeTerminalNotification(
  run: OperationRun,
  options: { tenantName?: string | null } = {},
): TerminalNotification {
  const url = runUrl(run.id);
  try {
    const copy = describeTerminal(run);
    // Several notifications stack up: the tenant's name says which one is which.
    return { ...copy, title: options.tenantName ? `${options.tenantName}: ${copy.title}` : copy.title, url };
  } catch {
    return { title: "Operation finished", body: VIEW_DETAILS, url }; // never let copy break completion
  }
}

const VIEW_DETAILS = "View the operation for details.";

/** The run's status at the epoch: only completed statuses are used, which do not depend on time. */
const EPOCH = new Date(0);

function describeTerminal(run: OperationRun): Omit<TerminalNotification, "url"> {
  const type = getRunTypeInfo(run.type);
  const status = normalizeStatus(run, EPOCH).status;
  const result = readResult(run, type);
  switch (status) {
    case "succeeded":
      return {
        title: result.title ?? joinHeadline(`${type.label} finished`, result.summary),
        body: joinSentences(result.details) ?? VIEW_DETAILS,
      };
    case "partially_succeeded":
      return {
        title: joinHeadline(`${type.label} partially succeeded`, result.summary, describePartialReason(run, type)),
        body: joinSentences(result.details) ?? VIEW_DETAILS,
      };
    case "failed": {
      const failure = describeFailure(run.failure);
      return { title: `${type.label} failed: ${lowerFirst(failure.message)}`, body: failure.message };
    }
    case "blocked": {
      // A blocked run's reason is a decision explained in full sentences, so it keeps its capital.
      const failure = describeFailure(run.failure);
      return { title: `${type.label} blocked: ${failure.message}`, body: failure.message };
    }
    case "cancelled":
      return {
        title: `${type.label} cancelled`,
        body:
          run.startedAt === null
            ? "The operation was cancelled before it started."
            : "The operation was cancelled. Work it finished was kept.",
      };
    case "completed_unknown":
      return { title: `${type.label} finished with an unknown outcome`, body: VIEW_DETAILS };
    default:
      return { title: `${type.label}: ${normalizeStatus(run, EPOCH).label}`, body: "The operation has not finished." };
  }
}

/** Why a partial run is partial, lower-case for after a semicolon or colon. */
function describePartialReason(run: OperationRun, type: RunTypeInfo): string | undefined {
  if (isBaselineType(type)) {
    const raw = findContextValue(run.context, "result");
    const kinds = describeUnreadableKinds(
      (type.type === "baseline_compare"
        ? parseUntrusted(compareResultSchema, raw)
        : parseUntrusted(captureResultSchema, raw)
      )?.unreadablePolicyKinds,
    );
    return kinds ? `could not read ${kinds}` : "some policies could not be read";
  }
  const failure = describeFailure(run.failure);
  return failure.code === "internal_error" ? undefined : lowerFirst(failure.message).replace(/\.$/, "");
}

/** Summary (for the title) and supporting sentences (for the body) from a validated `context.result`. */
interface ResultCopy {
  summary: string | undefined;
  details: string[];
  /** A succeeded run's whole title when its family says more than "finished" ("Tenant review ready: November 2026"). */
  title?: string;
}

function readResult(run: OperationRun, type: RunTypeInfo): ResultCopy {
  const raw = findContextValue(run.context, "result");
  if (type.type === "baseline_compare") {
    const result = parseUntrusted(compareResultSchema, raw);
    const details: string[] = [];
    if (result?.openFindingCount !== undefined) {
      details.push(`${countNoun(result.openFindingCount, "drift finding", "drift findings")} open`);
    }
    if (result?.unknownPolicyCount !== undefined && result.unknownPolicyCount > 0) {
      details.push(
        `${countNoun(result.unknownPolicyCount, "baseline policy", "baseline policies")} could not be compared because they could not be read from the tenant; drift is unknown for them`,
      );
    }
    const unreadableKinds = describeUnreadableKinds(result?.unreadablePolicyKinds);
    if (unreadableKinds) details.push(`Could not read these policy kinds: ${unreadableKinds}`);
    return {
      summary:
        result?.findingCount === undefined
          ? undefined
          : countNoun(result.findingCount, "drift finding", "drift findings"),
      details,
    };
  }
  if (type.type === "baseline_capture") {
    const result = parseUntrusted(captureResultSchema, raw);
    const details =
      result?.unreadableCount !== undefined && result.unreadableCount > 0
        ? [`${countNoun(result.unreadableCount, "policy entry", "policy entries")} could not be read`]
        : [];
    const unreadableKinds = describeUnreadableKinds(result?.unreadablePolicyKinds);
    if (unreadableKinds) details.push(`Could not read these policy kinds: ${unreadableKinds}`);
    return {
      summary:
        result?.policyCount === undefined
          ? undefined
          : `${countNoun(result.policyCount, "policy", "policies")} captured`,
      details,
    };
  }
  if (type.type === "evidence_snapshot.generate") {
    const result = parseUntrusted(evidenceSnapshotResultSchema, raw);
    const figures = [
      result?.operationCount === undefined ? undefined : countNoun(result.operationCount, "operation", "operations"),
      result?.openFindingCount === undefined
        ? undefined
        : `${countNoun(result.openFindingCount, "open finding", "open findings")}`,
    ].filter((part): part is string => part !== undefined);
    return {
      summary: figures.length === 0 ? undefined : figures.join(", "),
      details:
        result?.sourceCount === undefined
          ? []
          : [`collected from ${countNoun(result.sourceCount, "evidence source", "evidence sources")}`],
      // "ready" only when the result says what is ready; otherwise the generic "finished" title.
      ...(result?.evidenceSnapshotId === undefined
        ? {}
        : { title: joinHeadline("Evidence snapshot ready", figures.length === 0 ? undefined : figures.join(", ")) }),
    };
  }
  if (type.type === "tenant.review.compose") {
    const result = parseUntrusted(reviewComposeResultSchema, raw);
    const details: string[] = [];
    if (result?.operationCount !== undefined)
      details.push(`based on ${countNoun(result.operationCount, "operation", "operations")}`);
    if (result?.generatedEvidence === true) details.push("the evidence snapshot was generated first");
    return {
      summary: result?.periodLabel,
      details,
      ...(result?.reviewId === undefined ? {} : { title: joinHeadline("Tenant review ready", result.periodLabel) }),
    };
  }
  return { summary: undefined, details: [] };
}

function isBaselineType(type: RunTypeInfo): boolean {
  return type.type === "baseline_compare" || type.type === "baseline_capture";
}

/**
 * A one-line description of a run for detail pages and CLI lines: the terminal title when
 * completed, "Baseline compare queued" when queued, and for a running run its type label and
 * progress joined by " · ": "Baseline compare · Comparing against baseline · Step 3 of 4", with
 * "(26%)" after a counted detail and the wait and stale copy appended when present.
 *
 * @param options - forwarded to {@link describeProgress}
 * @returns never throws
 */
export function describeRunHeadline(run: OperationRun, now: Date, options?: ProgressOptions): string {
  try {
    const type = getRunTypeInfo(run.type);
    const status = normalizeStatus(run, now, options);
    if (status.terminal) {
      return describeTerminalNotification(run).title;
    }
    if (status.status === "queued") {
      return `${type.label} queued`;
    }
    const progress = describeProgress(run, now, options);
    if (progress.mode === "none") {
      return `${type.label} · ${progress.label}`;
    }
    const detail = progress.mode === "counted" ? `${progress.detail} (${progress.percent}%)` : progress.detail;
    return [type.label, progress.label, detail, progress.waitDetail, progress.staleDetail]
      .filter((part): part is string => part !== undefined)
      .join(" · ");
  } catch {
    return "Operation"; // only reachable through a bug; a headline must never break a page or CLI line
  }
}

/** "1 drift finding", "12 drift findings", "no drift findings" (lower case: it follows a colon). */
function countNoun(count: number, singular: string, plural: string): string {
  if (count === 0) {
    return `no ${plural}`;
  }
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

function joinHeadline(head: string, ...parts: (string | undefined)[]): string {
  const tail = parts.filter((part): part is string => part !== undefined);
  return tail.length === 0 ? head : `${head}: ${tail.join("; ")}`;
}

/** Phrases as one sentence: first letter capitalised, joined with "; ", full stop. */
function joinSentences(phrases: string[]): string | undefined {
  if (phrases.length === 0) {
    return undefined;
  }
  const text = phrases.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Lower-case a sentence's first letter for use after a colon, unless it starts an acronym ("URL"). */
function lowerFirst(sentence: string): string {
  return /^[A-Z][a-z']/.test(sentence) && !PROPER_NOUN.test(sentence)
    ? `${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`
    : sentence;
}

/** Names that keep their capital mid-sentence ("failed: Microsoft Entra ID refused …"). */
const PROPER_NOUN = /^(Microsoft|Windows|Android|Intune|Entra|Graph|Azure|Chromium|TenantPilot)\b/;

/**
 * One timeline entry of a run as operator copy: "Queued", "Started", the phase's catalog label
 * ("Capturing current tenant policies"), or the outcome's display label ("Partially succeeded").
 * Stored phase keys are looked up in the run type's catalog and never echoed.
 * @param runType - the run's stored type (untrusted)
 * @param event - a stored `operation_run_events` row (untrusted values)
 */
export function describeTimelineEvent(
  runType: unknown,
  event: { status: unknown; outcome: unknown; phase: unknown; attempt?: unknown },
): string {
  if (event.status === "queued") return DISPLAY_STATUS_CATALOG.queued.label;
  if (event.status === "completed") {
    return isRunOutcome(event.outcome)
      ? DISPLAY_STATUS_CATALOG[event.outcome].label
      : DISPLAY_STATUS_CATALOG.completed_unknown.label;
  }
  if (event.status === "running") {
    const phase = getRunTypeInfo(runType).phases?.find((candidate) => candidate.key === event.phase);
    if (phase !== undefined) return phase.label;
    const attempt = event.attempt;
    // A later attempt resumes from where the previous one stopped (context.resume).
    return typeof attempt === "number" && Number.isSafeInteger(attempt) && attempt > 1
      ? `Attempt ${attempt} started, resuming`
      : "Started";
  }
  return DISPLAY_STATUS_CATALOG.unknown.label;
}

/**
 * Whitelisted summary counts as one line, e.g. "87 of 87 policies processed · 2 failed"; undefined
 * when nothing valid is stored. Invalid values are left out, never shown.
 */
export function describeSummaryCounts(runType: unknown, counts: unknown): string | undefined {
  const parsed = parseUntrusted(summaryCountsSchema, counts);
  if (parsed === undefined) return undefined;
  const parts: string[] = [];
  const type = getRunTypeInfo(runType);
  if (parsed.total !== undefined && parsed.processed !== undefined && parsed.processed <= parsed.total) {
    parts.push(
      `${formatCount(parsed.processed)} of ${formatCount(parsed.total)} ${toUnitNoun(type, parsed.total)} processed`,
    );
  } else if (parsed.total !== undefined) {
    parts.push(`${formatCount(parsed.total)} ${toUnitNoun(type, parsed.total)} in total`);
  }
  for (const key of ["succeeded", "failed", "skipped", "created", "updated", "unchanged"] as const) {
    const value = parsed[key];
    if (value !== undefined) parts.push(`${formatCount(value)} ${key}`);
  }
  return parts.length === 0 ? undefined : parts.join(" · ");
}

/**
 * Result lines of a completed capture or compare for detail views, from the validated
 * `context.result` only: "Drift findings: 34 (7 missing policies, 27 unexpected policies)",
 * "Lifecycle: 34 open · 34 new", "Captured: 87 policies · 2 policy entries unreadable".
 * @returns no lines for other run types or a missing or malformed result
 */
export function describeRunResult(run: OperationRun): string[] {
  const raw = findContextValue(run.context, "result");
  if (run.type === "baseline_compare") {
    const result = parseUntrusted(compareResultSchema, raw);
    if (result?.findingCount === undefined) return [];
    const kinds = result.byKind ? ` (${describeFindingCounts(result.byKind)})` : "";
    const lines = [`Drift findings: ${formatCount(result.findingCount)}${kinds}`];
    const lifecycle = [
      result.openFindingCount === undefined ? undefined : `${formatCount(result.openFindingCount)} open`,
      result.newCount === undefined ? undefined : `${formatCount(result.newCount)} new`,
      result.reopenedCount === undefined ? undefined : `${formatCount(result.reopenedCount)} reopened`,
      result.resolvedCount === undefined ? undefined : `${formatCount(result.resolvedCount)} resolved`,
    ].filter((part): part is string => part !== undefined);
    if (lifecycle.length > 0) lines.push(`Lifecycle: ${lifecycle.join(" · ")}`);
    if (result.unknownPolicyCount) {
      lines.push(
        `Could not be compared: ${countNoun(result.unknownPolicyCount, "baseline policy", "baseline policies")} (drift unknown)`,
      );
    }
    const unreadableKinds = describeUnreadableKinds(result.unreadablePolicyKinds);
    if (unreadableKinds) lines.push(`Policy kinds not read: ${unreadableKinds}`);
    return lines;
  }
  if (run.type === "baseline_capture") {
    const result = parseUntrusted(captureResultSchema, raw);
    if (result?.policyCount === undefined) return [];
    const unreadable = result.unreadableCount
      ? ` · ${countNoun(result.unreadableCount, "policy entry", "policy entries")} unreadable`
      : "";
    const lines = [`Captured: ${countNoun(result.policyCount, "policy", "policies")}${unreadable}`];
    const unreadableKinds = describeUnreadableKinds(result.unreadablePolicyKinds);
    if (unreadableKinds) lines.push(`Policy kinds not read: ${unreadableKinds}`);
    return lines;
  }
  if (run.type === "evidence_snapshot.generate") {
    const result = parseUntrusted(evidenceSnapshotResultSchema, raw);
    if (result?.operationCount === undefined) return [];
    const lines = [`Operations counted: ${formatCount(result.operationCount)}`];
    if (result.openFindingCount !== undefined)
      lines.push(`Open drift findings: ${formatCount(result.openFindingCount)}`);
    if (result.sourceCount !== undefined) lines.push(`Evidence sources: ${formatCount(result.sourceCount)}`);
    return lines;
  }
  if (run.type === "tenant.review.compose") {
    const result = parseUntrusted(reviewComposeResultSchema, raw);
    if (result?.reviewId === undefined) return [];
    const lines = result.periodLabel ? [`Review: ${result.periodLabel}`] : [];
    if (result.operationCount !== undefined)
      lines.push(`Operations reported on: ${formatCount(result.operationCount)}`);
    if (result.generatedEvidence !== undefined)
      lines.push(
        result.generatedEvidence
          ? "Evidence: generated by this operation"
          : "Evidence: an existing evidence snapshot of this period",
      );
    return lines;
  }
  return [];
}

/**
 * Labels of the policy kinds a capture could not read, from the policy kind catalog (never the raw
 * stored names): "Windows compliance policy, macOS compliance policy"; undefined when there are none.
 */
function describeUnreadableKinds(kinds: readonly string[] | undefined): string | undefined {
  if (kinds === undefined || kinds.length === 0) return undefined;
  const labels = kinds.slice(0, 10).map((kind) => lowerFirst(describePolicyKind(kind)));
  const more = kinds.length > 10 ? ` and ${formatCount(kinds.length - 10)} more` : "";
  return `${labels.join(", ")}${more}`;
}
