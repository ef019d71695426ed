/**
 * The run service against real PostgreSQL: queueing with its graphile-worker job, the one-active-run
 * identity guard under concurrency, attempt-guarded writes, version and change cursor, the terminal
 * notification and the event timeline (DESIGN.md §2).
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, seedTenant, seedWorkspace } from "../../test/factories.js";
import { createDatabase, type Database } from "../db/database.js";
import { OPERATOR_ERRORS } from "../shared/operator-error.js";
import type { RunChange, RunChangeSink } from "./run-events.js";
import type { SummaryCounts } from "./run-record.js";
import { createRunService, type RunService, RunSupersededError, type StartRunInput } from "./run-service.js";

/** A clock the test moves by hand. */
function manualClock(start = new Date("2026-03-01T10:00:00.000Z")) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms: number) => {
      current += ms;
    },
  };
}

/** A sink that records every change the service announces. */
function recordingSink(): RunChangeSink & { changes: RunChange[] } {
  const changes: RunChange[] = [];
  return { changes, markChanged: (change) => changes.push(change) };
}

async function seedStartInput(database: Database, overrides: Partial<StartRunInput> = {}): Promise<StartRunInput> {
  const { workspace, userId } = await seedWorkspace(database);
  const tenant = await seedTenant(database, workspace.id);
  return {
    workspaceId: workspace.id,
    tenantId: tenant.id,
    type: "baseline_capture",
    initiatorUserId: userId,
    identityKey: `baseline_capture:${randomUUID()}`,
    inputs: { profile: randomUUID() },
    ...overrides,
  };
}

type RawRun = Record<string, unknown> & { version: number; status: string; attempt: number; change_seq: string };

async function readRun(database: Database, runId: string): Promise<RawRun> {
  const { rows } = await database.pool.query("select * from operation_runs where id = $1", [runId]);
  expect(rows).toHaveLength(1);
  return rows[0] as RawRun;
}

async function readJobs(database: Database) {
  const { rows } = await database.pool.query<{
    id: string;
    task_identifier: string;
    payload: unknown;
    max_attempts: number;
    attempts: number;
  }>(
    `select j.id, j.task_identifier, p.payload, j.max_attempts, j.attempts
     from graphile_worker.jobs j join graphile_worker._private_jobs p on p.id = j.id order by j.id`,
  );
  return rows;
}

async function countNotifications(database: Database, runId: string, userId: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(
    "select count(*)::int as n from notifications where run_id = $1 and user_id = $2",
    [runId, userId],
  );
  return rows[0]!.n;
}

/** Start a run and begin its first attempt. */
async function startRunning(runs: RunService, input: StartRunInput) {
  const { run } = await runs.startRun(input, 3);
  const begun = await runs.beginAttempt(run.id, { workerId: "worker-a", jobId: 1 });
  expect(begun).toBeDefined();
  return { runId: run.id, owner: { runId: run.id, attempt: begun!.attempt } };
}

