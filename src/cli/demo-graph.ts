/**
 * The demo's Microsoft Graph tenant: a local Graph simulator (graph/graph-simulator) serving one
 * demo tenant's export folder as a Graph tenant, with one demo app registration consented in it, and
 * an unconnected TenantPilot tenant for it — so a new user connects a "Graph" tenant (web form or
 * CLI) and captures and compares it like any other, without an Entra tenant of their own.
 *
 * Saved connections must survive restarts: the simulator listens on a fixed port (config
 * TENANTPILOT_DEMO_GRAPH_PORT) and its certificate is kept in `<data dir>/demo-graph/` (the key
 * 0600), renewed only shortly before it expires.
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/database.js";
import type { KeyRing } from "../graph/credential-encryption.js";
import {
  connectTenantToGraph,
  findGraphConnection,
  type GraphConnection,
  type GraphConnectionInput,
} from "../graph/graph-connections.js";
import { startDemoGraphSimulator } from "../graph/graph-simulator/demo-graph-simulator.js";
import type { GraphSimulator } from "../graph/graph-simulator/graph-simulator.js";
import { generateSimulatorTls, type SimulatorTlsMaterial } from "../graph/graph-simulator/simulator-tls.js";
import type { DemoTenant } from "../inventory/sample-tenant-generator.js";
import { addTenant, type Tenant } from "../inventory/tenants.js";
import type { DemoGraphConnectValues } from "../web/web-env.js";
import { DEMO_PROFILE_NAME } from "./demo-data.js";

/** The TenantPilot tenant read through the demo's Graph. */
export const DEMO_GRAPH_TENANT_NAME = "Northwind Traders (Graph)";
/**
 * The demo tenant (`DemoTenant.name`) whose export folder the simulator serves: Northwind carries
 * drift against the demo baseline (3 changed settings, 1 removed policy), so a compare finds the
 * same drift through Graph as through its export folder.
 */
export const DEMO_GRAPH_SERVED_TENANT = "northwind";
/** The simulated Entra tenant (directory) id: not the export-folder Northwind's, a tenant of its own. */
export const DEMO_GRAPH_ENTRA_TENANT_ID = "6d0c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
/** The demo app registration, consented in the simulated tenant. */
export const DEMO_GRAPH_CLIENT_ID = "2b7e9f1c-4d3a-4e5b-8f6a-0c1d2e3f4a5b";
/**
 * The demo app's client secret. Printed and shown on purpose: it opens nothing but the local
 * simulator on 127.0.0.1, which serves only the generated sample policies.
 */
export const DEMO_GRAPH_CLIENT_SECRET = "tenantpilot-demo-graph-secret";
/** The environment variable the printed `tenants connect` command reads the demo secret from. */
export const DEMO_GRAPH_SECRET_ENV = "TENANTPILOT_DEMO_GRAPH_SECRET";

/** The certificate is renewed when it expires within this long, ms (it is valid 30 days). */
const RENEW_BEFORE_EXPIRY_MS = 2 * 24 * 60 * 60 * 1000;

/** A running demo Graph. */
export interface DemoGraph extends DemoGraphConnectValues {
  tenantName: string;
  /** Display name of the demo tenant whose policies are served. */
  servedTenantName: string;
  port: number;
  /** True when this start made a new certificate although one existed (expired or unreadable): saved connections must be made again. */
  certificateRenewed: boolean;
  simulator: GraphSimulator;
  close(): Promise<void>;
}

/** Why the demo Graph did not start: one operator sentence. */
export interface DemoGraphUnavailable {
  unavailable: string;
}

/** Options of {@link startDemoGraph}. */
export interface StartDemoGraphOptions {
  /** TENANTPILOT_DATA_DIR: the certificate lives in `<dataDir>/demo-graph/`. */
  dataDir: string;
  /** Fixed port (config `demoGraphPort`); 0 picks a free one (tests). */
  port: number;
  /** The demo tenants as `seedDemoData` wrote them; the one named {@link DEMO_GRAPH_SERVED_TENANT} is served. */
  demoTenants: readonly DemoTenant[];
  now?: () => Date;
}

/**
 * Start the demo's Graph simulator with its persisted certificate.
 * @returns the running demo, or why it could not start (the port is taken): the caller carries on without it
 * @throws {Error} when the certificate cannot be written or the served folder cannot be read
 */
