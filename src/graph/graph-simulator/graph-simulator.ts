/**
 * A local Microsoft Graph-compatible server for tests, benchmarks and the demo: Entra's discovery
 * and token endpoints (client secret or certificate) and Intune's policy collections served from
 * export folders through the real Graph URL shapes, over HTTPS with a certificate clients trust
 * explicitly. Paging, `$batch`, fault injection, throttling storms and request accounting.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  FaultBook,
  type FaultResponse,
  type FaultRule,
  type FaultTarget,
  type PendingFault,
  type ThrottlingStorm,
} from "./simulator-faults.js";
import {
  answerGraphRead,
  type GraphAnswer,
  type RequestIds,
  toGraphError,
  toInjectedError,
} from "./simulator-graph-routes.js";
import {
  type AccessTokenGrant,
  type IdentityResponse,
  newAccessToken,
  redeemClientCredentials,
  type SimulatedAppOptions,
  toOpenIdConfiguration,
  toUnknownTenantError,
} from "./simulator-identity.js";
import {
  GRAPH_COLLECTIONS,
  type GraphVersion,
  loadSimulatedPolicies,
  NAVIGATION_PROPERTIES,
  type SimulatedPolicies,
  type SimulatedPolicySource,
  type SkippedExportFile,
} from "./simulator-tenants.js";
import { generateSimulatorTls, type SimulatorTlsMaterial } from "./simulator-tls.js";

export type {
  FaultMatch,
  FaultResponse,
  FaultRule,
  HttpMethod,
  PendingFault,
  ThrottlingStorm,
} from "./simulator-faults.js";
export type { SimulatedAppOptions } from "./simulator-identity.js";
export type { SimulatedPolicySource, SkippedExportFile } from "./simulator-tenants.js";
export type { SimulatorTlsMaterial } from "./simulator-tls.js";
export { generateSimulatorTls } from "./simulator-tls.js";

/** A simulated Entra tenant with its app registrations and Intune policies. */
export interface SimulatedTenantOptions {
  /** Directory (tenant) id, a GUID; token and discovery URLs name it. */
  tenantId: string;
  /** Organization display name served by `GET /organization`. (Default: `Simulated tenant <id>`) */
  displayName?: string;
  /** App registrations that may request tokens for this tenant. */
  apps: readonly SimulatedAppOptions[];
  /** The tenant's policies. */
  policies: SimulatedPolicySource;
}

/** Options of {@link startGraphSimulator}. */
export interface GraphSimulatorOptions {
  tenants: readonly SimulatedTenantOptions[];
  /**
   * TCP port on 127.0.0.1. (Default: 0, a free port chosen by the OS.) A fixed port must lie outside
   * the ephemeral range 32768–60999, where these machines may refuse to listen (STACK.md G10).
   */
  port?: number;
  /** Server certificate and key. (Default: a new self-signed one, see {@link generateSimulatorTls}) */
  tls?: SimulatorTlsMaterial;
  /** Items per page when a request has no `$top`. (Default: 10, so tests page) */
  pageSize?: number;
  /** Largest `$top` honoured; larger values page at this size. (Default: 999) */
  maxPageSize?: number;
  /** Delay before every answer, in ms (the bench uses 50). (Default: 0) */
  latencyMs?: number;
  /** Access token lifetime in seconds, reported as `expires_in`. (Default: 3599) */
  accessTokenLifetimeSeconds?: number;
  /** Fault rules active from the start (the demo's throttling). (Default: none) */
  faults?: readonly FaultRule[];
  /** Throttling storms active from the start. (Default: none) */
  throttlingStorms?: readonly ThrottlingStorm[];
  /**
   * Origin of `@odata.nextLink` and `@odata.context` URLs. (Default: `https://` plus the request's
   * Host header, i.e. the host the client used.) Set `https://graph.microsoft.com` for a client that
   * rewrites Graph URLs to this server in its last middleware.
   */
  linkBaseUrl?: string;
  /** Clock, for token expiry and storm durations. (Default: `() => new Date()`) */
  now?: () => Date;
}

/** One request the simulator answered (top-level or `$batch` item). */
export interface SimulatorRequestLogEntry {
  method: string;
  /** Path and query as requested (batch items: prefixed with the version). */
  path: string;
  /** HTTP status sent; 0 when the connection was reset. */
  status: number;
  /** Tenant of the token (Graph) or of the URL (identity), when known. */
  tenantId?: string;
  /** True for an item inside a `$batch`. */
  batchItem: boolean;
  /** The injected fault, when one replaced the normal answer (`429`, `503`, `slow`, `malformed`, `reset`). */
  fault?: string;
}

