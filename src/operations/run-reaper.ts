/**
 * The reaper (DESIGN.md §2): graphile-worker alone would leave a killed worker's job locked for
 * 4 hours (STACK.md G16). The reaper watches `heartbeat_at`; past the dead threshold it releases
 * the dead worker's jobs so the next attempt starts at once and resumes from `context.resume`; a
 * run whose job is gone or out of attempts (locked by the dead worker, or failed for good while the
 * run was left running) ends `failed` with code `worker_lost`.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { operatorFailure, type RunService } from "./run-service.js";

/** What one reaper pass did. */
export interface ReapResult {
  /** Runs whose job was released from their dead worker, for the next attempt to pick up. */
  releasedRunIds: string[];
  /** Runs completed as failed with `worker_lost`. */
  failedRunIds: string[];
}

/**
 * One pass: find running runs whose heartbeat is older than `deadAfterMs` and release or fail them.
 * Only the job the run's own (dead) worker holds is touched: a job already re-locked by another
 * worker is a new attempt starting, and a job merely waiting for its retry backoff (unlocked,
 * attempts left) will be picked up anyway; both are left alone.
 */
export async function reapDeadRuns(deps: {
  db: Db;
  runs: RunService;
  now: () => Date;
  deadAfterMs: number;
}): Promise<ReapResult> {
  const deadline = new Date(deps.now().getTime() - deps.deadAfterMs);
  const result =
    await deps.db.execute(sql`select r.id, r.attempt, r.worker_id, j.id as job_id, j.locked_by, j.attempts, j.max_attempts
    from operation_runs r left join graphile_worker._private_jobs j on j.id = r.job_id
    where r.status = 'running' and r.heartbeat_at < ${deadline}`);
  const releasedRunIds: string[] = [];
  const failedRunIds: string[] = [];
  for (const raw of result.rows) {
    const row = raw as {
      id: string;
      attempt: number;
      worker_id: string | null;
      job_id: string | null;
      locked_by: string | null;
      attempts: number | null;
      max_attempts: number | null;
    };
    const owner = { runId: row.id, attempt: row.attempt };
    const heldByDeadWorker = row.locked_by !== null && row.locked_by === row.worker_id;
    if (row.locked_by !== null && !heldByDeadWorker) continue; // another worker is starting the next attempt
    const outOfAttempts = row.attempts !== null && row.max_attempts !== null && row.attempts >= row.max_attempts;
    // Out of attempts, the job never runs again: locked by the dead worker, or already failed for good.
    if (row.job_id === null || outOfAttempts) {
      const failed = await deps.runs.completeRun(owner, {
        outcome: "failed",
        failure: operatorFailure(
          "worker_lost",
          `no heartbeat since before ${deadline.toISOString()} from worker ${row.worker_id ?? "(none)"}; job ${row.job_id ?? "missing"}, attempts ${row.attempts ?? "?"}/${row.max_attempts ?? "?"}`,
        ),
      });
      if (failed) failedRunIds.push(row.id);
      if (row.job_id !== null) {
        // The run is over; its job must not run again after the 4-hour lock expiry.
        await deps.db.execute(
          sql`delete from graphile_worker._private_jobs where id = ${row.job_id} and locked_by is not distinct from ${row.locked_by}`,
        );
      }
      continue;
    }
    if (heldByDeadWorker) {
      // What graphile_worker.force_unlock_workers does, for this one job: its worker may hold others
      // whose runs are still heartbeating (we never release work that shows signs of life).
      const released =
        await deps.db.execute(sql`update graphile_worker._private_jobs set locked_by = null, locked_at = null
        where id = ${row.job_id} and locked_by = ${row.worker_id}`);
      if (released.rowCount === 1) releasedRunIds.push(row.id);
    }
  }
  return { releasedRunIds, failedRunIds };
}