export async function startDemoGraph(options: StartDemoGraphOptions): Promise<DemoGraph | DemoGraphUnavailable> {
  const served = options.demoTenants.find((tenant) => tenant.name === DEMO_GRAPH_SERVED_TENANT);
  if (served === undefined) throw new Error(`demo: no demo tenant named ${DEMO_GRAPH_SERVED_TENANT} to serve`);
  const directory = demoGraphDir(options.dataDir);
  const { tls, renewed } = await loadDemoGraphTls(directory, (options.now ?? (() => new Date()))());
  let simulator: GraphSimulator;
  try {
    simulator = await startDemoGraphSimulator({
      tenants: [{ tenantId: DEMO_GRAPH_ENTRA_TENANT_ID, displayName: DEMO_GRAPH_TENANT_NAME, dir: served.dir }],
      app: { clientId: DEMO_GRAPH_CLIENT_ID, clientSecret: DEMO_GRAPH_CLIENT_SECRET },
      port: options.port,
      tls,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      return {
        unavailable: `The demo Graph simulator cannot listen on 127.0.0.1:${options.port} (${code === "EADDRINUSE" ? "the port is in use, perhaps by another TenantPilot" : "permission denied"}); set TENANTPILOT_DEMO_GRAPH_PORT to a free port below 32768. Carrying on without the Graph demo.`,
      };
    }
    throw error;
  }
  return {
    tenantName: DEMO_GRAPH_TENANT_NAME,
    servedTenantName: served.displayName,
    entraTenantId: DEMO_GRAPH_ENTRA_TENANT_ID,
    clientId: DEMO_GRAPH_CLIENT_ID,
    clientSecret: DEMO_GRAPH_CLIENT_SECRET,
    authorityHost: simulator.authorityHost,
    graphBaseUrl: simulator.baseUrl,
    caCertificatePem: simulator.caCertPem,
    caFile: path.join(directory, "ca.pem"),
    port: simulator.port,
    certificateRenewed: renewed,
    simulator,
    close: () => simulator.close(),
  };
}

/** True when {@link startDemoGraph} could not start the simulator. */
export function isDemoGraphUnavailable(value: DemoGraph | DemoGraphUnavailable): value is DemoGraphUnavailable {
  return "unavailable" in value;
}

/** `<dataDir>/demo-graph`. */
export function demoGraphDir(dataDir: string): string {
  return path.join(dataDir, "demo-graph");
}

/**
 * The simulator's certificate from `dir` (`ca.pem`, `key.pem`), or a new one written there when
 * there is none, it does not match its key, or it expires within two days.
 * @returns the material and whether an existing certificate was replaced
 */
export async function loadDemoGraphTls(
  dir: string,
  now: Date,
): Promise<{ tls: SimulatorTlsMaterial; renewed: boolean }> {
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "key.pem");
  let existed = false;
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    existed = true;
    const certificate = new X509Certificate(certPem);
    const usable =
      certificate.checkPrivateKey(createPrivateKey(keyPem)) &&
      Date.parse(certificate.validFrom) <= now.getTime() &&
      Date.parse(certificate.validTo) - now.getTime() > RENEW_BEFORE_EXPIRY_MS;
    if (usable) return { tls: { certPem, keyPem }, renewed: false };
  } catch (error) {
    // Missing: make one. Unreadable PEM (a partial write): replace it. Anything else (permissions) is a real problem.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && code !== "ENOENT" && !code.startsWith("ERR_")) throw error;
  }
  const tls = await generateSimulatorTls(now);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomically(keyFile, tls.keyPem, 0o600);
  await writeAtomically(certFile, tls.certPem, 0o644);
  return { tls, renewed: existed };
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}

/**
 * Add the demo's Graph tenant to the workspace, unconnected (its evidence source is Graph; the
 * connection is the user's to make). Idempotent: an existing tenant (connected or not) is kept as it is.
 */
export async function addDemoGraphTenant(
  db: Db,
  workspaceId: string,
): Promise<{ tenant: Tenant; connection: GraphConnection | undefined }> {
  const { tenant } = await addTenant(db, {
    workspaceId,
    name: DEMO_GRAPH_TENANT_NAME,
    entraTenantId: DEMO_GRAPH_ENTRA_TENANT_ID,
    evidenceSource: { kind: "graph" },
  });
  return { tenant, connection: await findGraphConnection(db, tenant.id) };
}

/** The connection a user makes with the printed values, as graph-connections' input. */
export function demoGraphConnectInput(demo: DemoGraphConnectValues): GraphConnectionInput {
  return {
    entraTenantId: demo.entraTenantId,
    clientId: demo.clientId,
    credential: { kind: "client_secret", clientSecret: demo.clientSecret },
    authorityHost: demo.authorityHost,
    graphBaseUrl: demo.graphBaseUrl,
    caCertificatePem: demo.caCertificatePem,
  };
}

