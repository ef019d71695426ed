import { Logger as GraphileLogger, runOnce } from "graphile-worker";
import { pino } from "pino";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, readRunRow, seedQueuedRun } from "../../test/factories.js";
import type { Database } from "../db/database.js";
import { defineRunTask } from "../jobs/run-task.js";
import { OPERATOR_ERRORS } from "../shared/operator-error.js";
import { reapDeadRuns } from "./run-reaper.js";
import type { RunService } from "./run-service.js";

const DEAD_AFTER_MS = 60_000;
const DEAD_WORKER = "worker-dead-0001";
/** When the dead worker last proved it was alive: ten minutes before the reaper looks. */
const LONG_AGO = () => new Date(Date.now() - 10 * 60_000);

const silentGraphileLogger = new GraphileLogger(() => () => undefined);

interface JobRow {
  id: string;
  locked_by: string | null;
  locked_at: Date | null;
  attempts: number;
  max_attempts: number;
  run_at: Date;
}

async function readJob(database: Database, jobId: string): Promise<JobRow | undefined> {
  const { rows } = await database.pool.query<JobRow>(
    "select id, locked_by, locked_at, attempts, max_attempts, run_at from graphile_worker._private_jobs where id = $1",
    [jobId],
  );
  return rows[0];
}

/** Lock the job as graphile-worker's get_job does, for a worker that then dies. */
async function lockAsWorker(database: Database, jobId: string, workerId: string): Promise<void> {
  const { rowCount } = await database.pool.query(
    "update graphile_worker._private_jobs set locked_by = $2, locked_at = now(), attempts = attempts + 1 where id = $1",
    [jobId, workerId],
  );
  expect(rowCount).toBe(1);
}

/** Start a run whose worker took the job, began the attempt at `heartbeatAt` and then died. */
async function seedDeadAttempt(database: Database, options: { maxAttempts: number; heartbeatAt: () => Date }) {
  const { runs } = createTestRunService(database);
  const queued = await seedQueuedRun(database, runs, { maxAttempts: options.maxAttempts });
  await lockAsWorker(database, queued.jobId, DEAD_WORKER);
  const { runs: oldClockRuns } = createTestRunService(database, options.heartbeatAt);
  const begun = await oldClockRuns.beginAttempt(queued.runId, { workerId: DEAD_WORKER, jobId: Number(queued.jobId) });
  expect(begun).toMatchObject({ attempt: 1, workerId: DEAD_WORKER });
  return { ...queued, runs, owner: { runId: queued.runId, attempt: begun!.attempt }, oldClockRuns };
}

function reap(database: Database, runs: RunService) {
  return reapDeadRuns({ db: database.db, runs, now: () => new Date(), deadAfterMs: DEAD_AFTER_MS });
}

