/**
 * The demo's Graph tenant as a new user meets it: `serve --demo-data` seeds the demo and starts the
 * demo Graph simulator; the user connects "Northwind Traders (Graph)" with exactly the values the
 * printed command holds (or the web page's "Fill in the demo values"), tests it, and captures and
 * compares it through real graphile-worker jobs like the export-folder demo tenants — the same
 * findings as Northwind's export folder. A restart keeps the certificate, so the saved connection
 * still works; a busy port is reported, not fatal.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { runOnce } from "graphile-worker";
import pino from "pino";
import { afterEach, describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestKeyRing, createTestRunService, seedWorkspace } from "../../test/factories.js";
import { ORIGIN, signInAs } from "../../test/web-fixture.js";
import { startBaselineCapture, startBaselineCompare } from "../baselines/baseline-runs.js";
import { loadConfig } from "../config/config.js";
import type { Database } from "../db/database.js";
import { quietGraphileLogger } from "../db/migrate.js";
import { testGraphConnection } from "../graph/graph-connection-test.js";
import { connectTenantToGraph } from "../graph/graph-connections.js";
import { createGraphEvidenceDeps } from "../inventory/evidence-source.js";
import { getTenantByName } from "../inventory/tenants.js";
import { createTaskList } from "../jobs/task-list.js";
import { getRun } from "../operations/run-queries.js";
import type { RunService } from "../operations/run-service.js";
import { createApp } from "../web/app.js";
import { DEMO_PROFILE_NAME, seedDemoDataInto } from "./demo-data.js";
import {
  addDemoGraphTenant,
  connectDemoGraphTenant,
  DEMO_GRAPH_SECRET_ENV,
  DEMO_GRAPH_TENANT_NAME,
  type DemoGraph,
  type DemoGraphUnavailable,
  describeDemoGraph,
  isDemoGraphUnavailable,
  loadDemoGraphTls,
  startDemoGraph,
  trustRenewedDemoGraphCertificate,
} from "./demo-graph.js";

const keyRing = createTestKeyRing();
const open: DemoGraph[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const demo of open.splice(0)) await demo.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-demo-graph-"));
  dirs.push(dir);
  return dir;
}

/** A port below the ephemeral range that is free now (the demo's port is fixed, not 0, in these tests). */
async function freeFixedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 26_000 + Math.floor(Math.random() * 6_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port found");
}

function running(demo: DemoGraph | DemoGraphUnavailable): DemoGraph {
  if (isDemoGraphUnavailable(demo)) throw new Error(demo.unavailable);
  open.push(demo);
  return demo;
}

/** What `serve --demo-data` does before it listens: seed, start the simulator, add the Graph tenant. */
async function startLikeServe(database: Database, options: { dataDir: string; port: number; workspaceId: string }) {
  const seeded = await seedDemoDataInto(database.db, options);
  const demo = running(await startDemoGraph({ ...options, demoTenants: seeded.tenants }));
  const { tenant, connection } = await addDemoGraphTenant(database.db, options.workspaceId);
  return { seeded, demo, tenant, lines: describeDemoGraph(demo, connection) };
}

/** The values of the printed `tenants connect` command, read back from the printed line as a user copies it. */
function parsePrintedCommand(lines: string[]) {
  const command = lines.find((line) => line.includes("tenants connect"));
  if (command === undefined) throw new Error(`no connect command in:\n${lines.join("\n")}`);
  const option = (name: string) => {
    const value = new RegExp(`--${name} ('[^']*'|\\S+)`).exec(command)?.[1];
    if (value === undefined) throw new Error(`--${name} missing in ${command}`);
    return value.replace(/^'(.*)'$/, "$1");
  };
  const secret = new RegExp(`${DEMO_GRAPH_SECRET_ENV}=(\\S+)`).exec(command)?.[1];
  return {
    command,
    tenant: /tenants connect ('[^']*'|\S+)/.exec(command)?.[1]?.replace(/^'(.*)'$/, "$1"),
    secretEnv: option("client-secret-env"),
    secret,
    entraTenantId: option("entra-tenant-id"),
    clientId: option("client-id"),
    authorityHost: option("authority-host"),
    graphBaseUrl: option("graph-base-url"),
    caFile: option("ca-file"),
  };
}