describe.concurrent("RunService.startRun", () => {
  dbTest("queues the run and exactly one graphile job whose payload is the run id", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);

    const { run, created } = await runs.startRun(input, 4);

    expect(created).toBe(true);
    expect(run).toMatchObject({
      status: "queued",
      outcome: null,
      attempt: 0,
      version: 1,
      identityKey: input.identityKey,
    });
    expect(run.context).toEqual({ inputs: input.inputs });
    const jobs = await readJobs(database);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ task_identifier: "baseline_capture", payload: { runId: run.id }, max_attempts: 4 });
    expect(jobs[0]!.attempts).toBe(0);
    const stored = await readRun(database, run.id);
    expect(String(stored.job_id)).toBe(String(jobs[0]!.id));
  });

  dbTest("stores neither run nor job when adding the job fails (one transaction)", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);

    // max_attempts 0 violates graphile-worker's jobs_max_attempts_check after the run row was inserted.
    await expect(runs.startRun(input, 0)).rejects.toThrow();

    const { rows } = await database.pool.query("select id from operation_runs where identity_key = $1", [
      input.identityKey,
    ]);
    expect(rows).toEqual([]);
    expect(await readJobs(database)).toEqual([]);
    // The identity is free: a valid start now creates the run.
    expect((await runs.startRun(input, 1)).created).toBe(true);
  });

  dbTest(
    "returns one run to 20 concurrent callers with the same identity key and adds one job",
    async ({ database, databaseUrl }) => {
      const input = await seedStartInput(database);
      // A pool large enough that every caller holds its own connection at the same time.
      const wide = createDatabase({ connectionString: databaseUrl, maxConnections: 25 });
      try {
        const runs = createRunService({ db: wide.db, changes: recordingSink(), now: () => new Date() });
        const results = await Promise.all(Array.from({ length: 20 }, () => runs.startRun(input, 3)));

        const ids = new Set(results.map((result) => result.run.id));
        expect(ids.size).toBe(1);
        expect(results.filter((result) => result.created)).toHaveLength(1);
        const { rows } = await database.pool.query<{ n: number }>(
          "select count(*)::int as n from operation_runs where identity_key = $1",
          [input.identityKey],
        );
        expect(rows[0]!.n).toBe(1);
        const jobs = await readJobs(database);
        expect(jobs).toHaveLength(1);
        expect(jobs[0]!.payload).toEqual({ runId: [...ids][0] });
      } finally {
        await wide.close();
      }
    },
  );

  dbTest("returns the active run instead of starting a second one, running or queued", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const first = await runs.startRun(input, 3);
    const again = await runs.startRun({ ...input, inputs: { other: true } }, 3);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id, context: { inputs: input.inputs } } });

    await runs.beginAttempt(first.run.id, { workerId: "w", jobId: 1 });
    const whileRunning = await runs.startRun(input, 3);
    expect(whileRunning).toMatchObject({ created: false, run: { id: first.run.id, status: "running" } });
    expect(await readJobs(database)).toHaveLength(1);
  });

  dbTest("starts a new run with a new job once the previous run with that identity completed", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const first = await runs.startRun(input, 3);
    expect(await runs.completeRun({ runId: first.run.id, attempt: "any" }, { outcome: "blocked" })).toBe(true);

    const second = await runs.startRun(input, 3);

    expect(second.created).toBe(true);
    expect(second.run.id).not.toBe(first.run.id);
    expect(second.run.status).toBe("queued");
    expect((await readJobs(database)).map((job) => job.payload)).toEqual([
      { runId: first.run.id },
      { runId: second.run.id },
    ]);
    expect((await readRun(database, first.run.id)).status).toBe("completed");
  });
});

describe.concurrent("RunService.beginAttempt", () => {
  dbTest("moves a queued run to running and increments the attempt on each new attempt", async ({ database }) => {
    const clock = manualClock();
    const { runs } = createTestRunService(database, clock.now);
    const { run } = await runs.startRun(await seedStartInput(database), 3);
    const startedAt = clock.now();

    const first = await runs.beginAttempt(run.id, { workerId: "worker-a", jobId: 7 });
    clock.advance(1_000);
    const second = await runs.beginAttempt(run.id, { workerId: "worker-b", jobId: 7 });

    expect(first).toMatchObject({ status: "running", attempt: 1, workerId: "worker-a", version: 2 });
    expect(first!.startedAt).toEqual(startedAt);
    expect(second).toMatchObject({ status: "running", attempt: 2, workerId: "worker-b", version: 3 });
    // started_at keeps the first attempt's start; heartbeat moves with the new attempt.
    expect(second!.startedAt).toEqual(first!.startedAt);
    expect(second!.heartbeatAt).toEqual(clock.now());
  });

  dbTest("returns undefined for a completed run and leaves it completed", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { run } = await runs.startRun(await seedStartInput(database), 3);
    await runs.completeRun({ runId: run.id, attempt: "any" }, { outcome: "blocked" });
    const before = await readRun(database, run.id);

    expect(await runs.beginAttempt(run.id, { workerId: "late", jobId: 1 })).toBeUndefined();

    expect(await readRun(database, run.id)).toEqual(before);
  });
});

