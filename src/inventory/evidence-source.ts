/**
 * Evidence sources behind one interface: an export folder (files listed up front, read one at a
 * time) or Microsoft Graph (collections paged, total known only once Graph says so). Evidence
 * capture reads entries from here without knowing which source it is.
 * @module
 */

import type { Db } from "../db/database.js";
import type { KeyRing } from "../graph/credential-encryption.js";
import { createGraphClient, type GraphConnection, type WaitObserver } from "../graph/graph-client.js";
import { findGraphConnection, loadGraphCredentialMaterial } from "../graph/graph-connections.js";
import { createTokenCredential } from "../graph/graph-credentials.js";
import { type GraphUnreadable, parseGraphReadState, readGraphPolicies } from "../graph/graph-policy-reader.js";
import {
  DEFAULT_GRAPH_RETRY_POLICY,
  DEFAULT_TENANT_REQUEST_LIMITS,
  type GraphRetryPolicy,
  TenantRequestLimiter,
} from "../graph/graph-throttle.js";
import { OperatorError } from "../shared/operator-error.js";
import type { ParsedExport } from "./export-decoding.js";
import { listExportFiles, readExportFolder } from "./export-folder-source.js";
import type { Tenant } from "./tenants.js";

/** One entry of an evidence source: a policy object, or why it could not be read. */
export interface EvidenceEntry {
  /** Stable key: the export file's relative path, or `graph:<kind>/<id>` (`graph:<kind>` for a whole kind). */
  key: string;
  result: ParsedExport | GraphUnreadable;
}

/** What reading an evidence source yields. */
export type EvidenceEvent =
  | { type: "entry"; entry: EvidenceEntry }
  /** The number of entries the source holds, once known. */
  | { type: "total"; totalCount: number }
  /** Merge into the resume token once every earlier entry is recorded. */
  | { type: "checkpoint"; resume: Record<string, unknown> };

/** An evidence source opened for one capture. */
export interface EvidenceReading {
  /** Entries known before reading (an export folder's files); undefined when only reading tells (Graph). */
  listedTotal: number | undefined;
  /** The entries, except those in `skip` (recorded by an earlier attempt). */
  events(skip: ReadonlySet<string>): AsyncIterable<EvidenceEvent>;
  /** Stop whatever the source still does in the background and release its connections. */
  close(): void;
}

/** What reading through Microsoft Graph needs from the process. */
export interface GraphEvidenceDeps {
  /** The per-tenant request limiter, one per process (shared by every run). */
  limiter: TenantRequestLimiter;
  retryPolicy: GraphRetryPolicy;
  /** A tenant's connection. (Default: its stored app registration, decrypted with `keyRing`) */
  resolveConnection?: (tenant: Tenant) => Promise<GraphConnection>;
  /** Decrypts stored credentials for the default `resolveConnection`. */
  keyRing?: KeyRing;
}

/**
 * Graph deps from configuration (`GRAPH_*` keys, config/config.ts) and the credential key ring.
 * Build it once per process (the composition root) and hand it to every worker's task list: the
 * limiter is only fair when all runs of the process share it.
 */
export function createGraphEvidenceDeps(
  config: {
    graphMaxInFlightPerTenant: number;
    graphMaxInFlightTotal: number;
    graphRetryPolicy: GraphRetryPolicy;
  },
  keyRing?: KeyRing,
): GraphEvidenceDeps {
  return {
    limiter: new TenantRequestLimiter({
      maxInFlightPerTenant: config.graphMaxInFlightPerTenant,
      maxInFlightTotal: config.graphMaxInFlightTotal,
    }),
    retryPolicy: config.graphRetryPolicy,
    ...(keyRing ? { keyRing } : {}),
  };
}

let processGraphDeps: GraphEvidenceDeps | undefined;

/**
 * The process-wide Graph deps with default limits and no key ring, for callers that were given
 * none: every run in the process shares its limiter. Without a key ring a stored connection cannot
 * be decrypted (`credential_key_missing`), so the composition root should pass
 * {@link createGraphEvidenceDeps} instead.
 */
export function getProcessGraphEvidenceDeps(): GraphEvidenceDeps {
  processGraphDeps ??= {
    limiter: new TenantRequestLimiter(DEFAULT_TENANT_REQUEST_LIMITS),
    retryPolicy: DEFAULT_GRAPH_RETRY_POLICY,
  };
  return processGraphDeps;
}

/** Options of {@link openEvidenceSource}. */
export interface OpenEvidenceSourceOptions {
  db: Db;
  /** Kinds in scope; empty = all. */
  policyKinds: readonly string[];
  /** Read assignments (Graph reads them per policy only when a profile manages them). */
  manageAssignments: boolean;
  /** The run's resume token (`context.resume`): a Graph read continues from its `graph` state. */
  resume: unknown;
  signal: AbortSignal;
  /** Graph deps. (Default: {@link getProcessGraphEvidenceDeps}) */
  graph?: GraphEvidenceDeps;
  /** Told about Graph throttling waits (the run shows the `throttled` wait reason). */
  waits?: WaitObserver;
}

