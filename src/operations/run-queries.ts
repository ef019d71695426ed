/**
 * The read side of operation runs: find, list and the active set. Never writes.
 * @module
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { OperatorError } from "../shared/operator-error.js";
import type { OperationRun } from "./run-record.js";
import { OPERATION_RUN_COLUMNS, toOperationRun } from "./run-service.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run of a workspace by id, or undefined (also for malformed ids). */
export async function findRun(db: Db, workspaceId: string, runId: string): Promise<OperationRun | undefined> {
  if (!UUID.test(runId)) return undefined;
  const result = await db.execute(
    sql`select ${OPERATION_RUN_COLUMNS} from operation_runs where id = ${runId} and workspace_id = ${workspaceId}`,
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toOperationRun(row as Record<string, unknown>);
}

/** A run of a workspace by id. @throws {OperatorError} not_found */
export async function getRun(db: Db, workspaceId: string, runId: string): Promise<OperationRun> {
  const run = await findRun(db, workspaceId, runId);
  if (run === undefined) throw new OperatorError("not_found", `No operation run with id ${runId} in this workspace.`);
  return run;
}

/** Filters of {@link listRuns}. */
export interface RunListFilter {
  type?: string;
  /** A stored status (`queued`, `running`, `completed`) or outcome (`failed`, …). */
  status?: string;
  tenantId?: string;
  /** Runs started by this user (`initiator_user_id`). */
  initiatorUserId?: string;
  /** Runs started without a user by this label (`initiator_label`: "cli", "demo", "system"). */
  initiatorLabel?: string;
  /** Runs created at or after this time (inclusive). */
  createdFrom?: Date;
  /** Runs created before this time (exclusive). */
  createdUntil?: Date;
  /** Page size. (Default: 50, max 500) */
  limit?: number;
  /**
   * Keyset cursor: runs created before this run (exclusive). When the run `id` still exists its
   * stored `created_at` is used, since a `Date` holds milliseconds and the column microseconds (a
   * cursor from a `Date` alone could return its own run again).
   */
  before?: { createdAt: Date; id: string };
}

/** Runs of a workspace, newest first, keyset-paginated. */
export async function listRuns(db: Db, workspaceId: string, filter: RunListFilter = {}): Promise<OperationRun[]> {
  const conditions: SQL[] = [sql`workspace_id = ${workspaceId}`];
  if (filter.type) conditions.push(sql`type = ${filter.type}`);
  if (filter.status) {
    conditions.push(
      ["queued", "running", "completed"].includes(filter.status)
        ? sql`status = ${filter.status}`
        : sql`outcome = ${filter.status}`,
    );
  }
  if (filter.tenantId) conditions.push(sql`tenant_id = ${filter.tenantId}`);
  if (filter.initiatorUserId) conditions.push(sql`initiator_user_id = ${filter.initiatorUserId}`);
  if (filter.initiatorLabel) conditions.push(sql`initiator_label = ${filter.initiatorLabel}`);
  if (filter.createdFrom) conditions.push(sql`created_at >= ${filter.createdFrom}`);
  if (filter.createdUntil) conditions.push(sql`created_at < ${filter.createdUntil}`);
  if (filter.before) {
    const { createdAt, id } = filter.before;
    const exact = UUID.test(id)
      ? sql`coalesce((select c.created_at from operation_runs c where c.id = ${id} and c.workspace_id = ${workspaceId}), ${createdAt})`
      : sql`${createdAt}`;
    conditions.push(sql`(created_at, id) < (${exact}, ${id})`);
  }
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const result = await db.execute(sql`select ${OPERATION_RUN_COLUMNS} from operation_runs
    where ${sql.join(conditions, sql` and `)} order by created_at desc, id desc limit ${limit}`);
  return result.rows.map((row) => toOperationRun(row as Record<string, unknown>));
}

/** Active (queued or running) runs of a workspace, optionally of one tenant, oldest first. */
export async function listActiveRuns(db: Db, workspaceId: string, tenantId?: string): Promise<OperationRun[]> {
  const result = await db.execute(sql`select ${OPERATION_RUN_COLUMNS} from operation_runs
    where workspace_id = ${workspaceId} and status in ('queued', 'running')
    ${tenantId ? sql`and tenant_id = ${tenantId}` : sql``}
    order by created_at, id`);
  return result.rows.map((row) => toOperationRun(row as Record<string, unknown>));
}

/** The timeline of a run: every visible change, oldest first. */
export async function listRunEvents(
  db: Db,
  runId: string,
): Promise<
  { version: number; at: Date; status: string; outcome: string | null; phase: string | null; attempt: number }[]
> {
  const result = await db.execute(
    sql`select version, at, status, outcome, phase, attempt from operation_run_events where run_id = ${runId} order by version`,
  );
  return result.rows.map((raw) => {
    const row = raw as {
      version: number;
      at: string | Date;
      status: string;
      outcome: string | null;
      phase: string | null;
      attempt: number;
    };
    return { ...row, at: new Date(row.at) };
  });
}