describe.concurrent("RunService guarded writes", () => {
  dbTest("ignores every write of a superseded attempt: row and version unchanged", async ({ database }) => {
    const clock = manualClock();
    const { runs } = createTestRunService(database, clock.now);
    const { runId, owner: oldOwner } = await startRunning(runs, await seedStartInput(database));
    await runs.setPhase(oldOwner, "resolve_scope");
    const current = await runs.beginAttempt(runId, { workerId: "worker-b", jobId: 1 });
    expect(current!.attempt).toBe(oldOwner.attempt + 1);
    const before = await readRun(database, runId);
    clock.advance(5_000);

    await expect(runs.setPhase(oldOwner, "capture_evidence")).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.setWaitReason(oldOwner, "throttled", null)).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.reportCounts(oldOwner, { processed: 5, total: 10 })).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.saveResume(oldOwner, { cursor: 5 })).rejects.toBeInstanceOf(RunSupersededError);
    expect(await runs.heartbeat(oldOwner)).toBe(false);
    expect(await runs.completeRun(oldOwner, { outcome: "succeeded", result: { stale: true } })).toBe(false);

    expect(await readRun(database, runId)).toEqual(before);
    expect(before).toMatchObject({ status: "running", attempt: current!.attempt });
  });

  dbTest("ignores every write after completion and never moves the run back to running", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const { runId, owner } = await startRunning(runs, input);
    expect(await runs.completeRun(owner, { outcome: "succeeded", result: { policyCount: 3 } })).toBe(true);
    const before = await readRun(database, runId);

    await expect(runs.setPhase(owner, "finalize")).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.setWaitReason(owner, "retry_backoff", new Date())).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.reportCounts(owner, { processed: 1 })).rejects.toBeInstanceOf(RunSupersededError);
    await expect(runs.saveResume(owner, { cursor: 1 })).rejects.toBeInstanceOf(RunSupersededError);
    expect(await runs.heartbeat(owner)).toBe(false);
    expect(await runs.completeRun(owner, { outcome: "failed" })).toBe(false);
    expect(await runs.completeRun({ runId, attempt: "any" }, { outcome: "cancelled" })).toBe(false);
    expect(await runs.beginAttempt(runId, { workerId: "late", jobId: 1 })).toBeUndefined();
    expect(await runs.requestCancel(runId)).toBe("not_active");

    const after = await readRun(database, runId);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: "completed", outcome: "succeeded", context: { result: { policyCount: 3 } } });
  });

  dbTest("bumps version and change_seq on every visible write but not on heartbeat", async ({ database }) => {
    const clock = manualClock();
    const sink = recordingSink();
    const runs = createRunService({ db: database.db, changes: sink, now: clock.now });
    const { run } = await runs.startRun(await seedStartInput(database), 3);
    const owner = { runId: run.id, attempt: 1 };
    const seen: { version: number; changeSeq: number }[] = [];
    const snapshot = async () => {
      const row = await readRun(database, run.id);
      seen.push({ version: row.version, changeSeq: Number(row.change_seq) });
    };

    await snapshot();
    await runs.beginAttempt(run.id, { workerId: "w", jobId: 1 });
    await snapshot();
    await runs.setPhase(owner, "resolve_scope");
    await snapshot();
    await runs.reportCounts(owner, { total: 10, processed: 0 });
    await snapshot();
    await runs.setWaitReason(owner, "throttled", new Date("2026-03-01T10:05:00Z"));
    await snapshot();
    await runs.setPhase(owner, "capture_evidence");
    await snapshot();
    await runs.reportCounts(owner, { processed: 10 });
    await snapshot();
    await runs.completeRun(owner, { outcome: "succeeded" });
    await snapshot();

    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.version).toBeGreaterThan(seen[i - 1]!.version);
      expect(seen[i]!.changeSeq).toBeGreaterThan(seen[i - 1]!.changeSeq);
    }
    // Every visible change was announced with the stored version and cursor.
    expect(sink.changes.map((change) => ({ version: change.version, changeSeq: change.changeSeq }))).toEqual(seen);
  });

  dbTest("heartbeat moves heartbeat_at without bumping version or announcing", async ({ database }) => {
    const clock = manualClock();
    const sink = recordingSink();
    const runs = createRunService({ db: database.db, changes: sink, now: clock.now });
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    const before = await readRun(database, runId);
    const announced = sink.changes.length;
    clock.advance(30_000);

    expect(await runs.heartbeat(owner)).toBe(true);

    const after = await readRun(database, runId);
    expect(after.version).toBe(before.version);
    expect(after.change_seq).toBe(before.change_seq);
    expect(new Date(after.heartbeat_at as string)).toEqual(clock.now());
    expect(sink.changes).toHaveLength(announced);
  });

  dbTest("saveResume stores the token under context.resume and keeps inputs and progress", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const { runId, owner } = await startRunning(runs, input);
    await runs.setPhase(owner, "capture_evidence");

    await runs.saveResume(owner, { cursor: 42 });

    const row = await readRun(database, runId);
    expect(row.context).toEqual({
      inputs: input.inputs,
      progress: { phase: "capture_evidence" },
      resume: { cursor: 42 },
    });
  });

  dbTest("setWaitReason adds the wait to the phase and the next setPhase clears it", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    await runs.setPhase(owner, "capture_evidence");
    const until = new Date("2026-03-01T10:05:00.000Z");

    await runs.setWaitReason(owner, "throttled", until);
    expect((await readRun(database, runId)).context).toMatchObject({
      progress: { phase: "capture_evidence", waitReason: "throttled", waitUntil: until.toISOString() },
    });

    await runs.setPhase(owner, "build_snapshot");
    expect((await readRun(database, runId)).context).toMatchObject({ progress: { phase: "build_snapshot" } });
    expect(((await readRun(database, runId)).context as { progress: object }).progress).toEqual({
      phase: "build_snapshot",
    });
  });
});

