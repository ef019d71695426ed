/**
 * The drift engine's compare: baseline policies (stored normalised content) against current
 * policies (freshly normalised), producing drift findings (DESIGN.md §5). Pure and deterministic:
 * the same inputs give the same findings in the same order.
 * @module
 */
import { SETTINGS_CATALOG_KIND } from "../../inventory/policy-kinds.js";
import { alignSettingsCatalog } from "./flatten-settings-catalog.js";
import { type MatchOptions, matchPolicies, toIdentityName } from "./match-policies.js";
import {
  type JsonObject,
  type JsonValue,
  type NormalizedPolicy,
  SECRET_MARKER,
  toCanonicalJson,
  toNameKey,
} from "./normalize-policy.js";

/** Every kind of drift finding. */
export const DRIFT_FINDING_KINDS = [
  "ambiguous_match",
  "missing_policy",
  "unexpected_policy",
  "property_changed",
  "setting_changed",
  "setting_missing",
  "setting_added",
  "assignment_changed",
] as const;

/** One kind of drift finding (DESIGN.md §5 "Finding kinds"). */
export type DriftFindingKind = (typeof DRIFT_FINDING_KINDS)[number];

/** One difference between a tenant and a baseline. */
export interface DriftFinding {
  kind: DriftFindingKind;
  /** Policy kind without `#microsoft.graph.`. */
  policyKind: string;
  /** Display name: the baseline's for matched and missing policies, the current one's otherwise. */
  policyName: string;
  /** Stable match key of the policy (see `toPolicyIdentity`); part of the finding fingerprint. */
  policyIdentity: string;
  /** `/`-joined setting or property path; absent on policy-level findings. */
  path?: string;
  /** Baseline value (absent for `setting_added`); secrets read `"(secret)"`. */
  expected?: unknown;
  /** Current value (absent for `setting_missing`); secrets read `"(secret)"`. */
  actual?: unknown;
  /** On `missing_policy` / `unexpected_policy`: the policy on the other side with equal settings. */
  probableRename?: string;
}

/** A current-side file that could not be read, with what is known about what it held. */
export interface UnreadableHint {
  /** Policy kind implied by the file's export folder, when it implies exactly one. */
  policyKind?: string;
  /** Policy name implied by the file name. */
  nameHint?: string;
}

/** Options of {@link comparePolicies}. */
export interface CompareOptions {
  /** Match names with a trailing version suffix ignored; a name change is then a `property_changed`. */
  ignoreVersionSuffix: boolean;
  /** Report current policies the baseline does not have (`unexpected_policy`). */
  reportUnexpected: boolean;
  /** Compare assignments by target (`assignment_changed`). */
  manageAssignments: boolean;
  /** Policy kinds in scope; empty or absent means every kind. */
  policyKinds?: readonly string[];
  /** Current-side files that could not be read: baseline policies they may hold are `unknown`. */
  unreadable?: readonly UnreadableHint[];
}

/** The outcome of one compare. */
export interface CompareResult {
  /** Findings sorted by policy kind, policy identity, policy-level first, then path. */
  findings: DriftFinding[];
  /**
   * Baseline policies with no current match that may be among the unreadable current files (same
   * kind, same name, or a file with no hint at all): never reported missing, never compliant.
   */
  unknown: { policyKind: string; policyName: string }[];
  /** Matched policy pairs compared setting by setting. */
  comparedPolicyCount: number;
  /** Settings and properties (leaf paths, union of both sides) compared across those pairs. */
  comparedSettingCount: number;
}

/** Top-level keys that are not compared as properties: identity, tenant-specific ids, handled apart. */
const NOT_PROPERTIES = new Set(["@odata.type", "name", "displayName", "assignments", "roleScopeTagIds"]);

/** Lists compared by a natural key instead of as a whole (DESIGN.md §5 "Lists with a natural key"). */
function naturalKeyOf(listKey: string, item: JsonValue): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return undefined;
  }
  if (listKey === "omaSettings") {
    const uri = item["omaUri"];
    return typeof uri === "string" ? uri : undefined;
  }
  const app = item["mobileAppIdentifier"];
  if (typeof app === "object" && app !== null && !Array.isArray(app)) {
    const id = app["bundleId"] ?? app["packageId"] ?? app["windowsAppId"];
    return typeof id === "string" ? id : undefined;
  }
  return undefined;
}

interface PropertyLeaf {
  value: JsonValue;
  /** OMA settings are settings; everything else is a property. */
  isSetting: boolean;
}

/** Flatten the compared top-level properties of normalised content into path → leaf. */
function flattenProperties(content: JsonObject): Map<string, PropertyLeaf> {
  const out = new Map<string, PropertyLeaf>();
  const isSettingsCatalog = content["@odata.type"] === `#microsoft.graph.${SETTINGS_CATALOG_KIND}`;
  for (const [key, value] of Object.entries(content)) {
    if (NOT_PROPERTIES.has(key) || (isSettingsCatalog && key === "settings")) {
      continue;
    }
    flattenProperty(key, key, value, out);
  }
  return out;
}