/** Why a tenant's evidence source cannot be read yet: a precondition an operator fixes by connecting it. */
export interface UnconnectedTenant {
  code: "tenant_not_connected" | "graph_not_connected";
  /** Internal message naming the tenant and how to connect it (the CLI shows it; runs keep it in diagnostics). */
  detail: string;
}

/**
 * Whether a tenant's evidence source is connected: undefined when it is, or why not — no source at
 * all, or a Microsoft Graph source without a stored app registration (the demo's Graph tenant
 * before the user connects it). Run starts refuse with it at once; run tasks end `blocked` with it.
 */
export async function findUnconnectedTenant(
  db: Db,
  tenant: Pick<Tenant, "id" | "name" | "evidenceSource">,
): Promise<UnconnectedTenant | undefined> {
  if (tenant.evidenceSource === null) {
    return { code: "tenant_not_connected", detail: `Tenant "${tenant.name}" has no evidence source.` };
  }
  if (tenant.evidenceSource.kind === "graph" && (await findGraphConnection(db, tenant.id)) === undefined) {
    return {
      code: "graph_not_connected",
      detail: `Tenant "${tenant.name}" reads Microsoft Graph but has no app registration yet: connect it on the tenant's Microsoft Graph page or with tenantpilot tenants connect --graph.`,
    };
  }
  return undefined;
}

/**
 * Open a tenant's evidence source for reading.
 * @throws {OperatorError} tenant_not_connected – no source; evidence_source_unreachable – an export
 *   folder cannot be listed; graph_not_connected, credential_key_missing, credential_undecryptable –
 *   the Graph connection cannot be loaded
 */
export async function openEvidenceSource(tenant: Tenant, options: OpenEvidenceSourceOptions): Promise<EvidenceReading> {
  const source = tenant.evidenceSource;
  if (source === null) throw new OperatorError("tenant_not_connected", `tenant ${tenant.id} has no evidence source`);
  if (source.kind === "export_folder") {
    const files = await listExportFiles(source.path);
    return {
      listedTotal: files.length,
      async *events(skip) {
        for await (const entry of readExportFolder(source.path, { signal: options.signal, skip: new Set(skip) })) {
          yield { type: "entry", entry: { key: entry.file, result: entry.result } };
        }
      },
      close: () => undefined,
    };
  }
  return openGraphSource(tenant, options);
}

async function openGraphSource(tenant: Tenant, options: OpenEvidenceSourceOptions): Promise<EvidenceReading> {
  const deps = options.graph ?? getProcessGraphEvidenceDeps();
  const connection = await (deps.resolveConnection ?? ((t: Tenant) => loadStoredConnection(options.db, deps, t)))(
    tenant,
  );
  // Stops the read's background requests when the capture stops consuming (error or completion).
  const local = new AbortController();
  const signal = AbortSignal.any([options.signal, local.signal]);
  const client = createGraphClient({
    ...connection,
    limiter: deps.limiter,
    retryPolicy: deps.retryPolicy,
    signal,
    ...(options.waits ? { waits: options.waits } : {}),
  });
  const resume = options.resume as { graph?: unknown } | null | undefined;
  return {
    listedTotal: undefined,
    async *events(skip) {
      const read = readGraphPolicies(client, {
        policyKinds: options.policyKinds,
        manageAssignments: options.manageAssignments,
        resume: parseGraphReadState(resume?.graph),
        skip,
        signal,
      });
      for await (const event of read) {
        if (event.type === "checkpoint") yield { type: "checkpoint", resume: { graph: event.state } };
        else yield event;
      }
    },
    close: () => {
      local.abort(new Error("evidence source closed"));
      client.close();
    },
  };
}

/** The tenant's stored app registration as a connection (credential decrypted in memory only). */
async function loadStoredConnection(db: Db, deps: GraphEvidenceDeps, tenant: Tenant): Promise<GraphConnection> {
  if (deps.keyRing === undefined) {
    throw new OperatorError("credential_key_missing", `no key ring given to read tenant ${tenant.id} through Graph`);
  }
  const material = await loadGraphCredentialMaterial(db, deps.keyRing, tenant.id);
  return {
    tenantKey: tenant.id,
    credential: createTokenCredential(material),
    graphBaseUrl: material.graphBaseUrl,
    caCertPem: material.caCertificatePem,
    signIn: {
      authorityHost: material.authorityHost,
      entraTenantId: material.entraTenantId,
      credentialKind: material.credential.kind,
    },
  };
}
