/**
 * The pure drift engine (DESIGN.md §5): normalise, match, flatten, compare, fingerprint.
 * @module
 */

export {
  type CompareOptions,
  type CompareResult,
  comparePolicies,
  DRIFT_FINDING_KINDS,
  type DriftFinding,
  type DriftFindingKind,
  type UnreadableHint,
} from "./compare-policies.js";
export { type FindingFingerprintInput, findingFingerprint } from "./finding-fingerprint.js";
export {
  type AlignedSettings,
  alignSettingsCatalog,
  type FlatSettings,
  flattenSettingsCatalog,
} from "./flatten-settings-catalog.js";
export {
  hasCompleteIdentity,
  type MatchOptions,
  matchPolicies,
  type PolicyMatch,
  stripVersionSuffix,
  toIdentityName,
  toPolicyIdentity,
} from "./match-policies.js";
export {
  type JsonObject,
  type JsonPrimitive,
  type JsonValue,
  NORMALIZER_VERSION,
  type NormalizedPolicy,
  normalizePolicy,
  SECRET_MARKER,
  toCanonicalJson,
  toContentHash,
} from "./normalize-policy.js";
