/**
 * A tenant's standing at a glance, for its page: unresolved drift, the latest finished compare and
 * the latest review — one query, whatever the number of runs, findings or reviews.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";

/** What the tenant page summarises. Times are Dates; ids are uuids. */
export interface TenantOverview {
  /** Open + reopened drift findings over every baseline profile. */
  unresolvedFindingCount: number;
  /** Baseline profiles with at least one unresolved finding. */
  driftedProfileCount: number;
  /** The latest completed baseline compare of the tenant (any outcome), or null. */
  lastCompare: { runId: string; completedAt: Date; outcome: string } | null;
  /** The tenant review with the latest period (ready before draft), or null. */
  latestReview: { reviewId: string; periodLabel: string; status: "draft" | "ready" } | null;
}

/** The overview of one tenant (already checked visible by the caller). */
export async function getTenantOverview(db: Db, tenantId: string): Promise<TenantOverview> {
  const result = await db.execute(sql`
    select
      (select count(*) from drift_findings f
        where f.tenant_id = ${tenantId} and f.status in ('open', 'reopened'))::int as unresolved,
      (select count(distinct f.profile_id) from drift_findings f
        where f.tenant_id = ${tenantId} and f.status in ('open', 'reopened'))::int as drifted_profiles,
      c.id as compare_id, c.completed_at as compare_at, c.outcome as compare_outcome,
      r.id as review_id, r.period_label, r.status as review_status
    from (select 1) as one
    left join lateral (
      select id, completed_at, outcome from operation_runs
      where tenant_id = ${tenantId} and type = 'baseline_compare' and status = 'completed'
      order by completed_at desc limit 1
    ) c on true
    left join lateral (
      select id, period_label, status from tenant_reviews
      where tenant_id = ${tenantId}
      order by period_end desc, (status = 'ready') desc, created_at desc limit 1
    ) r on true`);
  const row = result.rows[0] as {
    unresolved: number;
    drifted_profiles: number;
    compare_id: string | null;
    compare_at: Date | string | null;
    compare_outcome: string | null;
    review_id: string | null;
    period_label: string | null;
    review_status: string | null;
  };
  return {
    unresolvedFindingCount: row.unresolved,
    driftedProfileCount: row.drifted_profiles,
    lastCompare:
      row.compare_id === null || row.compare_at === null
        ? null
        : { runId: row.compare_id, completedAt: new Date(row.compare_at), outcome: row.compare_outcome ?? "" },
    latestReview:
      row.review_id === null
        ? null
        : {
            reviewId: row.review_id,
            periodLabel: row.period_label ?? "",
            status: row.review_status === "ready" ? "ready" : "draft",
          },
  };
}