/** Run every due job through graphile-worker with the app's task list and the process's Graph deps. */
async function runJobs(database: Database, runs: RunService): Promise<void> {
  const taskList = createTaskList({
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    heartbeatIntervalMs: 200,
    graphEvidence: createGraphEvidenceDeps(loadConfig({}), keyRing),
  });
  await runOnce({
    pgPool: database.pool,
    taskList,
    logger: quietGraphileLogger(),
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}

describe("the demo's Graph tenant", () => {
  dbTest(
    "a new user connects it with the printed values, tests it, and capture and compare find Northwind's drift",
    async ({ database }) => {
      const { workspace } = await seedWorkspace(database);
      const dir = await dataDir();
      const { seeded, demo, tenant, lines } = await startLikeServe(database, {
        dataDir: dir,
        port: 0,
        workspaceId: workspace.id,
      });
      expect(tenant.name).toBe(DEMO_GRAPH_TENANT_NAME);
      expect(tenant.evidenceSource).toEqual({ kind: "graph" });
      expect(lines[0]).toBe(
        `Demo Graph simulator at ${demo.graphBaseUrl}: serves "Northwind Traders (Graph)" (the policies of Northwind Traders) to a demo app registration.`,
      );
      const printed = parsePrintedCommand(lines);
      expect(printed.tenant).toBe(DEMO_GRAPH_TENANT_NAME);
      expect(printed.command).toMatch(/ --graph .* --test$/);
      expect(printed.authorityHost).toBe(demo.authorityHost);
      expect((await stat(path.join(dir, "demo-graph", "key.pem"))).mode & 0o777).toBe(0o600);

      // What `tenants connect … --graph` does with those values (the CLI's own test covers its parsing).
      const db = database.db;
      await connectTenantToGraph(db, keyRing, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        entraTenantId: printed.entraTenantId,
        clientId: printed.clientId,
        credential: { kind: "client_secret", clientSecret: printed.secret ?? "" },
        authorityHost: printed.authorityHost,
        graphBaseUrl: printed.graphBaseUrl,
        caCertificatePem: await readFile(printed.caFile, "utf8"),
      });
      const logger = pino({ level: "silent" });
      const tested = await testGraphConnection({ db, keyRing, logger, now: () => new Date() }, tenant.id);
      expect(tested).toMatchObject({ ok: true, result: "ok" });
      const again = await addDemoGraphTenant(db, workspace.id); // a restart keeps the connection
      expect(describeDemoGraph(demo, again.connection)[1]).toContain('"Northwind Traders (Graph)" is connected to it');

      const { runs } = createTestRunService(database);
      const deps = { db, runs, maxAttempts: 3 };
      const initiator = { userId: null, label: "demo" };
      const capture = await startBaselineCapture(deps, {
        workspaceId: workspace.id,
        profile: DEMO_PROFILE_NAME,
        initiator,
      });
      await runJobs(database, runs);
      expect((await getRun(db, workspace.id, capture.run.id)).outcome).toBe("succeeded");
      const compares = [];
      for (const name of [DEMO_GRAPH_TENANT_NAME, "Northwind Traders"]) {
        const { run } = await startBaselineCompare(deps, {
          workspaceId: workspace.id,
          profile: DEMO_PROFILE_NAME,
          tenant: name,
          initiator,
        });
        compares.push(run.id);
      }
      await runJobs(database, runs);
      const [viaGraph, viaFolder] = await Promise.all(compares.map((id) => getRun(db, workspace.id, id)));
      if (viaGraph === undefined || viaFolder === undefined) throw new Error("compares missing");
      const northwind = seeded.tenants.find((candidate) => candidate.name === "northwind");
      expect(viaGraph.outcome).toBe("succeeded");
      expect(viaGraph.context.result).toMatchObject({
        byKind: {
          setting_changed: northwind?.expected.changedSettings,
          missing_policy: northwind?.expected.removedPolicies,
        },
      });
      expect((viaGraph.context.result as { byKind: unknown }).byKind).toEqual(
        (viaFolder.context.result as { byKind: unknown }).byKind,
      );
      expect(demo.simulator.stats().byTenant[printed.entraTenantId]?.requests).toBeGreaterThan(0);
      expect((await getTenantByName(db, workspace.id, DEMO_GRAPH_TENANT_NAME)).evidenceSource).toEqual({
        kind: "graph",
      });
    },
  );

  dbTest(
    "a restart keeps the certificate and port, so the saved connection still tests ok; a busy port is said",
    async ({ database }) => {
      const { workspace } = await seedWorkspace(database);
      const dir = await dataDir();
      const port = await freeFixedPort();
      const first = await startLikeServe(database, { dataDir: dir, port, workspaceId: workspace.id });
      const printed = parsePrintedCommand(first.lines);
      expect(printed.graphBaseUrl).toBe(`https://127.0.0.1:${port}`);
      await connectTenantToGraph(database.db, keyRing, {
        workspaceId: workspace.id,
        tenantId: first.tenant.id,
        entraTenantId: printed.entraTenantId,
        clientId: printed.clientId,
        credential: { kind: "client_secret", clientSecret: printed.secret ?? "" },
        authorityHost: printed.authorityHost,
        graphBaseUrl: printed.graphBaseUrl,
        caCertificatePem: await readFile(printed.caFile, "utf8"),
      });

      const busy = await startDemoGraph({ dataDir: dir, port, demoTenants: first.seeded.tenants });
      expect(busy).toEqual({
        unavailable: `The demo Graph simulator cannot listen on 127.0.0.1:${port} (the port is in use, perhaps by another TenantPilot); set TENANTPILOT_DEMO_GRAPH_PORT to a free port below 32768. Carrying on without the Graph demo.`,
      });

      await first.demo.close();
      open.splice(0);
      const second = await startLikeServe(database, { dataDir: dir, port, workspaceId: workspace.id });
      expect(second.demo.certificateRenewed).toBe(false);
      expect(second.demo.caCertificatePem).toBe(first.demo.caCertificatePem);
      expect(second.lines).toHaveLength(2); // connected: no connect instructions
      const logger = pino({ level: "silent" });
      const tested = await testGraphConnection(
        { db: database.db, keyRing, logger, now: () => new Date() },
        second.tenant.id,
      );
      expect(tested).toMatchObject({ ok: true, result: "ok" });
    },
  );

  dbTest(
    "a certificate close to expiry is renewed at start and the saved connection trusts the new one",
    async ({ database }) => {
      const { workspace } = await seedWorkspace(database);
      const dir = await dataDir();
      const port = await freeFixedPort();
      const seeded = await seedDemoDataInto(database.db, { dataDir: dir, workspaceId: workspace.id });
      // A start 29 days ago made the certificate (30-day validity): it expires tomorrow.
      const monthAgo = new Date(Date.now() - 29 * 24 * 60 * 60 * 1000);
      const old = running(
        await startDemoGraph({ dataDir: dir, port, demoTenants: seeded.tenants, now: () => monthAgo }),
      );
      const { tenant } = await addDemoGraphTenant(database.db, workspace.id);
      await connectDemoGraphTenant(database.db, keyRing, { workspaceId: workspace.id, tenantId: tenant.id, demo: old });
      await old.close();
      open.splice(0);

      const renewed = running(await startDemoGraph({ dataDir: dir, port, demoTenants: seeded.tenants }));
      expect(renewed.certificateRenewed).toBe(true);
      expect(renewed.caCertificatePem).not.toBe(old.caCertificatePem);
      expect(await readFile(renewed.caFile, "utf8")).toBe(renewed.caCertificatePem);
      const logger = pino({ level: "silent" });
      const test = () => testGraphConnection({ db: database.db, keyRing, logger, now: () => new Date() }, tenant.id);
      expect((await test()).ok).toBe(false); // still pinned to the old certificate
      const { connection } = await addDemoGraphTenant(database.db, workspace.id);
      expect(
        await trustRenewedDemoGraphCertificate(database.db, keyRing, {
          workspaceId: workspace.id,
          tenantId: tenant.id,
          connection,
          demo: renewed,
        }),
      ).toBe(true);
      expect(await test()).toMatchObject({ ok: true, result: "ok" });
      // The next start keeps it.
      expect((await loadDemoGraphTls(path.join(dir, "demo-graph"), new Date())).renewed).toBe(false);
    },
  );

  dbTest(
    "the web page of the Graph tenant shows the demo values and fills the form; saving it connects and tests ok",
    async ({ database }) => {
      const workspaceSlug = { name: "Demo MSP", slug: "demo-graph" };
      const dir = await dataDir();
      const { runs } = createTestRunService(database);
      const appFor = (demoGraph?: DemoGraph) =>
        createApp({
          db: database.db,
          runs,
          logger: pino({ level: "silent" }),
          now: () => new Date(),
          runMaxAttempts: 3,
          staleAfterMs: 300_000,
          keyRing,
          ...(demoGraph ? { demoGraph } : {}),
        });
      const plain = appFor();
      const manager = await signInAs(database, plain, workspaceSlug, "manager");
      const workspaceId = String(
        (await database.pool.query("select id from workspaces where slug = $1", [workspaceSlug.slug])).rows[0]?.id,
      );
      const { demo, tenant } = await startLikeServe(database, { dataDir: dir, port: 0, workspaceId });
      const app = appFor(demo);
      const get = (url: string) => app.request(`${ORIGIN}${url}`, { headers: { cookie: manager.cookie } });
      const page = `/w/${workspaceSlug.slug}/tenants/${tenant.id}/graph-connection`;

      const html = await (await get(page)).text();
      expect(html).toContain("Demo Graph simulator");
      expect(html).toContain(demo.clientSecret);
      expect(html).toContain(demo.caFile);
      expect(html).toContain("Fill in the demo values");
      expect(html).not.toContain("BEGIN CERTIFICATE"); // not filled until asked
      // Another tenant's page, and the same page without the simulator, show no demo box.
      const other = await getTenantByName(database.db, workspaceId, "Northwind Traders");
      expect(await (await get(`/w/${workspaceSlug.slug}/tenants/${other.id}/graph-connection`)).text()).not.toContain(
        "Demo Graph simulator",
      );
      expect(await (await manager.get(page)).text()).not.toContain("Demo Graph simulator");

      const filled = await (await get(`${page}?demo=1`)).text();
      expect(filled).toContain("The form below holds the demo values");
      expect(filled).toContain(`value="${demo.entraTenantId}"`);
      expect(filled).toContain(`value="${demo.clientId}"`);
      expect(filled).toContain(`value="${demo.clientSecret}"`);
      expect(filled).toContain(`value="${demo.authorityHost}"`);
      expect(filled).toContain("-----BEGIN CERTIFICATE-----");
      expect(filled).toMatch(/<details open/);

      // Save what the filled form holds, as the browser would send it, then test it over htmx.
      const saved = await app.request(`${ORIGIN}${page}`, {
        method: "POST",
        body: new URLSearchParams({
          _csrf: manager.csrf,
          entraTenantId: demo.entraTenantId,
          clientId: demo.clientId,
          credentialKind: "client_secret",
          clientSecret: demo.clientSecret,
          authorityHost: demo.authorityHost,
          graphBaseUrl: demo.graphBaseUrl,
          caCertificatePem: demo.caCertificatePem,
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: manager.cookie },
      });
      expect(saved.status).toBe(303);
      const test = await app.request(`${ORIGIN}${page}/test`, {
        method: "POST",
        headers: { cookie: manager.cookie, origin: ORIGIN, "x-csrf-token": manager.csrf, "hx-request": "true" },
      });
      expect(await test.text()).toContain(
        "Connected: the app registration signed in and read Intune device configurations.",
      );
    },
  );

  dbTest(
    "npm run demo connects the Graph tenant itself and compares it: Northwind's planted drift, read through Graph",
    async () => {
      const dir = await dataDir();
      const [pgPort, graphPort] = [await freeFixedPort(), await freeFixedPort()];
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["bin/tenantpilot.js", "demo", "--json"], {
          cwd: path.resolve(import.meta.dirname, "../.."),
          env: {
            ...inherited,
            LOG_LEVEL: "silent",
            TENANTPILOT_DATA_DIR: dir,
            TENANTPILOT_PG_PORT: String(pgPort),
            TENANTPILOT_DEMO_GRAPH_PORT: String(graphPort),
            EVIDENCE_READ_DELAY_MS: "0",
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("error", reject);
        child.once("exit", (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as { compares: unknown[]; graph: unknown };
      expect(summary.compares).toHaveLength(4);
      expect(summary.graph).toEqual({
        tenant: DEMO_GRAPH_TENANT_NAME,
        outcome: "succeeded",
        found: { missing_policy: 1, setting_changed: 3 },
        expected: { missing_policy: 1, setting_changed: 3 },
        matches: true,
      });
    },
  );
});
