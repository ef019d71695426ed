/**
 * Bench: how fast a run update reaches 500 browsers over the real `/events` SSE stream (DESIGN.md
 * §7: run service → coalescing RunChangeNotifier → `pg_notify` → the one RunChangeListener →
 * RunEventHub → 500 streams), against the peer the issue names: 500 clients polling
 * `GET /api/v1/runs/:id` every 2 s.
 *
 * One process: embedded PostgreSQL, the real app served on 127.0.0.1 by `@hono/node-server`, and the
 * clients (plain `node:http`, STACK.md G25; SSE with `agent: false`, polling with one keep-alive
 * socket per client like a browser tab). Each client holds its own API token (Bearer), so no two
 * clients contend on one token row. The "run update" is `runs.setPhase` on a running run; a
 * client has seen update v when a frame / poll response carries version ≥ v. Times are
 * `performance.now()` of this process, from `setPhase` returning to the frame / response arriving.
 * The two modes run one after the other (never together), alternating order per round.
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { serve } from "@hono/node-server";
import pg from "pg";
import pino from "pino";
import { createApiToken, createUser } from "../src/access/authentication.js";
import { ensureWorkspace } from "../src/access/workspaces.js";
import { createDatabase, type Database, withDatabaseName } from "../src/db/database.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { addTenant } from "../src/inventory/tenants.js";
import { RunChangeListener, RunChangeNotifier } from "../src/operations/run-events.js";
import { createRunService, type RunAttempt, type RunService } from "../src/operations/run-service.js";
import { BASELINE_CAPTURE_PHASES } from "../src/operations/run-types.js";
import { createApp } from "../src/web/app.js";

/** Cluster of this bench only: fixed ports below 32768 (STACK.md G10), fast unsafe flags. */
const PG_DATA_DIR = "/tmp/tenantpilot-bench-sse-pg";
const PG_PORT = 25470;
const HTTP_PORT = 25471;
const HOST = "127.0.0.1";
const CLIENTS = 500;
const ROUNDS = 2;
/** setPhase calls per series, spaced {@link UPDATE_SPACING_MS} apart. */
const UPDATES = 25;
const UPDATE_SPACING_MS = 300;
const POLL_INTERVAL_MS = 2_000;
/** The app's default coalescing window (src/main.ts uses RunChangeNotifier's default). */
const NOTIFY_FLUSH_MS = 150;
/** Longest wait for 500 streams to say `ready`, or for the last update to reach everyone. */
const WAIT_TIMEOUT_MS = 15_000;

/** What a client saw: the versions it received and when. */
interface Observation {
  version: number;
  at: number;
}

interface Write {
  version: number;
  at: number;
}

interface SeriesResult {
  mode: "sse" | "polling";
  round: number;
  /** Per (update, client): ms from the write returning to the client holding that version. */
  delays: number[];
  /** (update, client) pairs never seen. */
  missed: number;
  /** Requests per second the clients put on the server while the updates ran. */
  requestsPerS: number;
  /** Write → LISTEN notification in this process, ms (SSE only). */
  listenerDelays: number[];
  /** Poll round trips, ms (polling only). */
  roundTrips: number[];
}

const ignore = () => undefined;

