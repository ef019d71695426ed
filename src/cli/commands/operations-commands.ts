/**
 * CLI commands that act on the database: tenants, baselines, runs, findings.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { createBaselineProfile, listBaselineProfiles, listSnapshots } from "../../baselines/baseline-profiles.js";
import { startBaselineCapture, startBaselineCompare } from "../../baselines/baseline-runs.js";
import { listFindings } from "../../baselines/drift-findings.js";
import { createGraphEvidenceDeps } from "../../inventory/evidence-source.js";
import { listExportFiles } from "../../inventory/export-folder-source.js";
import { addTenant, getTenantByName, listTenants, type Tenant } from "../../inventory/tenants.js";
import { startWorker, type WorkerHandle } from "../../jobs/worker.js";
import { describeFailure } from "../../operations/run-failure.js";
import {
  describeQueuedToast,
  describeRunResult,
  describeSummaryCounts,
  describeTerminalNotification,
  describeTimelineEvent,
} from "../../operations/run-presenter.js";
import { findRun, getRun, listRunEvents, listRuns } from "../../operations/run-queries.js";
import type { OperationRun } from "../../operations/run-record.js";
import { OperatorError } from "../../shared/operator-error.js";
import type { CliContext } from "../cli-context.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { describeRunSubject, type RunNames, renderFindingLine, renderRunLine } from "../render.js";
import { shutdownSignal } from "../shutdown.js";
import { watchRuns } from "../watch.js";

/** `tenants add`: register a tenant read from an export folder. */
export async function tenantsAdd(ctx: CliContext, options: { name: string; exportDir: string }): Promise<number> {
  const dir = path.resolve(options.exportDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new OperatorError("export_folder_missing", `export folder ${dir} does not exist or is not a folder`);
  }
  if ((await listExportFiles(dir)).length === 0) {
    throw new OperatorError("export_folder_empty", `No *.json policy exports found under ${dir}.`);
  }
  const { tenant, created } = await addTenant(ctx.runtime.database.db, {
    workspaceId: ctx.workspace.id,
    name: options.name,
    evidenceSource: { kind: "export_folder", path: dir },
  });
  if (!created && describeEvidenceSource(tenant) !== dir) {
    throw new OperatorError(
      "invalid_input",
      `A tenant named "${tenant.name}" already exists, reading ${describeEvidenceSource(tenant)}; choose another name.`,
    );
  }
  ctx.emit({ tenant, created });
  ctx.say(created ? `Tenant added: ${tenant.name} (${dir})` : `Tenant already exists: ${tenant.name}`);
  return EXIT_OK;
}

/** Where a tenant is read from, for a terminal line: the export folder, "Microsoft Graph" or "(not connected)". */
function describeEvidenceSource(tenant: Tenant): string {
  const source = tenant.evidenceSource;
  if (source === null) return "(not connected)";
  return source.kind === "export_folder" ? source.path : "Microsoft Graph";
}

/** `tenants list`. */
export async function tenantsList(ctx: CliContext): Promise<number> {
  const tenants = await listTenants(ctx.runtime.database.db, ctx.workspace.id);
  ctx.emit({ tenants });
  for (const tenant of tenants) ctx.say(`${tenant.name}\t${describeEvidenceSource(tenant)}\t${tenant.id}`);
  if (tenants.length === 0)
    ctx.say("No tenants yet. Add one with: tenantpilot tenants add --name NAME --export-dir DIR");
  return EXIT_OK;
}

/** `baselines create`. */
export async function baselinesCreate(
  ctx: CliContext,
  options: {
    name: string;
    sourceTenant: string;
    kinds?: string;
    ignoreVersionSuffix?: boolean;
    reportUnexpected?: boolean;
  },
): Promise<number> {
  const { profile, created } = await createBaselineProfile(ctx.runtime.database.db, {
    workspaceId: ctx.workspace.id,
    name: options.name,
    sourceTenant: options.sourceTenant,
    policyKinds: options.kinds === undefined ? [] : options.kinds.split(","),
    ignoreVersionSuffix: options.ignoreVersionSuffix === true,
    reportUnexpected: options.reportUnexpected === true,
  });
  ctx.emit({ profile, created });
  ctx.say(created ? `Baseline profile created: ${profile.name}` : `Baseline profile already exists: ${profile.name}`);
  return EXIT_OK;
}

