/**
 * `tenantpilot serve`: the web app (and, with --with-worker, a worker in the same process) until
 * Ctrl+C. The first start creates an administrator and prints its password once.
 * @module
 */
import { serve } from "@hono/node-server";
import { ensureFirstAdmin } from "../../access/authentication.js";
import { ensureWorkspace } from "../../access/workspaces.js";
import { RunChangeListener } from "../../operations/run-events.js";
import { createApp } from "../../web/app.js";
import { type CliContext, DEFAULT_WORKSPACE } from "../cli-context.js";
import { EXIT_OK } from "../exit-codes.js";
import { untilShutdown } from "../shutdown.js";
import { startLocalWorker } from "./operations-commands.js";

/** Serve until a termination signal. */
export async function serveCommand(ctx: CliContext, options: { withWorker?: boolean }): Promise<number> {
  const { config, database } = ctx.runtime;
  const admin = await ensureFirstAdmin(database.db, async (userId) => {
    await ensureWorkspace(database.db, { ...DEFAULT_WORKSPACE, memberUserId: userId, role: "owner" });
  });
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
  });
  const server = serve({ fetch: app.fetch, hostname: config.webHost, port: config.webPort });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const worker = options.withWorker ? await startLocalWorker(ctx, { dedicated: true }) : undefined;
  ctx.say(`TenantPilot is running at http://${config.webHost}:${config.webPort}/${worker ? " (with a worker)" : ""}`);
  if (admin) {
    ctx.say(`First start: sign in as ${admin.email} with password ${admin.password}`);
    ctx.say("(This password is shown only now.)");
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
