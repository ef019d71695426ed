/**
 * Baseline capture and compare reading tenants through Microsoft Graph — the local Graph simulator
 * over real HTTPS, the stored (encrypted) app registration and the real credential class — as real
 * graphile-worker jobs against real PostgreSQL: parity with the export-folder source, throttling
 * shown truthfully, unreadable kinds reported unknown, resume after an interrupted attempt, and one
 * tenant's throttling not holding up another's capture.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { runOnce } from "graphile-worker";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  corpusPresent,
  corpusSnapshot,
  createTestKeyRing,
  createTestRunService,
  findTablesContaining,
  readRunRow,
  seedGraphTenant,
  seedProfile,
  seedTenant,
  seedWorkspace,
} from "../../test/factories.js";
import { startBaselineCapture, startBaselineCompare } from "../baselines/baseline-runs.js";
import { findingFingerprint } from "../baselines/drift/finding-fingerprint.js";
import { listFindings } from "../baselines/drift-findings.js";
import type { Database } from "../db/database.js";
import { quietGraphileLogger } from "../db/migrate.js";
import type { GraphEvidenceDeps } from "../inventory/evidence-source.js";
import type { Tenant } from "../inventory/tenants.js";
import { createTaskList } from "../jobs/task-list.js";
import { describeProgress } from "../operations/progress-contract.js";
import { getRun } from "../operations/run-queries.js";
import type { RunService } from "../operations/run-service.js";
import { GRAPH_COLLECTION_ENDPOINTS } from "./graph-endpoints.js";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator/graph-simulator.js";
import { TenantRequestLimiter } from "./graph-throttle.js";

const SOURCE = "0a7d3c1e-1111-4a2b-8c3d-000000000001";
const CURRENT = "0a7d3c1e-2222-4a2b-8c3d-000000000002";
const OTHER = "0a7d3c1e-3333-4a2b-8c3d-000000000003";
const CLIENT = "5f0e1d2c-3b4a-4958-8776-655443322110";
const SECRET = "graph-evidence-test-secret";
const PERMISSIONS = ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"];
const V32 = corpusSnapshot("oib-win-v3.2-b1d23fb");
const V33 = corpusSnapshot("oib-win-v3.3-f44f081");
const keyRing = createTestKeyRing();

let sim: GraphSimulator;

beforeAll(async () => {
  if (!corpusPresent) return;
  const app = { clientId: CLIENT, clientSecret: SECRET, permissions: PERMISSIONS };
  sim = await startGraphSimulator({
    tenants: [
      { tenantId: SOURCE, apps: [app], policies: { exportFolder: V32 } },
      { tenantId: CURRENT, apps: [app], policies: { exportFolder: V33 } },
      { tenantId: OTHER, apps: [app], policies: { exportFolder: V32 } },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  if (!corpusPresent) return;
  sim.clearFaults();
  sim.resetStats();
  sim.setLatencyMs(0);
});

/** Graph deps with fast retries (same behaviour, no real-time backoff) and a fresh per-test limiter. */
function graphDeps(overrides: Partial<GraphEvidenceDeps> = {}): GraphEvidenceDeps {
  return {
    limiter: new TenantRequestLimiter({ maxInFlightPerTenant: 3, maxInFlightTotal: 6 }),
    retryPolicy: { maxRetries: 4, baseDelayMs: 20, maxDelayMs: 5_000 },
    keyRing,
    ...overrides,
  };
}