/** `baselines list`. */
export async function baselinesList(ctx: CliContext): Promise<number> {
  const db = ctx.runtime.database.db;
  const profiles = await listBaselineProfiles(db, ctx.workspace.id);
  const rows = [];
  for (const profile of profiles) {
    const snapshots = await listSnapshots(db, profile.id);
    rows.push({ profile, snapshots });
    const latest = snapshots[0];
    ctx.say(
      `${profile.name}\t${latest ? `${latest.policyCount} policies captured ${latest.capturedAt.toISOString()}` : "no snapshot yet"}\t${profile.id}`,
    );
  }
  ctx.emit({ profiles: rows });
  return EXIT_OK;
}

/** Options shared by commands that start a run. */
export interface StartOptions {
  /** Only queue the run and print its id. */
  detach?: boolean;
  /** Do not run a worker in this process (dedicated workers exist). */
  worker?: boolean;
}

/** `baselines capture`. */
export async function baselinesCapture(ctx: CliContext, options: StartOptions & { profile: string }): Promise<number> {
  const started = await startBaselineCapture(startDeps(ctx), {
    workspaceId: ctx.workspace.id,
    profile: options.profile,
    initiator: { userId: ctx.userId, label: "cli" },
  });
  return followRun(ctx, started, options);
}

/** `baselines compare`. */
export async function baselinesCompare(
  ctx: CliContext,
  options: StartOptions & { profile: string; tenant: string },
): Promise<number> {
  const started = await startBaselineCompare(startDeps(ctx), {
    workspaceId: ctx.workspace.id,
    profile: options.profile,
    tenant: options.tenant,
    initiator: { userId: ctx.userId, label: "cli" },
  });
  return followRun(ctx, started, options);
}

function startDeps(ctx: CliContext) {
  return { db: ctx.runtime.database.db, runs: ctx.runtime.runs, maxAttempts: ctx.runtime.config.runMaxAttempts };
}

/** How long a run watched with --no-worker may stay queued before the CLI suggests starting a worker, ms. */
const NO_WORKER_HINT_AFTER_MS = 5_000;

/** Print the queued toast, then (unless detached) watch the run to its end with an in-process worker. */
async function followRun(
  ctx: CliContext,
  started: { run: OperationRun; created: boolean },
  options: StartOptions,
): Promise<number> {
  sayQueued(ctx, started);
  if (options.detach) {
    ctx.emit({ run: toPublicRun(started.run), created: started.created });
    return EXIT_OK;
  }
  const worker = options.worker === false ? undefined : await startLocalWorker(ctx);
  // Without a worker here, say so if nobody picks the run up, instead of showing "Queued" forever.
  const hint =
    worker === undefined
      ? setTimeout(() => {
          void findRun(ctx.runtime.database.db, ctx.workspace.id, started.run.id).then((run) => {
            if (run?.status === "queued") {
              ctx.say("Still queued: no worker has picked it up. Start one with: npx tenantpilot worker");
            }
          });
        }, NO_WORKER_HINT_AFTER_MS)
      : undefined;
  let finals: OperationRun[] = [];
  try {
    finals = await watchAndReport(ctx, [started.run.id]);
  } finally {
    clearTimeout(hint);
    if (worker) await stopLocalWorker(ctx, worker, [started.run.id]);
  }
  const final = finals[0];
  ctx.emit({ run: final ? toPublicRun(final) : null, created: started.created });
  return exitCodeForRuns(finals);
}

/** The queued toast as a CLI line: the presenter's title and where to look. */
export function sayQueued(ctx: CliContext, started: { run: OperationRun; created: boolean }): void {
  const toast = describeQueuedToast(started.run, { created: started.created });
  ctx.say(`${toast.title} · tenantpilot runs show ${started.run.id}`);
}

/** 0 when every run succeeded (fully or partially), 1 otherwise (failed, blocked, cancelled, unfinished). */
export function exitCodeForRuns(runs: readonly OperationRun[]): number {
  return runs.length > 0 && runs.every((run) => run.outcome === "succeeded" || run.outcome === "partially_succeeded")
    ? EXIT_OK
    : EXIT_FAILED;
}

/** Start a worker inside this CLI process; it drains (or is interrupted) when the command ends. */
export async function startLocalWorker(ctx: CliContext, options: { dedicated?: boolean } = {}): Promise<WorkerHandle> {
  const { config } = ctx.runtime;
  return startWorker({
    database: ctx.runtime.database,
    runs: ctx.runtime.runs,
    logger: ctx.runtime.logger,
    now: ctx.runtime.now,
    concurrency: config.workerConcurrency,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    deadAfterMs: config.deadAfterMs,
    reaperIntervalMs: config.reaperIntervalMs,
    evidenceReadDelayMs: config.evidenceReadDelayMs,
    graphEvidence: createGraphEvidenceDeps(config, ctx.runtime.keyRing),
    // A command's own worker finishes what it picked up (another user's queued run among it) rather
    // than failing it as interrupted; only Ctrl+C interrupts.
    ...(options.dedicated ? {} : { gracefulStopTimeoutMs: 24 * 60 * 60 * 1_000 }),
  });
}

