/**
 * The read side of tenant reviews, for the Reviews pages, exports, the API and the CLI.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { OperatorError } from "../shared/operator-error.js";
import { type ReviewSection, reviewSectionSchema, type TenantReviewDocument } from "./review-content.js";

/**
 * One tenant review in a list.
 * - `periodKey`: the canonical period spelling ("2026-11"), from the compose run's inputs; null if unknown.
 * - `periodStart` / `periodEnd`: the period, half-open [start, end), UTC midnight.
 * - `status`: `draft` while its compose run works, `ready` once composed (ready reviews never change).
 * - `runId`: the `tenant.review.compose` run that composes it (link a draft to `/operations/<runId>`).
 */
export interface TenantReviewSummary {
  id: string;
  tenantId: string;
  periodLabel: string;
  periodKey: string | null;
  periodStart: Date;
  periodEnd: Date;
  status: "draft" | "ready";
  createdAt: Date;
  readyAt: Date | null;
  runId: string;
  evidenceSnapshotId: string | null;
}

/** A tenant's reviews, newest period first (then newest first). An unknown tenant has none. */
export async function listTenantReviews(db: Db, workspaceId: string, tenantId: string): Promise<TenantReviewSummary[]> {
  const result = await db.execute(sql`select v.*, r.context->'inputs'->>'periodKey' as period_key
    from tenant_reviews v left join operation_runs r on r.id = v.run_id
    where v.workspace_id = ${workspaceId} and v.tenant_id = ${tenantId}
    order by v.period_start desc, v.period_end asc, v.created_at desc`);
  return result.rows.map((raw) => {
    const row = raw as Record<string, unknown>;
    return {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      periodLabel: row.period_label as string,
      periodKey: typeof row.period_key === "string" ? row.period_key : null,
      periodStart: new Date(row.period_start as string),
      periodEnd: new Date(row.period_end as string),
      status: row.status === "ready" ? "ready" : "draft",
      createdAt: new Date(row.created_at as string),
      readyAt: row.ready_at ? new Date(row.ready_at as string) : null,
      runId: row.run_id as string,
      evidenceSnapshotId: (row.evidence_snapshot_id as string | null) ?? null,
    };
  });
}

/**
 * A review of the workspace as renderers and the API read it. Stored sections are validated one by
 * one with the review section schema; a section that does not validate is left out (never rendered
 * from an unchecked shape), so a damaged row shows what is still sound.
 * @throws {OperatorError} not_found – no such review in this workspace
 */
export async function getTenantReview(db: Db, workspaceId: string, reviewId: string): Promise<TenantReviewDocument> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reviewId);
  const result = isUuid
    ? await db.execute(sql`select v.*, t.name as tenant_name, t.entra_tenant_id
        from tenant_reviews v join tenants t on t.id = v.tenant_id
        where v.workspace_id = ${workspaceId} and v.id = ${reviewId}`)
    : { rows: [] };
  const row = result.rows[0] as Record<string, unknown> | undefined;
  if (row === undefined)
    throw new OperatorError("not_found", `No tenant review ${reviewId.slice(0, 60)} in this workspace.`);
  const iso = (value: unknown) => new Date(value as string).toISOString();
  return {
    id: row.id as string,
    workspaceId: row.workspace_id as string,
    tenantId: row.tenant_id as string,
    tenantName: row.tenant_name as string,
    entraTenantId: (row.entra_tenant_id as string | null) ?? null,
    periodStart: iso(row.period_start),
    periodEnd: iso(row.period_end),
    periodLabel: row.period_label as string,
    status: row.status === "ready" ? "ready" : "draft",
    runId: row.run_id as string,
    evidenceSnapshotId: (row.evidence_snapshot_id as string | null) ?? null,
    createdAt: iso(row.created_at),
    readyAt: row.ready_at ? iso(row.ready_at) : null,
    sections: toSections(row.sections),
  };
}

/** Valid sections only, in stored order. */
function toSections(stored: unknown): ReviewSection[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((section) => {
    const parsed = reviewSectionSchema.safeParse(section);
    return parsed.success ? [parsed.data] : [];
  });
}
