import { loadConfig } from "../../config/config.js";
import { describeFailure } from "../../operations/run-failure.js";
import {
  describeQueuedToast,
  describeRunResult,
  describeSummaryCounts,
  describeTerminalNotification,
} from "../../operations/run-presenter.js";
import type { OperationRun, RunContext } from "../../operations/run-record.js";
import { OperatorError } from "../../shared/operator-error.js";
import { ApiClient, type ApiRun, type ApiStartResponse, type ApiWorkspace } from "../api-client.js";
import type { GlobalOptions } from "../cli-context.js";
import { CliError } from "../cli-error.js";
import { EXIT_BAD_INPUT, EXIT_OK } from "../exit-codes.js";
import { describeRunSubject, type RunNames, renderFindingLine, renderRunLine } from "../render.js";
import { shutdownSignal } from "../shutdown.js";
import { exitCodeForRuns, joinNotification, type StartOptions } from "./operations-commands.js";

/** Global options of a command that may run against a server. */
export interface RemoteGlobalOptions extends GlobalOptions {
  server?: string;
  token?: string;
}

/** Context of one command run against a server. */
export interface RemoteContext {
  api: ApiClient;
  workspace: ApiWorkspace;
  json: boolean;
  staleAfterMs: number;
  say(line: string): void;
  emit(value: unknown): void;
}

/** The server and token from `--server`/`--token` or TENANTPILOT_SERVER/TENANTPILOT_TOKEN; undefined for local mode. */
export function resolveServer(options: RemoteGlobalOptions): { server: string; token: string | undefined } | undefined {
  const config = options.server === undefined || options.token === undefined ? loadConfig() : undefined;
  const server = options.server ?? config?.server;
  if (server === undefined) return undefined;
  return { server, token: options.token ?? config?.serverToken };
}

/** Refuse a command that needs a local database when a server is given. */
export function assertLocalCommand(options: RemoteGlobalOptions, commandName: string): void {
  if (resolveServer(options) === undefined) return;
  throw new CliError(
    "invalid_input",
    `"tenantpilot ${commandName}" needs a local database and is not available with --server (or TENANTPILOT_SERVER). Run it without --server, on the server's machine.`,
    EXIT_BAD_INPUT,
  );
}

/** Resolve the server, token and workspace, then run `body`. */
export async function withRemoteContext(
  options: RemoteGlobalOptions,
  body: (ctx: RemoteContext) => Promise<number>,
): Promise<number> {
  const target = resolveServer(options);
  if (target === undefined) throw new Error("withRemoteContext without a server");
  if (target.token === undefined || target.token.trim() === "") {
    throw new CliError(
      "invalid_input",
      "--server needs an API token: pass --token TOKEN or set TENANTPILOT_TOKEN.",
      EXIT_BAD_INPUT,
    );
  }
  const api = new ApiClient(target.server, target.token.trim());
  const workspace = chooseWorkspace(await api.listWorkspaces(), options.workspace);
  const json = options.json === true;
  return body({
    api,
    workspace,
    json,
    staleAfterMs: loadConfig().staleAfterMs,
    say: (line) => {
      if (!json) process.stdout.write(`${line}\n`);
    },
    emit: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  });
}

