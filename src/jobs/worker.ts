/**
 * The worker: graphile-worker running the run tasks, plus the reaper loop. Runs inside the demo or
 * `tenantpilot serve` process, or alone (`tenantpilot worker`); any number of worker processes may
 * share one database — graphile-worker locks each job to one worker and the run service's attempt
 * guard ignores writes from a superseded attempt.
 * @module
 */
import { Logger as GraphileLogger, type Runner, run } from "graphile-worker";
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { reapDeadRuns } from "../operations/run-reaper.js";
import type { RunService } from "../operations/run-service.js";
import { createTaskList } from "./task-list.js";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  database: Database;
  runs: RunService;
  logger: Logger;
  now: () => Date;
  /** Concurrent jobs. */
  concurrency: number;
  heartbeatIntervalMs: number;
  deadAfterMs: number;
  reaperIntervalMs: number;
  evidenceReadDelayMs?: number;
  /** graphile-worker's poll interval, ms; new jobs arrive by LISTEN anyway. (Default: 1000) */
  pollIntervalMs?: number;
}

/** A running worker. */
export interface WorkerHandle {
  runner: Runner;
  /** Stop taking jobs, let running ones finish or record their interruption, stop the reaper. */
  stop(): Promise<void>;
}

/** Start graphile-worker with the run tasks and the reaper loop. */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { database, runs, logger, now } = options;
  const taskList = createTaskList({
    db: database.db,
    runs,
    logger,
    now,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    ...(options.evidenceReadDelayMs ? { evidenceReadDelayMs: options.evidenceReadDelayMs } : {}),
  });
  const runner = await run({
    pgPool: database.pool,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs ?? 1_000,
    noHandleSignals: true,
    taskList,
    logger: toGraphileLogger(logger),
    // Without these, a job finishing during graceful shutdown stays locked for 4 h (STACK.md G14).
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0, gracefulShutdownAbortTimeout: 5_000 } },
  });

  let reaping = Promise.resolve();
  const reaper = setInterval(() => {
    reaping = reaping
      .then(async () => {
        const result = await reapDeadRuns({ db: database.db, runs, now, deadAfterMs: options.deadAfterMs });
        if (result.releasedRunIds.length > 0 || result.failedRunIds.length > 0) logger.warn(result, "reaped dead runs");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "reaper pass failed"));
  }, options.reaperIntervalMs);

  return {
    runner,
    async stop() {
      clearInterval(reaper);
      await reaping;
      await runner.stop();
    },
  };
}

function toGraphileLogger(logger: Logger): GraphileLogger {
  const child = logger.child({ component: "graphile-worker" });
  return new GraphileLogger(() => (level, message, meta) => {
    if (message.startsWith("Failed to read crontab")) return; // harmless (STACK.md G19)
    const method = level === "error" ? "error" : level === "warning" ? "warn" : level === "info" ? "debug" : "trace";
    child[method](meta ?? {}, message);
  });
}
