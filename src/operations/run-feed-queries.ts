/**
 * Read side of the live activity feed (DESIGN.md §7): runs with their tenant's name in one query,
 * by id, by change cursor, or as a workspace's active set. Never writes; callers apply access.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import type { OperationRun } from "./run-record.js";
import { OPERATION_RUN_COLUMNS, toOperationRun } from "./run-service.js";

/** A run as the feed renders it: the run, its tenant's display name and its change cursor. */
export interface FeedRun {
  run: OperationRun;
  /** The tenant's display name; null for workspace-level runs or a tenant that no longer exists. */
  tenantName: string | null;
  /** operation_runs.change_seq of the row as read. */
  changeSeq: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Completed runs a replay resends at most (active runs are always all resent). */
export const MAX_REPLAYED_COMPLETED_RUNS = 500;

// A scalar subquery keeps the run's unqualified column list unambiguous (tenants has id, name, …).
const FEED_COLUMNS = sql`${OPERATION_RUN_COLUMNS},
  (select t.name from tenants t where t.id = operation_runs.tenant_id) as tenant_name`;

function toFeedRun(raw: unknown): FeedRun {
  const row = raw as Record<string, unknown>;
  return {
    run: toOperationRun(row),
    tenantName: typeof row.tenant_name === "string" ? row.tenant_name : null,
    changeSeq: Number(row.change_seq),
  };
}

/** Runs by id (any workspace: the caller filters by access), in change order. One query. */
export async function listFeedRunsByIds(db: Db, runIds: readonly string[]): Promise<FeedRun[]> {
  const ids = runIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return [];
  const result = await db.execute(sql`select ${FEED_COLUMNS} from operation_runs
    where id = any(${`{${ids.join(",")}}`}::uuid[]) order by change_seq`);
  return result.rows.map(toFeedRun);
}

/**
 * Active (queued or running) runs of some workspaces, optionally of one tenant, oldest first. One
 * query, whatever the number of runs or workspaces.
 */
export async function listActiveFeedRuns(
  db: Db,
  workspaceIds: readonly string[],
  tenantId?: string,
): Promise<FeedRun[]> {
  if (workspaceIds.length === 0) return [];
  const result = await db.execute(sql`select ${FEED_COLUMNS} from operation_runs
    where workspace_id = any(${`{${workspaceIds.join(",")}}`}::uuid[]) and status in ('queued', 'running')
    ${tenantId === undefined ? sql`` : sql`and tenant_id = ${tenantId}`}
    order by created_at, id`);
  return result.rows.map(toFeedRun);
}

/**
 * Runs of some workspaces whose change cursor is above `afterChangeSeq`, in change order: every
 * active one, and the latest {@link MAX_REPLAYED_COMPLETED_RUNS} completed ones (so a client removes
 * what finished while it was away). One query.
 */
export async function listFeedRunsChangedSince(
  db: Db,
  workspaceIds: readonly string[],
  afterChangeSeq: number,
): Promise<FeedRun[]> {
  if (workspaceIds.length === 0) return [];
  const workspaces = `{${workspaceIds.join(",")}}`;
  const result = await db.execute(sql`select * from (
      (select ${FEED_COLUMNS} from operation_runs
        where workspace_id = any(${workspaces}::uuid[]) and change_seq > ${afterChangeSeq}
          and status in ('queued', 'running'))
      union all
      (select ${FEED_COLUMNS} from operation_runs
        where workspace_id = any(${workspaces}::uuid[]) and change_seq > ${afterChangeSeq}
          and status not in ('queued', 'running')
        order by change_seq desc limit ${MAX_REPLAYED_COMPLETED_RUNS})
    ) changed order by change_seq`);
  return result.rows.map(toFeedRun);
}

/** The highest change cursor of any run (0 when there are none): where a page's snapshot stands. */
export async function findLatestChangeSeq(db: Db): Promise<number> {
  const result = await db.execute(sql`select coalesce(max(change_seq), 0) as seq from operation_runs`);
  return Number((result.rows[0] as { seq: unknown } | undefined)?.seq ?? 0);
}