/** Counts of one tenant's requests. */
export interface TenantRequestStats {
  /** Top-level HTTP requests for the tenant (token requests and `$batch` envelopes included). */
  requests: number;
  /** Items inside `$batch` requests. */
  batchItems: number;
  /** Most top-level requests for the tenant in flight at once. */
  maxInFlight: number;
}

/** Request accounting since start or the last {@link GraphSimulator.resetStats}. */
export interface GraphSimulatorStats {
  /** Every HTTP request received, of any kind. */
  requests: number;
  /** Token endpoint POSTs. */
  tokenRequests: number;
  /** Top-level Graph requests (`/v1.0/…`, `/beta/…`), `$batch` envelopes included. */
  graphRequests: number;
  /** `$batch` envelopes. */
  batchRequests: number;
  /** Items inside `$batch` envelopes. */
  batchItems: number;
  /** By `METHOD /path` with ids replaced by `{id}`, top-level requests and batch items alike. */
  byPath: Record<string, number>;
  /** By tenant id. */
  byTenant: Record<string, TenantRequestStats>;
  /** By HTTP status (top-level and batch items; `0` for resets). */
  byStatus: Record<string, number>;
  /** Answers replaced by an injected fault or a storm. */
  faultsInjected: number;
  /** Most HTTP requests in flight at once. */
  maxInFlight: number;
  /** HTTP requests in flight now. */
  inFlight: number;
}

/** What a served policy is, for tests that count pages. */
export interface ServedPolicySummary {
  id: string;
  kind: string;
  displayName: string;
  /** Graph collection paths below the version that list it. */
  collections: string[];
  /** Export file (relative) or `objects[<index>]`. */
  file: string;
  /** Number of items of each navigation property (`settings`, `assignments`, …). */
  navigationCounts: Record<string, number>;
}