/** Connect the demo's Graph tenant with the demo values (what `tenantpilot demo` does itself). */
export async function connectDemoGraphTenant(
  db: Db,
  keyRing: KeyRing,
  input: { workspaceId: string; tenantId: string; demo: DemoGraphConnectValues },
): Promise<GraphConnection> {
  const { connection } = await connectTenantToGraph(db, keyRing, {
    ...demoGraphConnectInput(input.demo),
    workspaceId: input.workspaceId,
    tenantId: input.tenantId,
  });
  return connection;
}

/**
 * After the simulator's certificate was renewed, make a connection to this simulator trust the new
 * one (the stored secret is kept); any other connection is left alone.
 * @returns true when the connection was updated
 */
export async function trustRenewedDemoGraphCertificate(
  db: Db,
  keyRing: KeyRing,
  input: { workspaceId: string; tenantId: string; connection: GraphConnection | undefined; demo: DemoGraph },
): Promise<boolean> {
  if (!input.demo.certificateRenewed || !isConnectedToDemoGraph(input.connection, input.demo)) return false;
  await connectTenantToGraph(db, keyRing, {
    workspaceId: input.workspaceId,
    tenantId: input.tenantId,
    entraTenantId: input.demo.entraTenantId,
    clientId: input.connection?.clientId ?? input.demo.clientId,
    authorityHost: input.demo.authorityHost,
    graphBaseUrl: input.demo.graphBaseUrl,
    caCertificatePem: input.demo.caCertificatePem,
  });
  return true;
}

/** True when a stored connection points at this demo simulator (its host and port). */
export function isConnectedToDemoGraph(connection: GraphConnection | undefined, demo: DemoGraphConnectValues): boolean {
  return (
    connection !== undefined &&
    connection.entraTenantId === demo.entraTenantId &&
    connection.authorityHost === demo.authorityHost &&
    connection.graphBaseUrl === demo.graphBaseUrl
  );
}

/** Settings a second shell must repeat to reach the same database (printed before the command). */
export interface ShellSettings {
  /** TENANTPILOT_DATA_DIR when not the default. */
  dataDir?: string;
  /** TENANTPILOT_PG_PORT when not the default. */
  pgPort?: number;
}

/** The one copy-paste command that connects and tests the demo's Graph tenant. */
export function demoGraphConnectCommand(
  demo: DemoGraphConnectValues & { tenantName: string },
  shell: ShellSettings = {},
): string {
  const env = [
    ...(shell.dataDir === undefined ? [] : [`TENANTPILOT_DATA_DIR=${shellQuote(shell.dataDir)}`]),
    ...(shell.pgPort === undefined ? [] : [`TENANTPILOT_PG_PORT=${shell.pgPort}`]),
    `${DEMO_GRAPH_SECRET_ENV}=${shellQuote(demo.clientSecret)}`,
  ];
  return [
    ...env,
    "npx tenantpilot tenants connect",
    shellQuote(demo.tenantName),
    "--graph",
    `--entra-tenant-id ${demo.entraTenantId}`,
    `--client-id ${demo.clientId}`,
    `--client-secret-env ${DEMO_GRAPH_SECRET_ENV}`,
    `--authority-host ${demo.authorityHost}`,
    `--graph-base-url ${demo.graphBaseUrl}`,
    `--ca-file ${shellQuote(demo.caFile)}`,
    "--test",
  ].join(" ");
}

/**
 * What `serve --demo-data` prints about the demo Graph: where it runs, the demo app registration and
 * how to connect, or that the tenant is connected already.
 */
export function describeDemoGraph(
  demo: DemoGraph,
  connection: GraphConnection | undefined,
  shell: ShellSettings = {},
): string[] {
  const lines = [
    `Demo Graph simulator at ${demo.graphBaseUrl}: serves "${demo.tenantName}" (the policies of ${demo.servedTenantName}) to a demo app registration.`,
  ];
  if (isConnectedToDemoGraph(connection, demo)) {
    lines.push(
      `  "${demo.tenantName}" is connected to it: capture and compare it like any other tenant (Baselines, or npx tenantpilot baselines compare --profile ${shellQuote(DEMO_PROFILE_NAME)} --tenant ${shellQuote(demo.tenantName)}).`,
    );
    return lines;
  }
  lines.push(
    `  Entra tenant id ${demo.entraTenantId} · client id ${demo.clientId} · client secret ${demo.clientSecret} (demo values: they open only this local simulator)`,
    `  Connect it on the tenant's "Connect with an app registration" page ("Fill in the demo values"), or run in another shell here:`,
    `  ${demoGraphConnectCommand(demo, shell)}`,
  );
  return lines;
}

/** Quote for a POSIX shell when needed. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
