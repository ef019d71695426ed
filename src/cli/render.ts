/**
 * Terminal rendering of presenter copy: one line per run, the progress view by mode (a bar only
 * when counted, a phase stepper when phased, parts when composite), stale and wait text in every
 * mode. Copy comes only from the presenter and the progress contract.
 * @module
 */
import type { DriftFindingKind } from "../baselines/drift/compare-policies.js";
import { FINDING_KIND_LABELS } from "../baselines/drift/finding-kinds.js";
import { describeProgress, type ProgressView } from "../operations/progress-contract.js";
import { describeFailure } from "../operations/run-failure.js";
import type { OperationRun } from "../operations/run-record.js";
import { getRunTypeInfo } from "../operations/run-types.js";
import { normalizeStatus } from "../operations/status-normalizer.js";

/** Render a progress view as one line of text (no colour codes). */
export function renderProgress(view: ProgressView): string {
  if (view.mode === "none") return view.label;
  let line: string;
  switch (view.mode) {
    case "phased": {
      const stepper = view.phases
        .map((phase) => (phase.state === "done" ? "■" : phase.state === "current" ? "▶" : "□"))
        .join("");
      line = `[${stepper}] ${view.detail} · ${view.label}${view.countDetail ? ` · ${view.countDetail}` : ""}`;
      break;
    }
    case "counted": {
      const width = 20;
      const filled = Math.round((view.percent / 100) * width);
      line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${view.percent}% · ${view.detail}`;
      break;
    }
    case "composite":
      line = `${view.label} · ${view.detail}`;
      break;
    case "activity":
      line = `${view.label} · ${view.detail}`;
      break;
  }
  if (view.waitDetail) line += ` · ${view.waitDetail}`;
  if (view.stale && view.staleDetail) line += ` · ${view.staleDetail}`;
  return line;
}

/** Display names of the tenants and baseline profiles runs refer to. */
export interface RunNames {
  tenants: ReadonlyMap<string, string>;
  profiles: ReadonlyMap<string, string>;
}

/** "Fabrikam · Standard baseline": the run's tenant and (from its inputs) profile, by name. */
export function describeRunSubject(run: OperationRun, names: RunNames): string | null {
  const inputs = run.context.inputs;
  const profileId =
    inputs !== null && typeof inputs === "object" && typeof (inputs as { profileId?: unknown }).profileId === "string"
      ? (inputs as { profileId: string }).profileId
      : undefined;
  const parts = [
    run.tenantId ? names.tenants.get(run.tenantId) : undefined,
    profileId ? names.profiles.get(profileId) : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? null : parts.join(" · ");
}

/** One line for a run: type label, subject (tenant · profile), and its progress or final status. */
export function renderRunLine(run: OperationRun, subject: string | null, now: Date, staleAfterMs: number): string {
  const type = getRunTypeInfo(run.type).label;
  const who = subject ? ` · ${subject}` : "";
  const view = describeProgress(run, now, { staleAfterMs });
  if (view.mode !== "none") return `${type}${who}  ${renderProgress(view)}`;
  const status = normalizeStatus(run, now, { staleAfterMs });
  const failure = run.failure ? ` — ${describeFailure(run.failure).message}` : "";
  return `${type}${who}  ${status.label}${failure}`;
}

/** The fields of a drift finding a CLI line shows (local rows and API JSON both have them). */
export interface FindingLineFields {
  tenantName: string;
  profileName: string;
  status: string;
  kind: string;
  policyName: string;
  path?: string | null | undefined;
  expected?: unknown;
  actual?: unknown;
  probableRename?: string | null | undefined;
}

/** One finding as a CLI line: tenant · profile, status, kind by label, policy, path, values, rename. */
export function renderFindingLine(finding: FindingLineFields): string {
  const values =
    finding.expected !== undefined || finding.actual !== undefined
      ? `  expected ${JSON.stringify(finding.expected ?? null)} actual ${JSON.stringify(finding.actual ?? null)}`
      : "";
  const rename = finding.probableRename ? `  (probable rename: ${finding.probableRename})` : "";
  const kind = Object.hasOwn(FINDING_KIND_LABELS, finding.kind)
    ? FINDING_KIND_LABELS[finding.kind as DriftFindingKind].one
    : "finding";
  const path = finding.path ? `  ${finding.path}` : "";
  return `${finding.tenantName} · ${finding.profileName}  ${finding.status}  ${kind}  ${finding.policyName}${path}${values}${rename}`;
}
