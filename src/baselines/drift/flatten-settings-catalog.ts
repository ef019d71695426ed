/**
 * Flattening of settings catalog trees (`settings[].settingInstance`) into paths of
 * `settingDefinitionId`s → values, so two policies compare setting by setting (DESIGN.md §5).
 * Pure. Works on normalised content (`normalizePolicy`), where ids are lowercased and sets sorted.
 * @module
 */
import { type JsonObject, type JsonValue, toCanonicalJson } from "./normalize-policy.js";

/**
 * A flattened settings tree: `/`-joined path → value. A path is the chain of
 * `settingDefinitionId`s from the top-level setting down to the leaf (choice parents included);
 * below a group collection it carries the instance position (`group/0/child`). Values are a
 * choice value or simple value (scalar, or the secret marker), a sorted array for simple and
 * choice collections (sets), or `null` for an instance without a value.
 */
export type FlatSettings = Map<string, JsonValue>;

/** Both sides of a matched pair, flattened with group-collection instances aligned. */
export interface AlignedSettings {
  /** Baseline side. */
  expected: FlatSettings;
  /** Current side; a path present on both sides names the same setting. */
  actual: FlatSettings;
}

type Side = "expected" | "actual";

function isRecord(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toInstances(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The `settingInstance`s of a policy's `settings[]` (normalised content). */
export function toTopLevelInstances(settings: JsonValue | undefined): JsonObject[] {
  return toInstances(settings)
    .map((setting) => setting["settingInstance"])
    .filter(isRecord);
}

/**
 * Flatten one side alone (group collection instances at their own positions).
 * @param settings - `content.settings` of a normalised settings catalog policy
 */
export function flattenSettingsCatalog(settings: JsonValue | undefined): FlatSettings {
  return alignSettingsCatalog(settings, undefined).expected;
}

/**
 * Flatten both sides of a matched pair so equal paths name the same setting. Group collection
 * instances pair up by identical content first, then the rest in order; a paired instance keeps
 * the baseline position in its path, an unpaired baseline instance its own position, and an
 * unpaired current instance a position after the last baseline instance (so an added instance
 * never lands on a path the baseline uses).
 *
 * @param baseline - `content.settings` of the baseline policy (normalised)
 * @param current - `content.settings` of the current policy (normalised), or undefined for one side
 */
export function alignSettingsCatalog(baseline: JsonValue | undefined, current: JsonValue | undefined): AlignedSettings {
  const out: AlignedSettings = { expected: new Map(), actual: new Map() };
  alignInstanceLists(toTopLevelInstances(baseline), toTopLevelInstances(current), "", out);
  return out;
}

function definitionIdOf(instance: JsonObject): string {
  const id = instance["settingDefinitionId"];
  return typeof id === "string" ? id : "(no settingDefinitionId)";
}

/** Group a list by settingDefinitionId; a repeated id gets a `[k]` suffix (k ≥ 1) in its path. */
function keyInstances(instances: JsonObject[]): Map<string, JsonObject> {
  const keyed = new Map<string, JsonObject>();
  const seen = new Map<string, number>();
  for (const instance of instances) {
    const id = definitionIdOf(instance);
    const count = seen.get(id) ?? 0;
    seen.set(id, count + 1);
    keyed.set(count === 0 ? id : `${id}[${count}]`, instance);
  }
  return keyed;
}

function join(prefix: string, segment: string): string {
  return prefix === "" ? segment : `${prefix}/${segment}`;
}

function alignInstanceLists(baseline: JsonObject[], current: JsonObject[], prefix: string, out: AlignedSettings): void {
  const expected = keyInstances(baseline);
  const actual = keyInstances(current);
  for (const [segment, instance] of expected) {
    alignInstance(instance, actual.get(segment), join(prefix, segment), out);
  }
  for (const [segment, instance] of actual) {
    if (!expected.has(segment)) {
      emitInstance(instance, "actual", join(prefix, segment), out);
    }
  }
}

/** The value-carrying key of an instance, which decides its shape. */
const VALUE_KEYS = [
  "choiceSettingValue",
  "simpleSettingValue",
  "simpleSettingCollectionValue",
  "choiceSettingCollectionValue",
  "groupSettingCollectionValue",
] as const;
type ValueKey = (typeof VALUE_KEYS)[number];

function valueKeyOf(instance: JsonObject): ValueKey | undefined {
  return VALUE_KEYS.find((key) => instance[key] !== undefined);
}

function alignInstance(
  baseline: JsonObject,
  current: JsonObject | undefined,
  path: string,
  out: AlignedSettings,
): void {
  const shape = valueKeyOf(baseline);
  if (current === undefined || valueKeyOf(current) !== shape) {
    emitInstance(baseline, "expected", path, out);
    if (current !== undefined) {
      emitInstance(current, "actual", path, out);
    }
    return;
  }
  switch (shape) {
    case "choiceSettingValue": {
      const b = baseline[shape];
      const c = current[shape];
      out.expected.set(path, choiceOf(b));
      out.actual.set(path, choiceOf(c));
      alignInstanceLists(childrenOf(b), childrenOf(c), path, out);
      return;
    }
    case "choiceSettingCollectionValue": {
      emitChoiceCollection(baseline[shape], "expected", path, out);
      emitChoiceCollection(current[shape], "actual", path, out);
      return;
    }
    case "groupSettingCollectionValue": {
      alignGroupInstances(toInstances(baseline[shape]), toInstances(current[shape]), path, out);
      return;
    }
    default:
      emitInstance(baseline, "expected", path, out);
      emitInstance(current, "actual", path, out);
  }
}

function alignGroupInstances(baseline: JsonObject[], current: JsonObject[], path: string, out: AlignedSettings): void {
  const currentKeys = current.map(toCanonicalJson);
  const pairedCurrent = new Set<number>();
  const pairOf = new Map<number, number>();
  // Identical content first: reordered instances pair with their twins and give no finding.
  baseline.forEach((instance, b) => {
    const key = toCanonicalJson(instance);
    const c = currentKeys.findIndex((candidate, index) => candidate === key && !pairedCurrent.has(index));
    if (c !== -1) {
      pairOf.set(b, c);
      pairedCurrent.add(c);
    }
  });
  // Then the rest in order, so one changed leaf in one instance is one setting_changed.
  const restCurrent = current.map((_, index) => index).filter((index) => !pairedCurrent.has(index));
  baseline.forEach((_, b) => {
    if (!pairOf.has(b) && restCurrent.length > 0) {
      const c = restCurrent.shift() as number;
      pairOf.set(b, c);
      pairedCurrent.add(c);
    }
  });
  baseline.forEach((instance, b) => {
    const c = pairOf.get(b);
    const segment = join(path, String(b));
    if (c === undefined) {
      emitGroupInstance(instance, "expected", segment, out);
    } else {
      alignInstanceLists(toInstances(instance["children"]), toInstances(current[c]?.["children"]), segment, out);
    }
  });
  let added = 0;
  current.forEach((instance, c) => {
    if (!pairedCurrent.has(c)) {
      emitGroupInstance(instance, "actual", join(path, String(baseline.length + added)), out);
      added += 1;
    }
  });
}

function choiceOf(value: JsonValue | undefined): JsonValue {
  return isRecord(value) ? (value["value"] ?? null) : null;
}

function childrenOf(value: JsonValue | undefined): JsonObject[] {
  return isRecord(value) ? toInstances(value["children"]) : [];
}

function simpleOf(value: JsonValue | undefined): JsonValue {
  return isRecord(value) ? (value["value"] ?? null) : null;
}

function emitChoiceCollection(value: JsonValue | undefined, side: Side, path: string, out: AlignedSettings): void {
  const items = toInstances(value);
  out[side].set(path, items.length === 0 ? null : items.map(choiceOf));
  for (const item of items) {
    const children = childrenOf(item);
    if (children.length > 0) {
      emitInstanceList(children, side, join(path, String(choiceOf(item))), out);
    }
  }
}

function emitInstanceList(instances: JsonObject[], side: Side, prefix: string, out: AlignedSettings): void {
  for (const [segment, instance] of keyInstances(instances)) {
    emitInstance(instance, side, join(prefix, segment), out);
  }
}

function emitGroupInstance(instance: JsonObject, side: Side, path: string, out: AlignedSettings): void {
  const children = toInstances(instance["children"]);
  if (children.length === 0) {
    out[side].set(path, null); // an empty instance still counts as one (added or removed) leaf
    return;
  }
  emitInstanceList(children, side, path, out);
}

/** Emit every leaf of one instance on one side. */
function emitInstance(instance: JsonObject, side: Side, path: string, out: AlignedSettings): void {
  const shape = valueKeyOf(instance);
  switch (shape) {
    case "choiceSettingValue":
      out[side].set(path, choiceOf(instance[shape]));
      emitInstanceList(childrenOf(instance[shape]), side, path, out);
      return;
    case "simpleSettingValue":
      out[side].set(path, simpleOf(instance[shape]));
      return;
    case "simpleSettingCollectionValue": {
      const values = Array.isArray(instance[shape]) ? instance[shape].map(simpleOf) : [];
      out[side].set(path, values.length === 0 ? null : values);
      return;
    }
    case "choiceSettingCollectionValue":
      emitChoiceCollection(instance[shape], side, path, out);
      return;
    case "groupSettingCollectionValue":
      toInstances(instance[shape]).forEach((group, index) => {
        emitGroupInstance(group, side, join(path, String(index)), out);
      });
      return;
    default: {
      // An instance shape this engine does not know: compare what is left of it as one value.
      const { settingDefinitionId: _id, ...rest } = instance;
      out[side].set(path, Object.keys(rest).length === 0 ? null : rest);
    }
  }
}