/**
 * Stop a command's worker: on Ctrl+C its own runs record their interruption and runs it picked up
 * for other commands go back to the queue; otherwise let what it picked up finish.
 */
export async function stopLocalWorker(
  ctx: CliContext,
  worker: WorkerHandle,
  ownRunIds: readonly string[],
): Promise<void> {
  if (shutdownSignal.aborted) {
    await worker.stop("interrupt", ownRunIds);
    return;
  }
  const others = worker.activeRunIds().length;
  if (others > 0) {
    ctx.say(`Finishing ${others === 1 ? "1 other operation" : `${others} other operations`} this process picked up…`);
  }
  await worker.stop("graceful");
}

/** Watch runs live, then print each one's terminal notification. */
export async function watchAndReport(ctx: CliContext, runIds: string[]): Promise<OperationRun[]> {
  const names = await loadRunNames(ctx);
  const finals = await watchRuns({
    db: ctx.runtime.database.db,
    connectionString: ctx.runtime.database.connectionString,
    workspaceId: ctx.workspace.id,
    runIds,
    names,
    staleAfterMs: ctx.runtime.config.staleAfterMs,
    write: (line) => ctx.say(`  ${line}`),
    signal: shutdownSignal,
  });
  if (shutdownSignal.aborted) {
    ctx.say("Stopped. Operations this process was running record their interruption; others go on in the background.");
    return finals;
  }
  for (const run of finals) {
    const note = describeTerminalNotification(run);
    const subject = describeRunSubject(run, names);
    ctx.say(`${subject ? `${subject}: ` : ""}${joinNotification(note.title, note.body)}`);
  }
  return finals;
}

/** Names of the workspace's tenants and profiles, for run lines. */
async function loadRunNames(ctx: CliContext): Promise<RunNames> {
  const db = ctx.runtime.database.db;
  const [tenants, profiles] = await Promise.all([
    listTenants(db, ctx.workspace.id),
    listBaselineProfiles(db, ctx.workspace.id),
  ]);
  return {
    tenants: new Map(tenants.map((tenant) => [tenant.id, tenant.name])),
    profiles: new Map(profiles.map((profile) => [profile.id, profile.name])),
  };
}

/** Title and body as one line, without repeating a sentence the title already says. */
export function joinNotification(title: string, body: string): string {
  const normalise = (text: string) => text.toLowerCase().replace(/[.\s]+$/, "");
  const line = title.replace(/\.+$/, "");
  if (body === "" || normalise(title).includes(normalise(body)) || body === "View the operation for details.") {
    return `${line}.`;
  }
  return `${line}. ${body}`;
}

