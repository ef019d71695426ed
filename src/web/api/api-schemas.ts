/**
 * The JSON API's shapes as zod schemas: request inputs (parsed, never trusted) and responses (for
 * the OpenAPI document). One source for validation and documentation.
 * @module
 */
import { z } from "zod";
import { CAPABILITIES, ROLES } from "../../access/capabilities.js";
import { reviewSectionsSchema } from "../../reviews/review-content.js";
import { toPeriodKey } from "../../reviews/review-period.js";
import { OPERATOR_ERRORS } from "../../shared/operator-error.js";

const uuid = z.uuid();
/** Short filter strings: enough for any real value, too short to carry a payload. */
const filterText = z.string().min(1).max(200);

/** `:slug` path parameter. */
export const workspaceSlugSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9-]*$/i);

/** Query of `GET /workspaces/:slug/runs`. */
export const runListQuerySchema = z.strictObject({
  type: filterText.optional(),
  status: filterText.optional(),
  tenantId: uuid.optional(),
  /** Page size. (Default: 50, max 500) */
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** The `next` cursor of the previous page. */
  before: z.string().min(1).max(200).optional(),
});

/** Query of `GET /workspaces/:slug/findings`. */
export const findingListQuerySchema = z.strictObject({
  tenantId: uuid.optional(),
  profileId: uuid.optional(),
  status: z.enum(["open", "resolved", "reopened", "active"]).optional(),
  kind: filterText.optional(),
  policy: filterText.optional(),
  path: z.string().min(1).max(1000).optional(),
});

/** Body of `POST …/capture`: nothing (the profile names its source tenant). */
export const captureBodySchema = z.strictObject({});

/** Body of `POST …/compare`. */
export const compareBodySchema = z.strictObject({ tenantId: uuid });

/** Body of `POST /tokens`. */
export const createTokenBodySchema = z.strictObject({ name: z.string().trim().min(1).max(100) });

/** Body of `POST …/reviews` and `POST …/evidence-snapshots`: the review period (reviews/review-period.ts). */
export const reviewPeriodBodySchema = z.strictObject({
  period: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .describe(
      "A month (2026-11), a quarter (2026-Q4), a year (2026), a day (2026-11-30) or whole days (2026-11-01..2026-11-15, at most 366); it must have started.",
    ),
});

/** Query of `GET /workspaces/:slug/reviews/:reviewId/export`. */
export const reviewExportQuerySchema = z.strictObject({
  format: z.enum(["md", "pdf", "json"]).describe("md: text/markdown · pdf: application/pdf · json: application/json"),
});

// ---- responses (documentation; handlers build them from domain values) ----

const timestamp = z.iso.datetime();

/** `{ error: { code, message, issues? } }`: every non-2xx answer. */
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(OPERATOR_ERRORS) as [keyof typeof OPERATOR_ERRORS, ...(keyof typeof OPERATOR_ERRORS)[]]),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("Only for invalid_input: which fields are wrong."),
  }),
});

export const workspaceSchema = z.object({
  id: uuid,
  slug: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  capabilities: z.array(z.enum(CAPABILITIES)),
});

export const tenantSchema = z.object({
  id: uuid,
  name: z.string(),
  entraTenantId: z.string().nullable(),
  evidenceSource: z.object({ kind: z.string() }).nullable().describe("The kind only; paths are not disclosed."),
  createdAt: timestamp,
});

export const baselineProfileSchema = z.object({
  id: uuid,
  name: z.string(),
  sourceTenantId: uuid,
  policyKinds: z.array(z.string()),
  ignoreVersionSuffix: z.boolean(),
  reportUnexpected: z.boolean(),
  createdAt: timestamp,
});

const progressSchema = z
  .object({ mode: z.enum(["none", "activity", "counted", "phased", "composite"]), label: z.string() })
  .loose()
  .describe("The ProgressView (DESIGN.md §3): `percent` only in counted mode; phases, parts by mode.");