describe.concurrent("RunService.reportCounts", () => {
  dbTest("merges whitelisted counts, latest value per key", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));

    await runs.reportCounts(owner, { total: 10, processed: 2 });
    await runs.reportCounts(owner, { processed: 7, failed: 1 });

    expect((await readRun(database, runId)).summary_counts).toEqual({ total: 10, processed: 7, failed: 1 });
  });

  const hostile: [string, unknown][] = [
    ["an unknown key", { bogus: 1 }],
    ["an unknown key beside valid ones", { processed: 3, percent: 50 }],
    ["a prototype key", JSON.parse('{"__proto__": {"processed": 1}}')],
    ["a fraction", { processed: 1.5 }],
    ["NaN", { processed: Number.NaN }],
    ["Infinity", { total: Number.POSITIVE_INFINITY }],
    ["a negative count", { failed: -1 }],
    ["a numeric string", { processed: "3" }],
    ["null", { processed: null }],
    ["a boolean", { succeeded: true }],
    ["an unsafe integer", { total: 2 ** 60 }],
    ["an array", [1, 2]],
    ["null counts", null],
  ];

  dbTest.for(hostile)("rejects %s and stores nothing", async ([, counts], { database }) => {
    const sink = recordingSink();
    const runs = createRunService({ db: database.db, changes: sink, now: () => new Date() });
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    await runs.reportCounts(owner, { total: 4, processed: 1 });
    const before = await readRun(database, runId);
    const announced = sink.changes.length;

    await expect(runs.reportCounts(owner, counts as SummaryCounts)).rejects.toThrow();

    const after = await readRun(database, runId);
    expect(after).toEqual(before);
    expect(after.summary_counts).toEqual({ total: 4, processed: 1 });
    expect(sink.changes).toHaveLength(announced);
  });
});

describe.concurrent("RunService.completeRun", () => {
  dbTest("stores exactly one notification for the initiator even when called twice", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const { runId, owner } = await startRunning(runs, input);

    const results = await Promise.all([
      runs.completeRun(owner, { outcome: "succeeded", result: { policyCount: 2 } }),
      runs.completeRun(owner, { outcome: "failed" }),
    ]);
    expect(await runs.completeRun({ runId, attempt: "any" }, { outcome: "cancelled" })).toBe(false);

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await countNotifications(database, runId, input.initiatorUserId!)).toBe(1);
    const { rows } = await database.pool.query("select title, url, workspace_id from notifications where run_id = $1", [
      runId,
    ]);
    expect(rows[0]).toMatchObject({ workspace_id: input.workspaceId });
    expect(String(rows[0].url)).toContain(runId);
    const run = await readRun(database, runId);
    expect(run.status).toBe("completed");
    expect(run.worker_id).toBeNull();
    expect(run.completed_at).not.toBeNull();
  });

  dbTest("stores no notification for a run without an initiating user", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database, { initiatorUserId: null, initiatorLabel: "cli" });
    const { runId, owner } = await startRunning(runs, input);

    expect(await runs.completeRun(owner, { outcome: "succeeded" })).toBe(true);

    const { rows } = await database.pool.query("select count(*)::int as n from notifications where run_id = $1", [
      runId,
    ]);
    expect(rows[0].n).toBe(0);
    expect((await readRun(database, runId)).initiator_label).toBe("cli");
  });

  dbTest("stores the operator-safe failure with its diagnostics", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    const failure = {
      code: "evidence_source_unreachable",
      message: OPERATOR_ERRORS.evidence_source_unreachable,
      diagnostics: "ENOENT: /srv/export",
    };

    await runs.completeRun(owner, { outcome: "failed", failure });

    expect(await readRun(database, runId)).toMatchObject({ outcome: "failed", failure, status: "completed" });
  });
});