/** Run the bench: SSE delivery to 500 streams vs 500 clients polling every 2 s. */
export async function runSseDeliveryBench(): Promise<{ name: string; lines: string[] }> {
  const server = await startEmbeddedPostgres({ dataDir: PG_DATA_DIR, port: PG_PORT, unsafeFast: true });
  let database: Database | undefined;
  let listener: RunChangeListener | undefined;
  let notifier: RunChangeNotifier | undefined;
  let httpServer: http.Server | undefined;
  try {
    const connectionString = await createFreshDatabase(server.adminUrl, "bench_sse");
    database = createDatabase({ connectionString, maxConnections: 20, onError: ignore });
    await migrateDatabase(database);
    notifier = new RunChangeNotifier(database.pool, { onError: ignore });
    const now = () => new Date();
    const runs = createRunService({ db: database.db, changes: notifier, now });

    const userId = await createUser(database.db, {
      email: "bench@tenantpilot.local",
      displayName: "Bench operator",
      password: "bench-password-not-secret",
    });
    const workspace = await ensureWorkspace(database.db, {
      name: "Bench",
      slug: "bench",
      memberUserId: userId,
      role: "owner",
    });
    const { tenant } = await addTenant(database.db, {
      workspaceId: workspace.id,
      name: "Contoso",
      evidenceSource: { kind: "export_folder", path: "/tmp/tenantpilot-bench-none" },
    });
    const tokens: string[] = [];
    for (let i = 0; i < CLIENTS; i++) tokens.push((await createApiToken(database.db, userId, `bench ${i}`)).token);

    listener = new RunChangeListener(connectionString, { onError: ignore });
    await listener.start();
    const listenerSeen = new Map<number, number>(); // version → when this process's listener got it
    listener.subscribe((change) => {
      if (!listenerSeen.has(change.version)) listenerSeen.set(change.version, performance.now());
    });
    const app = createApp({
      runChanges: listener,
      db: database.db,
      runs,
      logger: pino({ level: "warn" }, pino.destination(2)),
      now,
      runMaxAttempts: 5,
      staleAfterMs: 300_000,
    });
    httpServer = serve({ fetch: app.fetch, hostname: HOST, port: HTTP_PORT }) as http.Server;
    httpServer.maxConnections = CLIENTS * 2 + 50;
    await new Promise<void>((resolve, reject) => {
      httpServer!.once("listening", () => resolve());
      httpServer!.once("error", reject);
    });
    const port = (httpServer.address() as AddressInfo).port;

    // One running run, owned by an attempt this bench plays (no worker runs).
    const { run } = await runs.startRun(
      {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        type: "baseline_capture",
        initiatorUserId: userId,
        identityKey: "bench-sse-delivery",
        inputs: { bench: true },
      },
      5,
    );
    const running = await runs.beginAttempt(run.id, { workerId: "bench", jobId: 0 });
    if (running === undefined) throw new Error("the bench run did not start");
    const updater = new Updater(runs, { runId: run.id, attempt: running.attempt }, running.version);

    const results: SeriesResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? (["sse", "polling"] as const) : (["polling", "sse"] as const);
      for (const mode of order) {
        results.push(
          mode === "sse"
            ? await measureSse(round, port, tokens, updater, listenerSeen)
            : await measurePolling(round, port, tokens, updater, run.id),
        );
      }
    }
    return { name: "sse-delivery", lines: formatTable(results) };
  } finally {
    if (httpServer) {
      const closed = new Promise<void>((resolve) => httpServer!.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
    }
    await listener?.stop();
    await notifier?.flush();
    await database?.close();
    await server.stop();
  }
}

async function createFreshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabaseName(adminUrl, name);
}

/** Plays the running attempt: every update is a real `setPhase` (one version bump each). */
class Updater {
  readonly #runs: RunService;
  readonly #owner: RunAttempt;
  #version: number;
  #count = 0;

  constructor(runs: RunService, owner: RunAttempt, version: number) {
    this.#runs = runs;
    this.#owner = owner;
    this.#version = version;
  }

