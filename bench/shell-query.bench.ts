/**
 * Bench: the shell's active-runs query (`listActiveFeedRuns`, what `/` and the tenant shell render
 * from) on a database with 10,000 tenants and 1,000,000 completed runs plus ~200 active ones, against
 * the same query, same data, with the partial indexes on the active statuses (`operation_runs_active_by_tenant`,
 * and the two others the planner would fall back to) dropped inside a transaction that is rolled back,
 * so the planner picks its best plan without them.
 *
 * The data is bulk-inserted with `generate_series` (not the app's per-row paths) into a cluster of its
 * own, and kept: a later run whose fill marker matches reuses it. Times are client-side
 * (`performance.now()`) per call of the real function: SQL, transfer and row mapping.
 * @module
 */
import { performance } from "node:perf_hooks";
import { sql, TransactionRollbackError } from "drizzle-orm";
import pg from "pg";
import { createDatabase, type Database, type Db, withDatabaseName } from "../src/db/database.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { listActiveFeedRuns } from "../src/operations/run-feed-queries.js";

/** Cluster of this bench only: fixed port below 32768 (STACK.md G10), fast unsafe flags. */
const PG_DATA_DIR = "/tmp/tenantpilot-bench-shell-pg";
const PG_PORT = 25480;
const DATABASE_NAME = "bench_shell";
const WORKSPACES = 5;
const TENANTS = 10_000;
const HISTORICAL_RUNS = 1_000_000;
const ACTIVE_RUNS = 200;
/** Active runs are spread over this many tenants (so one tenant has a few). */
const ACTIVE_TENANTS = 67;
/** Bump when the fill changes: a data dir with another marker is filled again. */
const FILL_VERSION = 1;
const WARMUP_CALLS = 20;
const CALLS = 300;
/** Calls of the peer, which is slow: at most this many, and at most {@link PEER_BUDGET_MS} per query. */
const PEER_CALLS = 40;
const PEER_BUDGET_MS = 12_000;
/** The index the shell's query is meant to use. */
const PARTIAL_INDEX = "operation_runs_active_by_tenant";
/**
 * Every index restricted to active statuses: the peer drops them all, since the planner otherwise
 * reads the active set through the one-active-per-identity unique index just as cheaply.
 */
const ACTIVE_STATUS_INDEXES = [
  PARTIAL_INDEX,
  "operation_runs_one_active_per_identity",
  "operation_runs_running_heartbeat",
];

const ignore = () => undefined;

interface QueryCase {
  label: string;
  workspaceIds: string[];
  tenantId?: string;
}

interface CaseResult {
  label: string;
  rows: number;
  plan: string;
  peerPlan: string;
  real: number[];
  peer: number[];
}