describe.concurrent("RunService.requestCancel", () => {
  dbTest("completes a queued run as cancelled at once, with its notification", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const input = await seedStartInput(database);
    const { run } = await runs.startRun(input, 3);

    expect(await runs.requestCancel(run.id)).toBe("cancelled");

    const row = await readRun(database, run.id);
    expect(row).toMatchObject({ status: "completed", outcome: "cancelled", failure: { code: "cancelled" } });
    expect(await countNotifications(database, run.id, input.initiatorUserId!)).toBe(1);
    // The run is over: a worker picking up its job later cannot revive it.
    expect(await runs.beginAttempt(run.id, { workerId: "w", jobId: 1 })).toBeUndefined();
    expect((await readRun(database, run.id)).status).toBe("completed");
  });

  dbTest("asks a running run to stop: sets cancelRequested and bumps the version only", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    const before = await readRun(database, runId);

    expect(await runs.requestCancel(runId)).toBe("requested");

    const after = await readRun(database, runId);
    expect(after).toMatchObject({ status: "running", outcome: null, attempt: owner.attempt });
    expect(after.context).toMatchObject({ cancelRequested: true });
    expect(after.version).toBeGreaterThan(before.version);
    // The owning attempt can still complete it (as cancelled, at its checkpoint).
    expect(await runs.completeRun(owner, { outcome: "cancelled" })).toBe(true);
  });

  dbTest("reports not_active for an unknown run", async ({ database }) => {
    const { runs } = createTestRunService(database);
    expect(await runs.requestCancel(randomUUID())).toBe("not_active");
  });
});

describe.concurrent("operation_run_events", () => {
  dbTest("records the status and phase timeline, one row per version", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { run } = await runs.startRun(await seedStartInput(database), 3);
    const first = await runs.beginAttempt(run.id, { workerId: "w1", jobId: 1 });
    await runs.setPhase({ runId: run.id, attempt: first!.attempt }, "resolve_scope");
    const second = await runs.beginAttempt(run.id, { workerId: "w2", jobId: 1 });
    const owner = { runId: run.id, attempt: second!.attempt };
    await runs.setPhase(owner, "capture_evidence");
    await runs.reportCounts(owner, { processed: 1 }); // counts are not a timeline entry
    await runs.setPhase(owner, "finalize");
    await runs.completeRun(owner, { outcome: "succeeded" });
    const final = await readRun(database, run.id);

    const { rows } = await database.pool.query(
      "select version, status, outcome, phase, attempt from operation_run_events where run_id = $1 order by version",
      [run.id],
    );
    expect(rows).toEqual([
      { version: 1, status: "queued", outcome: null, phase: null, attempt: 0 },
      { version: 2, status: "running", outcome: null, phase: null, attempt: 1 },
      { version: 3, status: "running", outcome: null, phase: "resolve_scope", attempt: 1 },
      // A new attempt starts in no phase: its predecessor's phase is not its own.
      { version: 4, status: "running", outcome: null, phase: null, attempt: 2 },
      { version: 5, status: "running", outcome: null, phase: "capture_evidence", attempt: 2 },
      { version: 7, status: "running", outcome: null, phase: "finalize", attempt: 2 },
      { version: 8, status: "completed", outcome: "succeeded", phase: "finalize", attempt: 2 },
    ]);
    expect(final.version).toBe(8);
  });

  dbTest("records nothing for writes that changed nothing", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { runId, owner } = await startRunning(runs, await seedStartInput(database));
    await runs.completeRun(owner, { outcome: "succeeded" });
    await runs.setPhase(owner, "finalize").catch(() => undefined);
    await runs.completeRun(owner, { outcome: "failed" });

    const { rows } = await database.pool.query(
      "select status, outcome from operation_run_events where run_id = $1 order by version",
      [runId],
    );
    expect(rows.map((row) => row.status)).toEqual(["queued", "running", "completed"]);
    expect(rows.at(-1)).toEqual({ status: "completed", outcome: "succeeded" });
  });
});

describe("terminal notification copy", () => {
  dbTest(
    "says a run cancelled while running kept its work, and one cancelled while queued never started",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const running = await startRunning(runs, await seedStartInput(database));
      await runs.completeRun(running.owner, { outcome: "cancelled" });
      const queued = await runs.startRun(await seedStartInput(database), 3);
      await runs.requestCancel(queued.run.id);
      const { rows } = await database.pool.query<{ run_id: string; body: string }>(
        "select run_id, body from notifications",
      );
      const bodyOf = (runId: string) => rows.find((row) => row.run_id === runId)?.body;
      expect(bodyOf(running.runId)).toBe("The operation was cancelled. Work it finished was kept.");
      expect(bodyOf(queued.run.id)).toBe("The operation was cancelled before it started.");
    },
  );
});
