/**
 * The one versioned normaliser (DESIGN.md §5): it turns a Graph policy object into a canonical
 * form that capture stores (content-addressed by its hash) and compare reads back. Pure: no I/O.
 * Equal configurations normalise to equal content, whatever the exporter, tenant or export date.
 * @module
 */
import { createHash } from "node:crypto";
import { GRAPH_TYPE_PREFIX, SETTINGS_CATALOG_KIND, toPolicyKind } from "../../inventory/policy-kinds.js";
import { OperatorError } from "../../shared/operator-error.js";

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Version of the normalisation rules. Bump it whenever a rule changes what `content` looks like, so
 * stored hashes from an older normaliser are recognised as such and re-normalised.
 */
export const NORMALIZER_VERSION = 1;

/**
 * What a secret value is replaced with in `content`, and what findings show instead of it. Secrets
 * are never stored, shown or compared by value (DESIGN.md §5 "Secrets").
 */
export const SECRET_MARKER = "(secret)";

/** A policy in canonical form. */
export interface NormalizedPolicy {
  /** Graph `@odata.type` without `#microsoft.graph.`, e.g. `deviceManagementConfigurationPolicy`. */
  policyKind: string;
  /** Display name as exported (`name` for settings catalog policies, `displayName` otherwise). */
  name: string;
  /**
   * Canonical content: the Graph shape with noise dropped, empty values dropped, keys sorted,
   * set-like arrays sorted, values canonicalised and secrets replaced by {@link SECRET_MARKER}.
   * It keeps the top-level `@odata.type` and the name, so it is itself a valid `normalizePolicy` input.
   */
  content: JsonObject;
  /** sha256 (lowercase hex, 64 chars) of {@link toCanonicalJson}(content). */
  hash: string;
}

/** Keys that are never configuration (DESIGN.md §5 "Noise"), dropped at every level. */
const NOISE_KEYS = new Set([
  "id",
  "createdDateTime",
  "lastModifiedDateTime",
  "modifiedDateTime",
  "version",
  "settingCount",
  "supportsScopeTags",
  "isAssigned",
  "creationSource",
  "priorityMetaData",
  "deployedAppCount",
  "lastSyncDateTime",
  "sourceId",
  "topicIdentifier",
  "templateReference",
  "settingInstanceTemplateReference",
  "settingValueTemplateReference",
  "secretReferenceValueId",
  // Server-computed state (corpus README "Server-computed fields").
  "newUpdates",
  "deviceReporting",
  "inventorySyncStatus",
]);

/** True for keys the normaliser drops at any depth (DESIGN.md §5 "Noise"). */
export function isNoiseKey(key: string): boolean {
  return (
    NOISE_KEYS.has(key) ||
    key.startsWith("@odata.") ||
    key.includes("@odata.") ||
    key.startsWith("#") ||
    key.endsWith("PauseStartDate") ||
    key.endsWith("WillBeRolledBack")
  );
}

/**
 * Keys whose string values are free text: never lowercased, never turned into numbers.
 * Everything else that looks like a Graph enum member (`allApps`, `notConfigured`) is an enum.
 */
function isFreeTextKey(key: string): boolean {
  return key === "name" || key === "displayName" || key === "description" || /(Name|Description|Message)$/.test(key);
}

/** Keys whose string values are secrets: passwords, pre-shared keys, shared secrets. */
function isSecretKey(key: string): boolean {
  return /(^|[a-z])(password|Password|preSharedKey|PreSharedKey|presharedKey|sharedSecret|SharedSecret|passphrase|Passphrase)$/.test(
    key,
  );
}

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/i;
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const ENUM_MEMBER = /^[a-z][A-Za-z0-9]*$/;
const ENUM_FLAGS = /^[a-z][A-Za-z0-9]*(?:\s*,\s*[a-z][A-Za-z0-9]*)+$/i;

/** How a string in a given position is canonicalised. */
type StringRole = "enum" | "free_text" | "setting_value" | "other";

