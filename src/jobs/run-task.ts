/**
 * The one lifecycle wrapper every run task uses: validate the payload, begin an attempt, keep a
 * heartbeat, hand the work a context that writes phase and counts through the run service, and
 * record exactly one outcome. No task can forget part of the lifecycle.
 * @module
 */
import { sql } from "drizzle-orm";
import type { JobHelpers, Task } from "graphile-worker";
import type { Logger } from "pino";
import { z } from "zod";
import type { Db } from "../db/database.js";
import type { GraphEvidenceDeps } from "../inventory/evidence-source.js";
import { isPreconditionFailure, toRunFailure } from "../operations/run-failure.js";
import type { OperationRun, SummaryCounts } from "../operations/run-record.js";
import {
  operatorFailure,
  type RunAttempt,
  type RunCompletion,
  type RunService,
  RunSupersededError,
} from "../operations/run-service.js";
import type { WaitReason } from "../operations/run-types.js";
import { OperatorError } from "../shared/operator-error.js";

const payloadSchema = z.object({ runId: z.uuid() });

/** What every run task receives. */
export interface RunTaskDeps {
  db: Db;
  runs: RunService;
  logger: Logger;
  now: () => Date;
  /** Heartbeat interval, ms. */
  heartbeatIntervalMs: number;
  /** Minimum interval between two count writes of one run, ms (Default: 250): progress is coalesced. */
  countsIntervalMs?: number;
  /** Artificial delay per evidence entry, ms, for demos and crash tests. (Default: 0) */
  evidenceReadDelayMs?: number;
  /** Aborting it interrupts every running attempt now (Ctrl+C), as a graceful shutdown's abort would. */
  interruptSignal?: AbortSignal;
  /**
   * On interrupt, true for runs to hand back to the queue (another worker resumes them) rather than
   * record as interrupted: a CLI command's worker releases runs other commands started.
   */
  releaseOnInterrupt?: (runId: string) => boolean;
  /** Ids of the runs this process is executing right now (maintained by the wrapper). */
  activeRunIds?: Set<string>;
  /** Microsoft Graph reading (limiter shared by the process's runs, retry policy, connections). (Default: process-wide defaults) */
  graphEvidence?: GraphEvidenceDeps;
}

/** The context a run's work gets. Every write is guarded by this attempt. */
export interface RunTaskContext {
  /** The run as this attempt began it (context.resume holds a previous attempt's token). */
  run: OperationRun;
  owner: RunAttempt;
  db: Db;
  /** Aborts on graceful shutdown, on cancellation request, or when another attempt took over. */
  signal: AbortSignal;
  setPhase(phase: string): Promise<void>;
  /** Show a wait of the current phase until `until`; `null` clears it (the current phase is entered again). */
  setWaitReason(reason: WaitReason | null, until: Date | null): Promise<void>;
  /** Coalesced: at most one write per `countsIntervalMs`; the latest value always lands before completion. */
  reportCounts(counts: SummaryCounts): void;
  /** Merge `patch` into the run's resume token (`context.resume`) and store it. */
  saveResume(patch: Record<string, unknown>): Promise<void>;
  /** Throws when the work should stop (shutdown, cancel, superseded). Call at real boundaries. */
  checkpoint(): Promise<void>;
  logger: Logger;
  evidenceReadDelayMs?: number;
  graphEvidence?: GraphEvidenceDeps;
}

/** Thrown by checkpoints after an operator asked to cancel. */
class RunCancelledError extends Error {
  override name = "RunCancelledError";
}

/**
 * Wrap a run's work as a graphile-worker task. Errors are retried by the worker while attempts
 * remain (the run stays running and resumes from `context.resume`). On the last attempt, or for an
 * {@link OperatorError} (retrying will not fix it), the run completes as failed with an
 * operator-safe failure — or as blocked when the code is a precondition (`isPreconditionFailure`);
 * raw text and stack go to `failure.diagnostics` only.
 */