/** Run every due job (as many workers as `workers`, each draining the queue) with these Graph deps. */
async function runJobs(
  database: Database,
  runs: RunService,
  graphEvidence: GraphEvidenceDeps,
  options: { workers?: number; interruptSignal?: AbortSignal; logLines?: string[] } = {},
): Promise<void> {
  const lines = options.logLines;
  const taskList = createTaskList({
    db: database.db,
    runs,
    logger: lines
      ? pino({ level: "trace" }, { write: (line: string) => void lines.push(line) })
      : pino({ level: "silent" }),
    now: () => new Date(),
    heartbeatIntervalMs: 100,
    graphEvidence,
    ...(options.interruptSignal ? { interruptSignal: options.interruptSignal, releaseOnInterrupt: () => true } : {}),
  });
  const once = () =>
    runOnce({
      pgPool: database.pool,
      taskList,
      logger: quietGraphileLogger(),
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
  await Promise.all(Array.from({ length: options.workers ?? 1 }, once));
}

async function graphTenant(
  database: Database,
  workspaceId: string,
  entraTenantId: string,
  name: string,
): Promise<Tenant> {
  const { tenant } = await seedGraphTenant(database, workspaceId, keyRing, {
    name,
    entraTenantId,
    clientId: CLIENT,
    credential: { kind: "client_secret", clientSecret: SECRET },
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.baseUrl,
    caCertificatePem: sim.caCertPem,
  });
  return tenant;
}

/** Capture `source` into a snapshot of a new profile, then start a compare of `target` (not run yet). */
async function captureThenQueueCompare(
  database: Database,
  runs: RunService,
  deps: GraphEvidenceDeps,
  input: {
    workspaceId: string;
    userId: string;
    source: Tenant;
    target: Tenant;
    policyKinds?: string[];
    reportUnexpected?: boolean;
  },
) {
  const profile = await seedProfile(database, input.workspaceId, input.source, {
    reportUnexpected: input.reportUnexpected ?? true,
    ...(input.policyKinds ? { policyKinds: input.policyKinds } : {}),
  });
  const start = { db: database.db, runs, maxAttempts: 3 };
  const capture = await startBaselineCapture(start, {
    workspaceId: input.workspaceId,
    profile: profile.id,
    initiator: { userId: input.userId },
  });
  await runJobs(database, runs, deps);
  const compare = await startBaselineCompare(start, {
    workspaceId: input.workspaceId,
    profile: profile.id,
    tenant: input.target.id,
    initiator: { userId: input.userId },
  });
  return { profile, captureRunId: capture.run.id, compareRunId: compare.run.id };
}

/** Findings as tenant- and profile-independent fingerprints (plus what they say), sorted. */
async function normalisedFindings(database: Database, workspaceId: string): Promise<string[]> {
  const result = await database.db.execute(sql`select kind, policy_kind, policy_identity, path, expected, actual
    from drift_findings where workspace_id = ${workspaceId}`);
  return result.rows
    .map((raw) => {
      const row = raw as { kind: string; policy_kind: string; policy_identity: string; path: string | null };
      const fingerprint = findingFingerprint({
        tenantId: "t",
        profileId: "p",
        kind: row.kind as Parameters<typeof findingFingerprint>[0]["kind"],
        policyIdentity: row.policy_identity,
        path: row.path ?? undefined,
      });
      return `${fingerprint} ${JSON.stringify(raw)}`;
    })
    .sort();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!corpusPresent)("baseline capture and compare through Microsoft Graph", () => {
  dbTest("give exactly the findings the export-folder source gives for the same snapshots", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const deps = graphDeps();

    const exported = await seedWorkspace(database);
    const exportRun = await captureThenQueueCompare(database, runs, deps, {
      workspaceId: exported.workspace.id,
      userId: exported.userId,
      source: await seedTenant(database, exported.workspace.id, { name: "Export source", exportDir: V32 }),
      target: await seedTenant(database, exported.workspace.id, { name: "Export current", exportDir: V33 }),
    });
    await runJobs(database, runs, deps);

    const graph = await seedWorkspace(database);
    const graphRun = await captureThenQueueCompare(database, runs, deps, {
      workspaceId: graph.workspace.id,
      userId: graph.userId,
      source: await graphTenant(database, graph.workspace.id, SOURCE, "Graph source"),
      target: await graphTenant(database, graph.workspace.id, CURRENT, "Graph current"),
    });
    await runJobs(database, runs, deps);

    const graphCapture = await getRun(database.db, graph.workspace.id, graphRun.captureRunId);
    expect(graphCapture.outcome).toBe("succeeded");
    expect(graphCapture.context.result).toMatchObject({ policyCount: 67, unreadableCount: 0 });
    const graphCompare = await getRun(database.db, graph.workspace.id, graphRun.compareRunId);
    const exportCompare = await getRun(database.db, exported.workspace.id, exportRun.compareRunId);
    expect(graphCompare.outcome).toBe("succeeded");
    expect(exportCompare.outcome).toBe("succeeded");
    const byGraph = await normalisedFindings(database, graph.workspace.id);
    expect(byGraph).toHaveLength(34); // 7 missing + 27 unexpected (corpus README)
    expect(byGraph).toEqual(await normalisedFindings(database, exported.workspace.id));
    // Counted progress from Graph's @odata.count: total equals what was processed, never invented.
    const counts = (await readRunRow(database, graphRun.compareRunId)).summary_counts as Record<string, number>;
    expect(counts["processed"]).toBe(counts["total"]);
    expect(sim.stats().batchRequests).toBeGreaterThan(0);
  });

  dbTest(
    "a throttling storm shows the throttled wait live, the heartbeat keeps moving, and the run succeeds when it ends",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const deps = graphDeps({ retryPolicy: { maxRetries: 8, baseDelayMs: 20, maxDelayMs: 5_000 } });
      const { workspace, userId } = await seedWorkspace(database);
      const source = await graphTenant(database, workspace.id, SOURCE, "Source");
      const target = await graphTenant(database, workspace.id, CURRENT, "Current");
      const { compareRunId } = await captureThenQueueCompare(database, runs, deps, {
        workspaceId: workspace.id,
        userId,
        source,
        target,
      });
      sim.startThrottlingStorm({ tenantId: CURRENT, durationMs: 2_500, retryAfterSeconds: 1 });
      const working = runJobs(database, runs, deps);

      const seen = await waitFor("the throttled wait reason", async () => {
        const row = await readRunRow(database, compareRunId);
        const progress = (row.context as { progress?: Record<string, unknown> }).progress;
        return progress?.["waitReason"] === "throttled" ? row : undefined;
      });
      const view = describeProgress(await getRun(database.db, workspace.id, compareRunId), new Date());
      expect(view.mode).toBe("phased");
      expect(JSON.stringify(view)).toMatch(/Waiting for Microsoft Graph to accept more requests \(next attempt \d/);
      const progress = (seen.context as { progress: { waitUntil: string } }).progress;
      expect(Date.parse(progress.waitUntil)).toBeGreaterThan(Date.parse(String(seen.started_at)));
      const firstBeat = new Date(String(seen.heartbeat_at)).getTime();
      await waitFor("a later heartbeat while throttled", async () => {
        const row = await readRunRow(database, compareRunId);
        return new Date(String(row.heartbeat_at)).getTime() > firstBeat ? row : undefined;
      });

      await working;
      const run = await getRun(database.db, workspace.id, compareRunId);
      expect(run.outcome).toBe("succeeded");
      expect((run.context.progress as Record<string, unknown> | undefined)?.["waitReason"]).toBeUndefined();
      expect(run.context.result).toMatchObject({ findingCount: 34, unknownPolicyCount: 0 });
      expect(sim.stats().byStatus["429"]).toBeGreaterThan(0);
    },
  );

  dbTest(
    "a kind Graph keeps throttling past the retry budget ends partially_succeeded naming it; its policies are unknown",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const deps = graphDeps({ retryPolicy: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 1_000 } });
      const { workspace, userId } = await seedWorkspace(database);
      const source = await graphTenant(database, workspace.id, SOURCE, "Source");
      const target = await graphTenant(database, workspace.id, OTHER, "Same as source");
      const { compareRunId } = await captureThenQueueCompare(database, runs, deps, {
        workspaceId: workspace.id,
        userId,
        source,
        target,
      });
      sim.injectFaults([
        {
          match: { pathPattern: "/deviceCompliancePolicies", tenantId: OTHER, times: Number.POSITIVE_INFINITY },
          response: { status: 429, retryAfterSeconds: 0 },
        },
      ]);
      await runJobs(database, runs, deps);

      const run = await getRun(database.db, workspace.id, compareRunId);
      expect(run.outcome).toBe("partially_succeeded");
      expect(run.failure).toMatchObject({ code: "evidence_partially_unreadable" });
      expect((run.failure as { message: string }).message).toBe(
        "Some policy kinds could not be read from the tenant's evidence source: macOS compliance policy, Windows compliance policy. Their policies are reported as unknown.",
      );
      expect((run.failure as { diagnostics: string }).diagnostics).toContain("HTTP 429");
      // The 4 Windows compliance policies of the baseline are unknown — not missing, not compliant.
      expect(run.context.result).toMatchObject({
        findingCount: 0,
        unknownPolicyCount: 4,
        unreadablePolicyKinds: ["macOSCompliancePolicy", "windows10CompliancePolicy"],
      });
      expect(await listFindings(database.db, workspace.id)).toEqual([]);
    },
  );

  dbTest(
    "an attempt interrupted mid-paging resumes from the page it reached: finished pages are not read again",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const deps = graphDeps();
      const { workspace, userId } = await seedWorkspace(database);
      const source = await graphTenant(database, workspace.id, SOURCE, "Source");
      const target = await graphTenant(database, workspace.id, OTHER, "Same as source");
      const settingsCatalog = ["deviceManagementConfigurationPolicy"];
      const { compareRunId } = await captureThenQueueCompare(database, runs, deps, {
        workspaceId: workspace.id,
        userId,
        source,
        target,
        policyKinds: settingsCatalog,
      });
      sim.resetStats();
      sim.setLatencyMs(40);
      const interrupt = new AbortController();
      const first = runJobs(database, runs, deps, { interruptSignal: interrupt.signal });
      const pagesAtKill = await waitFor("two pages recorded", async () => {
        const row = await readRunRow(database, compareRunId);
        const resume = row.context as { resume?: { graph?: { collections: Record<string, { pagesRead: number }> } } };
        const pages = resume.resume?.graph?.collections["deviceManagement/configurationPolicies"]?.pagesRead ?? 0;
        return pages >= 2 ? pages : undefined;
      });
      interrupt.abort(new Error("worker killed")); // the worker goes away mid-paging; the job is released
      await first;
      expect((await readRunRow(database, compareRunId)).status).toBe("running");
      const listPagesBefore = sim
        .requestLog()
        .filter((r) => !r.batchItem && r.path.includes("/configurationPolicies?"))
        .map((r) => r.path);

      sim.setLatencyMs(0);
      await database.db.execute(sql`update graphile_worker._private_jobs set run_at = now()`); // skip the retry backoff
      await runJobs(database, runs, deps);

      const run = await getRun(database.db, workspace.id, compareRunId);
      expect(run.outcome).toBe("succeeded");
      expect(run.attempt).toBe(2);
      const listPages = sim
        .requestLog()
        .filter((r) => !r.batchItem && r.path.includes("/configurationPolicies?"))
        .map((r) => r.path);
      const requestsPerPage = new Map<string, number>();
      for (const page of listPages) requestsPerPage.set(page, (requestsPerPage.get(page) ?? 0) + 1);
      // Every page recorded before the interruption was requested exactly once over both attempts.
      for (const page of listPagesBefore.slice(0, pagesAtKill)) expect(requestsPerPage.get(page)).toBe(1);
      // Only pages whose items were still being completed at the interruption (at most 3 at once,
      // plus the one being listed) can have been requested twice, and none more often.
      expect([...requestsPerPage.values()].filter((count) => count > 1).length).toBeLessThanOrEqual(4);
      expect(Math.max(...requestsPerPage.values())).toBeLessThanOrEqual(2);
      expect(requestsPerPage.size).toBe(6); // 51 policies, 10 per page
      const items = await database.db.execute(sql`select i.source_file, i.run_attempt from evidence_capture_items i
      join evidence_captures c on c.id = i.capture_id where c.run_id = ${compareRunId}`);
      expect(items.rows).toHaveLength(51);
      expect(new Set(items.rows.map((row) => (row as { run_attempt: number }).run_attempt))).toEqual(new Set([1, 2]));
      expect(run.context.result).toMatchObject({ findingCount: 0, unknownPolicyCount: 0 });
    },
  );

  dbTest("one tenant's throttling storm does not hold up another tenant's capture", async ({ database }) => {
    const { runs } = createTestRunService(database);
    const deps = graphDeps({
      limiter: new TenantRequestLimiter({ maxInFlightPerTenant: 2, maxInFlightTotal: 3 }),
      retryPolicy: { maxRetries: 20, baseDelayMs: 20, maxDelayMs: 5_000 },
    });
    const { workspace, userId } = await seedWorkspace(database);
    const stormy = await graphTenant(database, workspace.id, CURRENT, "Stormy");
    const calm = await graphTenant(database, workspace.id, OTHER, "Calm");
    const stormyProfile = await seedProfile(database, workspace.id, stormy);
    const calmProfile = await seedProfile(database, workspace.id, calm);
    const start = { db: database.db, runs, maxAttempts: 3 };
    sim.startThrottlingStorm({ tenantId: CURRENT, retryAfterSeconds: 1 });
    const stormyRun = await startBaselineCapture(start, {
      workspaceId: workspace.id,
      profile: stormyProfile.id,
      initiator: { userId },
    });
    const calmRun = await startBaselineCapture(start, {
      workspaceId: workspace.id,
      profile: calmProfile.id,
      initiator: { userId },
    });
    const working = runJobs(database, runs, deps, { workers: 2 });

    const calmDone = await waitFor("the calm tenant's capture", async () => {
      const row = await readRunRow(database, calmRun.run.id);
      return row.status === "completed" ? row : undefined;
    });
    expect(calmDone.outcome).toBe("succeeded");
    const stormyRow = await readRunRow(database, stormyRun.run.id);
    expect(stormyRow.status).toBe("running");
    expect((stormyRow.context as { progress?: { waitReason?: string } }).progress?.waitReason).toBe("throttled");

    sim.endThrottlingStorm(CURRENT);
    await working;
    expect((await getRun(database.db, workspace.id, stormyRun.run.id)).outcome).toBe("succeeded");
    const stats = sim.stats();
    expect(stats.byTenant[OTHER]?.maxInFlight).toBeLessThanOrEqual(2);
    expect(stats.byTenant[CURRENT]?.maxInFlight).toBeLessThanOrEqual(2);
  });

  dbTest(
    "a client secret reaches no table, run failure, diagnostics or log line, whether it signs in or is wrong",
    async ({ database }) => {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const logLines: string[] = [];
      // A working connection: the whole capture → compare path with trace logging.
      const source = await graphTenant(database, workspace.id, SOURCE, "Secret source");
      const { compareRunId } = await captureThenQueueCompare(database, runs, graphDeps(), {
        workspaceId: workspace.id,
        userId,
        source,
        target: source,
      });
      await runJobs(database, runs, graphDeps(), { logLines });
      expect((await getRun(database.db, workspace.id, compareRunId)).outcome).toBe("succeeded");

      // A wrong secret: Entra refuses it, the run fails with an operator-safe reason.
      const wrongSecret = "tp-wrong-secret-7c1f9e2a";
      const { tenant: wrong } = await seedGraphTenant(database, workspace.id, keyRing, {
        name: "Wrong secret",
        entraTenantId: OTHER,
        clientId: CLIENT,
        credential: { kind: "client_secret", clientSecret: wrongSecret },
        authorityHost: sim.authorityHost,
        graphBaseUrl: sim.baseUrl,
        caCertificatePem: sim.caCertPem,
      });
      const profile = await seedProfile(database, workspace.id, wrong);
      const capture = await startBaselineCapture(
        { db: database.db, runs, maxAttempts: 1 },
        { workspaceId: workspace.id, profile: profile.id, initiator: { userId } },
      );
      await runJobs(database, runs, graphDeps(), { logLines });
      const failed = await readRunRow(database, capture.run.id);
      expect(failed.outcome).toBe("failed");
      // Entra refusing the app registration ends the run at once with what to fix, not "unreadable".
      expect((failed.failure as { code?: string }).code).toBe("graph_sign_in_failed");
      // No retries: at most one sign-in attempt per collection read in parallel (was one per retry per kind).
      const signIns = sim.requestLog().filter((entry) => entry.tenantId === OTHER && entry.path.includes("/oauth2/"));
      expect(signIns.length).toBeGreaterThan(0);
      expect(signIns.length).toBeLessThanOrEqual(Object.keys(GRAPH_COLLECTION_ENDPOINTS).length);
      expect(JSON.stringify(failed.failure)).not.toContain(wrongSecret);

      expect(logLines.length).toBeGreaterThan(0);
      for (const secret of [SECRET, wrongSecret]) {
        expect(await findTablesContaining(database, secret)).toEqual([]);
        expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
      }
    },
  );

  describe("a connection no request can get past ends the compare at once with what to fix", () => {
    /** Capture a working tenant, then compare `target` (a broken connection) with 3 attempts allowed. */
    async function compareBroken(
      database: Database,
      connection: { authorityHost?: string; graphBaseUrl?: string; caCertificatePem?: string },
    ) {
      const { runs } = createTestRunService(database);
      const { workspace, userId } = await seedWorkspace(database);
      const source = await graphTenant(database, workspace.id, SOURCE, "Working source");
      const { tenant: target } = await seedGraphTenant(database, workspace.id, keyRing, {
        name: "Broken connection",
        entraTenantId: OTHER,
        clientId: CLIENT,
        credential: { kind: "client_secret", clientSecret: SECRET },
        authorityHost: sim.authorityHost,
        graphBaseUrl: sim.baseUrl,
        caCertificatePem: sim.caCertPem,
        ...connection,
      });
      const { compareRunId } = await captureThenQueueCompare(database, runs, graphDeps(), {
        workspaceId: workspace.id,
        userId,
        source,
        target,
      });
      sim.resetStats();
      await runJobs(database, runs, graphDeps());
      const row = await readRunRow(database, compareRunId);
      const failure = row.failure as { code?: string; message?: string; diagnostics?: string };
      return { row, failure, requests: sim.requestLog().filter((entry) => entry.tenantId === OTHER) };
    }

    dbTest("without the CA certificate: graph_tls_untrusted, on the first attempt", async ({ database }) => {
      const { row, failure, requests } = await compareBroken(database, { caCertificatePem: "" });
      expect(row.outcome).toBe("failed");
      expect(failure.code).toBe("graph_tls_untrusted");
      expect(failure.message).toBe(
        "Microsoft Entra ID or Microsoft Graph presented a TLS certificate this server does not trust. Add its CA certificate on the tenant's Microsoft Graph page.",
      );
      expect(row.attempt).toBe(1); // not retried: the certificate will not become trusted
      expect(requests).toEqual([]); // no TLS handshake succeeded, so no token request was answered
      expect(failure.diagnostics).toMatch(/tls_untrusted/);
    });

    dbTest("a sign-in endpoint on a closed port: graph_sign_in_unreachable", async ({ database }) => {
      const { row, failure } = await compareBroken(database, { authorityHost: "https://127.0.0.1:9" });
      expect(row.outcome).toBe("failed");
      expect(failure.code).toBe("graph_sign_in_unreachable");
      expect(failure.message).toBe(
        "Microsoft Entra ID (the sign-in endpoint) could not be reached from this server. Test the connection on the tenant's Microsoft Graph page.",
      );
      expect(row.attempt).toBe(1);
      expect(failure.diagnostics).toMatch(/identity_unreachable/);
    });

    dbTest("a Graph host whose certificate the CA does not cover: graph_tls_untrusted", async ({ database }) => {
      // A second simulator has its own self-signed certificate: sign-in works, every Graph request fails TLS.
      const otherGraph = await startGraphSimulator({
        tenants: [
          {
            tenantId: OTHER,
            apps: [{ clientId: CLIENT, clientSecret: SECRET, permissions: PERMISSIONS }],
            policies: { objects: [] },
          },
        ],
      });
      try {
        const { row, failure, requests } = await compareBroken(database, { graphBaseUrl: otherGraph.baseUrl });
        expect(failure.code).toBe("graph_tls_untrusted");
        expect(row.attempt).toBe(1);
        // Signed in once (parallel requests share it), and the untrusted Graph host is not retried.
        expect(requests.filter((entry) => entry.path.includes("/oauth2/")).length).toBeLessThanOrEqual(2);
        expect(otherGraph.requestLog()).toEqual([]);
      } finally {
        await otherGraph.close();
      }
    });
  });
});