/**
 * Canonicalise one string value. The rules (DESIGN.md §5 "Emptiness and form"):
 * - `""` is empty (dropped, equal to missing and null);
 * - GUIDs are lowercased, everywhere;
 * - ISO-8601 date-times with a zone become the UTC instant (`2024-01-01T10:00:00.5Z`, fraction
 *   digits kept, trailing zeros dropped); the Graph "unset" date `0001-01-01T00:00:00Z` is null;
 *   date-only strings and durations stay text;
 * - a string in canonical decimal form (`"15"`, `"-2.5"`) becomes that number (not in free text);
 * - enum values are lowercased: values in a position the export annotates with a Graph enum type,
 *   settings catalog choice values, and outside the settings tree any string shaped like a Graph
 *   enum member (`^[a-z][A-Za-z0-9]*$`, e.g. `allApps`) or a flags list (`mdm,microsoftSense`,
 *   members sorted). Free text (names, descriptions) and settings catalog simple values stay
 *   case-sensitive: a plist key like `AppPrefixAllowList` is not an enum.
 */
function canonString(value: string, role: StringRole): JsonPrimitive | undefined {
  if (value === "") {
    return undefined;
  }
  if (GUID.test(value)) {
    return value.toLowerCase();
  }
  const instant = toInstant(value);
  if (instant !== undefined) {
    return instant === UNSET_INSTANT ? undefined : instant;
  }
  if (role === "free_text") {
    return value;
  }
  if (DECIMAL.test(value)) {
    const number = Number(value);
    if (Number.isFinite(number) && String(number) === value) {
      return number;
    }
  }
  if (role === "enum") {
    return toEnumForm(value);
  }
  if (role === "other" && (ENUM_MEMBER.test(value) || ENUM_FLAGS.test(value))) {
    return toEnumForm(value);
  }
  return value;
}

function toEnumForm(value: string): string {
  const lower = value.toLowerCase();
  if (!ENUM_FLAGS.test(lower)) {
    return lower;
  }
  return lower
    .split(",")
    .map((member) => member.trim())
    .sort()
    .join(",");
}

const UNSET_INSTANT = "0001-01-01T00:00:00Z";

/** ISO-8601 date-time with zone → canonical UTC instant; anything else → undefined. */
function toInstant(value: string): string | undefined {
  const match = DATE_TIME.exec(value);
  if (match === null) {
    return undefined;
  }
  const [, date, hours, minutes, seconds = "00", fraction = "", zone = "Z"] = match;
  const millis = Date.parse(`${date}T${hours}:${minutes}:${seconds}${zone.toUpperCase()}`);
  if (Number.isNaN(millis)) {
    return undefined;
  }
  // Keep every fraction digit (Graph writes 7): Date alone would round to milliseconds.
  const whole = new Date(millis).toISOString().slice(0, 19);
  const digits = fraction.replace(/0+$/, "");
  return `${whole}${digits === "" ? "" : `.${digits}`}Z`;
}

