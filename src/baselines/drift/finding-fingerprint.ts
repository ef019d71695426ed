/**
 * Stable fingerprints of drift findings: the identity a finding keeps across compares, so a later
 * compare can update `last_seen`, resolve or reopen it (DESIGN.md §5 "Lifecycle"). Pure.
 * @module
 */
import { createHash } from "node:crypto";
import type { DriftFindingKind } from "./compare-policies.js";

/** What identifies a finding across compares. Values (expected/actual) are deliberately not part of it. */
export interface FindingFingerprintInput {
  /** Tenant id (uuid of the tenant row). */
  tenantId: string;
  /** Baseline profile id. */
  profileId: string;
  /** Finding kind. */
  kind: DriftFindingKind;
  /** `DriftFinding.policyIdentity`: the policy's stable match key. */
  policyIdentity: string;
  /** Setting or property path; absent for policy-level findings. */
  path?: string | undefined;
}

/**
 * Fingerprint a finding: sha256 (lowercase hex, 64 chars) of the JSON array
 * `[tenantId, profileId, kind, policyIdentity, path ?? ""]`. The JSON encoding keeps the parts
 * apart, so no two different inputs share a preimage.
 */
export function findingFingerprint(input: FindingFingerprintInput): string {
  const parts = [input.tenantId, input.profileId, input.kind, input.policyIdentity, input.path ?? ""];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
