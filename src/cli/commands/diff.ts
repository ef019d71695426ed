/**
 * `tenantpilot diff BASELINE_DIR CURRENT_DIR`: compare two export folders with the drift engine,
 * in both directions, with no database (DESIGN.md §10). The command router wires the arguments,
 * `--json` and exit codes; this module builds and formats the report.
 * @module
 */

import { stat } from "node:fs/promises";
import { comparePolicies, DRIFT_FINDING_KINDS, type DriftFindingKind } from "../../baselines/drift/compare-policies.js";
import { type NormalizedPolicy, normalizePolicy, SECRET_MARKER } from "../../baselines/drift/normalize-policy.js";
import { readExportFolder, toUnreadableHint } from "../../inventory/export-folder-source.js";
import { describePolicyKind } from "../../inventory/policy-kinds.js";
import { OperatorError } from "../../shared/operator-error.js";

/** One side of a diff: how many policies were read, and which files could not be. */
export interface DiffSide {
  /** Readable policies in the folder. */
  policies: number;
  /** Relative paths (`/`-separated) of files that are not readable policies, sorted. */
  unreadable: string[];
}

/** One finding as `diff --json` prints it. */
export interface DiffFinding {
  kind: DriftFindingKind;
  /** Policy kind without `#microsoft.graph.`. */
  policyKind: string;
  policyName: string;
  /** `/`-joined setting or property path. */
  path?: string;
  /** Baseline value; secrets read `"(secret)"`. */
  expected?: unknown;
  /** Current value; secrets read `"(secret)"`. */
  actual?: unknown;
  /** On a missing / unexpected policy: the policy on the other side with equal settings. */
  probableRename?: string;
}

/** The `diff --json` object (DESIGN.md §10). */
export interface DiffReport {
  baseline: DiffSide;
  current: DiffSide;
  /** Count of findings per kind; every kind is present (0 when none). */
  summary: Record<DriftFindingKind, number>;
  /** Findings in the drift engine's deterministic order (grouped by policy). */
  findings: DiffFinding[];
  /**
   * Baseline policies with no match that may be in an unreadable current file: drift is unknown
   * for them (never reported missing, never "matches"). Beyond DESIGN.md §10's shape.
   */
  unknown: { policyKind: string; policyName: string }[];
}

/** Options of {@link diffExportFolders}. */
export interface DiffOptions {
  /** Match names with a trailing version suffix (" - v3.5") ignored. (Default: false) */
  ignoreVersionSuffix?: boolean;
  /** Stops between files. */
  signal?: AbortSignal;
}

async function readSide(dir: string, signal: AbortSignal | undefined) {
  const policies: NormalizedPolicy[] = [];
  const unreadable: string[] = [];
  for await (const entry of readExportFolder(dir, signal === undefined ? {} : { signal })) {
    if (entry.result.ok) {
      policies.push(normalizePolicy(entry.result.raw));
    } else {
      unreadable.push(entry.file);
    }
  }
  return { policies, unreadable };
}

/**
 * Compare two export folders (Intune Management layout) with the drift engine: missing and
 * unexpected policies both reported, assignments compared, every policy kind in scope. A baseline
 * policy that may be in an unreadable current file is left out of the findings (it is `unknown`,
 * not missing); the unreadable files are listed in the report.
 *
 * @throws {OperatorError} `export_folder_missing` – a folder is missing; `export_folder_empty` – it
 *   holds no `*.json` file; `evidence_source_unreachable` – it cannot be read
 * @see DESIGN.md §10
 */
export async function diffExportFolders(
  baselineDir: string,
  currentDir: string,
  options: DiffOptions = {},
): Promise<DiffReport> {
  await assertFolder(baselineDir);
  await assertFolder(currentDir);
  const baseline = await readSide(baselineDir, options.signal);
  const current = await readSide(currentDir, options.signal);
  for (const [dir, side] of [
    [baselineDir, baseline],
    [currentDir, current],
  ] as const) {
    // A mistyped or empty folder would otherwise "prove" that every policy is missing or unexpected.
    if (side.policies.length === 0 && side.unreadable.length === 0) {
      throw new OperatorError("export_folder_empty", `No *.json policy exports found under ${dir}.`);
    }
  }
  const result = comparePolicies(baseline.policies, current.policies, {
    ignoreVersionSuffix: options.ignoreVersionSuffix ?? false,
    reportUnexpected: true,
    manageAssignments: true,
    unreadable: current.unreadable.map(toUnreadableHint),
  });
  const summary = Object.fromEntries(DRIFT_FINDING_KINDS.map((kind) => [kind, 0])) as Record<DriftFindingKind, number>;
  const findings = result.findings.map((finding): DiffFinding => {
    summary[finding.kind] += 1;
    const { policyIdentity: _identity, ...printed } = finding;
    return printed;
  });
  return {
    baseline: { policies: baseline.policies.length, unreadable: baseline.unreadable },
    current: { policies: current.policies.length, unreadable: current.unreadable },
    summary,
    findings,
    unknown: result.unknown,
  };
}

