/**
 * Bench: the cost of TenantPilot's run lifecycle (DESIGN.md §2) over a bare graphile-worker job,
 * side by side in one process, on a real embedded PostgreSQL.
 *
 * - **tenantpilot**: `startRun` (run row + `add_job` + event row, one transaction) → a
 *   `defineRunTask` task (beginAttempt, one `setPhase`, completeRun with its notification row).
 * - **graphile-worker** (the peer): `add_job` in its own transaction → a task doing one UPDATE.
 *
 * Both use the same concurrency and the G14 preset, each its own database. Every round measures a
 * burst (N items started by a few concurrent producers: throughput, and latency including queue
 * wait) and an idle series (one item at a time: the pure start latency). Rounds alternate order
 * after a warm-up. Latency is start → running: for tenantpilot from the `startRun` call to the
 * work being entered (after beginAttempt committed), for the peer from before its enqueue
 * transaction to the task being entered. Client-side clock (`performance.now()`), same process.
 * @module
 */
import { performance } from "node:perf_hooks";
import { type Runner, run, type Task, type TaskList } from "graphile-worker";
import pg from "pg";
import pino from "pino";
import { ensureLocalOperator, ensureWorkspace } from "../src/access/workspaces.js";
import { createDatabase, type Database, withDatabaseName } from "../src/db/database.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrateDatabase, quietGraphileLogger } from "../src/db/migrate.js";
import { defineRunTask } from "../src/jobs/run-task.js";
import { RunChangeNotifier } from "../src/operations/run-events.js";
import { createRunService } from "../src/operations/run-service.js";
import { RUN_TYPES } from "../src/operations/run-types.js";

/** Cluster of this bench only: fixed port below 32768 (STACK.md G10), fast unsafe flags. */
const PG_DATA_DIR = "/tmp/tenantpilot-bench-pg";
const PG_PORT = 25460;
/** Items per burst. */
const BURST_ITEMS = 1_500;
/** Items per burst of the warm-up round (not reported). */
const WARMUP_ITEMS = 300;
/** Items of the idle series, started one at a time. */
const IDLE_ITEMS = 200;
/** Items queued while the worker is stopped, then drained. */
const DRAIN_ITEMS = 600;
const ROUNDS = 3;
/** graphile-worker concurrency of both workers. */
const CONCURRENCY = 4;
/** Concurrent producers of a burst, each starting one item per transaction. */
const PRODUCERS = 4;
/** Same as the app (jobs/worker.ts) and required for a clean shutdown (STACK.md G14). */
const WORKER_PRESET = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
/** A measurement that has not finished by then failed. */
const MEASUREMENT_TIMEOUT_MS = 60_000;

/** Start → running timestamps of one measurement, and its completion count. */
class Tracker {
  readonly startedAt = new Map<string, number>();
  readonly runningAt = new Map<string, number>();
  done = 0;
  lastDoneAt = 0;
  #waiter: { count: number; resolve: () => void } | undefined;

  markStart(key: string): void {
    this.startedAt.set(key, performance.now());
  }
  markRunning(key: string): void {
    this.runningAt.set(key, performance.now());
  }
  markDone(): void {
    this.done++;
    this.lastDoneAt = performance.now();
    if (this.#waiter !== undefined && this.done >= this.#waiter.count) this.#waiter.resolve();
  }
  /** Resolve once `count` items are done. @throws {Error} after {@link MEASUREMENT_TIMEOUT_MS} */
  async waitForDone(count: number): Promise<void> {
    if (this.done >= count) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiter = { count, resolve };
        timer = setTimeout(
          () => reject(new Error(`only ${this.done} of ${count} items done after ${MEASUREMENT_TIMEOUT_MS} ms`)),
          MEASUREMENT_TIMEOUT_MS,
        );
      });
    } finally {
      clearTimeout(timer);
      this.#waiter = undefined;
    }
  }
  /** Start → running latencies, ms. */
  latencies(): number[] {
    const values: number[] = [];
    for (const [key, started] of this.startedAt) {
      const running = this.runningAt.get(key);
      if (running !== undefined) values.push(running - started);
    }
    return values;
  }
}

/** One of the two systems under test. */
interface BenchSystem {
  name: string;
  database: Database;
  /** Where the running tasks report; replaced per measurement. */
  tracker: Tracker;
  /** Start item `key` in one transaction; resolves after commit. */
  start(key: string): Promise<void>;
  /** Start (or restart) the graphile-worker runner. */
  startWorker(): Promise<void>;
  /** Stop the runner gracefully (G14 preset: its jobs' completions are flushed). */
  stopWorker(): Promise<void>;
  /** Remove the previous rounds' rows, so every round starts from the same table sizes. */
  reset(): Promise<void>;
  /** Every item of `label` completed as expected. @throws {Error} otherwise */
  verify(label: string, count: number): Promise<void>;
  /** Stored start → running latency (p50, p99 ms) of `label`, when the system stores one. */
  storedLatency(label: string): Promise<[number, number] | undefined>;
  stop(): Promise<void>;
}