/** `--workspace SLUG`, else the user's only workspace, else the one named "local". */
function chooseWorkspace(workspaces: ApiWorkspace[], slug: string | undefined): ApiWorkspace {
  if (slug !== undefined) {
    const found = workspaces.find((workspace) => workspace.slug.toLowerCase() === slug.toLowerCase());
    if (!found) throw new OperatorError("not_found", `No workspace "${slug}" visible to this token's user.`);
    return found;
  }
  const only = workspaces.length === 1 ? workspaces[0] : workspaces.find((workspace) => workspace.slug === "local");
  if (only) return only;
  if (workspaces.length === 0) throw new OperatorError("not_found", "The token's user is a member of no workspace.");
  throw new CliError(
    "invalid_input",
    `The token's user is a member of ${workspaces.length} workspaces; choose one with --workspace (${workspaces
      .map((workspace) => workspace.slug)
      .join(", ")}).`,
    EXIT_BAD_INPUT,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A list item by id or by case-insensitive name, as the local commands resolve them. */
function findByNameOrId<T extends { id: string; name: string }>(items: T[], nameOrId: string): T | undefined {
  if (UUID.test(nameOrId)) return items.find((item) => item.id.toLowerCase() === nameOrId.toLowerCase());
  const name = nameOrId.trim().toLowerCase();
  return items.find((item) => item.name.toLowerCase() === name);
}

/** A tenant of the workspace by name or id. @throws {OperatorError} not_found – no such tenant */
export async function resolveTenant(ctx: RemoteContext, nameOrId: string) {
  const tenant = findByNameOrId(await ctx.api.listTenants(ctx.workspace.slug), nameOrId);
  if (!tenant) throw new OperatorError("not_found", `No tenant named "${nameOrId}" in this workspace.`);
  return tenant;
}

async function resolveProfile(ctx: RemoteContext, nameOrId: string) {
  const profile = findByNameOrId(await ctx.api.listProfiles(ctx.workspace.slug), nameOrId);
  if (!profile) throw new OperatorError("not_found", `No baseline profile named "${nameOrId}" in this workspace.`);
  return profile;
}

/** The API's run in the domain shape the presenter reads (no identity key or worker: not disclosed). */
export function fromApiRun(run: ApiRun): OperationRun {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    id: run.id,
    workspaceId: run.workspaceId,
    tenantId: run.tenantId,
    type: run.type,
    initiatorUserId: run.initiatorUserId,
    initiatorLabel: run.initiatorLabel,
    status: run.status,
    outcome: run.outcome,
    identityKey: "",
    context: run.context as RunContext,
    summaryCounts: run.summaryCounts,
    failure:
      run.failure === null
        ? null
        : { code: run.failure.code, message: run.failure.message, diagnostics: run.failure.diagnostics ?? "" },
    createdAt: new Date(run.createdAt),
    startedAt: date(run.startedAt),
    completedAt: date(run.completedAt),
    heartbeatAt: date(run.heartbeatAt),
    attempt: run.attempt,
    version: run.version,
    workerId: null,
  };
}

/** Names of the workspace's tenants and profiles, for run lines. */
async function loadRunNames(ctx: RemoteContext): Promise<RunNames> {
  const [tenants, profiles] = await Promise.all([
    ctx.api.listTenants(ctx.workspace.slug),
    ctx.api.listProfiles(ctx.workspace.slug),
  ]);
  return {
    tenants: new Map(tenants.map((tenant) => [tenant.id, tenant.name])),
    profiles: new Map(profiles.map((profile) => [profile.id, profile.name])),
  };
}

/** `tenants list`. The server does not disclose evidence paths: the source's kind is shown instead. */
export async function remoteTenantsList(ctx: RemoteContext): Promise<number> {
  const tenants = await ctx.api.listTenants(ctx.workspace.slug);
  ctx.emit({ tenants });
  for (const tenant of tenants) {
    const source = tenant.evidenceSource ? `(${tenant.evidenceSource.kind.replaceAll("_", " ")})` : "(not connected)";
    ctx.say(`${tenant.name}\t${source}\t${tenant.id}`);
  }
  if (tenants.length === 0)
    ctx.say("No tenants yet. Add one on the server with: tenantpilot tenants add --name NAME --export-dir DIR");
  return EXIT_OK;
}

/** Most pages of capture runs read to find each profile's latest snapshot. */
const MAX_CAPTURE_PAGES = 20;

/**
 * `baselines list`: the API has no snapshot listing, so each profile's latest snapshot is read from
 * its newest successful capture run (its result names the snapshot and its policy count).
 */
export async function remoteBaselinesList(ctx: RemoteContext): Promise<number> {
  const profiles = await ctx.api.listProfiles(ctx.workspace.slug);
  const latest = new Map<string, { snapshotId: string; policyCount: number; capturedAt: string; runId: string }>();
  let before: string | undefined;
  for (let page = 0; page < MAX_CAPTURE_PAGES && latest.size < profiles.length; page++) {
    const { runs, next } = await ctx.api.listRuns(ctx.workspace.slug, {
      type: "baseline_capture",
      limit: 500,
      ...(before ? { before } : {}),
    });
    for (const run of runs) {
      if (run.outcome !== "succeeded" && run.outcome !== "partially_succeeded") continue;
      const inputs = run.context.inputs as { profileId?: unknown } | undefined;
      const result = run.context.result as { snapshotId?: unknown; policyCount?: unknown } | undefined;
      if (typeof inputs?.profileId !== "string" || latest.has(inputs.profileId)) continue;
      if (typeof result?.snapshotId !== "string" || typeof result.policyCount !== "number") continue;
      latest.set(inputs.profileId, {
        snapshotId: result.snapshotId,
        policyCount: result.policyCount,
        capturedAt: run.completedAt ?? run.createdAt,
        runId: run.id,
      });
    }
    if (next === null) break;
    before = next;
  }
  const rows = profiles.map((profile) => ({ profile, latestSnapshot: latest.get(profile.id) ?? null }));
  for (const { profile, latestSnapshot } of rows) {
    ctx.say(
      `${profile.name}\t${latestSnapshot ? `${latestSnapshot.policyCount} policies captured ${new Date(latestSnapshot.capturedAt).toISOString()}` : "no snapshot yet"}\t${profile.id}`,
    );
  }
  ctx.emit({ profiles: rows });
  return EXIT_OK;
}

/** `baselines capture`. */
export async function remoteBaselinesCapture(
  ctx: RemoteContext,
  options: StartOptions & { profile: string },
): Promise<number> {
  const profile = await resolveProfile(ctx, options.profile);
  return followRun(ctx, await ctx.api.startCapture(ctx.workspace.slug, profile.id), options);
}

/** `baselines compare`. */
export async function remoteBaselinesCompare(
  ctx: RemoteContext,
  options: StartOptions & { profile: string; tenant: string },
): Promise<number> {
  const profile = await resolveProfile(ctx, options.profile);
  const tenant = await resolveTenant(ctx, options.tenant);
  return followRun(ctx, await ctx.api.startCompare(ctx.workspace.slug, profile.id, tenant.id), options);
}

/** How long a started run may stay queued before the CLI says no worker picked it up, ms. */
const NO_WORKER_HINT_AFTER_MS = 5_000;

/** Print the queued toast, then (unless detached) watch the run on the server to its end. */
async function followRun(ctx: RemoteContext, started: ApiStartResponse, options: StartOptions): Promise<number> {
  const run = fromApiRun(started.run);
  const toast = describeQueuedToast(run, { created: started.created });
  ctx.say(`${toast.title} · tenantpilot runs show ${run.id}`);
  if (options.detach) {
    ctx.emit({ run: started.run, created: started.created });
    return EXIT_OK;
  }
  const hint = setTimeout(() => {
    void ctx.api.getRun(run.id).then(
      (current) => {
        if (current.status === "queued") {
          ctx.say(
            "Still queued: no worker on the server has picked it up. Start one there with: npx tenantpilot worker",
          );
        }
      },
      () => undefined, // the watch reports an unreachable server
    );
  }, NO_WORKER_HINT_AFTER_MS);
  let finals: ApiRun[];
  try {
    finals = await watchAndReport(ctx, [run.id]);
  } finally {
    clearTimeout(hint);
  }
  ctx.emit({ run: finals[0] ?? null, created: started.created });
  return exitCodeForRuns(finals.map(fromApiRun));
}

/** Watch runs live over the server's event stream, then print each one's terminal notification. */
async function watchAndReport(ctx: RemoteContext, runIds: string[]): Promise<ApiRun[]> {
  const names = await loadRunNames(ctx);
  const finals = await watchRemoteRuns(ctx, runIds, names, (line) => ctx.say(`  ${line}`));
  if (shutdownSignal.aborted) {
    ctx.say("Stopped watching. The operations go on on the server.");
    return finals;
  }
  for (const apiRun of finals) {
    const run = fromApiRun(apiRun);
    const note = describeTerminalNotification(run);
    const subject = describeRunSubject(run, names);
    ctx.say(`${subject ? `${subject}: ` : ""}${joinNotification(note.title, note.body)}`);
  }
  return finals;
}

/** Wait before reconnecting a dropped event stream, ms. */
const RECONNECT_DELAY_MS = 1_000;
/** Re-render interval for time-based copy ("Running for 3 min", staleness), ms. */
const TICK_MS = 1_000;

/**
 * Follow runs until each has completed (or Ctrl+C): subscribe to `/events` first, then read each
 * run, and read a run again whenever the stream announces a change of it. A dropped stream is
 * reopened and every unfinished run read again, so no change is missed.
 */
export async function watchRemoteRuns(
  ctx: RemoteContext,
  runIds: string[],
  names: RunNames,
  write: (line: string) => void,
): Promise<ApiRun[]> {
  const latest = new Map<string, ApiRun>();
  const printed = new Map<string, string>();
  const pending = new Set(runIds);
  let settle: (error?: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  done.catch(() => undefined); // observed below; never an unhandled rejection

  const render = (apiRun: ApiRun) => {
    const run = fromApiRun(apiRun);
    const line = renderRunLine(run, describeRunSubject(run, names), new Date(), ctx.staleAfterMs);
    if (printed.get(run.id) !== line) {
      printed.set(run.id, line);
      write(line);
    }
  };
  const refresh = async (runId: string) => {
    const run = await ctx.api.getRun(runId);
    const previous = latest.get(runId);
    if (previous !== undefined && previous.version > run.version) return; // an older read finished later
    latest.set(runId, run);
    render(run);
    if (run.status === "completed") pending.delete(runId);
    if (pending.size === 0) settle();
  };
  const onAbort = () => settle();
  shutdownSignal.addEventListener("abort", onAbort, { once: true });
  const tick = setInterval(() => {
    for (const run of latest.values()) if (run.status !== "completed") render(run);
  }, TICK_MS);
  try {
    while (pending.size > 0 && !shutdownSignal.aborted) {
      const stream = await ctx.api.openEvents((event) => {
        if (event.event !== "run") return;
        let runId: unknown;
        try {
          runId = (JSON.parse(event.data) as { runId?: unknown }).runId;
        } catch {
          return;
        }
        if (typeof runId === "string" && pending.has(runId)) refresh(runId).catch(settle);
      });
      try {
        // Subscribed first, then read: no change between the two can be missed.
        for (const id of [...pending]) await refresh(id);
        const ended = await Promise.race([done.then(() => false), stream.ended.then(() => true)]);
        if (ended && pending.size > 0 && !shutdownSignal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
        }
      } finally {
        stream.close();
      }
    }
  } finally {
    clearInterval(tick);
    shutdownSignal.removeEventListener("abort", onAbort);
  }
  return runIds.map((id) => latest.get(id)).filter((run): run is ApiRun => run !== undefined);
}

/** `runs list`. */
export async function remoteRunsList(
  ctx: RemoteContext,
  options: { type?: string; status?: string; tenant?: string; limit?: string },
): Promise<number> {
  const tenantId = options.tenant ? (await resolveTenant(ctx, options.tenant)).id : undefined;
  const { runs } = await ctx.api.listRuns(ctx.workspace.slug, {
    ...(options.type ? { type: options.type } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(options.limit ? { limit: Number.parseInt(options.limit, 10) } : {}),
  });
  const names = await loadRunNames(ctx);
  const now = new Date();
  ctx.emit({ runs });
  for (const apiRun of runs) {
    const run = fromApiRun(apiRun);
    ctx.say(
      `${run.id}  ${run.createdAt.toISOString()}  ${renderRunLine(run, describeRunSubject(run, names), now, ctx.staleAfterMs)}`,
    );
  }
  if (runs.length === 0) ctx.say("No operation runs.");
  return EXIT_OK;
}

/** `runs show ID`. The API has no timeline: status, counts, result and reason are shown. */
export async function remoteRunsShow(
  ctx: RemoteContext,
  runId: string,
  options: { diagnostics?: boolean },
): Promise<number> {
  const apiRun = await ctx.api.getRun(runId);
  const run = fromApiRun(apiRun);
  const names = await loadRunNames(ctx);
  const shown =
    options.diagnostics || apiRun.failure === null
      ? apiRun
      : { ...apiRun, failure: { code: apiRun.failure.code, message: apiRun.failure.message } };
  ctx.emit({ run: shown });
  ctx.say(renderRunLine(run, describeRunSubject(run, names), new Date(), ctx.staleAfterMs));
  const attempt = run.attempt === 0 ? "not started" : `attempt ${run.attempt}`;
  ctx.say(`Run ${run.id} · ${attempt} · created ${run.createdAt.toISOString()}`);
  if (run.startedAt) ctx.say(`Started ${run.startedAt.toISOString()}`);
  if (run.completedAt) ctx.say(`Completed ${run.completedAt.toISOString()}`);
  const counts = describeSummaryCounts(run.type, run.summaryCounts);
  if (counts) ctx.say(`Counts: ${counts}`);
  for (const line of describeRunResult(run)) ctx.say(line);
  if (run.failure) {
    ctx.say(
      `${run.outcome === "partially_succeeded" ? "Why partially" : "Reason"}: ${describeFailure(run.failure).message}`,
    );
    if (!options.diagnostics) ctx.say(`(Raw diagnostics: tenantpilot runs show ${run.id} --diagnostics)`);
    else if (apiRun.failure?.diagnostics !== undefined) ctx.say(`Diagnostics:\n${apiRun.failure.diagnostics}`);
    else ctx.say("Raw diagnostics are not available to this user (they need operations.diagnostics).");
  }
  return EXIT_OK;
}

/** `runs watch [ID…]`: the given runs, or every active run of the workspace. */
export async function remoteRunsWatch(ctx: RemoteContext, runIds: string[]): Promise<number> {
  let ids = runIds;
  if (ids.length === 0) {
    const running = await ctx.api.listRuns(ctx.workspace.slug, { status: "running", limit: 500 });
    const queued = await ctx.api.listRuns(ctx.workspace.slug, { status: "queued", limit: 500 });
    ids = [...running.runs, ...queued.runs].map((run) => run.id);
    if (ids.length === 0) {
      ctx.say("No active operation runs.");
      ctx.emit({ runs: [] });
      return EXIT_OK;
    }
  } else {
    for (const id of ids) await ctx.api.getRun(id);
  }
  const finals = await watchAndReport(ctx, ids);
  ctx.emit({ runs: finals });
  return exitCodeForRuns(finals.map(fromApiRun));
}

/** `findings list`. */
export async function remoteFindingsList(
  ctx: RemoteContext,
  options: { tenant?: string; profile?: string; status?: string; kind?: string; policy?: string; path?: string },
): Promise<number> {
  const tenantId = options.tenant ? (await resolveTenant(ctx, options.tenant)).id : undefined;
  const profileId = options.profile ? (await resolveProfile(ctx, options.profile)).id : undefined;
  const findings = await ctx.api.listFindings(ctx.workspace.slug, {
    ...(tenantId ? { tenantId } : {}),
    ...(profileId ? { profileId } : {}),
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
