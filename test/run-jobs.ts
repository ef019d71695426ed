/**
 * Run queued jobs for real through graphile-worker's `runOnce` with the app's task list.
 */
import { runOnce } from "graphile-worker";
import pino from "pino";
import type { Database } from "../src/db/database.js";
import { quietGraphileLogger } from "../src/db/migrate.js";
import { createTaskList } from "../src/jobs/task-list.js";
import type { RunService } from "../src/operations/run-service.js";

/** Execute every job that is due now, then return. */
export async function runQueuedJobs(database: Database, runs: RunService): Promise<void> {
  const taskList = createTaskList({
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    heartbeatIntervalMs: 1_000,
  });
  await runOnce({
    pgPool: database.pool,
    taskList,
    logger: quietGraphileLogger(),
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}