interface Measurement {
  throughputPerS: number;
  enqueueS: number;
  latencyMs: [number, number];
  storedMs: [number, number] | undefined;
}

interface RoundResult {
  round: string;
  system: string;
  burst: Measurement;
  idle: Measurement;
  /** Items per second executed from a queue filled while the worker was stopped. */
  drainPerS: number;
}

const ignore = () => undefined;

/** Run the bench: TenantPilot run lifecycle vs bare graphile-worker jobs. */
export async function runRunLifecycleBench(): Promise<{ name: string; lines: string[] }> {
  const server = await startEmbeddedPostgres({ dataDir: PG_DATA_DIR, port: PG_PORT, unsafeFast: true });
  const systems: BenchSystem[] = [];
  try {
    const [tpUrl, peerUrl] = await createFreshDatabases(server.adminUrl, ["bench_tenantpilot", "bench_peer"]);
    systems.push(await startTenantPilotSystem(tpUrl!), await startPeerSystem(peerUrl!));
    const [tenantpilot, peer] = systems as [BenchSystem, BenchSystem];

    await measureRound(tenantpilot, "warmup", WARMUP_ITEMS);
    await measureRound(peer, "warmup", WARMUP_ITEMS);
    // Both workers stay up; only one system has work at a time (the idle one just waits on LISTEN).
    const results: RoundResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [tenantpilot, peer] : [peer, tenantpilot];
      for (const system of order) {
        results.push({ round: String(round), system: system.name, ...(await measureRound(system, `r${round}`)) });
      }
    }
    return { name: "run-lifecycle", lines: formatTable(results) };
  } finally {
    for (const system of systems) await system.stop();
    await server.stop();
  }
}

async function createFreshDatabases(adminUrl: string, names: string[]): Promise<string[]> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  const urls = names.map((name) => withDatabaseName(adminUrl, name));
  for (const url of urls) {
    const database = createDatabase({ connectionString: url, onError: ignore });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
  }
  return urls;
}

/** A burst, an idle series and a drain, each on freshly emptied and vacuumed tables. */
async function measureRound(
  system: BenchSystem,
  label: string,
  burstItems = BURST_ITEMS,
): Promise<Omit<RoundResult, "round" | "system">> {
  const fresh = async () => {
    await system.reset();
    await system.database.pool.query("vacuum analyze");
  };
  await fresh();
  const burst = await measureBurst(system, `${label}b`, burstItems);
  await fresh();
  const idle = await measureIdle(system, `${label}i`, IDLE_ITEMS);
  await fresh();
  const drainPerS = await measureDrain(system, `${label}d`, Math.min(burstItems, DRAIN_ITEMS));
  return { burst, idle, drainPerS };
}

async function measureBurst(system: BenchSystem, label: string, count: number): Promise<Measurement> {
  const tracker = new Tracker();
  system.tracker = tracker;
  const firstStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < count) {
        const key = `${label}:${next++}`;
        tracker.markStart(key);
        await system.start(key);
      }
    }),
  );
  const enqueuedAt = performance.now();
  await tracker.waitForDone(count);
  await system.verify(label, count);
  return {
    throughputPerS: count / ((tracker.lastDoneAt - firstStart) / 1_000),
    enqueueS: (enqueuedAt - firstStart) / 1_000,
    latencyMs: percentiles(tracker.latencies()),
    storedMs: await system.storedLatency(label),
  };
}

async function measureIdle(system: BenchSystem, label: string, count: number): Promise<Measurement> {
  const tracker = new Tracker();
  system.tracker = tracker;
  const firstStart = performance.now();
  for (let i = 0; i < count; i++) {
    const key = `${label}:${i}`;
    tracker.markStart(key);
    await system.start(key);
    await tracker.waitForDone(i + 1);
  }
  await system.verify(label, count);
  return {
    throughputPerS: count / ((tracker.lastDoneAt - firstStart) / 1_000),
    enqueueS: 0,
    latencyMs: percentiles(tracker.latencies()),
    storedMs: await system.storedLatency(label),
  };
}

/** Queue `count` items with the worker stopped, then time the worker executing them all. */
async function measureDrain(system: BenchSystem, label: string, count: number): Promise<number> {
  const tracker = new Tracker();
  system.tracker = tracker;
  await system.stopWorker();
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (next < count) await system.start(`${label}:${next++}`);
      }),
    );
  } finally {
    await system.startWorker();
  }
  const workerStartedAt = performance.now();
  await tracker.waitForDone(count);
  await system.verify(label, count);
  return count / ((tracker.lastDoneAt - workerStartedAt) / 1_000);
}