/** @throws {OperatorError} export_folder_missing – naming the folder */
async function assertFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new OperatorError("export_folder_missing", `Export folder ${dir} does not exist or is not a folder.`);
}

const FINDING_LABELS: Record<DriftFindingKind, string> = {
  ambiguous_match: "ambiguous match: more than one policy has this name",
  missing_policy: "missing from current",
  unexpected_policy: "not in baseline",
  property_changed: "property changed",
  setting_changed: "setting changed",
  setting_missing: "setting missing",
  setting_added: "setting added",
  assignment_changed: "assignment changed",
};

/** Render a value on one line; secrets (already redacted) stay "(secret)". */
function formatValue(value: unknown): string {
  if (value === SECRET_MARKER) {
    return SECRET_MARKER;
  }
  if (value === undefined) {
    return "(not set)";
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * Describe a diff report for a terminal: a summary line, unreadable files, then findings grouped
 * by policy ("Settings catalog policy "X"" followed by one indented line per finding). Secret
 * values are never printed; they read "(secret)".
 */
export function formatDiffReport(report: DiffReport): string {
  const lines: string[] = [];
  const total = report.findings.length;
  lines.push(
    `Baseline: ${report.baseline.policies} policies, ${report.baseline.unreadable.length} unreadable files. ` +
      `Current: ${report.current.policies} policies, ${report.current.unreadable.length} unreadable files.`,
  );
  for (const [side, info] of [
    ["baseline", report.baseline],
    ["current", report.current],
  ] as const) {
    for (const file of info.unreadable) {
      lines.push(`  Unreadable ${side} file: ${file}`);
    }
  }
  const unreadableCount = report.baseline.unreadable.length + report.current.unreadable.length;
  for (const policy of report.unknown) {
    lines.push(
      `  Unknown (may be in an unreadable file): ${describePolicyKind(policy.policyKind)} "${policy.policyName}"`,
    );
  }
  if (total === 0) {
    lines.push(
      unreadableCount === 0
        ? "No drift: the current folder matches the baseline."
        : `No drift among the policies that could be read; ${unreadableCount} unreadable ${unreadableCount === 1 ? "file" : "files"}, so the folders are not known to match.`,
    );
    return lines.join("\n");
  }
  const counts = DRIFT_FINDING_KINDS.filter((kind) => report.summary[kind] > 0).map(
    (kind) => `${report.summary[kind]} ${kind.replaceAll("_", " ")}`,
  );
  lines.push(`${total} drift ${total === 1 ? "finding" : "findings"}: ${counts.join(", ")}.`);
  let group = "";
  for (const finding of report.findings) {
    const heading = `${describePolicyKind(finding.policyKind)} "${finding.policyName}"`;
    if (heading !== group) {
      group = heading;
      lines.push("", heading);
    }
    lines.push(`  ${describeFinding(finding)}`);
  }
  return lines.join("\n");
}

function describeFinding(finding: DiffFinding): string {
  const label = FINDING_LABELS[finding.kind];
  const rename = finding.probableRename === undefined ? "" : ` (probably renamed: "${finding.probableRename}")`;
  if (finding.path === undefined) {
    return `${label}${rename}`;
  }
  switch (finding.kind) {
    case "setting_missing":
      return `${label}: ${finding.path} (expected ${formatValue(finding.expected)})`;
    case "setting_added":
      return `${label}: ${finding.path} = ${formatValue(finding.actual)}`;
    default:
      return `${label}: ${finding.path}: ${formatValue(finding.expected)} → ${formatValue(finding.actual)}`;
  }
}
