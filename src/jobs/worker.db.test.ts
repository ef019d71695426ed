/**
 * A CLI command's worker on Ctrl+C: its own run records the interruption; a run it picked up for
 * another command goes back to the queue and another worker resumes it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  corpusPresent,
  corpusSnapshot,
  createTestRunService,
  readRunRow,
  seedProfile,
  seedTenant,
  seedWorkspace,
} from "../../test/factories.js";
import { runQueuedJobs } from "../../test/run-jobs.js";
import { startBaselineCapture, startBaselineCompare } from "../baselines/baseline-runs.js";
import { startWorker } from "./worker.js";

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!corpusPresent)("startWorker stop('interrupt', ownRunIds)", () => {
  dbTest("fails only its own run as interrupted and hands the other back to the queue", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const source = await seedTenant(database, workspace.id, { exportDir: corpusSnapshot("oib-win-v3.2-b1d23fb") });
    const profile = await seedProfile(database, workspace.id, source);
    const deps = { db: database.db, runs, maxAttempts: 5 };
    await startBaselineCapture(deps, { workspaceId: workspace.id, profile: profile.id, initiator: { userId } });
    await runQueuedJobs(database, runs);
    const mine = await seedTenant(database, workspace.id, { exportDir: corpusSnapshot("oib-win-v3.3-f44f081") });
    const theirs = await seedTenant(database, workspace.id, { exportDir: corpusSnapshot("oib-win-v3.3-f44f081") });
    const own = await startBaselineCompare(deps, {
      workspaceId: workspace.id,
      profile: profile.id,
      tenant: mine.id,
      initiator: { userId },
    });
    const other = await startBaselineCompare(deps, {
      workspaceId: workspace.id,
      profile: profile.id,
      tenant: theirs.id,
      initiator: { userId },
    });

    const options = {
      database,
      runs,
      logger: pino({ level: "silent" }),
      now: () => new Date(),
      concurrency: 2,
      heartbeatIntervalMs: 200,
      deadAfterMs: 60_000,
      reaperIntervalMs: 60_000,
      pollIntervalMs: 100,
    };
    const worker = await startWorker({ ...options, evidenceReadDelayMs: 100, gracefulStopTimeoutMs: 86_400_000 });
    await waitFor("both capturing", async () => {
      const rows = await Promise.all([readRunRow(database, own.run.id), readRunRow(database, other.run.id)]);
      return rows.every(
        (row) => (row.context as { progress?: { phase?: string } }).progress?.phase === "capture_evidence",
      )
        ? true
        : undefined;
    });
    await worker.stop("interrupt", [own.run.id]);

    expect(await readRunRow(database, own.run.id)).toMatchObject({
      status: "completed",
      outcome: "failed",
      failure: expect.objectContaining({ code: "interrupted" }),
    });
    const released = await readRunRow(database, other.run.id);
    expect(released).toMatchObject({ status: "running", attempt: 1 });
    expect((released.context as { progress?: { waitReason?: string } }).progress?.waitReason).toBe("retry_backoff");

    // Another worker picks it up after the backoff and resumes it to the end.
    const next = await startWorker(options);
    try {
      const done = await waitFor("released run completed", async () => {
        const row = await readRunRow(database, other.run.id);
        return row.status === "completed" ? row : undefined;
      });
      expect(done).toMatchObject({ outcome: "succeeded", attempt: 2 });
    } finally {
      await next.stop();
    }
  });
});