/** The real run service and run task wrapper, task type `baseline_capture`. */
async function startTenantPilotSystem(connectionString: string): Promise<BenchSystem> {
  const database = createDatabase({ connectionString, maxConnections: 20, onError: ignore });
  const notifier = new RunChangeNotifier(database.pool, { onError: ignore });
  const now = () => new Date();
  const runs = createRunService({ db: database.db, changes: notifier, now });
  const userId = await ensureLocalOperator(database.db);
  const workspace = await ensureWorkspace(database.db, { name: "Bench", slug: "bench", memberUserId: userId });
  const runIdToKey = new Map<string, string>();

  const work = defineRunTask(
    { db: database.db, runs, logger: pino({ level: "warn" }, pino.destination(2)), now, heartbeatIntervalMs: 2_000 },
    async (ctx) => {
      runIdToKey.set(ctx.run.id, ctx.run.identityKey);
      system.tracker.markRunning(ctx.run.identityKey);
      await ctx.setPhase("resolve_scope");
      return { outcome: "succeeded" };
    },
  );
  const task: Task = async (payload, helpers) => {
    await work(payload, helpers);
    system.tracker.markDone(); // after completeRun committed
  };
  const taskList: TaskList = { [RUN_TYPES.baseline_capture.taskIdentifier]: task };
  let runner: Runner | undefined = await startRunner(database, taskList);

  const system: BenchSystem = {
    name: "tenantpilot",
    database,
    tracker: new Tracker(),
    async start(key) {
      await runs.startRun(
        {
          workspaceId: workspace.id,
          tenantId: null,
          type: "baseline_capture",
          initiatorUserId: userId,
          identityKey: key,
          inputs: { bench: key },
        },
        5,
      );
    },
    async startWorker() {
      runner ??= await startRunner(database, taskList);
    },
    async stopWorker() {
      await runner?.stop();
      runner = undefined;
    },
    async reset() {
      await database.pool.query("truncate operation_runs cascade");
    },
    async verify(label, count) {
      const { rows } = await database.pool.query<{ n: number }>(
        `select count(*)::int as n from operation_runs
          where identity_key like $1 and status = 'completed' and outcome = 'succeeded'
            and context->'progress'->>'phase' = 'resolve_scope'`,
        [`${label}:%`],
      );
      await expectCount(database, `tenantpilot ${label}`, rows[0]?.n, count);
    },
    async storedLatency(label) {
      const { rows } = await database.pool.query<{ p: number[] }>(
        `select percentile_cont(array[0.5, 0.99]) within group
           (order by extract(epoch from started_at - created_at) * 1000) as p
         from operation_runs where identity_key like $1`,
        [`${label}:%`],
      );
      const [p50, p99] = rows[0]?.p ?? [];
      return p50 === undefined || p99 === undefined ? undefined : [p50, p99];
    },
    async stop() {
      await system.stopWorker();
      await notifier.flush();
      await database.close();
    },
  };
  return system;
}

/** Bare graphile-worker: `add_job` per transaction, a task doing one UPDATE of its row. */
async function startPeerSystem(connectionString: string): Promise<BenchSystem> {
  const database = createDatabase({ connectionString, maxConnections: 20, onError: ignore });
  await database.pool.query(
    `create table bench_items (key text primary key, phase text, updated_at timestamptz);
     alter table bench_items set (fillfactor = 90)`,
  );
  const task: Task = async (payload, helpers) => {
    const { key } = payload as { key: string };
    system.tracker.markRunning(key);
    await helpers.query("update bench_items set phase = 'resolve_scope', updated_at = now() where key = $1", [key]);
    system.tracker.markDone();
  };
  const taskList: TaskList = { bench_peer: task };
  let runner: Runner | undefined = await startRunner(database, taskList);

  const system: BenchSystem = {
    name: "graphile-worker",
    database,
    tracker: new Tracker(),
    async start(key) {
      const client = await database.pool.connect();
      try {
        await client.query("begin");
        await client.query("insert into bench_items (key) values ($1)", [key]);
        await client.query(
          "select graphile_worker.add_job('bench_peer', json_build_object('key', $1::text), max_attempts => 5)",
          [key],
        );
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(ignore);
        throw error;
      } finally {
        client.release();
      }
    },
    async startWorker() {
      runner ??= await startRunner(database, taskList);
    },
    async stopWorker() {
      await runner?.stop();
      runner = undefined;
    },
    async reset() {
      await database.pool.query("truncate bench_items");
    },
    async verify(label, count) {
      const { rows } = await database.pool.query<{ n: number }>(
        "select count(*)::int as n from bench_items where key like $1 and phase = 'resolve_scope'",
        [`${label}:%`],
      );
      await expectCount(database, `graphile-worker ${label}`, rows[0]?.n, count);
    },
    storedLatency: async () => undefined,
    async stop() {
      await system.stopWorker();
      await database.close();
    },
  };
  return system;
}

