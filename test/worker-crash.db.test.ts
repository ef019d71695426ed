/**
 * Crash test: a real `tenantpilot worker` process is SIGKILLed in the middle of a compare's evidence
 * capture. The reaper notices the dead heartbeat, releases the job, a second worker process picks
 * it up as attempt 2, resumes the capture from `context.resume` (no entry read twice) and ends with
 * exactly the findings of an uninterrupted compare of the same input.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect } from "vitest";
import { startBaselineCapture, startBaselineCompare } from "../src/baselines/baseline-runs.js";
import { listFindings } from "../src/baselines/drift-findings.js";
import type { Database } from "../src/db/database.js";
import { getRun } from "../src/operations/run-queries.js";
import { dbTest } from "./db-test.js";
import {
  corpusPresent,
  corpusSnapshot,
  createTestRunService,
  seedProfile,
  seedTenant,
  seedWorkspace,
} from "./factories.js";
import { runQueuedJobs } from "./run-jobs.js";

const REPO = path.resolve(import.meta.dirname, "..");
const children: ChildProcess[] = [];

/** Start `tenantpilot worker` as its own process against the test database. */
function spawnWorker(databaseUrl: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "worker"], {
    cwd: REPO,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      EVIDENCE_READ_DELAY_MS: "25",
      RUN_HEARTBEAT_INTERVAL_MS: "200",
      RUN_DEAD_AFTER_MS: "1500",
      REAPER_INTERVAL_MS: "300",
      WORKER_CONCURRENCY: "2",
      LOG_LEVEL: "silent",
      ...extraEnv,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runRow(database: Database, runId: string) {
  const result = await database.db.execute(
    sql`select status, outcome, attempt, context->'progress'->>'phase' as phase, (summary_counts->>'processed')::int as processed from operation_runs where id = ${runId}`,
  );
  return result.rows[0] as {
    status: string;
    outcome: string | null;
    attempt: number;
    phase: string | null;
    processed: number | null;
  };
}

/** Findings without tenant-specific columns, sorted, for comparing two tenants' results. */
async function findingSignatures(database: Database, workspaceId: string, tenantId: string): Promise<string[]> {
  const findings = await listFindings(database.db, workspaceId, { tenantId });
  return findings
    .map((f) =>
      JSON.stringify([f.kind, f.policyKind, f.policyName, f.path, f.expected, f.actual, f.probableRename, f.status]),
    )
    .sort();
}

describe.skipIf(!corpusPresent)("worker processes", () => {
  dbTest("two workers on one database never process a run twice", async ({ database, databaseUrl }) => {
    const { runs } = createTestRunService(database);
    const { workspace, userId } = await seedWorkspace(database);
    const source = await seedTenant(database, workspace.id, {
      name: "Baseline",
      exportDir: corpusSnapshot("oib-win-v3.2-b1d23fb"),
    });
    const profile = await seedProfile(database, workspace.id, source);
    const deps = { db: database.db, runs, maxAttempts: 5 };
    await startBaselineCapture(deps, { workspaceId: workspace.id, profile: profile.id, initiator: { userId } });
    await runQueuedJobs(database, runs);
    const runIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const tenant = await seedTenant(database, workspace.id, {
        name: `Tenant ${i}`,
        exportDir: corpusSnapshot("oib-win-v3.3-f44f081"),
      });
      runIds.push(
        (
          await startBaselineCompare(deps, {
            workspaceId: workspace.id,
            profile: profile.id,
            tenant: tenant.id,
            initiator: { userId },
          })
        ).run.id,
      );
    }
    spawnWorker(databaseUrl, { EVIDENCE_READ_DELAY_MS: "2" });
    spawnWorker(databaseUrl, { EVIDENCE_READ_DELAY_MS: "2" });
    await waitFor(
      "all compares completed",
      async () => {
        const result = await database.db.execute(
          sql`select count(*)::int as n from operation_runs where type = 'baseline_compare' and status = 'completed'`,
        );
        return (result.rows[0] as { n: number }).n === runIds.length ? true : undefined;
      },
      90_000,
    );
    const rows = await database.db.execute(sql`select r.id, r.outcome, r.attempt,
        (select count(*)::int from operation_run_events e where e.run_id = r.id and e.status = 'running' and e.phase is null) as begins,
        (select count(distinct i.run_attempt)::int from evidence_capture_items i join evidence_captures c on c.id = i.capture_id where c.run_id = r.id) as attempts_reading
      from operation_runs r where r.type = 'baseline_compare'`);
    for (const row of rows.rows as { outcome: string; attempt: number; begins: number; attempts_reading: number }[]) {
      expect(row).toMatchObject({ outcome: "succeeded", attempt: 1, begins: 1, attempts_reading: 1 });
    }
  });

  dbTest(
    "a graceful shutdown records the interruption instead of leaving the run running",
    async ({ database, databaseUrl }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, {
        name: "Baseline",
        exportDir: corpusSnapshot("oib-win-v3.7-75c4825"),
      });
      const profile = await seedProfile(database, workspace.id, source);
      const { run } = await startBaselineCapture(
        { db: database.db, runs, maxAttempts: 5 },
        { workspaceId: workspace.id, profile: profile.id, initiator: { userId } },
      );
      // Slow enough that the capture is still reading when graphile-worker's 5 s grace period ends.
      const worker = spawnWorker(databaseUrl, { EVIDENCE_READ_DELAY_MS: "200" });
      await waitFor("capture under way", async () =>
        (await runRow(database, run.id)).phase === "capture_evidence" ? true : undefined,
      );
      worker.kill("SIGTERM");
      const code = await new Promise<number | null>((resolve) => worker.once("exit", resolve));
      expect(code).toBe(0);
      const row = await runRow(database, run.id);
      expect(row).toMatchObject({ status: "completed", outcome: "failed" });
      const failure = await database.db.execute(
        sql`select failure->>'code' as code, failure->>'message' as message from operation_runs where id = ${run.id}`,
      );
      expect(failure.rows[0]).toEqual({
        code: "interrupted",
        message: "The operation was interrupted before it finished: its worker was stopped. Start it again to redo it.",
      });
      const jobs = await database.db.execute(sql`select count(*)::int as n from graphile_worker._private_jobs`);
      expect((jobs.rows[0] as { n: number }).n).toBe(0); // no job left locked for 4 h (STACK.md G14)
    },
  );
});