/** A running simulator. */
export interface GraphSimulator {
  /** `https://127.0.0.1:PORT`: Graph is at `${baseUrl}/v1.0` and `${baseUrl}/beta`. */
  readonly baseUrl: string;
  /** The `authorityHost` for `@azure/identity` credentials (same origin as {@link baseUrl}). */
  readonly authorityHost: string;
  readonly port: number;
  /** The server certificate (PEM): the one CA a client needs to trust this server. */
  readonly caCertPem: string;
  /** Add fault rules after those pending. */
  injectFaults(rules: readonly FaultRule[]): void;
  /** Drop every pending fault rule and storm. */
  clearFaults(): void;
  /** Fault rules that have not fired their last time. */
  pendingFaults(): PendingFault[];
  /** Throttle every Graph request of a tenant (batch items one by one) until the storm ends. */
  startThrottlingStorm(storm: ThrottlingStorm): void;
  /** End a tenant's storm now. */
  endThrottlingStorm(tenantId: string): void;
  /** Change the delay before every answer, in ms. */
  setLatencyMs(latencyMs: number): void;
  /** Request accounting (a copy). */
  stats(): GraphSimulatorStats;
  /** Zero the accounting and clear the request log (in-flight requests are still counted as such). */
  resetStats(): void;
  /** Requests answered since start or the last reset, oldest first (a copy). */
  requestLog(): SimulatorRequestLogEntry[];
  /** The policies served for a tenant, in list order. @throws {Error} for an unknown tenant */
  servedPolicies(tenantId: string): ServedPolicySummary[];
  /** Export files of a tenant that could not be served (unreadable). @throws {Error} for an unknown tenant */
  skippedFiles(tenantId: string): SkippedExportFile[];
  /** Replace a tenant's policies (e.g. to show drift between two captures). @throws {Error} for an unknown tenant */
  setTenantPolicies(tenantId: string, source: SimulatedPolicySource): Promise<void>;
  /** Make every issued access token expired: Graph then answers 401 until clients get new ones. */
  expireAccessTokens(): void;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Graph's `$batch` limit. */
export const MAX_BATCH_REQUESTS = 20;

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 10;
const DEFAULT_MAX_PAGE_SIZE = 999;
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;
const EPHEMERAL_PORTS = { min: 32768, max: 60999 };
const AGS_DIAGNOSTIC = JSON.stringify({
  ServerInfo: { DataCenter: "Local", Slice: "E", Ring: "SIM", ScaleUnit: "000", RoleInstance: "graph-simulator" },
});
const COLLECTION_SEGMENTS = new Set(Object.keys(GRAPH_COLLECTIONS).map((p) => p.split("/")[1]));
const NAVIGATION_SEGMENTS = new Set<string>(NAVIGATION_PROPERTIES);

interface TenantState {
  tenantId: string;
  displayName: string;
  apps: readonly SimulatedAppOptions[];
  policies: SimulatedPolicies;
}

/** Thrown inside request handling to destroy the connection instead of answering. */
class ConnectionReset extends Error {}

/**
 * Start a simulator on 127.0.0.1 over HTTPS. Loads every tenant's policies first.
 * @throws {Error} when a fixed `port` lies in the ephemeral range or is taken, or tenant ids repeat
 * @throws {OperatorError} `evidence_source_unreachable` – an export folder cannot be read
 * @example
 * ```ts
 * const sim = await startGraphSimulator({ tenants: [{ tenantId, apps: [{ clientId, clientSecret, permissions }], policies: { exportFolder } }] });
 * const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, { authorityHost: sim.authorityHost, disableInstanceDiscovery: true, ... });
 * ```
 */
export async function startGraphSimulator(options: GraphSimulatorOptions): Promise<GraphSimulator> {
  const port = options.port ?? 0;
  if (port !== 0 && port >= EPHEMERAL_PORTS.min && port <= EPHEMERAL_PORTS.max) {
    throw new Error(
      `Graph simulator port ${port} lies in the ephemeral range 32768-60999 (STACK.md G10); pick another or 0`,
    );
  }
  const now = options.now ?? (() => new Date());
  const tenants = new Map<string, TenantState>();
  for (const tenant of options.tenants) {
    const key = tenant.tenantId.toLowerCase();
    if (tenants.has(key)) throw new Error(`Graph simulator: tenant ${tenant.tenantId} is listed twice`);
    tenants.set(key, {
      tenantId: tenant.tenantId,
      displayName: tenant.displayName ?? `Simulated tenant ${tenant.tenantId}`,
      apps: tenant.apps,
      policies: await loadSimulatedPolicies(tenant.policies),
    });
  }
  const tls = options.tls ?? (await generateSimulatorTls(now()));
  const faults = new FaultBook();
  faults.add(options.faults ?? []);
  for (const storm of options.throttlingStorms ?? []) faults.startStorm(storm, now().getTime());
  const tokens = new Map<string, AccessTokenGrant>();
  const settings = {
    latencyMs: options.latencyMs ?? 0,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    maxPageSize: options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE,
    tokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
  };
  let stats = emptyStats();
  let log: SimulatorRequestLogEntry[] = [];
  let inFlight = 0;
  const inFlightByTenant = new Map<string, number>();
  let baseUrl = "";

  const tenantStats = (tenantId: string): TenantRequestStats => {
    const existing = stats.byTenant[tenantId];
    if (existing !== undefined) return existing;
    const created: TenantRequestStats = { requests: 0, batchItems: 0, maxInFlight: 0 };
    stats.byTenant[tenantId] = created;
    return created;
  };
  const record = (entry: SimulatorRequestLogEntry): void => {
    log.push(entry);
    stats.byStatus[String(entry.status)] = (stats.byStatus[String(entry.status)] ?? 0) + 1;
    const key = `${entry.method} ${toPathKey(entry.path)}`;
    stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;
    if (entry.fault !== undefined) stats.faultsInjected += 1;
  };
  const enterTenant = (tenantId: string): (() => void) => {
    const current = (inFlightByTenant.get(tenantId) ?? 0) + 1;
    inFlightByTenant.set(tenantId, current);
    const counts = tenantStats(tenantId);
    counts.requests += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, current);
    return () => inFlightByTenant.set(tenantId, (inFlightByTenant.get(tenantId) ?? 1) - 1);
  };

