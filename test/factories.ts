/**
 * Test factories: the only way tests create data. Minimal arguments, stored rows back.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { ensureLocalOperator, ensureWorkspace, type Workspace } from "../src/access/workspaces.js";
import { type BaselineProfile, createBaselineProfile } from "../src/baselines/baseline-profiles.js";
import { toSecretKeyConfig } from "../src/config/config.js";
import type { Database } from "../src/db/database.js";
import { KeyRing } from "../src/graph/credential-encryption.js";
import { connectTenantToGraph, type GraphConnectionInput } from "../src/graph/graph-connections.js";
import { addTenant, type Tenant } from "../src/inventory/tenants.js";
import { RunChangeNotifier } from "../src/operations/run-events.js";
import { createRunService, type RunService } from "../src/operations/run-service.js";

/** Absolute path of the shared corpus (../shared/corpus beside the checkout). */
export const CORPUS_DIR = path.resolve(import.meta.dirname, "../../shared/corpus/openintunebaseline");
/** True when the shared corpus is present; corpus tests skip with a message otherwise. */
export const corpusPresent = existsSync(CORPUS_DIR);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${CORPUS_DIR}; corpus tests are skipped (CI has it beside the clone)`);
}
/** Folder of one corpus snapshot, e.g. "oib-win-v3.2-b1d23fb". */
export const corpusSnapshot = (folder: string) => path.join(CORPUS_DIR, folder);

/** A workspace with the local operator as owner. */
export async function seedWorkspace(
  database: Database,
  overrides: { slug?: string } = {},
): Promise<{ workspace: Workspace; userId: string }> {
  const userId = await ensureLocalOperator(database.db);
  const slug = overrides.slug ?? `ws-${randomUUID().slice(0, 8)}`;
  const workspace = await ensureWorkspace(database.db, { name: `Workspace ${slug}`, slug, memberUserId: userId });
  return { workspace, userId };
}

/** A tenant reading from `exportDir` (default: a folder that need not exist). */
export async function seedTenant(
  database: Database,
  workspaceId: string,
  overrides: { name?: string; exportDir?: string } = {},
): Promise<Tenant> {
  const { tenant } = await addTenant(database.db, {
    workspaceId,
    name: overrides.name ?? `Tenant ${randomUUID().slice(0, 8)}`,
    evidenceSource: { kind: "export_folder", path: overrides.exportDir ?? "/nonexistent/export" },
  });
  return tenant;
}

/** A baseline profile sourced from `sourceTenant`. */
export async function seedProfile(
  database: Database,
  workspaceId: string,
  sourceTenant: Tenant,
  overrides: { name?: string; ignoreVersionSuffix?: boolean; reportUnexpected?: boolean; policyKinds?: string[] } = {},
): Promise<BaselineProfile> {
  const { profile } = await createBaselineProfile(database.db, {
    workspaceId,
    name: overrides.name ?? `Profile ${randomUUID().slice(0, 8)}`,
    sourceTenant: sourceTenant.id,
    ...(overrides.ignoreVersionSuffix !== undefined ? { ignoreVersionSuffix: overrides.ignoreVersionSuffix } : {}),
    ...(overrides.reportUnexpected !== undefined ? { reportUnexpected: overrides.reportUnexpected } : {}),
    ...(overrides.policyKinds ? { policyKinds: overrides.policyKinds } : {}),
  });
  return profile;
}

/** A run service over `database` with a real notifier (flush it in tests that listen). */
export function createTestRunService(
  database: Database,
  now: () => Date = () => new Date(),
): { runs: RunService; notifier: RunChangeNotifier } {
  const notifier = new RunChangeNotifier(database.pool, { flushIntervalMs: 20 });
  return { runs: createRunService({ db: database.db, changes: notifier, now }), notifier };
}

/** A queued run with its job, in a fresh workspace and tenant (no work behind it: tests supply the task). */
export async function seedQueuedRun(
  database: Database,
  runs: RunService,
  options: {
    type?: "baseline_capture" | "baseline_compare";
    maxAttempts?: number;
    initiatedBy?: "user" | "cli";
    inputs?: Record<string, unknown>;
  } = {},
) {
  const { workspace, userId } = await seedWorkspace(database);
  const tenant = await seedTenant(database, workspace.id);
  const type = options.type ?? "baseline_capture";
  const { run } = await runs.startRun(
    {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      type,
      initiatorUserId: options.initiatedBy === "cli" ? null : userId,
      ...(options.initiatedBy === "cli" ? { initiatorLabel: "cli" } : {}),
      identityKey: `${type}:${randomUUID()}`,
      inputs: options.inputs ?? {},
    },
    options.maxAttempts ?? 3,
  );
  const jobId = String((await readRunRow(database, run.id)).job_id);
  return { run, runId: run.id, jobId, userId, workspaceId: workspace.id };
}

/** The raw `operation_runs` row (snake_case), for asserting exactly what is stored. */
export async function readRunRow(database: Database, runId: string) {
  const { rows } = await database.pool.query("select * from operation_runs where id = $1", [runId]);
  return rows[0] as Record<string, unknown> & { version: number; status: string; attempt: number; job_id: string };
}

/** A key ring of fresh random keys with these ids, the first current. (Default: one key "test") */
export function createTestKeyRing(...keyIds: string[]): KeyRing {
  return new KeyRing((keyIds.length > 0 ? keyIds : ["test"]).map((id) => toSecretKeyConfig(id, randomBytes(32))));
}

/** A well-formed client secret, unique per call (so a scan for it finds only what the test stored). */
export function newTestClientSecret(): string {
  return `tp~${randomBytes(18).toString("base64url")}`;
}

/**
 * A tenant connected to Microsoft Graph with a client secret (defaults: random GUIDs, a fresh
 * secret, the public cloud). Returns the tenant, the public connection and the secret used.
 */
export async function seedGraphTenant(
  database: Database,
  workspaceId: string,
  keyRing: KeyRing,
  overrides: Partial<GraphConnectionInput> & { name?: string } = {},
) {
  const tenant = await seedTenant(database, workspaceId, overrides.name ? { name: overrides.name } : {});
  const clientSecret = newTestClientSecret();
  const { name: _name, ...input } = overrides;
  const { connection } = await connectTenantToGraph(database.db, keyRing, {
    workspaceId,
    tenantId: tenant.id,
    entraTenantId: randomUUID(),
    clientId: randomUUID(),
    credential: { kind: "client_secret", clientSecret },
    ...input,
  });
  return { tenant, connection, clientSecret };
}

/**
 * A self-signed RSA client certificate for an app registration, as Entra takes it: `pem` holds the
 * private key and the certificate; `certPem` only the certificate (what is uploaded to Entra).
 */
export async function generateTestClientCertificate(
  commonName = "TenantPilot test app",
): Promise<{ pem: string; certPem: string; keyPem: string }> {
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: commonName }], { keySize: 2048, algorithm: "sha256" });
  return { pem: `${pems.private}\n${pems.cert}`, certPem: pems.cert, keyPem: pems.private };
}

/**
 * Rows of every table (all schemas but the catalogs) whose text form contains `needle`, as
 * "schema.table" names: proves a value is stored nowhere in plain text.
 */
export async function findTablesContaining(database: Database, needle: string): Promise<string[]> {
  const { rows: tables } = await database.pool.query<{ table_schema: string; table_name: string }>(
    `select table_schema, table_name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  const found: string[] = [];
  for (const { table_schema: schema, table_name: table } of tables) {
    const quoted = `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"`;
    const { rows } = await database.pool.query<{ n: string }>(
      `select count(*) as n from ${quoted} t where strpos(t::text, $1) > 0`,
      [needle],
    );
    if (Number(rows[0]?.n) > 0) found.push(`${schema}.${table}`);
  }
  return found;
}