describe.concurrent("reapDeadRuns", () => {
  dbTest("releases a dead worker's job so the next attempt runs at once and resumes", async ({ database }) => {
    const dead = await seedDeadAttempt(database, { maxAttempts: 3, heartbeatAt: LONG_AGO });
    // The dead attempt got halfway and saved where to resume.
    await dead.oldClockRuns.saveResume(dead.owner, { cursor: 17 });

    const result = await reap(database, dead.runs);

    expect(result).toEqual({ releasedRunIds: [dead.runId], failedRunIds: [] });
    const released = await readJob(database, dead.jobId);
    expect(released).toMatchObject({ locked_by: null, locked_at: null, attempts: 1 });
    expect((await readRunRow(database, dead.runId)).status).toBe("running");

    const seen: { attempt: number; resume: unknown; jobAttempts: number }[] = [];
    const task = defineRunTask(
      {
        db: database.db,
        runs: dead.runs,
        logger: pino({ level: "silent" }),
        now: () => new Date(),
        heartbeatIntervalMs: 1_000,
      },
      async (ctx) => {
        seen.push({ attempt: ctx.run.attempt, resume: ctx.run.context.resume, jobAttempts: 0 });
        return { outcome: "succeeded", result: { resumedFrom: 17 } };
      },
    );
    await runOnce({
      pgPool: database.pool,
      taskList: {
        baseline_capture: async (payload, helpers) => {
          await task(payload, helpers);
          seen.at(-1)!.jobAttempts = helpers.job.attempts;
        },
      },
      noHandleSignals: true,
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      logger: silentGraphileLogger,
    });

    expect(seen).toEqual([{ attempt: 2, resume: { cursor: 17 }, jobAttempts: 2 }]);
    const run = await readRunRow(database, dead.runId);
    expect(run).toMatchObject({ status: "completed", outcome: "succeeded", attempt: 2, failure: null });
    expect(await readJob(database, dead.jobId)).toBeUndefined();
    // The dead attempt, should it wake up, changes nothing.
    await expect(dead.oldClockRuns.setPhase(dead.owner, "finalize")).rejects.toThrow();
    expect(await dead.oldClockRuns.heartbeat(dead.owner)).toBe(false);
  });

  dbTest("fails a run whose job is gone with worker_lost and notifies the initiator", async ({ database }) => {
    const dead = await seedDeadAttempt(database, { maxAttempts: 3, heartbeatAt: LONG_AGO });
    await database.pool.query("delete from graphile_worker._private_jobs where id = $1", [dead.jobId]);

    const result = await reap(database, dead.runs);

    expect(result).toEqual({ releasedRunIds: [], failedRunIds: [dead.runId] });
    const run = await readRunRow(database, dead.runId);
    expect(run).toMatchObject({
      status: "completed",
      outcome: "failed",
      failure: { code: "worker_lost", message: OPERATOR_ERRORS.worker_lost },
    });
    expect(String((run.failure as { diagnostics: string }).diagnostics)).toContain(DEAD_WORKER);
    const { rows } = await database.pool.query<{ n: number }>(
      "select count(*)::int as n from notifications where run_id = $1 and user_id = $2",
      [dead.runId, dead.userId],
    );
    expect(rows[0]!.n).toBe(1);
    // A second pass finds nothing left to do.
    expect(await reap(database, dead.runs)).toEqual({ releasedRunIds: [], failedRunIds: [] });
  });

  dbTest("leaves a run with a fresh heartbeat and its locked job untouched", async ({ database }) => {
    const live = await seedDeadAttempt(database, { maxAttempts: 3, heartbeatAt: () => new Date() });
    const runBefore = await readRunRow(database, live.runId);
    const jobBefore = await readJob(database, live.jobId);

    const result = await reap(database, live.runs);

    expect(result).toEqual({ releasedRunIds: [], failedRunIds: [] });
    expect(await readRunRow(database, live.runId)).toEqual(runBefore);
    expect(await readJob(database, live.jobId)).toEqual(jobBefore);
    expect(jobBefore!.locked_by).toBe(DEAD_WORKER);
  });

  dbTest(
    "leaves a dead run alone once another worker has locked its job for the next attempt",
    async ({ database }) => {
      const dead = await seedDeadAttempt(database, { maxAttempts: 1, heartbeatAt: LONG_AGO });
      // A new worker locked the job and has not called beginAttempt yet: releasing or failing now would race it.
      await database.pool.query(
        "update graphile_worker._private_jobs set locked_by = 'worker-new', locked_at = now() where id = $1",
        [dead.jobId],
      );
      const runBefore = await readRunRow(database, dead.runId);
      const jobBefore = await readJob(database, dead.jobId);

      expect(await reap(database, dead.runs)).toEqual({ releasedRunIds: [], failedRunIds: [] });
      expect(await readRunRow(database, dead.runId)).toEqual(runBefore);
      expect(await readJob(database, dead.jobId)).toEqual(jobBefore);
    },
  );

  dbTest("leaves a run whose job waits for its retry (unlocked, attempts left) untouched", async ({ database }) => {
    const waiting = await seedDeadAttempt(database, { maxAttempts: 3, heartbeatAt: LONG_AGO });
    // As graphile-worker's fail_jobs leaves it: unlocked, attempts 1 of 3, run_at in the future.
    await database.pool.query(
      `update graphile_worker._private_jobs set locked_by = null, locked_at = null, last_error = 'boom',
         run_at = now() + interval '20 minutes' where id = $1`,
      [waiting.jobId],
    );
    const runBefore = await readRunRow(database, waiting.runId);
    const jobBefore = await readJob(database, waiting.jobId);

    const result = await reap(database, waiting.runs);

    expect(result).toEqual({ releasedRunIds: [], failedRunIds: [] });
    expect(await readRunRow(database, waiting.runId)).toEqual(runBefore);
    expect(await readJob(database, waiting.jobId)).toEqual(jobBefore);
  });

  dbTest("fails a run out of attempts whose job a dead worker holds, and deletes the job", async ({ database }) => {
    const dead = await seedDeadAttempt(database, { maxAttempts: 1, heartbeatAt: LONG_AGO });
    expect(await readJob(database, dead.jobId)).toMatchObject({ attempts: 1, max_attempts: 1 });

    const result = await reap(database, dead.runs);

    expect(result).toEqual({ releasedRunIds: [], failedRunIds: [dead.runId] });
    expect(await readRunRow(database, dead.runId)).toMatchObject({
      status: "completed",
      outcome: "failed",
      failure: { code: "worker_lost" },
    });
    expect(await readJob(database, dead.jobId)).toBeUndefined();
  });

  dbTest("fails a run whose job has no attempts left and will never run again", async ({ database }) => {
    // The last attempt's job was failed permanently (unlocked, attempts = max) but the run was left running.
    const stuck = await seedDeadAttempt(database, { maxAttempts: 1, heartbeatAt: LONG_AGO });
    await database.pool.query(
      "update graphile_worker._private_jobs set locked_by = null, locked_at = null, last_error = 'boom' where id = $1",
      [stuck.jobId],
    );

    const result = await reap(database, stuck.runs);

    expect(result.failedRunIds).toEqual([stuck.runId]);
    expect(await readRunRow(database, stuck.runId)).toMatchObject({
      status: "completed",
      outcome: "failed",
      failure: { code: "worker_lost" },
    });
    expect(await readJob(database, stuck.jobId)).toBeUndefined();
  });

  dbTest("leaves queued and completed runs alone", async ({ database }) => {
    const { runs } = createTestRunService(database, LONG_AGO);
    const queued = await seedQueuedRun(database, runs, { maxAttempts: 3 });
    const done = await seedQueuedRun(database, runs, { maxAttempts: 3 });
    await runs.completeRun({ runId: done.runId, attempt: "any" }, { outcome: "blocked" });
    const before = [await readRunRow(database, queued.runId), await readRunRow(database, done.runId)];

    expect(await reap(database, runs)).toEqual({ releasedRunIds: [], failedRunIds: [] });

    expect([await readRunRow(database, queued.runId), await readRunRow(database, done.runId)]).toEqual(before);
  });
});
