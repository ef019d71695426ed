/**
 * Operator copy for drift finding kinds: labels and count sentences. Pure.
 * @module
 */
import type { DriftFindingKind } from "./compare-policies.js";

/** Operator-facing labels of finding kinds: singular and plural, sentence case. */
export const FINDING_KIND_LABELS: Readonly<Record<DriftFindingKind, { one: string; many: string }>> = {
  missing_policy: { one: "missing policy", many: "missing policies" },
  unexpected_policy: { one: "unexpected policy", many: "unexpected policies" },
  setting_changed: { one: "changed setting", many: "changed settings" },
  setting_missing: { one: "missing setting", many: "missing settings" },
  setting_added: { one: "added setting", many: "added settings" },
  property_changed: { one: "changed property", many: "changed properties" },
  assignment_changed: { one: "changed assignment", many: "changed assignments" },
  ambiguous_match: { one: "ambiguous match", many: "ambiguous matches" },
};

/**
 * "3 changed settings, 1 missing policy" from counts by kind (catalog order; zero counts left out;
 * unknown kinds are counted as "other findings", never echoed). "no findings" when empty.
 */
export function describeFindingCounts(counts: Readonly<Record<string, number>>): string {
  const parts: string[] = [];
  let other = 0;
  for (const [kind, count] of Object.entries(counts)) {
    if (!Number.isSafeInteger(count) || count <= 0) continue;
    if (!Object.hasOwn(FINDING_KIND_LABELS, kind)) other += count;
  }
  for (const [kind, label] of Object.entries(FINDING_KIND_LABELS)) {
    const count = counts[kind];
    if (typeof count === "number" && Number.isSafeInteger(count) && count > 0)
      parts.push(`${count} ${count === 1 ? label.one : label.many}`);
  }
  if (other > 0) parts.push(`${other} other ${other === 1 ? "finding" : "findings"}`);
  return parts.length === 0 ? "no findings" : parts.join(", ");
}
