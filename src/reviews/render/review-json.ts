/**
 * The JSON export of a tenant review: a versioned shape for integrations (PSA and documentation
 * tools), independent of how the review is stored. Pure.
 * @module
 */
import {
  REVIEW_SECTION_KINDS,
  type ReviewSection,
  reviewSectionsSchema,
  type TenantReviewDocument,
} from "../review-content.js";

/** Bumped only for a change an integration must adapt to (a field removed, renamed or retyped). */
export const REVIEW_EXPORT_SCHEMA_VERSION = 1;

/**
 * The JSON export, schema version 1. Keys appear in this order; times are ISO-8601 UTC strings;
 * counts are non-negative integers.
 *
 * - `review`: the review's identity and state. `entraTenantId`, `evidenceSnapshotId` and `readyAt`
 *   may be null; `status` is `"draft"` or `"ready"` (a ready review never changes).
 * - `sections`: the review's sections in canonical order (executive_summary, baseline_posture,
 *   notable_drift, operations_health, evidence_basis), each exactly as `reviewSectionSchema` in
 *   `src/reviews/review-content.ts` defines it (keys in schema order, unknown keys dropped).
 *   `kind` and other enum fields (`state`, `outcome`, `findingKind`) are stable keys for machines;
 *   the `*Label` fields are operator copy. Secrets are never present: a secret value is
 *   `{ "kind": "redacted" }`. A notable finding's optional `settingPath` is the raw drift path
 *   (settings catalog definition ids, "/"-separated) to match on; `settingLabel` is for people.
 *
 * Additive changes (new optional fields, new section kinds a client should skip) keep version 1.
 */
export interface ReviewExportJson {
  schemaVersion: typeof REVIEW_EXPORT_SCHEMA_VERSION;
  review: {
    id: string;
    workspaceId: string;
    tenantId: string;
    tenantName: string;
    entraTenantId: string | null;
    periodStart: string;
    periodEnd: string;
    periodLabel: string;
    status: "draft" | "ready";
    /** The `tenant.review.compose` operation run that composed it. */
    composeRunId: string;
    evidenceSnapshotId: string | null;
    createdAt: string;
    readyAt: string | null;
  };
  sections: ReviewSection[];
}

/**
 * Convert a review to its JSON export (serialise with `JSON.stringify`; serve as
 * `application/json`). Sections are re-parsed so key order and content follow the schema.
 * @throws {Error} (a zod error) when a section does not match the schema: reviews are parsed when
 *   read, so this is a bug, never an operator mistake
 */
export function toReviewExportJson(review: TenantReviewDocument): ReviewExportJson {
  const sections = reviewSectionsSchema.parse(review.sections);
  const order = (section: ReviewSection) => REVIEW_SECTION_KINDS.indexOf(section.kind);
  return {
    schemaVersion: REVIEW_EXPORT_SCHEMA_VERSION,
    review: {
      id: review.id,
      workspaceId: review.workspaceId,
      tenantId: review.tenantId,
      tenantName: review.tenantName,
      entraTenantId: review.entraTenantId,
      periodStart: review.periodStart,
      periodEnd: review.periodEnd,
      periodLabel: review.periodLabel,
      status: review.status,
      composeRunId: review.runId,
      evidenceSnapshotId: review.evidenceSnapshotId,
      createdAt: review.createdAt,
      readyAt: review.readyAt,
    },
    // Array#sort is stable: sections of one kind (not expected) keep their stored order.
    sections: sections.sort((a, b) => order(a) - order(b)),
  };
}
