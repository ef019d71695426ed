/**
 * Identity rules: which baseline policy is which current policy (DESIGN.md §5 "Matching").
 * Ids are never identities (they differ between tenants and change on re-creation); names are.
 * Pure.
 * @module
 */
import { SETTINGS_CATALOG_KIND } from "../../inventory/policy-kinds.js";
import type { NormalizedPolicy } from "./normalize-policy.js";

/** Options of the identity rules. */
export interface MatchOptions {
  /** Ignore a trailing version suffix (" - v3.5", " v1.0.2") when comparing names. */
  ignoreVersionSuffix: boolean;
}

/** One pairing decision. */
export interface PolicyMatch {
  /** One baseline policy and one current policy with the same identity. */
  pairs: { identity: string; baseline: NormalizedPolicy; current: NormalizedPolicy }[];
  /** Baseline policies with no current policy of the same identity. */
  missing: { identity: string; policy: NormalizedPolicy }[];
  /** Current policies with no baseline policy of the same identity. */
  unexpected: { identity: string; policy: NormalizedPolicy }[];
  /** Identities held by more than one policy on either side: never paired, never a silent pick. */
  ambiguous: { identity: string; baseline: NormalizedPolicy[]; current: NormalizedPolicy[] }[];
}

/** A trailing version suffix: " - v3.5", " -v3.1.1", " v2" (case-insensitive). */
const VERSION_SUFFIX = /\s*(?:-\s*)?v\d+(?:\.\d+)*\s*$/i;

/** Remove a trailing version suffix (" - v3.5") from a name; other names are returned as is. */
export function stripVersionSuffix(name: string): string {
  const stripped = name.replace(VERSION_SUFFIX, "");
  return stripped.trim() === "" ? name : stripped;
}

/** The name as identities compare it: trimmed, lowercased, optionally without version suffix. */
export function toIdentityName(name: string, options: MatchOptions): string {
  const trimmed = name.trim();
  return (options.ignoreVersionSuffix ? stripVersionSuffix(trimmed).trim() : trimmed).toLowerCase();
}

/**
 * The identity of a policy, as a stable match key used in findings and their fingerprints:
 * settings catalog policies (`configurationPolicies`) by `name` + `technologies`
 * (`<kind>|<name>|<technologies>`); other kinds by `displayName` + `@odata.type` (`<kind>|<name>`).
 * Names are trimmed, lowercased and, when asked, stripped of a version suffix.
 * @see DESIGN.md §5 "Matching"
 */
export function toPolicyIdentity(policy: NormalizedPolicy, options: MatchOptions): string {
  const name = toIdentityName(policy.name, options);
  if (policy.policyKind !== SETTINGS_CATALOG_KIND) {
    return `${policy.policyKind}|${name}`;
  }
  return `${policy.policyKind}|${name}|${technologiesOf(policy)}`;
}

/**
 * False when a part of the policy's identity is absent (no name; a settings catalog policy
 * without `technologies`): such a policy never matches anything, not even another one like it.
 */
export function hasCompleteIdentity(policy: NormalizedPolicy): boolean {
  if (policy.name.trim() === "") {
    return false;
  }
  return policy.policyKind !== SETTINGS_CATALOG_KIND || technologiesOf(policy) !== "";
}

function technologiesOf(policy: NormalizedPolicy): string {
  const technologies = policy.content["technologies"];
  return typeof technologies === "string" ? technologies : "";
}

interface Grouped {
  byKey: Map<string, NormalizedPolicy[]>;
  incomplete: { identity: string; policy: NormalizedPolicy }[];
}

function group(policies: readonly NormalizedPolicy[], options: MatchOptions): Grouped {
  const byKey = new Map<string, NormalizedPolicy[]>();
  const incomplete: Grouped["incomplete"] = [];
  for (const policy of policies) {
    const identity = toPolicyIdentity(policy, options);
    if (!hasCompleteIdentity(policy)) {
      incomplete.push({ identity, policy });
      continue;
    }
    const list = byKey.get(identity);
    if (list === undefined) {
      byKey.set(identity, [policy]);
    } else {
      list.push(policy);
    }
  }
  return { byKey, incomplete };
}

/**
 * Pair baseline and current policies by identity. Every input policy lands in exactly one of
 * `pairs`, `missing`, `unexpected` or `ambiguous`; lists are sorted by identity.
 */
export function matchPolicies(
  baseline: readonly NormalizedPolicy[],
  current: readonly NormalizedPolicy[],
  options: MatchOptions,
): PolicyMatch {
  const b = group(baseline, options);
  const c = group(current, options);
  const result: PolicyMatch = { pairs: [], missing: [...b.incomplete], unexpected: [...c.incomplete], ambiguous: [] };
  const keys = [...new Set([...b.byKey.keys(), ...c.byKey.keys()])].sort();
  for (const identity of keys) {
    const left = b.byKey.get(identity) ?? [];
    const right = c.byKey.get(identity) ?? [];
    const [onlyLeft] = left;
    const [onlyRight] = right;
    if (left.length > 1 || right.length > 1) {
      result.ambiguous.push({ identity, baseline: left, current: right });
    } else if (onlyLeft !== undefined && onlyRight !== undefined) {
      result.pairs.push({ identity, baseline: onlyLeft, current: onlyRight });
    } else if (onlyLeft !== undefined) {
      result.missing.push({ identity, policy: onlyLeft });
    } else if (onlyRight !== undefined) {
      result.unexpected.push({ identity, policy: onlyRight });
    }
  }
  const byIdentity = (
    x: { identity: string; policy: NormalizedPolicy },
    y: { identity: string; policy: NormalizedPolicy },
  ) => (x.identity < y.identity ? -1 : x.identity > y.identity ? 1 : x.policy.hash < y.policy.hash ? -1 : 1);
  result.missing.sort(byIdentity);
  result.unexpected.sort(byIdentity);
  return result;
}