function flattenProperty(key: string, path: string, value: JsonValue, out: Map<string, PropertyLeaf>): void {
  if (Array.isArray(value)) {
    const keys = value.map((item) => naturalKeyOf(key, item));
    const unique = new Set(keys);
    if (value.length > 0 && !keys.includes(undefined) && unique.size === keys.length) {
      value.forEach((item, index) => {
        out.set(`${path}/${keys[index]}`, { value: item, isSetting: key === "omaSettings" });
      });
      return;
    }
    out.set(path, { value, isSetting: false });
    return;
  }
  if (typeof value === "object" && value !== null) {
    for (const [child, childValue] of Object.entries(value)) {
      flattenProperty(child, `${path}/${child}`, childValue, out);
    }
    return;
  }
  out.set(path, { value, isSetting: false });
}

/** Empty means "not configured": null, missing, "" and [] are equal for strings and collections. */
function isAbsent(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/** Equality with secrets never compared by value: a secret equals any present value. */
function isSameValue(a: JsonValue, b: JsonValue): boolean {
  if (a === b || a === SECRET_MARKER || b === SECRET_MARKER) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((item, index) => isSameValue(item, b[index] as JsonValue));
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (isAbsent(x) !== isAbsent(y)) {
      return false;
    }
    if (x !== undefined && y !== undefined && !isAbsent(x) && !isSameValue(x, y)) {
      return false;
    }
  }
  return true;
}

type Emit = (finding: Omit<DriftFinding, "policyKind" | "policyName" | "policyIdentity">) => void;

/** Compare two flat maps; returns the number of paths compared. */
function compareMaps(
  expected: ReadonlyMap<string, JsonValue>,
  actual: ReadonlyMap<string, JsonValue>,
  kindOf: (path: string) => "setting" | "property" | "assignment",
  emit: Emit,
): number {
  let compared = 0;
  const visit = (path: string, e: JsonValue | undefined, a: JsonValue | undefined) => {
    compared += 1;
    const eAbsent = isAbsent(e);
    const aAbsent = isAbsent(a);
    if (eAbsent && aAbsent) {
      return;
    }
    if (!eAbsent && !aAbsent && isSameValue(e as JsonValue, a as JsonValue)) {
      return;
    }
    const kind = kindOf(path);
    if (kind === "property") {
      emit({ kind: "property_changed", path, expected: eAbsent ? null : e, actual: aAbsent ? null : a });
    } else if (kind === "assignment") {
      emit({ kind: "assignment_changed", path, expected: eAbsent ? null : e, actual: aAbsent ? null : a });
    } else if (aAbsent) {
      emit({ kind: "setting_missing", path, expected: e });
    } else if (eAbsent) {
      emit({ kind: "setting_added", path, actual: a });
    } else {
      emit({ kind: "setting_changed", path, expected: e, actual: a });
    }
  };
  for (const [path, e] of expected) {
    visit(path, e, actual.get(path));
  }
  for (const [path, a] of actual) {
    if (!expected.has(path)) {
      visit(path, undefined, a);
    }
  }
  return compared;
}

/** Assignments keyed by target (`<target type>:<group or collection id or "all">`). */
function flattenAssignments(content: JsonObject): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  const list = content["assignments"];
  if (!Array.isArray(list)) {
    return out;
  }
  for (const assignment of list) {
    const target =
      typeof assignment === "object" && assignment !== null && !Array.isArray(assignment) ? assignment["target"] : null;
    let key = toCanonicalJson(target ?? null);
    if (typeof target === "object" && target !== null && !Array.isArray(target)) {
      const type = String(target["@odata.type"] ?? "target").replace(/^#microsoft\.graph\./, "");
      key = `${type}:${String(target["groupId"] ?? target["collectionId"] ?? "all")}`;
    }
    while (out.has(`assignments/${key}`)) {
      key = `${key}+`; // the same target twice: keep both rather than overwrite one
    }
    out.set(`assignments/${key}`, assignment);
  }
  return out;
}

const leafCountCache = {
  withAssignments: new WeakMap<JsonObject, number>(),
  without: new WeakMap<JsonObject, number>(),
};

/**
 * Compare one matched pair; returns the number of leaf paths compared. Equal hashes mean equal
 * canonical content (names included), so nothing can differ: the leaf count is then read from a
 * per-content cache instead of walking both trees again.
 */
