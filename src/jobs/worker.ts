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
import type { GraphEvidenceDeps } from "../inventory/evidence-source.js";
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
  /**
   * Microsoft Graph reading: the per-tenant request limiter, retry policy and key ring, shared by
   * every run of this worker so one tenant's capture cannot starve the others. Build it once per
   * process (`createGraphEvidenceDeps`). (Default: the process-wide limits without a key ring, so
   * Graph tenants fail with `credential_key_missing`)
   */
  graphEvidence?: GraphEvidenceDeps;
  /** graphile-worker's poll interval, ms; new jobs arrive by LISTEN anyway. (Default: 1000) */
  pollIntervalMs?: number;
  /**
   * How long a graceful stop waits for running operations before interrupting them, ms. A worker
   * inside a CLI command drains instead (waits for what it picked up) unless interrupted.
   * (Default: 5000)
   */
  gracefulStopTimeoutMs?: number;
}

/** A running worker. */
export interface WorkerHandle {
  runner: Runner;
  /** Runs this worker is executing right now. */
  activeRunIds(): string[];
  /**
   * Stop taking jobs and stop the reaper. `graceful` (default): running operations get
   * `gracefulStopTimeoutMs` to finish, then record their interruption. `interrupt`: running
   * operations stop at once (Ctrl+C): those in `ownRunIds` record their interruption, any other
   * (picked up for someone else) goes back to the queue for another worker to resume. Without
   * `ownRunIds`, all record their interruption.
   */
  stop(mode?: "graceful" | "interrupt", ownRunIds?: Iterable<string>): Promise<void>;
}

/** Start graphile-worker with the run tasks and the reaper loop. */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { database, runs, logger, now } = options;
  const interrupt = new AbortController();
  const activeRunIds = new Set<string>();
  let ownRunIds: ReadonlySet<string> | undefined;
  const taskList = createTaskList({
    interruptSignal: interrupt.signal,
    activeRunIds,
    releaseOnInterrupt: (runId) => ownRunIds !== undefined && !ownRunIds.has(runId),
    db: database.db,
    runs,
    logger,
    now,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    ...(options.evidenceReadDelayMs ? { evidenceReadDelayMs: options.evidenceReadDelayMs } : {}),
    ...(options.graphEvidence ? { graphEvidence: options.graphEvidence } : {}),
  });
  const runner = await run({
    pgPool: database.pool,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs ?? 1_000,
    noHandleSignals: true,
    taskList,
    logger: toGraphileLogger(logger),
    // Without these, a job finishing during graceful shutdown stays locked for 4 h (STACK.md G14).
    preset: {
      worker: {
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
        gracefulShutdownAbortTimeout: options.gracefulStopTimeoutMs ?? 5_000,
      },
    },
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
    activeRunIds: () => [...activeRunIds],
    async stop(mode = "graceful", own) {
      clearInterval(reaper);
      await reaping;
      if (mode === "interrupt") {
        if (own !== undefined) ownRunIds = new Set(own);
        interrupt.abort(new Error("interrupted by the operator"));
      }
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