function startRunner(database: Database, taskList: TaskList): Promise<Runner> {
  return run({
    pgPool: database.pool,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    taskList,
    logger: quietGraphileLogger(),
    preset: WORKER_PRESET,
  });
}

/** @throws {Error} when fewer items completed than started, or a job recorded an error */
async function expectCount(database: Database, what: string, actual: number | undefined, expected: number) {
  const { rows } = await database.pool.query<{ n: number }>(
    "select count(*)::int as n from graphile_worker._private_jobs where last_error is not null",
  );
  if (actual !== expected || rows[0]?.n !== 0) {
    throw new Error(`${what}: ${actual} of ${expected} items completed as expected, ${rows[0]?.n} failed jobs`);
  }
}

/** Nearest-rank p50 and p99, ms. */
function percentiles(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return [at(0.5), at(0.99)];
}

function formatTable(results: RoundResult[]): string[] {
  const header = [
    "round",
    "system",
    "burst/s",
    "enq s",
    "lat p50",
    "lat p99",
    "drain/s",
    "idle p50",
    "idle p99",
    "stored p50/p99",
  ];
  const rows: string[][] = [];
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const ratios: { burst: number[]; drain: number[]; idle50: number[]; idle99: number[] } = {
    burst: [],
    drain: [],
    idle50: [],
    idle99: [],
  };
  for (let i = 0; i + 1 < results.length; i += 2) {
    const pair = [results[i]!, results[i + 1]!];
    for (const r of pair) {
      rows.push([
        r.round,
        r.system,
        r.burst.throughputPerS.toFixed(0),
        r.burst.enqueueS.toFixed(2),
        ms(r.burst.latencyMs[0]),
        ms(r.burst.latencyMs[1]),
        r.drainPerS.toFixed(0),
        ms(r.idle.latencyMs[0]),
        ms(r.idle.latencyMs[1]),
        r.idle.storedMs ? `${r.idle.storedMs[0].toFixed(1)}/${r.idle.storedMs[1].toFixed(1)} ms` : "-",
      ]);
    }
    const tp = pair.find((r) => r.system === "tenantpilot")!;
    const peer = pair.find((r) => r.system !== "tenantpilot")!;
    const ratio = (a: number, b: number, into?: number[]) => {
      into?.push(a / b);
      return `${(a / b).toFixed(2)}x`;
    };
    rows.push([
      tp.round,
      "ratio TP/peer",
      ratio(tp.burst.throughputPerS, peer.burst.throughputPerS, ratios.burst),
      ratio(tp.burst.enqueueS, peer.burst.enqueueS),
      ratio(tp.burst.latencyMs[0], peer.burst.latencyMs[0]),
      ratio(tp.burst.latencyMs[1], peer.burst.latencyMs[1]),
      ratio(tp.drainPerS, peer.drainPerS, ratios.drain),
      ratio(tp.idle.latencyMs[0], peer.idle.latencyMs[0], ratios.idle50),
      ratio(tp.idle.latencyMs[1], peer.idle.latencyMs[1], ratios.idle99),
      "",
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return [
    "TenantPilot run lifecycle (startRun → defineRunTask: beginAttempt, setPhase, completeRun) vs bare graphile-worker",
    `jobs (INSERT + add_job per transaction → one UPDATE). Embedded PostgreSQL (fsync off), one database each, concurrency`,
    `${CONCURRENCY}, G14 preset, one warm-up round (${WARMUP_ITEMS} items), ${ROUNDS} rounds alternating order, tables emptied before each series.`,
    `burst:  ${BURST_ITEMS} items started by ${PRODUCERS} concurrent producers; burst/s = items / (first start → last done);`,
    "        enq s = time to start them all; lat = start → running, queue wait included (a backlog when the worker is slower).",
    `drain:  ${DRAIN_ITEMS} items queued with the worker stopped; drain/s = items / (worker start → last done).`,
    `idle:   ${IDLE_ITEMS} items, each started after the previous one completed; p50/p99 of start → running.`,
    "start → running: TP = startRun call → work entered (beginAttempt committed); peer = before its enqueue transaction → task",
    "entered (client clock). stored = TP idle rows' started_at − created_at (app clock, ms resolution).",
    line(header),
    ...rows.map(line),
    `median ratio TP/peer: burst ${median(ratios.burst).toFixed(2)}x, drain ${median(ratios.drain).toFixed(2)}x, ` +
      `idle latency p50 ${median(ratios.idle50).toFixed(2)}x, p99 ${median(ratios.idle99).toFixed(2)}x`,
  ];
}