/** `runs list`. */
export async function runsList(
  ctx: CliContext,
  options: { type?: string; status?: string; tenant?: string; limit?: string },
): Promise<number> {
  const db = ctx.runtime.database.db;
  const tenantId = options.tenant ? (await getTenantByName(db, ctx.workspace.id, options.tenant)).id : undefined;
  const runs = await listRuns(db, ctx.workspace.id, {
    ...(options.type ? { type: options.type } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(options.limit ? { limit: Number.parseInt(options.limit, 10) } : {}),
  });
  const names = await loadRunNames(ctx);
  const now = ctx.runtime.now();
  ctx.emit({ runs: runs.map((run) => toPublicRun(run)) });
  for (const run of runs) {
    ctx.say(
      `${run.id}  ${run.createdAt.toISOString()}  ${renderRunLine(run, describeRunSubject(run, names), now, ctx.runtime.config.staleAfterMs)}`,
    );
  }
  if (runs.length === 0) ctx.say("No operation runs.");
  return EXIT_OK;
}

/** `runs show ID`. */
export async function runsShow(ctx: CliContext, runId: string, options: { diagnostics?: boolean }): Promise<number> {
  const db = ctx.runtime.database.db;
  const run = await getRun(db, ctx.workspace.id, runId);
  const events = await listRunEvents(db, run.id);
  const names = await loadRunNames(ctx);
  ctx.emit({ run: toPublicRun(run, options), events });
  ctx.say(renderRunLine(run, describeRunSubject(run, names), ctx.runtime.now(), ctx.runtime.config.staleAfterMs));
  const attempt = run.attempt === 0 ? "not started" : `attempt ${run.attempt}`;
  ctx.say(`Run ${run.id} · ${attempt} · created ${run.createdAt.toISOString()}`);
  ctx.say("Timeline:");
  let previous = "";
  for (const event of events) {
    const label = describeTimelineEvent(run.type, event);
    const key = `${event.attempt}:${label}`; // a resumed attempt repeats phases: show them again
    if (key !== previous) ctx.say(`  ${event.at.toISOString()}  ${label}`);
    previous = key;
  }
  const counts = describeSummaryCounts(run.type, run.summaryCounts);
  if (counts) ctx.say(`Counts: ${counts}`);
  for (const line of describeRunResult(run)) ctx.say(line);
  if (run.failure) {
    ctx.say(
      `${run.outcome === "partially_succeeded" ? "Why partially" : "Reason"}: ${describeFailure(run.failure).message}`,
    );
    if (options.diagnostics) ctx.say(`Diagnostics:\n${run.failure.diagnostics}`);
    else ctx.say(`(Raw diagnostics: tenantpilot runs show ${run.id} --diagnostics)`);
  }
  return EXIT_OK;
}

/** `runs watch [ID…]`: the given runs, or every active run of the workspace. */
export async function runsWatch(ctx: CliContext, runIds: string[]): Promise<number> {
  let ids = runIds;
  if (ids.length === 0) {
    const active = await listRuns(ctx.runtime.database.db, ctx.workspace.id, { status: "running" });
    const queued = await listRuns(ctx.runtime.database.db, ctx.workspace.id, { status: "queued" });
    ids = [...active, ...queued].map((run) => run.id);
    if (ids.length === 0) {
      ctx.say("No active operation runs.");
      ctx.emit({ runs: [] });
      return EXIT_OK;
    }
  } else {
    for (const id of ids) await getRun(ctx.runtime.database.db, ctx.workspace.id, id);
  }
  const finals = await watchAndReport(ctx, ids);
  ctx.emit({ runs: finals.map((run) => toPublicRun(run)) });
  return exitCodeForRuns(finals);
}

/** `runs cancel ID`. */
export async function runsCancel(ctx: CliContext, runId: string): Promise<number> {
  const run = await getRun(ctx.runtime.database.db, ctx.workspace.id, runId);
  const result = await ctx.runtime.runs.requestCancel(run.id);
  ctx.emit({ runId: run.id, result });
  ctx.say(
    result === "cancelled"
      ? "Cancelled."
      : result === "requested"
        ? "Cancellation requested; the operation stops at its next checkpoint."
        : "The operation has already finished.",
  );
  return EXIT_OK;
}

/** `findings list`. */
export async function findingsList(
  ctx: CliContext,
  options: { tenant?: string; profile?: string; status?: string; kind?: string; policy?: string; path?: string },
): Promise<number> {
  const db = ctx.runtime.database.db;
  const tenantId = options.tenant ? (await getTenantByName(db, ctx.workspace.id, options.tenant)).id : undefined;
  const profiles = await listBaselineProfiles(db, ctx.workspace.id);
  const profile = options.profile
    ? profiles.find((p) => p.name.toLowerCase() === options.profile?.toLowerCase() || p.id === options.profile)
    : undefined;
  if (options.profile && !profile)
    throw new OperatorError("not_found", `No baseline profile named "${options.profile}" in this workspace.`);
  const findings = await listFindings(db, ctx.workspace.id, {
    ...(tenantId ? { tenantId } : {}),
    ...(profile ? { profileId: profile.id } : {}),
    status: options.status ?? "active",
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.path ? { path: options.path } : {}),
  });
  ctx.emit({ findings });
  for (const finding of findings) ctx.say(renderFindingLine(finding));
  if (findings.length === 0) ctx.say("No drift findings match.");
  return EXIT_OK;
}

/**
 * A run as `--json` shows it: `failure.diagnostics` (raw errors, stacks, paths) is left out unless
 * asked for with --diagnostics (DESIGN.md §2: diagnostics are for the detail view only).
 */
export function toPublicRun(run: OperationRun, options: { diagnostics?: boolean } = {}): unknown {
  if (options.diagnostics || run.failure === null) return run;
  const { diagnostics: _hidden, ...failure } = run.failure;
  return { ...run, failure };
}