  const findGrant = (request: IncomingMessage): AccessTokenGrant | "missing" | "invalid" | "expired" => {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match?.[1] === undefined) return "missing";
    const grant = tokens.get(match[1]);
    if (grant === undefined) return "invalid";
    return grant.expiresAtMs <= now().getTime() ? "expired" : grant;
  };

  /** Answer one Graph read, applying faults; used for top-level requests and batch items alike. */
  const answerGraph = async (
    target: FaultTarget & { version: GraphVersion; resourcePath: string; query: URLSearchParams },
    grant: AccessTokenGrant,
    ids: RequestIds,
    linkBase: string,
  ): Promise<{ answer: GraphAnswer; fault?: FaultResponse; malformed?: boolean }> => {
    const fault = faults.take(target, now().getTime(), true);
    if (fault !== undefined && "status" in fault) {
      return { answer: toInjectedError(fault.status, fault.retryAfterSeconds, ids, now()), fault };
    }
    if (fault !== undefined && fault.kind === "reset") throw new ConnectionReset();
    if (fault !== undefined && fault.kind === "slow") await delay(fault.delayMs);
    const tenant = tenants.get(grant.tenantId.toLowerCase());
    if (tenant === undefined) throw new Error(`token names unknown tenant ${grant.tenantId}`);
    const answer = answerGraphRead({
      method: target.method,
      version: target.version,
      resourcePath: target.resourcePath,
      query: target.query,
      grant,
      tenant,
      linkBase,
      pageSize: settings.pageSize,
      maxPageSize: settings.maxPageSize,
      ids,
      now: now(),
    });
    if (fault === undefined) return { answer };
    return fault.kind === "malformed"
      ? { answer: { ...answer, status: 200 }, fault, malformed: true }
      : { answer, fault };
  };

  const handleBatch = async (
    version: GraphVersion,
    body: Buffer,
    grant: AccessTokenGrant,
    ids: RequestIds,
    linkBase: string,
  ): Promise<GraphAnswer> => {
    const parsed = parseBatchBody(body);
    if (typeof parsed === "string") return toGraphError(400, "BadRequest", parsed, ids, now());
    if (parsed.length > MAX_BATCH_REQUESTS) {
      return toGraphError(
        400,
        "BadRequest",
        `Number of batch request steps exceeds the maximum of ${MAX_BATCH_REQUESTS}.`,
        ids,
        now(),
      );
    }
    const itemIds = new Set(parsed.map((item) => item.id));
    if (itemIds.size !== parsed.length)
      return toGraphError(400, "BadRequest", "Batch request ids must be unique.", ids, now());
    for (const item of parsed) {
      for (const dependency of item.dependsOn) {
        if (!itemIds.has(dependency)) {
          return toGraphError(
            400,
            "BadRequest",
            `Request ${item.id} depends on unknown request ${dependency}.`,
            ids,
            now(),
          );
        }
      }
    }
    const results = new Map<string, Promise<BatchItemResult>>();
    const run = async (item: BatchItem): Promise<BatchItemResult> => {
      const dependencies = await Promise.all(item.dependsOn.map((d) => results.get(d)));
      const itemIds: RequestIds = { requestId: randomUUID(), clientRequestId: ids.clientRequestId };
      const pathAndQuery = `/${version}${item.url.startsWith("/") ? "" : "/"}${item.url}`;
      if (dependencies.some((d) => d === undefined || d.status >= 400)) {
        const answer = toGraphError(424, "FailedDependency", "A dependent request failed.", itemIds, now());
        return toBatchItemResult(item, answer, itemIds, undefined);
      }
      const url = new URL(pathAndQuery, "https://batch.invalid");
      const { answer, fault, malformed } = await answerGraph(
        {
          method: item.method,
          path: url.pathname,
          pathAndQuery,
          tenantId: grant.tenantId,
          batchItem: true,
          version,
          resourcePath: url.pathname.slice(version.length + 2),
          query: url.searchParams,
        },
        grant,
        itemIds,
        linkBase,
      );
      const result = toBatchItemResult(
        item,
        answer,
        itemIds,
        malformed === true ? truncatedJson(answer.body) : undefined,
      );
      record({
        method: item.method,
        path: pathAndQuery,
        status: answer.status,
        tenantId: grant.tenantId,
        batchItem: true,
        ...(fault === undefined ? {} : { fault: describeFault(fault) }),
      });
      stats.batchItems += 1;
      tenantStats(grant.tenantId).batchItems += 1;
      return result;
    };
    // Items without dependsOn run concurrently, as Graph runs them; dependsOn chains wait.
    for (const item of parsed) results.set(item.id, run(item));
    const responses = await Promise.all(parsed.map((item) => results.get(item.id)));
    return {
      status: 200,
      headers: {
        "Content-Type":
          "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
      },
      body: { responses: responses.map((r) => r?.json) },
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    inFlight += 1;
    stats.requests += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    let leaveTenant: (() => void) | undefined;
    const method = (request.method ?? "GET").toUpperCase();
    const pathAndQuery = request.url ?? "/";
    const url = new URL(pathAndQuery, "https://simulator.invalid");
    const clientRequestId = headerValue(request, "client-request-id") ?? randomUUID();
    const ids: RequestIds = { requestId: randomUUID(), clientRequestId };
    const linkBase =
      options.linkBaseUrl ?? (request.headers.host === undefined ? baseUrl : `https://${request.headers.host}`);
    let tenantId: string | undefined;
    let fault: FaultResponse | undefined;
    try {
      const body = await readBody(request);
      if (settings.latencyMs > 0) await delay(settings.latencyMs);
      const segments = url.pathname.split("/").filter((s) => s !== "");
      const [first] = segments;
      let answer: GraphAnswer;
      let malformed = false;
      if (first === "v1.0" || first === "beta") {
        stats.graphRequests += 1;
        const grant = findGrant(request);
        if (typeof grant === "string") {
          answer = toUnauthenticated(grant, ids, now());
        } else {
          tenantId = grant.tenantId;
          leaveTenant = enterTenant(tenantId);
          const isBatch = segments.length === 2 && segments[1] === "$batch";
          if (isBatch && method === "POST") {
            stats.batchRequests += 1;
            const target = { method, path: url.pathname, pathAndQuery, tenantId, batchItem: false };
            // The envelope itself is only subject to explicit rules; storms throttle its items one by one.
            fault = faults.take(target, now().getTime(), false);
            if (fault !== undefined && "kind" in fault && fault.kind === "reset") throw new ConnectionReset();
            if (fault !== undefined && "kind" in fault && fault.kind === "slow") await delay(fault.delayMs);
            answer =
              fault !== undefined && "status" in fault
                ? toInjectedError(fault.status, fault.retryAfterSeconds, ids, now())
                : await handleBatch(first, body, grant, ids, linkBase);
            malformed = fault !== undefined && "kind" in fault && fault.kind === "malformed";
          } else {
            const result = await answerGraph(
              {
                method,
                path: url.pathname,
                pathAndQuery,
                tenantId,
                batchItem: false,
                version: first,
                resourcePath: segments.slice(1).join("/"),
                query: url.searchParams,
              },
              grant,
              ids,
              linkBase,
            );
            answer = result.answer;
            fault = result.fault;
            malformed = result.malformed === true;
          }
        }
      } else {
        tenantId = tenants.get((first ?? "").toLowerCase())?.tenantId;
        if (tenantId !== undefined) leaveTenant = enterTenant(tenantId);
        if (method === "POST" && segments.slice(1).join("/") === "oauth2/v2.0/token") stats.tokenRequests += 1;
        const target = { method, path: url.pathname, pathAndQuery, tenantId, batchItem: false };
        // Faults first: a throttled or failed token request issues no token.
        fault = faults.take(target, now().getTime(), false);
        if (fault !== undefined && "kind" in fault && fault.kind === "reset") throw new ConnectionReset();
        if (fault !== undefined && "kind" in fault && fault.kind === "slow") await delay(fault.delayMs);
        if (fault !== undefined && "status" in fault) {
          answer = toInjectedError(fault.status, fault.retryAfterSeconds, ids, now());
        } else {
          const identity = answerIdentity(method, segments, request, body, linkBase);
          answer = {
            status: identity.status,
            headers: { "Content-Type": "application/json; charset=utf-8" },
            body: identity.body,
          };
        }
        malformed = fault !== undefined && "kind" in fault && fault.kind === "malformed";
      }
      const text = malformed
        ? truncatedJson(answer.body)
        : answer.body === undefined
          ? ""
          : JSON.stringify(answer.body);
      response.writeHead(malformed ? 200 : answer.status, {
        ...answer.headers,
        "request-id": ids.requestId,
        "client-request-id": clientRequestId,
        "x-ms-ags-diagnostic": AGS_DIAGNOSTIC,
        "Strict-Transport-Security": "max-age=31536000",
        "Cache-Control": "no-cache",
        "Content-Length": String(Buffer.byteLength(text)),
        ...(answer.status === 401 && !malformed ? { "WWW-Authenticate": WWW_AUTHENTICATE } : {}),
      });
      response.end(text);
      record({
        method,
        path: pathAndQuery,
        status: malformed ? 200 : answer.status,
        ...(tenantId === undefined ? {} : { tenantId }),
        batchItem: false,
        ...(fault === undefined ? {} : { fault: describeFault(fault) }),
      });
    } catch (error) {
      if (error instanceof ConnectionReset) {
        record({
          method,
          path: pathAndQuery,
          status: 0,
          ...(tenantId === undefined ? {} : { tenantId }),
          batchItem: false,
          fault: "reset",
        });
        request.socket.destroy();
      } else if (error instanceof BodyTooLarge) {
        response.writeHead(413, { "Content-Type": "application/json" });
        response.end(JSON.stringify(toGraphError(413, "RequestEntityTooLarge", error.message, ids, now()).body));
        record({ method, path: pathAndQuery, status: 413, batchItem: false });
      } else {
        // A simulator bug: answer 500 like Graph would and keep serving; the log shows the status.
        const answer = toGraphError(500, "InternalServerError", `Graph simulator error: ${String(error)}`, ids, now());
        if (!response.headersSent) response.writeHead(500, { "Content-Type": "application/json" });
        response.end(JSON.stringify(answer.body));
        record({ method, path: pathAndQuery, status: 500, batchItem: false });
      }
    } finally {
      inFlight -= 1;
      leaveTenant?.();
    }
  };

  /** Discovery, token and key endpoints; anything else is 404. */
  const answerIdentity = (
    method: string,
    segments: string[],
    request: IncomingMessage,
    body: Buffer,
    linkBase: string,
  ): IdentityResponse => {
    const [tenantSegment = "", ...rest] = segments;
    const route = rest.join("/");
    const tenant = tenants.get(tenantSegment.toLowerCase());
    const known = ["v2.0/.well-known/openid-configuration", "oauth2/v2.0/token", "discovery/v2.0/keys"];
    if (!known.includes(route)) {
      return {
        status: 404,
        body: { error: "not_found", error_description: `No such endpoint: /${segments.join("/")}` },
      };
    }
    if (tenant === undefined) return toUnknownTenantError(tenantSegment, now());
    const tenantId = tenant.tenantId;
    if (route === "v2.0/.well-known/openid-configuration" && method === "GET") {
      return { status: 200, body: toOpenIdConfiguration(linkBase, tenantSegment, tenantId) };
    }
    if (route === "discovery/v2.0/keys" && method === "GET") {
      return { status: 200, body: { keys: [] } };
    }
    if (route !== "oauth2/v2.0/token" || method !== "POST") {
      return { status: 405, body: { error: "invalid_request", error_description: `Method ${method} is not allowed.` } };
    }
    const basic = parseBasicAuth(request.headers.authorization);
    const redemption = redeemClientCredentials({
      tenantId,
      apps: tenant.apps,
      form: new URLSearchParams(body.toString("utf8")),
      ...(basic === undefined ? {} : { basic }),
      tokenEndpoint: `${linkBase}/${tenantSegment}/oauth2/v2.0/token`,
      now: now(),
    });
    if (!redemption.ok) return redemption.response;
    const accessToken = newAccessToken();
    tokens.set(accessToken, {
      tenantId,
      clientId: redemption.app.clientId,
      permissions: new Set(redemption.app.permissions),
      expiresAtMs: now().getTime() + settings.tokenLifetimeSeconds * 1000,
    });
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        expires_in: settings.tokenLifetimeSeconds,
        ext_expires_in: settings.tokenLifetimeSeconds,
        access_token: accessToken,
      },
    };
  };

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${actualPort}`;

  const getTenant = (tenantId: string): TenantState => {
    const tenant = tenants.get(tenantId.toLowerCase());
    if (tenant === undefined) throw new Error(`Graph simulator has no tenant ${tenantId}`);
    return tenant;
  };

  return {
    baseUrl,
    authorityHost: baseUrl,
    port: actualPort,
    caCertPem: tls.certPem,
    injectFaults: (rules) => faults.add(rules),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    startThrottlingStorm: (storm) => faults.startStorm(storm, now().getTime()),
    endThrottlingStorm: (tenantId) => faults.endStorm(tenantId),
    setLatencyMs: (latencyMs) => {
      settings.latencyMs = latencyMs;
    },
    stats: () => ({ ...structuredClone(stats), inFlight }),
    resetStats: () => {
      stats = emptyStats();
      log = [];
    },
    requestLog: () => log.map((entry) => ({ ...entry })),
    servedPolicies: (tenantId) =>
      getTenant(tenantId).policies.policies.map((p) => ({
        id: p.id,
        kind: p.kind,
        displayName: p.displayName,
        collections: [...p.collections],
        file: p.file,
        navigationCounts: Object.fromEntries(Object.entries(p.navigation).map(([k, v]) => [k, v.length])),
      })),
    skippedFiles: (tenantId) => getTenant(tenantId).policies.skipped.map((s) => ({ ...s })),
    setTenantPolicies: async (tenantId, source) => {
      const tenant = getTenant(tenantId);
      tenant.policies = await loadSimulatedPolicies(source);
    },
    expireAccessTokens: () => {
      for (const grant of tokens.values()) grant.expiresAtMs = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

function toUnauthenticated(reason: "missing" | "invalid" | "expired", ids: RequestIds, now: Date): GraphAnswer {
  const message =
    reason === "missing"
      ? "Access token is empty."
      : reason === "expired"
        ? "Lifetime validation failed, the token is expired."
        : "Access token validation failure. Invalid audience.";
  return toGraphError(401, "InvalidAuthenticationToken", message, ids, now);
}

function emptyStats(): GraphSimulatorStats {
  return {
    requests: 0,
    tokenRequests: 0,
    graphRequests: 0,
    batchRequests: 0,
    batchItems: 0,
    byPath: {},
    byTenant: {},
    byStatus: {},
    faultsInjected: 0,
    maxInFlight: 0,
    inFlight: 0,
  };
}

/** `/beta/deviceManagement/configurationPolicies/abc/settings?$top=5` → `/beta/deviceManagement/configurationPolicies/{id}/settings`. */
function toPathKey(pathAndQuery: string): string {
  const path = pathAndQuery.split("?")[0] ?? pathAndQuery;
  const segments = path.split("/");
  return segments
    .map((segment, index) => {
      const keyed = /^([^(]+)\(.*\)$/.exec(segment);
      if (keyed?.[1] !== undefined && COLLECTION_SEGMENTS.has(keyed[1])) return `${keyed[1]}/{id}`;
      const previous = segments[index - 1] ?? "";
      return COLLECTION_SEGMENTS.has(previous) && !NAVIGATION_SEGMENTS.has(segment) && segment !== ""
        ? "{id}"
        : segment;
    })
    .join("/");
}

interface BatchItem {
  id: string;
  method: string;
  url: string;
  dependsOn: string[];
}

interface BatchItemResult {
  status: number;
  json: Record<string, unknown>;
}

function toBatchItemResult(
  item: BatchItem,
  answer: GraphAnswer,
  ids: RequestIds,
  malformedBody: string | undefined,
): BatchItemResult {
  return {
    status: answer.status,
    json: {
      id: item.id,
      status: malformedBody === undefined ? answer.status : 200,
      headers: { ...answer.headers, "request-id": ids.requestId, "client-request-id": ids.clientRequestId },
      body: malformedBody ?? answer.body,
    },
  };
}

/** Validate a `$batch` body; a string is the error message. */
function parseBatchBody(body: Buffer): BatchItem[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return "Invalid batch payload format.";
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) return "Invalid batch payload format: 'requests' must be an array.";
  const items: BatchItem[] = [];
  for (const raw of requests as unknown[]) {
    const r = raw as Record<string, unknown> | null;
    if (r === null || typeof r !== "object") return "Invalid batch payload format: each request must be an object.";
    const id = r["id"];
    const method = r["method"];
    const url = r["url"];
    if (typeof id !== "string" && typeof id !== "number") return "Invalid batch payload format: request id is missing.";
    if (typeof method !== "string") return `Invalid batch payload format: request ${String(id)} has no method.`;
    if (typeof url !== "string" || /^https?:/i.test(url))
      return `Invalid batch payload format: request ${String(id)} needs a relative url.`;
    const dependsOn = Array.isArray(r["dependsOn"]) ? (r["dependsOn"] as unknown[]).map(String) : [];
    items.push({ id: String(id), method: method.toUpperCase(), url, dependsOn });
  }
  return items;
}

function truncatedJson(body: unknown): string {
  const text = JSON.stringify(body ?? {});
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

function describeFault(fault: FaultResponse): string {
  return "status" in fault ? String(fault.status) : fault.kind;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBasicAuth(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