export const runSchema = z.object({
  id: uuid,
  workspaceId: uuid,
  tenantId: uuid.nullable(),
  type: z.string(),
  initiatorUserId: uuid.nullable(),
  initiatorLabel: z.string().nullable(),
  status: z.enum(["queued", "running", "completed"]),
  outcome: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
  summaryCounts: z.record(z.string(), z.number()),
  failure: z
    .object({ code: z.string(), message: z.string(), diagnostics: z.string().optional() })
    .nullable()
    .describe("`diagnostics` only for members with operations.diagnostics."),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
  heartbeatAt: timestamp.nullable(),
  attempt: z.number().int(),
  version: z.number().int(),
  headline: z.string(),
  progress: progressSchema,
});

export const runListSchema = z.object({
  runs: z.array(runSchema),
  next: z.string().nullable().describe("Pass as `before` for the next page; null on the last page."),
});

export const startRunResponseSchema = z.object({
  run: runSchema,
  created: z.boolean().describe("False when the same work was already active: `run` is that run."),
  toast: z.object({
    title: z.string(),
    body: z.string(),
    action: z.object({ label: z.string(), url: z.string() }),
  }),
});

export const findingSchema = z.object({
  id: uuid,
  tenantId: uuid,
  tenantName: z.string(),
  profileId: uuid,
  profileName: z.string(),
  kind: z.string(),
  policyKind: z.string(),
  policyName: z.string(),
  path: z.string().nullable(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  probableRename: z.string().nullable(),
  status: z.string(),
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  resolvedAt: timestamp.nullable(),
});

export const tokenInfoSchema = z.object({
  id: uuid,
  name: z.string(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});

export const createdTokenSchema = z.object({
  id: uuid,
  token: z.string().describe("Shown once; only its hash is stored."),
});

/** A tenant review in a list: its period, status and times (no sections). */
export const tenantReviewSummarySchema = z.object({
  id: uuid,
  tenantId: uuid,
  periodKey: z.string().describe("The period as `period` accepts it, e.g. 2026-11."),
  periodLabel: z.string(),
  periodStart: timestamp.describe("Inclusive, UTC midnight."),
  periodEnd: timestamp.describe("Exclusive, UTC midnight."),
  status: z
    .enum(["draft", "ready"])
    .describe("A draft is being composed (or its compose did not finish); ready never changes."),
  runId: uuid.describe("The tenant.review.compose run."),
  evidenceSnapshotId: uuid.nullable(),
  createdAt: timestamp,
  readyAt: timestamp.nullable(),
});

/** A tenant review with its sections (reviews/review-content.ts). */
export const tenantReviewSchema = tenantReviewSummarySchema.extend({
  workspaceId: uuid,
  tenantName: z.string(),
  entraTenantId: z.string().nullable(),
  sections: reviewSectionsSchema,
});

/** A stored review (Date or ISO times) as {@link tenantReviewSummarySchema}: ISO times and its period key. */
export function toApiReviewSummary(review: {
  id: string;
  tenantId: string;
  periodLabel: string;
  periodStart: Date | string;
  periodEnd: Date | string;
  status: string;
  runId: string;
  evidenceSnapshotId: string | null;
  createdAt: Date | string;
  readyAt: Date | string | null;
}): z.infer<typeof tenantReviewSummarySchema> {
  const iso = (value: Date | string) => new Date(value).toISOString();
  return {
    id: review.id,
    tenantId: review.tenantId,
    periodKey: toPeriodKey(new Date(review.periodStart), new Date(review.periodEnd)),
    periodLabel: review.periodLabel,
    periodStart: iso(review.periodStart),
    periodEnd: iso(review.periodEnd),
    status: review.status === "ready" ? "ready" : "draft",
    runId: review.runId,
    evidenceSnapshotId: review.evidenceSnapshotId,
    createdAt: iso(review.createdAt),
    readyAt: review.readyAt === null ? null : iso(review.readyAt),
  };
}