function isEmpty(value: JsonValue | undefined): value is undefined {
  return value === undefined;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Serialise JSON with object keys sorted (UTF-16 code unit order) at every depth, no whitespace.
 * The input of every content hash.
 */
export function toCanonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(toCanonicalJson).join(",")}]`;
  }
  const keys = Object.keys(value).sort(compareStrings);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${toCanonicalJson(value[key] as JsonValue)}`).join(",")}}`;
}

/** sha256 lowercase hex of {@link toCanonicalJson}(value). */
export function toContentHash(value: JsonValue): string {
  return createHash("sha256").update(toCanonicalJson(value)).digest("hex");
}

/** Context of a generic walk. */
interface WalkContext {
  /** True inside `settings[]` of a settings catalog policy. */
  inSettings: boolean;
}

/** Sort an array canonically: set semantics (order is not configuration). */
function sortCanonically(items: JsonValue[]): JsonValue[] {
  const keyed = items.map((item) => ({ item, key: toCanonicalJson(item) }));
  keyed.sort((a, b) => compareStrings(a.key, b.key));
  return keyed.map(({ item }) => item);
}

function buildObject(entries: [string, JsonValue][]): JsonObject | undefined {
  if (entries.length === 0) {
    return undefined;
  }
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  const result: JsonObject = {};
  for (const [key, value] of entries) {
    result[key] = value;
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Role of a string under `key` of `owner`, from the export's own type annotations when present. */
function roleOf(owner: Record<string, unknown>, key: string, context: WalkContext): StringRole {
  if (isFreeTextKey(key)) {
    return "free_text";
  }
  const annotation = owner[`${key}@odata.type`];
  if (typeof annotation === "string" && annotation.startsWith(GRAPH_TYPE_PREFIX)) {
    return "enum";
  }
  return context.inSettings ? "setting_value" : "other";
}

/** Canonicalise any value; `undefined` means "empty: drop it". */
function canonValue(value: unknown, role: StringRole, context: WalkContext): JsonValue | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value === "string") {
    return canonString(value, role);
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === "boolean") {
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => canonValue(item, role, context) ?? null);
    return items.length === 0 ? undefined : sortCanonically(items);
  }
  if (isRecord(value)) {
    return canonObject(value, context);
  }
  return undefined;
}

/** Canonicalise a nested object (not the policy root, not a setting instance). */
function canonObject(owner: Record<string, unknown>, context: WalkContext): JsonObject | undefined {
  const entries: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(owner)) {
    if (isNoiseKey(key)) {
      continue;
    }
    const canonical = canonProperty(owner, key, value, context);
    if (!isEmpty(canonical)) {
      entries.push([key, canonical]);
    }
  }
  return buildObject(entries);
}

/** Canonicalise one property of an object: secrets, keyed lists and assignments first. */
function canonProperty(
  owner: Record<string, unknown>,
  key: string,
  value: unknown,
  context: WalkContext,
): JsonValue | undefined {
  if (isSecretKey(key) && typeof value === "string" && value !== "") {
    return SECRET_MARKER;
  }
  if (key === "omaSettings" && Array.isArray(value)) {
    return canonOmaSettings(value);
  }
  if (key === "assignments" && Array.isArray(value)) {
    return canonAssignments(value);
  }
  return canonValue(value, roleOf(owner, key, context), context);
}

/**
 * OMA-URI settings: encrypted values (`isEncrypted: true`) are redacted, `secretReferenceValueId`
 * is dropped (a new reference is not drift), the list is a set keyed by `omaUri`.
 * @see https://learn.microsoft.com/graph/api/resources/intune-deviceconfig-omasetting
 */
function canonOmaSettings(items: unknown[]): JsonValue | undefined {
  const canonical = items.map((item) => {
    if (!isRecord(item)) {
      return canonValue(item, "other", { inSettings: false }) ?? null;
    }
    const redacted =
      item["isEncrypted"] === true && item["value"] !== undefined ? { ...item, value: SECRET_MARKER } : item;
    return canonObject(redacted, { inSettings: false }) ?? null;
  });
  return canonical.length === 0 ? undefined : sortCanonically(canonical);
}

/**
 * Assignments: a set; each target keeps its `@odata.type` (group vs exclusion vs all devices is
 * configuration) while ids of the assignment itself are noise.
 * @see https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationpolicyassignment
 */
function canonAssignments(items: unknown[]): JsonValue | undefined {
  const canonical = items.map((item) => {
    if (!isRecord(item)) {
      return canonValue(item, "other", { inSettings: false }) ?? null;
    }
    const assignment = canonObject(item, { inSettings: false }) ?? {};
    const target = item["target"];
    const targetType = isRecord(target) ? target["@odata.type"] : undefined;
    if (typeof targetType === "string" && targetType.trim() !== "") {
      const canonicalTarget = isRecord(assignment["target"]) ? assignment["target"] : {};
      assignment["target"] =
        buildObject([...Object.entries(canonicalTarget), ["@odata.type", targetType.trim()]]) ?? {};
    }
    return buildObject(Object.entries(assignment)) ?? null;
  });
  return canonical.length === 0 ? undefined : sortCanonically(canonical);
}

/** Sort instances by `settingDefinitionId`, then canonically: instance order is not configuration. */
function sortInstances(instances: JsonObject[]): JsonObject[] {
  const keyed = instances.map((instance) => ({
    instance,
    id: typeof instance["settingDefinitionId"] === "string" ? instance["settingDefinitionId"] : "",
    key: toCanonicalJson(instance),
  }));
  keyed.sort((a, b) => compareStrings(a.id, b.id) || compareStrings(a.key, b.key));
  return keyed.map(({ instance }) => instance);
}

function canonChildren(children: unknown): JsonObject[] | undefined {
  if (!Array.isArray(children)) {
    return undefined;
  }
  const instances = children.filter(isRecord).map(canonSettingInstance);
  return instances.length === 0 ? undefined : sortInstances(instances);
}

function isSecretSettingValue(value: Record<string, unknown>): boolean {
  const type = value["@odata.type"];
  return (
    (typeof type === "string" && type.endsWith("SecretSettingValue")) ||
    Object.hasOwn(value, "valueState") ||
    value["value"] === SECRET_MARKER
  );
}

/** A simple setting value: the value only (its `@odata.type` follows from the JSON type). */
function canonSimpleValue(value: unknown): JsonObject | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  if (isSecretSettingValue(value)) {
    // Secret setting values: the value, its state and the secret reference never enter content.
    return { value: SECRET_MARKER };
  }
  const entries: [string, JsonValue][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (isNoiseKey(key)) {
      continue;
    }
    const canonical = canonValue(item, key === "value" ? "setting_value" : roleOf(value, key, { inSettings: true }), {
      inSettings: true,
    });
    if (!isEmpty(canonical)) {
      entries.push([key, canonical]);
    }
  }
  return buildObject(entries);
}

/** A choice value: the choice (an enum: lowercased) and its children. */
function canonChoiceValue(value: unknown): JsonObject | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const entries: [string, JsonValue][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (isNoiseKey(key)) {
      continue;
    }
    let canonical: JsonValue | undefined;
    if (key === "children") {
      canonical = canonChildren(item);
    } else if (key === "value" && typeof item === "string") {
      canonical = canonString(item, "enum");
    } else {
      canonical = canonValue(item, "setting_value", { inSettings: true });
    }
    if (!isEmpty(canonical)) {
      entries.push([key, canonical]);
    }
  }
  return buildObject(entries);
}

function canonList(value: unknown, each: (item: unknown) => JsonObject | undefined, sorted: boolean) {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const items: JsonValue[] = value.map((item) => each(item) ?? {});
  if (items.length === 0) {
    return undefined;
  }
  return sorted ? sortCanonically(items) : items;
}

/**
 * One `settingInstance` (choice, simple, simple collection, choice collection, group collection).
 * `settingDefinitionId`s are identifiers: lowercased. Simple and choice collections are sets
 * (sorted); group collection instances keep their order (pairing uses it, DESIGN.md §5).
 * @see https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationsettinginstance
 */
function canonSettingInstance(instance: Record<string, unknown>): JsonObject {
  const entries: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(instance)) {
    if (isNoiseKey(key)) {
      continue;
    }
    let canonical: JsonValue | undefined;
    switch (key) {
      case "settingDefinitionId":
        canonical = typeof value === "string" ? value.trim().toLowerCase() || undefined : undefined;
        break;
      case "choiceSettingValue":
        canonical = canonChoiceValue(value);
        break;
      case "simpleSettingValue":
        canonical = canonSimpleValue(value);
        break;
      case "simpleSettingCollectionValue":
        canonical = canonList(value, canonSimpleValue, true);
        break;
      case "choiceSettingCollectionValue":
        canonical = canonList(value, canonChoiceValue, true);
        break;
      case "groupSettingCollectionValue":
        canonical = canonList(value, (item) => (isRecord(item) ? canonGroupValue(item) : undefined), false);
        break;
      default:
        canonical = canonValue(value, roleOf(instance, key, { inSettings: true }), { inSettings: true });
    }
    if (!isEmpty(canonical)) {
      entries.push([key, canonical]);
    }
  }
  return buildObject(entries) ?? {};
}

function canonGroupValue(value: Record<string, unknown>): JsonObject | undefined {
  const children = canonChildren(value["children"]);
  const rest = canonObject(Object.fromEntries(Object.entries(value).filter(([key]) => key !== "children")), {
    inSettings: true,
  });
  return buildObject([
    ...Object.entries(rest ?? {}),
    ...(children === undefined ? [] : [["children", children] as [string, JsonValue]]),
  ]);
}

/** `settings[]` of a settings catalog policy: a set of `{ settingInstance }` (ordinal ids dropped). */
function canonSettings(settings: unknown): JsonValue | undefined {
  if (!Array.isArray(settings)) {
    return undefined;
  }
  const items = settings.filter(isRecord).map((setting) => {
    const entries: [string, JsonValue][] = [];
    for (const [key, value] of Object.entries(setting)) {
      if (isNoiseKey(key)) {
        continue;
      }
      const canonical =
        key === "settingInstance" && isRecord(value)
          ? canonSettingInstance(value)
          : canonValue(value, "setting_value", { inSettings: true });
      if (!isEmpty(canonical)) {
        entries.push([key, canonical]);
      }
    }
    return buildObject(entries) ?? {};
  });
  if (items.length === 0) {
    return undefined;
  }
  const keyed = items.map((item) => {
    const instance = item["settingInstance"];
    const id =
      isRecord(instance) && typeof instance["settingDefinitionId"] === "string" ? instance["settingDefinitionId"] : "";
    return { item, id, key: toCanonicalJson(item) };
  });
  keyed.sort((a, b) => compareStrings(a.id, b.id) || compareStrings(a.key, b.key));
  return keyed.map(({ item }) => item);
}

/** The name key of a kind: `name` for settings catalog policies, `displayName` for the rest. */
export function toNameKey(policyKind: string): "name" | "displayName" {
  return policyKind === SETTINGS_CATALOG_KIND ? "name" : "displayName";
}

/**
 * Normalise one Graph policy object (as exported, or a stored `content`) to canonical form.
 * Idempotent: `normalizePolicy(normalizePolicy(x).content)` has the same hash.
 *
 * Dropped: noise and server state ({@link isNoiseKey}), the other convention's name key
 * (`displayName` on a settings catalog policy), empty values (`null`, `""`, `[]`, `{}`: equal to
 * missing for strings and collections; `false` and `0` are kept). Sorted: object keys, set-like
 * arrays, settings and their children. Redacted: secret setting values, encrypted OMA values,
 * password / pre-shared key strings. See `canonString` for value forms.
 *
 * @throws {OperatorError} `export_malformed` – `raw` has no string `@odata.type`
 * @see DESIGN.md §5
 */
export function normalizePolicy(raw: Record<string, unknown>): NormalizedPolicy {
  const odataType = raw["@odata.type"];
  if (typeof odataType !== "string" || odataType.trim() === "") {
    throw new OperatorError("export_malformed", 'policy object has no string "@odata.type"');
  }
  const policyKind = toPolicyKind(odataType);
  const nameKey = toNameKey(policyKind);
  const otherNameKey = nameKey === "name" ? "displayName" : "name";
  const rawName = typeof raw[nameKey] === "string" ? raw[nameKey] : raw[otherNameKey];
  const name = typeof rawName === "string" ? rawName : "";
  const isSettingsCatalog = policyKind === SETTINGS_CATALOG_KIND;

  const entries: [string, JsonValue][] = [["@odata.type", `${GRAPH_TYPE_PREFIX}${policyKind}`]];
  if (name !== "") {
    entries.push([nameKey, name]);
  }
  for (const [key, value] of Object.entries(raw)) {
    if (isNoiseKey(key) || key === nameKey || key === otherNameKey) {
      continue;
    }
    const canonical =
      key === "settings" && isSettingsCatalog
        ? canonSettings(value)
        : canonProperty(raw, key, value, { inSettings: false });
    if (!isEmpty(canonical)) {
      entries.push([key, canonical]);
    }
  }
  const content = buildObject(entries) ?? {};
  return { policyKind, name, content, hash: toContentHash(content) };
}
