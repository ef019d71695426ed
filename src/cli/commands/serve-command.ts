/**
 * `tenantpilot serve`: the web app (and, with --with-worker, a worker in the same process) until
 * Ctrl+C. The first start creates an administrator and prints its password once.
 * @module
 */
import path from "node:path";
import { serve } from "@hono/node-server";
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from "../../access/authentication.js";
import { ensureWorkspace } from "../../access/workspaces.js";
import { findLatestSnapshot } from "../../baselines/baseline-profiles.js";
import { startBaselineCapture } from "../../baselines/baseline-runs.js";
import { loadConfig } from "../../config/config.js";
import { RunChangeListener } from "../../operations/run-events.js";
import { createApp } from "../../web/app.js";
import { type CliContext, DEFAULT_WORKSPACE } from "../cli-context.js";
import { type DemoData, seedDemoData } from "../demo-data.js";
import {
  addDemoGraphTenant,
  type DemoGraph,
  type DemoGraphUnavailable,
  describeDemoGraph,
  isDemoGraphUnavailable,
  type ShellSettings,
  startDemoGraph,
  trustRenewedDemoGraphCertificate,
} from "../demo-graph.js";
import { EXIT_OK } from "../exit-codes.js";
import { untilShutdown } from "../shutdown.js";
import { startLocalWorker } from "./operations-commands.js";

/** Serve until a termination signal. */
export async function serveCommand(
  ctx: CliContext,
  options: { withWorker?: boolean; demoData?: boolean },
): Promise<number> {
  const { config, database } = ctx.runtime;
  const admin = await ensureFirstAdmin(database.db, async (userId) => {
    await ensureWorkspace(database.db, { ...DEFAULT_WORKSPACE, memberUserId: userId, role: "owner" });
  });
  const demo = options.demoData ? await seedDemoData(ctx) : undefined;
  // The demo's Graph tenant, served by a local Graph simulator for as long as this process runs.
  const demoGraph: DemoGraph | DemoGraphUnavailable | undefined = demo
    ? await startDemoGraph({ dataDir: config.dataDir, port: config.demoGraphPort, demoTenants: demo.tenants })
    : undefined;
  try {
    return await serveWith(ctx, options, { admin, demo, demoGraph });
  } finally {
    if (demoGraph !== undefined && !isDemoGraphUnavailable(demoGraph)) await demoGraph.close();
  }
}

async function serveWith(
  ctx: CliContext,
  options: { withWorker?: boolean },
  started: {
    admin: Awaited<ReturnType<typeof ensureFirstAdmin>>;
    demo: DemoData | undefined;
    demoGraph: DemoGraph | DemoGraphUnavailable | undefined;
  },
): Promise<number> {
  const { admin, demo, demoGraph } = started;
  const { config, database } = ctx.runtime;
  const runningDemoGraph = demoGraph === undefined || isDemoGraphUnavailable(demoGraph) ? undefined : demoGraph;
  const demoGraphTenant = runningDemoGraph ? await addDemoGraphTenant(database.db, ctx.workspace.id) : undefined;
  // A renewed certificate (they last 30 days) would break the saved connection: it trusts the new one.
  const renewedCertificateTrusted =
    runningDemoGraph && demoGraphTenant
      ? await trustRenewedDemoGraphCertificate(database.db, ctx.runtime.keyRing, {
          workspaceId: ctx.workspace.id,
          tenantId: demoGraphTenant.tenant.id,
          connection: demoGraphTenant.connection,
          demo: runningDemoGraph,
        })
      : false;
  // One LISTEN connection per process, shared by every browser's /events stream (DESIGN.md §7).
  const runChanges = new RunChangeListener(database.connectionString, {
    onError: (error) => ctx.runtime.logger.warn({ err: error }, "run change listener: connection lost; reconnecting"),
  });
  await runChanges.start();
  const app = createApp({
    runChanges,
    db: database.db,
    runs: ctx.runtime.runs,
    logger: ctx.runtime.logger,
    now: ctx.runtime.now,
    runMaxAttempts: config.runMaxAttempts,
    staleAfterMs: config.staleAfterMs,
    secureCookies: config.secureCookies,
    keyRing: ctx.runtime.keyRing,
    chromiumPath: config.chromiumPath,
    ...(runningDemoGraph ? { demoGraph: runningDemoGraph } : {}),
  });
  const server = serve({ fetch: app.fetch, hostname: config.webHost, port: config.webPort });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const worker = options.withWorker ? await startLocalWorker(ctx, { dedicated: true }) : undefined;
  ctx.say(`TenantPilot is running at http://${config.webHost}:${config.webPort}/${worker ? " (with a worker)" : ""}`);
  if (demo) {
    ctx.say(
      `Demo data: ${demo.tenants.length} sample tenants read from export folders and the baseline profile "${demo.profile.name}".`,
    );
    if ((await findLatestSnapshot(database.db, demo.profile.id)) === undefined) {
      // So a compare can start at once: the first baseline is captured in the background.
      const { run } = await startBaselineCapture(
        { db: database.db, runs: ctx.runtime.runs, maxAttempts: config.runMaxAttempts },
        { workspaceId: ctx.workspace.id, profile: demo.profile.id, initiator: { userId: null, label: "demo" } },
      );
      ctx.say(`Capturing the demo baseline in the background (run ${run.id}).`);
    }
  }
  if (demoGraph !== undefined && isDemoGraphUnavailable(demoGraph)) ctx.say(demoGraph.unavailable);
  if (runningDemoGraph) {
    for (const line of describeDemoGraph(runningDemoGraph, demoGraphTenant?.connection, shellSettings(ctx)))
      ctx.say(line);
    if (renewedCertificateTrusted)
      ctx.say(
        `  Its certificate was renewed; the connection of "${runningDemoGraph.tenantName}" now trusts the new one.`,
      );
  }
  if (admin) {
    ctx.say(`First start: sign in as ${admin.email} with password ${admin.password}`);
    ctx.say("(This password is shown only now; `npx tenantpilot admin reset-password` makes a new one.)");
  } else {
    ctx.say(`Sign in as ${FIRST_ADMIN_EMAIL} (lost the password? npx tenantpilot admin reset-password).`);
  }
  ctx.say("Press Ctrl+C to stop.");
  await untilShutdown();
  await worker?.stop("graceful");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Live /events streams never end by themselves; without this, close() would wait for every browser.
  if ("closeAllConnections" in server) server.closeAllConnections();
  await closed;
  await runChanges.stop();
  return EXIT_OK;
}

/** What another shell must set to reach this process's embedded database (only what differs from the defaults). */
function shellSettings(ctx: CliContext): ShellSettings {
  const { config } = ctx.runtime;
  if (config.databaseUrl !== undefined) return {};
  const defaults = loadConfig({});
  return {
    ...(config.dataDir === path.resolve(defaults.dataDir) ? {} : { dataDir: config.dataDir }),
    ...(config.embeddedPgPort === defaults.embeddedPgPort ? {} : { pgPort: config.embeddedPgPort }),
  };
}