export function defineRunTask(deps: RunTaskDeps, work: (ctx: RunTaskContext) => Promise<RunCompletion>): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const { runId } = payloadSchema.parse(payload); // payloads are `unknown` (graphile-worker docs)
    const workerId = helpers.job.locked_by ?? "unknown-worker";
    const run = await deps.runs.beginAttempt(runId, { workerId, jobId: Number(helpers.job.id) });
    if (run === undefined) {
      helpers.logger.info(`Run ${runId} already completed; nothing to do`);
      return;
    }
    const owner: RunAttempt = { runId, attempt: run.attempt };
    const logger = deps.logger.child({ runId, attempt: run.attempt, type: run.type });
    logger.info({ workerId, jobId: helpers.job.id }, run.attempt > 1 ? "run attempt started, resuming" : "run started");
    const startedAtMs = Date.now();
    const local = new AbortController();
    const signal = AbortSignal.any([
      local.signal,
      helpers.abortSignal,
      ...(deps.interruptSignal ? [deps.interruptSignal] : []),
    ]);
    deps.activeRunIds?.add(runId);
    let cancelRequested = false;

    const heartbeat = setInterval(() => {
      deps.runs
        .heartbeat(owner)
        .then(async (owned) => {
          if (!owned) {
            local.abort(new RunSupersededError(`run ${runId} is no longer owned by attempt ${owner.attempt}`));
            return;
          }
          cancelRequested = await isCancelRequested(deps.db, runId);
          if (cancelRequested) local.abort(new RunCancelledError("cancel requested"));
        })
        .catch((error: unknown) => logger.warn({ err: error }, "heartbeat failed"));
    }, deps.heartbeatIntervalMs);

    const storedResume = run.context.resume;
    let resumeToken: Record<string, unknown> =
      storedResume !== null && typeof storedResume === "object" && !Array.isArray(storedResume)
        ? { ...(storedResume as Record<string, unknown>) }
        : {};
    const counts = createCountsCoalescer(deps, owner, logger, deps.countsIntervalMs ?? 250);
    let currentPhase: string | undefined;
    const checkpoint = async () => {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    };
    const ctx: RunTaskContext = {
      run,
      owner,
      db: deps.db,
      signal,
      logger,
      setPhase: async (phase) => {
        await checkpoint();
        await counts.flush();
        await deps.runs.setPhase(owner, phase);
        currentPhase = phase;
      },
      setWaitReason: async (reason, until) => {
        if (reason !== null) return deps.runs.setWaitReason(owner, reason, until);
        // The run service clears a wait when a phase is entered: re-entering the current one ends the wait.
        if (currentPhase !== undefined) await deps.runs.setPhase(owner, currentPhase);
      },
      reportCounts: (value) => counts.report(value),
      saveResume: async (patch) => {
        resumeToken = { ...resumeToken, ...patch };
        await deps.runs.saveResume(owner, resumeToken);
      },
      checkpoint,
      ...(deps.evidenceReadDelayMs ? { evidenceReadDelayMs: deps.evidenceReadDelayMs } : {}),
      ...(deps.graphEvidence ? { graphEvidence: deps.graphEvidence } : {}),
    };

    try {
      const completion = await work(ctx);
      await counts.flush();
      if (!(await deps.runs.completeRun(owner, completion))) {
        throw new RunSupersededError(
          `run ${runId}: completion of attempt ${owner.attempt} refused; another attempt owns it`,
        );
      }
      logger.info({ outcome: completion.outcome, durationMs: Date.now() - startedAtMs }, "run completed");
    } catch (thrown) {
      await counts.flush().catch(() => undefined);
      if (thrown instanceof RunSupersededError || signal.reason instanceof RunSupersededError) {
        logger.warn("another attempt owns this run; stopping without writing");
        // Fail rather than complete the job: graphile-worker deletes a completed job by id alone, which
        // would delete the job the new attempt holds; failing is a no-op unless this worker still holds it.
        throw thrown instanceof RunSupersededError
          ? thrown
          : new RunSupersededError(`run ${runId} superseded`, { cause: thrown });
      }
      if (thrown instanceof RunCancelledError || cancelRequested) {
        await deps.runs.completeRun(owner, {
          outcome: "cancelled",
          failure: operatorFailure("cancelled", "cancelled by an operator at a checkpoint"),
        });
        return;
      }
      if (deps.interruptSignal?.aborted && deps.releaseOnInterrupt?.(runId)) {
        // Not ours to end: fail the job so graphile-worker hands it to the next worker, which resumes.
        await announceRetry(deps, owner, helpers, logger);
        throw new Error(`run ${runId} released by an interrupted worker (${workerId}); another worker resumes it`);
      }
      if (helpers.abortSignal.aborted || deps.interruptSignal?.aborted) {
        // Graceful shutdown: record the interruption instead of leaving the run "running".
        await deps.runs.completeRun(owner, {
          outcome: "failed",
          failure: operatorFailure("interrupted", `worker ${workerId} shut down during attempt ${owner.attempt}`),
        });
        return;
      }
      const isLastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      if (!(thrown instanceof OperatorError) && !isLastAttempt) {
        logger.warn({ err: thrown }, "attempt failed; the worker will retry");
        await announceRetry(deps, owner, helpers, logger);
        throw thrown; // graphile-worker retries with backoff; the next attempt resumes from context.resume
      }
      const failure = toRunFailure(thrown);
      // A precondition found mid-run (the tenant lost its connection after the start checked it) blocks.
      const outcome = isPreconditionFailure(failure.code) ? "blocked" : "failed";
      if (outcome === "blocked") logger.info({ code: failure.code }, "run blocked");
      else logger.error({ err: thrown }, "run failed");
      await deps.runs.completeRun(owner, { outcome, failure });
    } finally {
      clearInterval(heartbeat);
      deps.activeRunIds?.delete(runId);
    }
  };
}