describe.skipIf(!corpusPresent)("a worker killed mid-compare", () => {
  dbTest(
    "is picked up again, resumes from context.resume and ends with the uninterrupted findings",
    async ({ database, databaseUrl }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await seedTenant(database, workspace.id, {
        name: "Baseline v3.3",
        exportDir: corpusSnapshot("oib-win-v3.3-f44f081"),
      });
      const control = await seedTenant(database, workspace.id, {
        name: "Control v3.5",
        exportDir: corpusSnapshot("oib-win-v3.5-193226e"),
      });
      const victim = await seedTenant(database, workspace.id, {
        name: "Victim v3.5",
        exportDir: corpusSnapshot("oib-win-v3.5-193226e"),
      });
      const profile = await seedProfile(database, workspace.id, source, {
        reportUnexpected: true,
        ignoreVersionSuffix: true,
      });
      const deps = { db: database.db, runs, maxAttempts: 5 };
      await startBaselineCapture(deps, { workspaceId: workspace.id, profile: profile.id, initiator: { userId } });
      await runQueuedJobs(database, runs);

      // The uninterrupted reference, in this process.
      const reference = await startBaselineCompare(deps, {
        workspaceId: workspace.id,
        profile: profile.id,
        tenant: control.id,
        initiator: { userId },
      });
      await runQueuedJobs(database, runs);
      expect((await getRun(database.db, workspace.id, reference.run.id)).outcome).toBe("succeeded");
      const expected = await findingSignatures(database, workspace.id, control.id);
      expect(expected.length).toBeGreaterThan(0);

      // The same compare for another tenant, in a worker process we kill mid-capture.
      const { run } = await startBaselineCompare(deps, {
        workspaceId: workspace.id,
        profile: profile.id,
        tenant: victim.id,
        initiator: { userId },
      });
      const first = spawnWorker(databaseUrl);
      const killedAt = await waitFor("capture under way", async () => {
        const row = await runRow(database, run.id);
        return row.phase === "capture_evidence" && (row.processed ?? 0) >= 15 ? row : undefined;
      });
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      expect(killedAt.attempt).toBe(1);
      expect((await runRow(database, run.id)).status).toBe("running"); // the dead worker left it running

      spawnWorker(databaseUrl);
      const final = await waitFor("run completed", async () => {
        const row = await runRow(database, run.id);
        return row.status === "completed" ? row : undefined;
      });
      expect(final.outcome).toBe("succeeded");
      expect(final.attempt).toBe(2);

      // Resumed, not restarted: attempt 1's entries were kept, attempt 2 read only the rest, none twice.
      const byAttempt =
        await database.db.execute(sql`select i.run_attempt, count(*)::int as n from evidence_capture_items i
      join evidence_captures c on c.id = i.capture_id where c.run_id = ${run.id} group by i.run_attempt order by i.run_attempt`);
      const counts = byAttempt.rows as { run_attempt: number; n: number }[];
      expect(counts.map((row) => row.run_attempt)).toEqual([1, 2]);
      expect(counts[0]!.n).toBeGreaterThanOrEqual(15);
      const captures = await database.db.execute(
        sql`select total_count from evidence_captures where run_id = ${run.id}`,
      );
      expect(captures.rows).toHaveLength(1);
      expect(counts[0]!.n + counts[1]!.n).toBe((captures.rows[0] as { total_count: number }).total_count);

      expect(await findingSignatures(database, workspace.id, victim.id)).toEqual(expected);
      const resumed = await database.db.execute(
        sql`select count(*)::int as n from operation_run_events where run_id = ${run.id} and status = 'running' and phase is null and attempt = 2`,
      );
      expect((resumed.rows[0] as { n: number }).n).toBe(1); // the timeline shows the second attempt beginning
    },
  );
});