function comparePair(
  baseline: NormalizedPolicy,
  current: NormalizedPolicy,
  options: CompareOptions,
  emit: Emit,
): number {
  if (baseline.hash === current.hash) {
    const cache = options.manageAssignments ? leafCountCache.withAssignments : leafCountCache.without;
    let count = cache.get(baseline.content);
    if (count === undefined) {
      count = walkPair(baseline, baseline, options, () => undefined);
      cache.set(baseline.content, count);
    }
    return count;
  }
  return walkPair(baseline, current, options, emit);
}

/** Walk both sides of a pair and emit every difference; returns the number of leaf paths compared. */
function walkPair(baseline: NormalizedPolicy, current: NormalizedPolicy, options: CompareOptions, emit: Emit): number {
  let compared = 0;
  const plain: MatchOptions = { ignoreVersionSuffix: false };
  if (toIdentityName(baseline.name, plain) !== toIdentityName(current.name, plain)) {
    emit({
      kind: "property_changed",
      path: toNameKey(baseline.policyKind),
      expected: baseline.name,
      actual: current.name,
    });
  }
  if (baseline.policyKind === SETTINGS_CATALOG_KIND) {
    const aligned = alignSettingsCatalog(baseline.content["settings"], current.content["settings"]);
    compared += compareMaps(aligned.expected, aligned.actual, () => "setting", emit);
  }
  const expectedProps = flattenProperties(baseline.content);
  const actualProps = flattenProperties(current.content);
  const settingPaths = new Set<string>();
  for (const [path, leaf] of [...expectedProps, ...actualProps]) {
    if (leaf.isSetting) {
      settingPaths.add(path);
    }
  }
  compared += compareMaps(
    mapValues(expectedProps),
    mapValues(actualProps),
    (path) => (settingPaths.has(path) ? "setting" : "property"),
    emit,
  );
  if (options.manageAssignments) {
    compared += compareMaps(
      flattenAssignments(baseline.content),
      flattenAssignments(current.content),
      () => "assignment",
      emit,
    );
  }
  return compared;
}

function mapValues(leaves: Map<string, PropertyLeaf>): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const [path, leaf] of leaves) {
    out.set(path, leaf.value);
  }
  return out;
}

const signatureCache = new WeakMap<JsonObject, string>();

/**
 * What "equal settings" means for probable renames: settings catalog policies by their settings
 * (plus platforms and technologies); other kinds by every compared property except the name and
 * the description.
 */
function settingsSignature(policy: NormalizedPolicy): string {
  const cached = signatureCache.get(policy.content);
  if (cached !== undefined) {
    return cached;
  }
  const { content } = policy;
  const picked: JsonObject = {};
  for (const [key, value] of Object.entries(content)) {
    const keep =
      policy.policyKind === SETTINGS_CATALOG_KIND
        ? key === "settings" || key === "platforms" || key === "technologies"
        : !NOT_PROPERTIES.has(key) && key !== "description";
    if (keep) {
      picked[key] = value;
    }
  }
  const signature = `${policy.policyKind}|${toCanonicalJson(picked)}`;
  signatureCache.set(content, signature);
  return signature;
}

function isUnknown(policy: NormalizedPolicy, unreadable: readonly UnreadableHint[], options: MatchOptions): boolean {
  const name = toIdentityName(policy.name, options);
  return unreadable.some(
    (hint) =>
      (hint.policyKind === undefined && hint.nameHint === undefined) ||
      hint.policyKind === policy.policyKind ||
      (hint.nameHint !== undefined && toIdentityName(hint.nameHint, options) === name),
  );
}

const KIND_RANK = new Map<DriftFindingKind, number>(DRIFT_FINDING_KINDS.map((kind, index) => [kind, index]));

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFindings(a: DriftFinding, b: DriftFinding): number {
  return (
    compareText(a.policyKind, b.policyKind) ||
    compareText(a.policyIdentity, b.policyIdentity) ||
    (a.path === undefined ? 0 : 1) - (b.path === undefined ? 0 : 1) ||
    compareText(a.path ?? "", b.path ?? "") ||
    (KIND_RANK.get(a.kind) ?? 0) - (KIND_RANK.get(b.kind) ?? 0) ||
    compareText(a.policyName, b.policyName)
  );
}

/**
 * Compare baseline policies with current policies (both normalised) and list the drift.
 *
 * Rules (DESIGN.md §5): policies pair by identity (`matchPolicies`); a duplicated identity on
 * either side is one `ambiguous_match` and nothing else; matched settings catalog policies compare
 * setting by setting (`alignSettingsCatalog`), every other top-level property as a
 * `property_changed` (OMA settings by `omaUri` as settings); assignments by target only with
 * `manageAssignments`; scope tags are tenant-specific and not compared. A baseline policy with no
 * match is `missing_policy`, or `unknown` when an unreadable current file may hold it; a current
 * policy with no match is `unexpected_policy` when `reportUnexpected`. A missing and an unexpected
 * policy of one kind with equal settings name each other as `probableRename`. Never throws.
 */