  /** `count` updates spaced {@link UPDATE_SPACING_MS} apart; returns when each write returned. */
  async series(count: number): Promise<Write[]> {
    const writes: Write[] = [];
    const startedAt = performance.now();
    for (let i = 0; i < count; i++) {
      const phase = BASELINE_CAPTURE_PHASES[this.#count++ % BASELINE_CAPTURE_PHASES.length]!.key;
      await this.#runs.setPhase(this.#owner, phase);
      writes.push({ version: ++this.#version, at: performance.now() });
      const nextAt = startedAt + (i + 1) * UPDATE_SPACING_MS;
      await sleep(Math.max(0, nextAt - performance.now()));
    }
    return writes;
  }

  get version(): number {
    return this.#version;
  }
}

/** For each write and client: ms until the client held that version (first observation ≥ it). */
function delaysOf(writes: Write[], clients: Observation[][]): { delays: number[]; missed: number } {
  const delays: number[] = [];
  let missed = 0;
  for (const write of writes) {
    for (const seen of clients) {
      const first = seen.find((o) => o.version >= write.version && o.at >= write.at);
      if (first === undefined) missed++;
      else delays.push(first.at - write.at);
    }
  }
  return { delays, missed };
}

/** An open `/events` stream and what it received. */
interface SseClient {
  seen: Observation[];
  close(): void;
}

/** Open `/events` with a Bearer token; resolves at the stream's `ready` event. */
function openSseClient(port: number, token: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const seen: Observation[] = [];
    const request = http.request({
      host: HOST,
      port,
      path: "/events",
      agent: false,
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    });
    const client: SseClient = { seen, close: () => request.destroy() };
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`/events: no ready event within ${WAIT_TIMEOUT_MS} ms`));
    }, WAIT_TIMEOUT_MS);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on("response", (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        response.resume();
        reject(new Error(`/events answered ${response.statusCode}`));
        return;
      }
      response.setEncoding("utf8");
      response.on("error", ignore); // closed by us at the end of the series
      let buffer = "";
      response.on("data", (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          }
          if (event === "ready") {
            clearTimeout(timer);
            resolve(client);
          } else if (event === "run") {
            const { version } = JSON.parse(data.join("\n")) as { version: number };
            seen.push({ version, at });
          }
        }
      });
    });
    request.end();
  });
}

async function measureSse(
  round: number,
  port: number,
  tokens: string[],
  updater: Updater,
  listenerSeen: Map<number, number>,
): Promise<SeriesResult> {
  const clients = await Promise.all(tokens.map((token) => openSseClient(port, token)));
  try {
    await sleep(300); // let the connect burst settle
    const writes = await updater.series(UPDATES);
    const last = updater.version;
    const deadline = performance.now() + WAIT_TIMEOUT_MS;
    while (performance.now() < deadline && clients.some((c) => !c.seen.some((o) => o.version >= last))) {
      await sleep(20);
    }
    const { delays, missed } = delaysOf(
      writes,
      clients.map((c) => c.seen),
    );
    const listenerDelays = writes.flatMap((w) => {
      const at = listenerSeen.get(w.version);
      return at === undefined ? [] : [at - w.at];
    });
    return { mode: "sse", round, delays, missed, requestsPerS: 0, listenerDelays, roundTrips: [] };
  } finally {
    for (const client of clients) client.close();
    await sleep(200); // the server notices the closed streams
  }
}

async function measurePolling(
  round: number,
  port: number,
  tokens: string[],
  updater: Updater,
  runId: string,
): Promise<SeriesResult> {
  const path = `/api/v1/runs/${runId}`;
  const responses: { at: number }[] = [];
  const roundTrips: number[] = [];
  let stopped = false;
  const agents: http.Agent[] = [];
  const phaseStart = performance.now();
  const poller = async (index: number, token: string): Promise<Observation[]> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const seen: Observation[] = [];
    const offset = (index * POLL_INTERVAL_MS) / tokens.length; // staggered like independent browsers
    for (let tick = 0; !stopped && tick < 1_000; tick++) {
      const dueAt = phaseStart + offset + tick * POLL_INTERVAL_MS;
      await sleep(Math.max(0, dueAt - performance.now()));
      if (stopped) break;
      const sentAt = performance.now();
      const version = await getVersion(port, path, token, agent);
      const at = performance.now();
      seen.push({ version, at });
      responses.push({ at });
      roundTrips.push(at - sentAt);
    }
    return seen;
  };
  const loops = tokens.map((token, index) => poller(index, token));
  try {
    await sleep(POLL_INTERVAL_MS + 200); // every client is polling
    const writes = await updater.series(UPDATES);
    await sleep(POLL_INTERVAL_MS + 500); // every client polls once more after the last write
    stopped = true;
    const clients = await Promise.all(loops);
    const { delays, missed } = delaysOf(writes, clients);
    const from = writes[0]!.at - UPDATE_SPACING_MS;
    const to = writes.at(-1)!.at;
    const inWindow = responses.filter((r) => r.at >= from && r.at <= to).length;
    return {
      mode: "polling",
      round,
      delays,
      missed,
      requestsPerS: inWindow / ((to - from) / 1_000),
      listenerDelays: [],
      roundTrips,
    };
  } finally {
    stopped = true;
    await Promise.allSettled(loops);
    for (const agent of agents) agent.destroy();
  }
}