/** Run the bench: the shell's active-runs query with and without its partial index. */
export async function runShellQueryBench(): Promise<{ name: string; lines: string[] }> {
  const server = await startEmbeddedPostgres({ dataDir: PG_DATA_DIR, port: PG_PORT, unsafeFast: true });
  let database: Database | undefined;
  try {
    const connectionString = withDatabaseName(server.adminUrl, DATABASE_NAME);
    const fillStartedAt = performance.now();
    const reused = await ensureFilled(server.adminUrl, connectionString);
    const fillS = (performance.now() - fillStartedAt) / 1_000;
    database = createDatabase({ connectionString, maxConnections: 2, onError: ignore });
    const db = database.db;

    const { rows: counts } = await database.pool.query<{ tenants: number; completed: number; active: number }>(
      `select (select count(*)::int from tenants) as tenants,
              count(*) filter (where status = 'completed')::int as completed,
              count(*) filter (where status in ('queued', 'running'))::int as active
         from operation_runs`,
    );
    const { rows: picked } = await database.pool.query<{ workspace_id: string; tenant_id: string; n: number }>(
      `select workspace_id, tenant_id, count(*)::int as n from operation_runs
        where status in ('queued', 'running') group by 1, 2 order by n desc, tenant_id limit 1`,
    );
    const target = picked[0];
    if (target === undefined) throw new Error("no active runs in the bench database");
    const cases: QueryCase[] = [
      { label: "workspace (home /)", workspaceIds: [target.workspace_id] },
      { label: "tenant shell", workspaceIds: [target.workspace_id], tenantId: target.tenant_id },
    ];

    const results: CaseResult[] = [];
    for (const queryCase of cases) {
      const call = (on: Db) => listActiveFeedRuns(on, queryCase.workspaceIds, queryCase.tenantId);
      const rows = (await call(db)).length;
      const query = await captureQuery(database, () => call(db));
      const plan = await explain(database.pool, query);
      const real = await timeCalls(() => call(db), WARMUP_CALLS, CALLS, Number.POSITIVE_INFINITY);
      // The peer: the same function and SQL in a transaction where the partial index is dropped.
      let peer: number[] = [];
      let peerPlan = "";
      await db
        .transaction(async (tx) => {
          await tx.execute(sql.raw(`drop index ${ACTIVE_STATUS_INDEXES.join(", ")}`));
          const client = (tx as unknown as { session: { client: pg.PoolClient } }).session.client;
          peerPlan = await explain(client, query);
          peer = await timeCalls(() => call(tx), 2, PEER_CALLS, PEER_BUDGET_MS);
          tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
      results.push({ label: queryCase.label, rows, plan, peerPlan, real, peer });
    }
    const { rows: still } = await database.pool.query("select 1 from pg_indexes where indexname = any($1)", [
      ACTIVE_STATUS_INDEXES,
    ]);
    if (still.length !== ACTIVE_STATUS_INDEXES.length) throw new Error("an index is missing after the bench");
    const first = counts[0]!;
    return {
      name: "shell-query",
      lines: formatTable(results, {
        header:
          `${first.tenants.toLocaleString("en")} tenants in ${WORKSPACES} workspaces, ` +
          `${first.completed.toLocaleString("en")} completed runs, ${first.active} active runs ` +
          `(${reused ? "data reused" : "filled"} in ${fillS.toFixed(1)} s).`,
      }),
    };
  } finally {
    await database?.close();
    await server.stop();
  }
}

/**
 * Fill the bench database unless it already holds this fill (marker table). Bulk SQL with FK
 * triggers skipped (`session_replication_role = replica`): the rows reference existing ids by
 * construction. @returns true when existing data was reused
 */
async function ensureFilled(adminUrl: string, connectionString: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [DATABASE_NAME]);
    if (exists.rowCount === 1) {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        const marker = await client
          .query<{ version: number }>("select version from bench_fill_marker")
          .catch(() => ({ rows: [] as { version: number }[] }));
        if (marker.rows[0]?.version === FILL_VERSION) {
          const database = createDatabase({ connectionString, maxConnections: 1, onError: ignore });
          try {
            await migrateDatabase(database); // a newer schema applies its migrations to the kept data
          } finally {
            await database.close();
          }
          return true;
        }
      } finally {
        await client.end();
      }
    }
    await admin.query(`drop database if exists ${DATABASE_NAME} with (force)`);
    await admin.query(`create database ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  const database = createDatabase({ connectionString, maxConnections: 1, onError: ignore });
  try {
    await migrateDatabase(database);
    const client = await database.pool.connect();
    try {
      await client.query("set session_replication_role = replica");
      await client.query(
        `insert into workspaces (name, slug) select 'Workspace ' || g, 'bench-' || g from generate_series(1, ${WORKSPACES}) g`,
      );
      await client.query(
        `insert into tenants (workspace_id, name, evidence_source, created_at)
         select w.id, 'Tenant ' || g, jsonb_build_object('kind', 'export_folder', 'path', '/srv/exports/' || g),
                now() - interval '400 days'
           from generate_series(1, ${TENANTS}) g
           join (select id, row_number() over (order by slug) as rn from workspaces) w on w.rn = 1 + g % ${WORKSPACES}`,
      );
      await client.query(
        `create temp table bench_tenant_numbers as
         select row_number() over (order by id)::int as rn, id, workspace_id from tenants;
         alter table bench_tenant_numbers add primary key (rn)`,
      );
      // Completed history: spread over ~a year, one of five outcomes, the context a finished run keeps.
      await client.query(
        `insert into operation_runs (workspace_id, tenant_id, type, status, outcome, identity_key, context,
                                     summary_counts, created_at, started_at, completed_at, heartbeat_at, attempt, version)
         select t.workspace_id, t.id,
                case when g % 3 = 0 then 'baseline_capture' else 'baseline_compare' end,
                'completed',
                (array['succeeded', 'succeeded', 'succeeded', 'partially_succeeded', 'failed'])[1 + g % 5],
                'history:' || g,
                jsonb_build_object('inputs', jsonb_build_object('profile', 'p-' || (g % 50)),
                                   'progress', jsonb_build_object('phase', 'finalize'),
                                   'result', jsonb_build_object('findings', g % 17)),
                jsonb_build_object('total', 450, 'processed', 450),
                c.at, c.at + interval '2 seconds', c.at + interval '95 seconds', c.at + interval '95 seconds', 1, 6
           from generate_series(1, ${HISTORICAL_RUNS}) g
           join bench_tenant_numbers t on t.rn = 1 + g % ${TENANTS}
           cross join lateral (select now() - interval '1 hour' - (${HISTORICAL_RUNS} - g) * interval '30 seconds' as at) c`,
      );
      // Active runs: queued and running, on a few tenants each.
      await client.query(
        `insert into operation_runs (workspace_id, tenant_id, type, status, identity_key, context,
                                     created_at, started_at, heartbeat_at, attempt, version)
         select t.workspace_id, t.id, 'baseline_compare',
                case when g % 4 = 0 then 'queued' else 'running' end,
                'active:' || g,
                case when g % 4 = 0 then jsonb_build_object('inputs', '{}'::jsonb)
                     else jsonb_build_object('inputs', '{}'::jsonb, 'progress', jsonb_build_object('phase', 'compare')) end,
                now() - g * interval '7 seconds',
                case when g % 4 = 0 then null else now() - g * interval '6 seconds' end,
                case when g % 4 = 0 then null else now() - interval '3 seconds' end,
                case when g % 4 = 0 then 0 else 1 end, 3
           from generate_series(1, ${ACTIVE_RUNS}) g
           join bench_tenant_numbers t on t.rn = 1 + g % ${ACTIVE_TENANTS}`,
      );
      await client.query("set session_replication_role = origin");
      await client.query("vacuum analyze");
      await client.query(
        `create table bench_fill_marker (version int not null); insert into bench_fill_marker values (${FILL_VERSION})`,
      );
    } finally {
      client.release();
    }
  } finally {
    await database.close();
  }
  return false;
}

interface CapturedQuery {
  text: string;
  values: unknown[];
}

/** The SQL and parameters the real function sends (pool.query intercepted for one call). */
async function captureQuery(database: Database, call: () => Promise<unknown>): Promise<CapturedQuery> {
  const pool = database.pool as unknown as { query: (...args: unknown[]) => unknown };
  const original = pool.query;
  let captured: CapturedQuery | undefined;
  pool.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    captured =
      typeof first === "string"
        ? { text: first, values: (second as unknown[] | undefined) ?? [] }
        : {
            text: (first as { text: string }).text,
            values: (first as { values?: unknown[] }).values ?? (second as unknown[] | undefined) ?? [],
          };
    return original.apply(this, args);
  };
  try {
    await call();
  } finally {
    pool.query = original;
  }
  if (captured === undefined) throw new Error("the query was not captured");
  return captured;
}

/** The plan's nodes, outermost first: "Sort ← Index Scan (operation_runs_active_by_tenant)". */
async function explain(on: pg.Pool | pg.PoolClient, query: CapturedQuery): Promise<string> {
  const { rows } = await on.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
    `explain (format json) ${query.text}`,
    query.values,
  );
  const nodes: string[] = [];
  const walk = (node: PlanNode | undefined) => {
    if (node === undefined || node["Parent Relationship"] === "SubPlan") return; // the tenant-name subquery
    nodes.push(node["Index Name"] ? `${node["Node Type"]} (${node["Index Name"]})` : node["Node Type"]);
    walk(node.Plans?.find((child) => child["Parent Relationship"] !== "SubPlan"));
  };
  walk(rows[0]?.["QUERY PLAN"][0].Plan);
  return nodes.join(" ← ");
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Parent Relationship"?: string;
  Plans?: PlanNode[];
}

/** Durations of `calls` sequential calls after `warmup` untimed ones, stopping after `budgetMs`. */
async function timeCalls(
  call: () => Promise<unknown>,
  warmup: number,
  calls: number,
  budgetMs: number,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call();
  const durations: number[] = [];
  const deadline = performance.now() + budgetMs;
  for (let i = 0; i < calls && performance.now() < deadline; i++) {
    const startedAt = performance.now();
    await call();
    durations.push(performance.now() - startedAt);
  }
  return durations;
}

/** Nearest-rank percentile. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function formatTable(results: CaseResult[], options: { header: string }): string[] {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const header = [
    "query",
    "rows",
    "calls",
    "real p50",
    "real p99",
    "peer calls",
    "peer p50",
    "peer p99",
    "real/peer p50",
  ];
  const rows = results.map((r) => [
    r.label,
    String(r.rows),
    String(r.real.length),
    ms(percentile(r.real, 0.5)),
    ms(percentile(r.real, 0.99)),
    String(r.peer.length),
    ms(percentile(r.peer, 0.5)),
    ms(percentile(r.peer, 0.99)),
    `${(percentile(r.real, 0.5) / percentile(r.peer, 0.5)).toFixed(4)}x`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [
    "The shell's active-runs query (listActiveFeedRuns from run-feed-queries.ts, as / and the tenant shell call it) on",
    options.header,
    `real = the query as deployed (partial index ${PARTIAL_INDEX} on (workspace_id, tenant_id) where status in`,
    "('queued','running')); peer = the same function and SQL with every partial index on active statuses dropped inside a",
    `rolled-back transaction (${ACTIVE_STATUS_INDEXES.join(", ")}):`,
    "the planner's best plan without them.",
    "Per call: SQL + transfer + row mapping, client clock, sequential; ratio = real / peer.",
    line(header),
    ...rows.map(line),
    ...results.flatMap((r) => [
      `plan ${r.label}: real: ${r.plan}`,
      `plan ${r.label}: peer: ${r.peerPlan}`,
      `  → ${r.label}: the peer takes ${(percentile(r.peer, 0.5) / percentile(r.real, 0.5)).toFixed(1)}x the real ` +
        `query's time at p50, ${(percentile(r.peer, 0.99) / percentile(r.real, 0.99)).toFixed(1)}x at p99`,
    ]),
  ];
}