/**
 * Show the wait before the next attempt instead of a silent stall: graphile-worker schedules a
 * failed job's retry exp(min(10, attempts)) seconds later (graphile-worker fail_jobs, "exponential
 * backoff"), so the run says "Waiting before retrying (next attempt 10:42)".
 */
async function announceRetry(deps: RunTaskDeps, owner: RunAttempt, helpers: JobHelpers, logger: Logger): Promise<void> {
  const delayMs = Math.exp(Math.min(10, helpers.job.attempts)) * 1_000;
  await deps.runs
    .setWaitReason(owner, "retry_backoff", new Date(deps.now().getTime() + delayMs))
    .catch((error: unknown) => logger.warn({ err: error }, "could not record the retry wait"));
}

async function isCancelRequested(db: Db, runId: string): Promise<boolean> {
  const result = await db.execute(
    sql`select coalesce((context->>'cancelRequested')::boolean, false) as requested from operation_runs where id = ${runId}`,
  );
  return (result.rows[0] as { requested?: boolean } | undefined)?.requested === true;
}

/** Latest-wins coalescing of count writes: at most one write per interval, the final value always written. */
function createCountsCoalescer(deps: RunTaskDeps, owner: RunAttempt, logger: Logger, intervalMs: number) {
  let pending: SummaryCounts | undefined;
  let lastWriteAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = () => {
    timer = undefined;
    const value = pending;
    pending = undefined;
    if (value === undefined) return writing;
    lastWriteAt = Date.now();
    writing = writing.then(() =>
      deps.runs.reportCounts(owner, value).catch((error: unknown) => {
        if (!(error instanceof RunSupersededError)) logger.warn({ err: error }, "count write failed");
      }),
    );
    return writing;
  };
  return {
    report(value: SummaryCounts) {
      pending = { ...pending, ...value };
      if (timer !== undefined) return;
      const waitMs = Math.max(0, lastWriteAt + intervalMs - Date.now());
      timer = setTimeout(() => void write(), waitMs);
    },
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      await write();
    },
  };
}