/** GET the run as JSON and return its version. @throws {Error} on a non-200 answer */
function getVersion(port: number, path: string, token: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: HOST, port, path, agent, headers: { authorization: `Bearer ${token}`, accept: "application/json" } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => {
          if (response.statusCode !== 200) reject(new Error(`${path} answered ${response.statusCode}: ${body}`));
          else resolve((JSON.parse(body) as { version: number }).version);
        });
        response.on("error", reject);
      },
    );
    request.setTimeout(WAIT_TIMEOUT_MS, () => request.destroy(new Error(`${path}: no answer`)));
    request.on("error", reject);
    request.end();
  });
}

/** Nearest-rank percentile. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function formatTable(results: SeriesResult[]): string[] {
  const header = ["round", "mode", "p50", "p99", "max", "missed", "req/s", "notify p50", "poll rtt p50/p99"];
  const ms = (value: number) => (Number.isNaN(value) ? "-" : `${value.toFixed(1)} ms`);
  const row = (
    round: string,
    r: Pick<SeriesResult, "mode" | "delays" | "missed" | "requestsPerS"> & Partial<SeriesResult>,
  ) => [
    round,
    r.mode === "sse" ? "SSE /events" : "polling 2 s",
    ms(percentile(r.delays, 0.5)),
    ms(percentile(r.delays, 0.99)),
    ms(Math.max(...r.delays)),
    String(r.missed),
    r.mode === "sse" ? "0" : r.requestsPerS.toFixed(0),
    r.listenerDelays && r.listenerDelays.length > 0 ? ms(percentile(r.listenerDelays, 0.5)) : "-",
    r.roundTrips && r.roundTrips.length > 0
      ? `${percentile(r.roundTrips, 0.5).toFixed(1)}/${percentile(r.roundTrips, 0.99).toFixed(1)} ms`
      : "-",
  ];
  const rows = results.map((r) => row(String(r.round), r));
  const all = (mode: SeriesResult["mode"]) => {
    const of = results.filter((r) => r.mode === mode);
    return {
      mode,
      delays: of.flatMap((r) => r.delays),
      missed: of.reduce((sum, r) => sum + r.missed, 0),
      requestsPerS: of.reduce((sum, r) => sum + r.requestsPerS, 0) / of.length,
      listenerDelays: of.flatMap((r) => r.listenerDelays),
      roundTrips: of.flatMap((r) => r.roundTrips),
    };
  };
  const sse = all("sse");
  const polling = all("polling");
  rows.push(row("all", sse), row("all", polling));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  const ratio = (q: number) => (percentile(sse.delays, q) / percentile(polling.delays, q)).toFixed(3);
  return [
    `A run update (runs.setPhase on a running run) reaching ${CLIENTS} clients of the real app (embedded PostgreSQL, fsync off),`,
    `${ROUNDS} rounds × ${UPDATES} updates ${UPDATE_SPACING_MS} ms apart per mode, modes one after the other, alternating order.`,
    `SSE: ${CLIENTS} open /events streams (Bearer tokens); latency = setPhase returned → the run frame with that version arrived.`,
    `     Path: notifier coalescing window (${NOTIFY_FLUSH_MS} ms, the app default) → pg_notify → LISTEN → hub (one read, one render)`,
    "     → 500 writes. notify p50 = setPhase returned → this process's listener got the change.",
    `polling: ${CLIENTS} clients, GET /api/v1/runs/:id every ${POLL_INTERVAL_MS / 1_000} s each (starts staggered over the interval, keep-alive);`,
    "     staleness = setPhase returned → first poll response showing that version (or newer). req/s while updates ran.",
    "Clients and server share one Node process (one event loop), so delivery includes writing and parsing all frames.",
    line(header),
    ...rows.map(line),
    `ratio SSE latency / polling staleness: p50 ${ratio(0.5)}x, p99 ${ratio(0.99)}x ` +
      `(SSE at ${(percentile(polling.delays, 0.5) / percentile(sse.delays, 0.5)).toFixed(1)}x less delay at p50, ` +
      `with 0 req/s against ${polling.requestsPerS.toFixed(0)} req/s)`,
  ];
}
