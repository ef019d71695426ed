/** RunService.setComposite: the guarded writer of `context.progress.composite` (DESIGN.md §3 "Composite summary"). */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, readRunRow, seedTenant, seedWorkspace } from "../../test/factories.js";
import type { Database } from "../db/database.js";
import { describeProgress } from "./progress-contract.js";
import { type RunService, RunSupersededError, toOperationRun } from "./run-service.js";
import type { RunType } from "./run-types.js";

async function runningRun(database: Database, runs: RunService, type: RunType) {
  const { workspace } = await seedWorkspace(database);
  const tenant = await seedTenant(database, workspace.id);
  const { run } = await runs.startRun(
    {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      type,
      initiatorUserId: null,
      initiatorLabel: "test",
      identityKey: `${type}:${randomUUID()}`,
      inputs: {},
    },
    3,
  );
  const begun = await runs.beginAttempt(run.id, { workerId: "test-worker", jobId: 0 });
  return { runId: run.id, attempt: begun?.attempt ?? 0 };
}

const SUMMARY = {
  total: 14,
  byOutcome: { succeeded: 12, partially_succeeded: 1, failed: 1 },
  byType: {
    baseline_compare: { succeeded: 10, failed: 1 },
    baseline_capture: { succeeded: 2, partially_succeeded: 1 },
  },
};

describe.concurrent("RunService.setComposite", () => {
  dbTest(
    "stores the summary under context.progress.composite, bumps version, and the run reads as composite",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const owner = await runningRun(database, runs, "tenant.review.compose");
      const before = await readRunRow(database, owner.runId);
      await runs.setComposite(owner, SUMMARY);
      const row = await readRunRow(database, owner.runId);
      expect((row.context as { progress: unknown }).progress).toEqual({ composite: SUMMARY });
      expect(row.version).toBe(before.version + 1);
      const view = describeProgress(toOperationRun(row), new Date());
      expect(view).toMatchObject({
        mode: "composite",
        detail: "Based on 14 operations: 12 succeeded, 1 partially succeeded, 1 failed",
      });
      expect(view).not.toHaveProperty("percent");
    },
  );

  dbTest("refuses a summary whose total is not the sum of its outcomes, storing nothing", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const owner = await runningRun(database, runs, "tenant.review.compose");
    await expect(runs.setComposite(owner, { total: 3, byOutcome: { succeeded: 1 } })).rejects.toThrow();
    await expect(runs.setComposite(owner, { total: -1, byOutcome: {} })).rejects.toThrow();
    expect((await readRunRow(database, owner.runId)).context).not.toHaveProperty("progress");
  });

  dbTest("refuses run types that are not composite-aware", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const owner = await runningRun(database, runs, "evidence_snapshot.generate");
    await expect(runs.setComposite(owner, { total: 0, byOutcome: {} })).rejects.toThrow(/not composite-aware/);
    expect((await readRunRow(database, owner.runId)).context).not.toHaveProperty("progress");
  });

  dbTest("ignores a superseded attempt and a completed run", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const owner = await runningRun(database, runs, "tenant.review.compose");
    await expect(runs.setComposite({ ...owner, attempt: owner.attempt + 1 }, SUMMARY)).rejects.toBeInstanceOf(
      RunSupersededError,
    );
    await runs.completeRun(owner, { outcome: "succeeded" });
    const version = (await readRunRow(database, owner.runId)).version;
    await expect(runs.setComposite(owner, SUMMARY)).rejects.toBeInstanceOf(RunSupersededError);
    expect((await readRunRow(database, owner.runId)).version).toBe(version);
  });
});