export function comparePolicies(
  baseline: readonly NormalizedPolicy[],
  current: readonly NormalizedPolicy[],
  options: CompareOptions,
): CompareResult {
  const scope =
    options.policyKinds !== undefined && options.policyKinds.length > 0 ? new Set(options.policyKinds) : undefined;
  const inScope = (policy: NormalizedPolicy) => scope === undefined || scope.has(policy.policyKind);
  const matchOptions: MatchOptions = { ignoreVersionSuffix: options.ignoreVersionSuffix };
  const match = matchPolicies(baseline.filter(inScope), current.filter(inScope), matchOptions);
  const unreadable = (options.unreadable ?? []).filter(
    (hint) => hint.policyKind === undefined || scope === undefined || scope.has(hint.policyKind),
  );

  const findings: DriftFinding[] = [];
  for (const { identity, baseline: left, current: right } of match.ambiguous) {
    if (left.length === 0 && !options.reportUnexpected) {
      continue; // duplicates the baseline does not know about: only reported when asked for unexpected policies
    }
    const names = [...left, ...right].map((policy) => policy.name).sort(compareText);
    const [first] = left.length > 0 ? left : right;
    findings.push({
      kind: "ambiguous_match",
      policyKind: first?.policyKind ?? "",
      policyName: names[0] ?? "",
      policyIdentity: identity,
    });
  }

  let comparedSettingCount = 0;
  for (const { identity, baseline: left, current: right } of match.pairs) {
    comparedSettingCount += comparePair(left, right, options, (finding) => {
      findings.push({ ...finding, policyKind: left.policyKind, policyName: left.name, policyIdentity: identity });
    });
  }

  const unknown: CompareResult["unknown"] = [];
  const missing: DriftFinding[] = [];
  const missingPolicies: NormalizedPolicy[] = [];
  for (const { identity, policy } of match.missing) {
    if (isUnknown(policy, unreadable, matchOptions)) {
      unknown.push({ policyKind: policy.policyKind, policyName: policy.name });
      continue;
    }
    missing.push({
      kind: "missing_policy",
      policyKind: policy.policyKind,
      policyName: policy.name,
      policyIdentity: identity,
    });
    missingPolicies.push(policy);
  }
  const unexpected = match.unexpected.map(
    ({ identity, policy }): DriftFinding => ({
      kind: "unexpected_policy",
      policyKind: policy.policyKind,
      policyName: policy.name,
      policyIdentity: identity,
    }),
  );
  linkProbableRenames(
    missing,
    missingPolicies,
    unexpected,
    match.unexpected.map(({ policy }) => policy),
  );
  findings.push(...missing);
  if (options.reportUnexpected) {
    findings.push(...unexpected);
  }
  unknown.sort((a, b) => compareText(a.policyKind, b.policyKind) || compareText(a.policyName, b.policyName));
  return {
    findings: findings.sort(compareFindings),
    unknown,
    comparedPolicyCount: match.pairs.length,
    comparedSettingCount,
  };
}

/**
 * Link missing and unexpected policies of one kind with equal settings, one to one. Candidates
 * whose names are equal without the version suffix pair first, then the rest in name order.
 */
function linkProbableRenames(
  missing: DriftFinding[],
  missingPolicies: NormalizedPolicy[],
  unexpected: DriftFinding[],
  unexpectedPolicies: NormalizedPolicy[],
): void {
  const bySignature = new Map<string, number[]>();
  unexpectedPolicies.forEach((policy, index) => {
    const signature = settingsSignature(policy);
    bySignature.set(signature, [...(bySignature.get(signature) ?? []), index]);
  });
  const taken = new Set<number>();
  const link = (m: number, u: number) => {
    const missingFinding = missing[m];
    const unexpectedFinding = unexpected[u];
    if (missingFinding !== undefined && unexpectedFinding !== undefined) {
      missingFinding.probableRename = unexpectedFinding.policyName;
      unexpectedFinding.probableRename = missingFinding.policyName;
      taken.add(u);
    }
  };
  const stripped = { ignoreVersionSuffix: true };
  for (const pass of ["same_base_name", "any"] as const) {
    missingPolicies.forEach((policy, m) => {
      if (missing[m]?.probableRename !== undefined) {
        return;
      }
      const candidates = (bySignature.get(settingsSignature(policy)) ?? [])
        .filter((u) => !taken.has(u))
        .filter(
          (u) =>
            pass === "any" ||
            toIdentityName(unexpectedPolicies[u]?.name ?? "", stripped) === toIdentityName(policy.name, stripped),
        )
        .sort((x, y) => compareText(unexpectedPolicies[x]?.name ?? "", unexpectedPolicies[y]?.name ?? ""));
      const [first] = candidates;
      if (first !== undefined) {
        link(m, first);
      }
    });
  }
}
