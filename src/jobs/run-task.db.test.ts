import { Logger as GraphileLogger, runOnce } from "graphile-worker";
import { pino } from "pino";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, readRunRow, seedQueuedRun } from "../../test/factories.js";
import type { Database } from "../db/database.js";
import type { RunCompletion, RunService } from "../operations/run-service.js";
import { OPERATOR_ERRORS, OperatorError } from "../shared/operator-error.js";
import { defineRunTask, type RunTaskContext, type RunTaskDeps } from "./run-task.js";

const silentGraphileLogger = new GraphileLogger(() => () => undefined);

type Work = (ctx: RunTaskContext) => Promise<RunCompletion>;

interface JobRow {
  id: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_by: string | null;
  run_at: Date;
  future: boolean;
}

async function setup(database: Database, maxAttempts: number, overrides: Partial<RunTaskDeps> = {}) {
  const { runs } = createTestRunService(database);
  const { runId, jobId, userId } = await seedQueuedRun(database, runs, { maxAttempts, inputs: { probe: true } });
  const deps: RunTaskDeps = {
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    heartbeatIntervalMs: 1_000,
    ...overrides,
  };
  return { runs, runId, jobId, userId, deps };
}

/** Run every job that is due with `work` as the baseline_capture task. */
async function runJobs(database: Database, deps: RunTaskDeps, work: Work): Promise<void> {
  await runOnce({
    pgPool: database.pool,
    taskList: { baseline_capture: defineRunTask(deps, work) },
    noHandleSignals: true,
    logger: silentGraphileLogger,
    // Completion is fire-and-forget without these: runOnce could return before the job is deleted (STACK.md G14).
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}

async function readJob(database: Database, jobId: string): Promise<JobRow | undefined> {
  const { rows } = await database.pool.query<JobRow>(
    `select id, attempts, max_attempts, last_error, locked_by, run_at, run_at > now() as future
     from graphile_worker._private_jobs where id = $1`,
    [jobId],
  );
  return rows[0];
}

async function versionsOf(database: Database, runId: string) {
  const { rows } = await database.pool.query<{ version: number; status: string; phase: string | null }>(
    "select version, status, phase from operation_run_events where run_id = $1 order by version",
    [runId],
  );
  return rows;
}

describe.concurrent("defineRunTask", () => {
  dbTest("completes the run succeeded with the work's result and removes the job", async ({ database }) => {
    const { runId, jobId, userId, deps } = await setup(database, 3);
    let seenRun: RunTaskContext["run"] | undefined;

    await runJobs(database, deps, async (ctx) => {
      seenRun = ctx.run;
      await ctx.setPhase("resolve_scope");
      ctx.reportCounts({ total: 2, processed: 2 });
      await ctx.setPhase("finalize");
      return { outcome: "succeeded", result: { policyCount: 2 } };
    });

    expect(seenRun).toMatchObject({ id: runId, status: "running", attempt: 1, context: { inputs: { probe: true } } });
    const run = await readRunRow(database, runId);
    expect(run).toMatchObject({
      status: "completed",
      outcome: "succeeded",
      attempt: 1,
      failure: null,
      worker_id: null,
      summary_counts: { total: 2, processed: 2 },
      context: { inputs: { probe: true }, progress: { phase: "finalize" }, result: { policyCount: 2 } },
    });
    expect(await readJob(database, jobId)).toBeUndefined();
    expect((await versionsOf(database, runId)).map((event) => [event.status, event.phase])).toEqual([
      ["queued", null],
      ["running", null],
      ["running", "resolve_scope"],
      ["running", "finalize"],
      ["completed", "finalize"],
    ]);
    const { rows } = await database.pool.query(
      "select count(*)::int as n from notifications where run_id = $1 and user_id = $2",
      [runId, userId],
    );
    expect(rows[0].n).toBe(1);
  });

  dbTest(
    "fails at once on an OperatorError: operator-safe failure, raw text only in diagnostics",
    async ({ database }) => {
      const { runId, jobId, deps } = await setup(database, 5);
      let calls = 0;

      await runJobs(database, deps, async () => {
        calls++;
        throw new OperatorError("evidence_source_unreachable", "EACCES: open '/srv/secret-tenant/export/policy.json'");
      });

      expect(calls).toBe(1);
      const run = await readRunRow(database, runId);
      expect(run).toMatchObject({ status: "completed", outcome: "failed", attempt: 1 });
      const failure = run.failure as { code: string; message: string; diagnostics: string };
      expect(failure.code).toBe("evidence_source_unreachable");
      expect(failure.message).toBe(OPERATOR_ERRORS.evidence_source_unreachable);
      expect(failure.message).not.toContain("secret-tenant");
      expect(failure.diagnostics).toContain("EACCES: open '/srv/secret-tenant/export/policy.json'");
      // Retrying would not fix it: no retry is scheduled.
      expect(await readJob(database, jobId)).toBeUndefined();
    },
  );

  dbTest(
    "leaves the run running and the job scheduled for retry after a plain Error with attempts left",
    async ({ database }) => {
      const { runId, jobId, deps } = await setup(database, 3);

      await runJobs(database, deps, async (ctx) => {
        await ctx.setPhase("capture_evidence");
        await ctx.saveResume({ cursor: 7 });
        throw new Error("socket hang up");
      });

      const run = await readRunRow(database, runId);
      expect(run).toMatchObject({ status: "running", outcome: null, failure: null, attempt: 1 });
      const job = await readJob(database, jobId);
      expect(job).toMatchObject({ attempts: 1, max_attempts: 3, locked_by: null, future: true });
      expect(job!.last_error).toContain("socket hang up");

      // When the retry is due, the next attempt resumes from the saved token and completes the run.
      await database.pool.query("update graphile_worker._private_jobs set run_at = now() where id = $1", [jobId]);
      let resume: unknown;
      await runJobs(database, deps, async (ctx) => {
        resume = ctx.run.context.resume;
        return { outcome: "succeeded" };
      });
      expect(resume).toEqual({ cursor: 7 });
      expect(await readRunRow(database, runId)).toMatchObject({
        status: "completed",
        outcome: "succeeded",
        attempt: 2,
      });
      expect(await readJob(database, jobId)).toBeUndefined();
    },
  );

  dbTest(
    "completes the run failed with internal_error when a plain Error ends the last attempt",
    async ({ database }) => {
      const { runId, jobId, deps } = await setup(database, 1);

      await runJobs(database, deps, async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'displayName')");
      });

      const run = await readRunRow(database, runId);
      expect(run).toMatchObject({
        status: "completed",
        outcome: "failed",
        attempt: 1,
        failure: { code: "internal_error", message: OPERATOR_ERRORS.internal_error },
      });
      expect((run.failure as { diagnostics: string }).diagnostics).toContain("reading 'displayName'");
      expect(await readJob(database, jobId)).toBeUndefined();
    },
  );

  dbTest("coalesces 1000 count reports into a few writes and stores the final value", async ({ database }) => {
    const { runId, deps } = await setup(database, 3);
    let begunVersion = 0;

    await runJobs(database, deps, async (ctx) => {
      begunVersion = ctx.run.version;
      for (let processed = 1; processed <= 1000; processed++) {
        ctx.reportCounts({ total: 1000, processed });
        // Yield now and then so the coalescing timer may fire mid-loop.
        if (processed % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return { outcome: "succeeded" };
    });

    const run = await readRunRow(database, runId);
    expect(run).toMatchObject({ status: "completed", summary_counts: { total: 1000, processed: 1000 } });
    // version = begun + count writes + 1 completion; without coalescing there would be 1000 count writes.
    const countWrites = run.version - begunVersion - 1;
    expect(countWrites).toBeGreaterThanOrEqual(1);
    expect(countWrites).toBeLessThanOrEqual(25);
  });

  dbTest("writes pending counts before the next phase", async ({ database }) => {
    const { runId, deps } = await setup(database, 3, { countsIntervalMs: 60_000 });
    let countsAtPhase: unknown;

    await runJobs(database, deps, async (ctx) => {
      ctx.reportCounts({ total: 5, processed: 1 });
      ctx.reportCounts({ processed: 4 });
      await ctx.setPhase("build_snapshot");
      countsAtPhase = (await readRunRow(database, runId)).summary_counts;
      return { outcome: "succeeded" };
    });

    expect(countsAtPhase).toEqual({ total: 5, processed: 4 });
  });

  dbTest("stops at the next checkpoint after a cancel request and completes cancelled", async ({ database }) => {
    const { runId, runs, jobId, deps } = await setup(database, 3, { heartbeatIntervalMs: 20 });
    let iterations = 0;
    let completedNormally = false;

    await runJobs(database, deps, async (ctx) => {
      for (; iterations < 2_000; iterations++) {
        await ctx.checkpoint();
        ctx.reportCounts({ total: 2_000, processed: iterations });
        if (iterations === 3) expect(await runs.requestCancel(runId)).toBe("requested");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      completedNormally = true;
      return { outcome: "succeeded" };
    });

    expect(completedNormally).toBe(false);
    expect(iterations).toBeGreaterThan(3);
    const run = await readRunRow(database, runId);
    expect(run).toMatchObject({
      status: "completed",
      outcome: "cancelled",
      failure: { code: "cancelled", message: OPERATOR_ERRORS.cancelled },
      context: { cancelRequested: true },
    });
    // It keeps what it finished: the counts up to the checkpoint that stopped it.
    expect((run.summary_counts as { processed: number }).processed).toBeGreaterThanOrEqual(3);
    expect(await readJob(database, jobId)).toBeUndefined();
  });

  dbTest("does nothing for a run that completed before its job ran", async ({ database }) => {
    const { runId, runs, jobId, deps } = await setup(database, 3);
    expect(await runs.requestCancel(runId)).toBe("cancelled");
    const before = await readRunRow(database, runId);
    let called = false;

    await runJobs(database, deps, async () => {
      called = true;
      return { outcome: "succeeded" };
    });

    expect(called).toBe(false);
    expect(await readRunRow(database, runId)).toEqual(before);
    expect(await readJob(database, jobId)).toBeUndefined();
  });

  dbTest("writes nothing more once another attempt owns the run, and leaves its job in place", async ({ database }) => {
    const { runId, jobId, runs, deps } = await setup(database, 3);
    let superseded: RunService["beginAttempt"] extends (...args: never[]) => Promise<infer R> ? R : never;

    await runJobs(database, deps, async (ctx) => {
      // The reaper released the job and another worker began attempt 2.
      superseded = await runs.beginAttempt(runId, { workerId: "worker-other", jobId: 1 });
      ctx.reportCounts({ processed: 99 });
      return { outcome: "succeeded", result: { stale: true } };
    });

    expect(superseded).toMatchObject({ attempt: 2 });
    const run = await readRunRow(database, runId);
    expect(run).toMatchObject({ status: "running", outcome: null, attempt: 2, worker_id: "worker-other" });
    expect(run.summary_counts).toEqual({});
    expect(run.version).toBe(superseded!.version);
    // Completing the job would delete it by id under the new attempt; the old attempt fails it instead.
    expect(await readJob(database, jobId)).toBeDefined();
  });
});
