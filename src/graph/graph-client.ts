/**
 * The Microsoft Graph client TenantPilot reads a tenant with: the official SDK
 * (`@microsoft/microsoft-graph-client`) with a token credential, our own throttling-aware retry
 * middleware (so every wait is visible to the run, never a silent sleep in the SDK's
 * RetryHandler), and a last middleware that sends the request over HTTPS to the connection's Graph
 * base URL, trusting the connection's CA certificate for that origin only.
 * @see STACK.md §4 "Graph client → local replay server", G32–G35
 * @module
 */
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import type { TokenCredential } from "@azure/core-auth";
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
  ResponseType,
  TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { diagnoseSignInFailure, isTlsTrustError, type SignInTarget } from "./graph-connection-test.js";
import type { GraphConnectionTestResult } from "./graph-connections.js";
import { createGraphHttpsAgent } from "./graph-credentials.js";
import {
  computeRetryDelayMs,
  type GraphRetryPolicy,
  isRetryableStatus,
  parseRetryAfterMs,
  type TenantRequestLimiter,
} from "./graph-throttle.js";

/** The public-cloud Graph origin: the origin every URL the SDK sees carries. */
export const PUBLIC_GRAPH_ORIGIN = "https://graph.microsoft.com";

/** Graph origins of Microsoft's clouds: used as they are, never rewritten (the SDK's GRAPH_URLS). */
const CLOUD_GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "graph.microsoft.de",
  "microsoftgraph.chinacloudapi.cn",
  "canary.graph.microsoft.com",
]);

/** Largest response body read, bytes: a Graph page is far smaller; anything larger is refused. (64 MiB) */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Where and as whom a tenant is read. */
export interface GraphConnection {
  /** Key of the per-tenant request budget: the TenantPilot tenant id. */
  tenantKey: string;
  /** The app registration's credential (`@azure/identity`), or any `TokenCredential`. */
  credential: TokenCredential;
  /**
   * Graph base URL without version, e.g. `https://graph.microsoft.com` (Default) or a local
   * Graph-compatible server. Must be https.
   */
  graphBaseUrl?: string;
  /** A CA certificate (PEM) trusted for `graphBaseUrl`'s origin only (self-hosted or simulated Graph). */
  caCertPem?: string | null;
  /**
   * Where `credential` signs in. With it, a failed sign-in is diagnosed like "Test connection" does
   * (asking the authority's discovery document when MSAL hides the cause); without it, only from
   * the error chain.
   */
  signIn?: SignInTarget;
}

/**
 * Acquiring the access token failed, so the request was never sent. `result` says why, as "Test
 * connection" would (`tls_untrusted`, `identity_unreachable`, `invalid_client_secret`, …); `cause`
 * is the credential's error; `facts` are loggable facts about it (no credential).
 */
export class GraphSignInError extends Error {
  override name = "GraphSignInError";
  readonly result: GraphConnectionTestResult;
  readonly facts: Record<string, unknown>;

  constructor(result: GraphConnectionTestResult, facts: Record<string, unknown>, options: ErrorOptions) {
    super(`sign-in failed (${result}): ${JSON.stringify(facts).slice(0, 1_000)}`, options);
    this.result = result;
    this.facts = facts;
  }
}

/** Options of {@link createGraphClient}. */
export interface GraphClientOptions extends GraphConnection {
  /** The process-wide per-tenant limiter every request passes. */
  limiter: TenantRequestLimiter;
  retryPolicy: GraphRetryPolicy;
  /** Aborts waits and requests. */
  signal?: AbortSignal;
  /** Told about every wait before a retry; `end` is called when that request is answered or given up. */
  waits?: WaitObserver;
}

/** Observes retry waits so the run can show them (DESIGN.md §3 wait reason `throttled`). */
export interface WaitObserver {
  /** A request waits until `nextAttemptAt`; returns a handle for the other two methods. */
  begin(nextAttemptAt: Date): number;
  /** The request behind `handle` waits again, now until `nextAttemptAt`. */
  move(handle: number, nextAttemptAt: Date): void;
  /** The wait `handle` is over (its request was answered or given up). */
  end(handle: number): void;
}

/** A Graph response the caller gets: the final one after retries. */
export interface GraphResponse {
  status: number;
  headers: Headers;
  /** The body as text (JSON for Graph; callers parse and validate it). */
  text: string;
}

/** A TenantPilot Graph client for one tenant and one run. */
export interface GraphClient {
  /** The SDK client (its middleware chain is the one described in this module). */
  readonly sdk: Client;
  /**
   * GET a Graph URL or path (`/beta/deviceManagement/...` or an absolute `@odata.nextLink`).
   * Retries throttling and server errors per the retry policy; returns the final response.
   * @throws {GraphSignInError} when no access token could be acquired (the request was not sent)
   * @throws {Error} on network failures after the retry budget (at once for an untrusted TLS
   *   certificate), on abort, or for a URL on a foreign origin
   */
  get(pathOrUrl: string): Promise<GraphResponse>;
  /** POST a JSON body (e.g. `/beta/$batch`); same retry behaviour as {@link GraphClient.get}. */
  post(path: string, body: unknown): Promise<GraphResponse>;
  /**
   * The canonical (public-cloud) form of a URL served by this connection: a custom base's origin is
   * replaced by `https://graph.microsoft.com`. Undefined for a URL on any other origin.
   */
  toCanonicalUrl(url: string): string | undefined;
  /** Retries for one request the caller repeats itself (a `$batch` item), with this client's policy and budget. */
  retries(): RequestRetries;
  /** Close idle keep-alive sockets. */
  close(): void;
}

/**
 * Build a Graph client for one connection. Requests go: AuthenticationHandler (bearer token from
 * the credential) → TelemetryHandler (client-request-id, SDK version) → throttling (per-tenant
 * budget, `Retry-After`, backoff, visible waits) → HTTPS to the connection's base URL.
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const base = toGraphBase(options.graphBaseUrl);
  // The CA is trusted for this connection's agent only (system roots plus it): process-wide TLS is untouched.
  const agent =
    createGraphHttpsAgent({ caCertificatePem: options.caCertPem ?? null }) ?? new https.Agent({ keepAlive: true });
  const scope = `${base.isCloud ? base.origin : PUBLIC_GRAPH_ORIGIN}/.default`;
  const auth = new TokenCredentialAuthenticationProvider(options.credential, { scopes: [scope] });
  const sdk = Client.initWithMiddleware({
    middleware: [
      new AuthenticationHandler(auth),
      new TelemetryHandler(),
      new ThrottlingHandler(options),
      new HttpsFetchHandler(base, agent, options.signal),
    ],
  });
  const toSdkUrl = (pathOrUrl: string): string => {
    if (!/^https?:\/\//i.test(pathOrUrl)) return `${base.sdkOrigin}${pathOrUrl.startsWith("/") ? "" : "/"}${pathOrUrl}`;
    const canonical = base.toCanonical(pathOrUrl);
    if (canonical === undefined) {
      // A nextLink naming another origin would receive the bearer token: never follow it.
      throw new Error(`refusing a Graph URL outside the connection's origin: ${redactQuery(pathOrUrl)}`);
    }
    return base.isCloud ? pathOrUrl : canonical;
  };
  // Sign in before the SDK does: its GraphError keeps only the name and message of what the
  // credential threw, and telling an untrusted certificate from an unreachable endpoint or a refused
  // secret needs the whole chain. The credential caches its token, so the SDK's own getToken is free.
  let signInDiagnosis: Promise<GraphSignInError> | undefined;
  // Parallel requests share one sign-in in flight: the credential's cache only helps once a token is
  // in it, and a capture starts every collection at once.
  let tokenInFlight: Promise<unknown> | undefined;
  const signIn = async (): Promise<void> => {
    try {
      tokenInFlight ??= options.credential
        .getToken(scope, options.signal ? { abortSignal: options.signal } : {})
        .then((token) => {
          if (!token) throw new Error("the credential returned no access token");
        })
        .finally(() => {
          tokenInFlight = undefined;
        });
      await tokenInFlight;
    } catch (error) {
      options.signal?.throwIfAborted();
      // One diagnosis per client: parallel requests fail the same way, and each would probe Entra.
      signInDiagnosis ??= diagnoseClientSignIn(error, options.signIn, agent, options.signal);
      throw await signInDiagnosis;
    }
  };
  const send = async (request: () => Promise<Response>): Promise<GraphResponse> => {
    await signIn();
    const response = await request();
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  return {
    sdk,
    get: (pathOrUrl) => send(() => sdk.api(toSdkUrl(pathOrUrl)).responseType(ResponseType.RAW).get()),
    post: (path, body) => send(() => sdk.api(toSdkUrl(path)).responseType(ResponseType.RAW).post(body)),
    toCanonicalUrl: (url) => base.toCanonical(url),
    retries: () => new RequestRetries(options),
    close: () => agent.destroy(),
  };
}

async function diagnoseClientSignIn(
  thrown: unknown,
  target: SignInTarget | undefined,
  agent: https.Agent,
  signal: AbortSignal | undefined,
): Promise<GraphSignInError> {
  const timeout = AbortSignal.timeout(SIGN_IN_DIAGNOSIS_TIMEOUT_MS);
  const { result, detail } = await diagnoseSignInFailure(
    thrown,
    target,
    agent,
    signal ? AbortSignal.any([signal, timeout]) : timeout,
  );
  return new GraphSignInError(result, detail, { cause: thrown });
}

/** How long asking the authority's discovery document about a failed sign-in may take, ms. (20000) */
const SIGN_IN_DIAGNOSIS_TIMEOUT_MS = 20_000;

interface GraphBase {
  /** The real origin requests go to. */
  origin: string;
  /** Path prefix of a custom base (`https://host/graph` → `/graph`), else "". */
  pathPrefix: string;
  /** True for a Microsoft cloud's Graph origin (URLs are used as they are). */
  isCloud: boolean;
  /** The origin the SDK sees (the SDK only authenticates Graph hosts, STACK.md G32). */
  sdkOrigin: string;
  toCanonical(url: string): string | undefined;
}

function toGraphBase(graphBaseUrl: string | undefined): GraphBase {
  const url = new URL(graphBaseUrl ?? PUBLIC_GRAPH_ORIGIN);
  if (url.protocol !== "https:") throw new Error(`Graph base URL must be https: ${url.origin}`);
  const origin = url.origin;
  const pathPrefix = url.pathname.replace(/\/+$/, "");
  const isCloud = CLOUD_GRAPH_HOSTS.has(url.host.toLowerCase()) && pathPrefix === "";
  return {
    origin,
    pathPrefix,
    isCloud,
    sdkOrigin: isCloud ? origin : PUBLIC_GRAPH_ORIGIN,
    toCanonical(candidate) {
      let parsed: URL;
      try {
        parsed = new URL(candidate);
      } catch {
        return undefined;
      }
      if (isCloud) return parsed.origin === origin ? candidate : undefined;
      if (parsed.origin === PUBLIC_GRAPH_ORIGIN) return candidate; // the server kept real Graph URLs
      if (parsed.origin !== origin || !parsed.pathname.startsWith(`${pathPrefix}/`)) return undefined;
      return `${PUBLIC_GRAPH_ORIGIN}${candidate.slice(origin.length + pathPrefix.length)}`;
    },
  };
}

/** A URL without its query (skip tokens can be long and are no one's business in a log). */
function redactQuery(url: string): string {
  const at = url.indexOf("?");
  return at < 0 ? url : `${url.slice(0, at)}?…`;
}

/**
 * Retries what Graph asks to be retried (429, 500, 502, 503, 504, and network failures), waiting
 * `Retry-After` or an exponential backoff with jitter, inside the tenant's request budget. Each
 * wait is reported to the {@link WaitObserver} first. After the retry budget the last response is
 * passed on as it is (a 429 stays a 429: the caller decides what it means).
 */
class ThrottlingHandler implements Middleware {
  #next: Middleware | undefined;
  readonly #options: GraphClientOptions;

  constructor(options: GraphClientOptions) {
    this.#options = options;
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.#next;
    if (next === undefined) throw new Error("ThrottlingHandler must not be the last middleware");
    const { limiter, signal, waits, tenantKey } = this.#options;
    const retries = new RequestRetries(this.#options);
    try {
      for (;;) {
        let pausedWait: number | undefined;
        const release = await limiter.acquire(tenantKey, signal, (resumeAt) => {
          if (pausedWait === undefined) pausedWait = waits?.begin(resumeAt);
          else waits?.move(pausedWait, resumeAt);
        });
        if (pausedWait !== undefined) waits?.end(pausedWait);
        let failure: unknown;
        try {
          delete context.response;
          await next.execute(context);
        } catch (error) {
          if (signal?.aborted) throw error;
          // An untrusted certificate stays untrusted: retrying only delays saying so.
          if (isTlsTrustError(error)) throw error;
          failure = error;
        } finally {
          release();
        }
        const response = context.response as Response | undefined;
        if (failure === undefined && response !== undefined && !isRetryableStatus(response.status)) return;
        const delayMs = retries.next({ status: response?.status, retryAfter: response?.headers.get("retry-after") });
        if (delayMs === undefined) {
          if (failure !== undefined) throw failure;
          return; // budget spent: the caller sees Graph's last answer (a 429 stays a 429)
        }
        await response?.body?.cancel().catch(() => undefined); // the body of an answer we retry is not needed
        await retries.sleep(delayMs);
      }
    } finally {
      retries.done();
    }
  }
}

/**
 * The retries of one request (or one `$batch` item): waits `Retry-After` or the backoff per the
 * connection's retry policy, pausing the whole tenant in the limiter on a 429 (Graph throttles per
 * app and tenant, so its other requests would only be throttled too). The wait stays reported to
 * the observer, with its next attempt time, until {@link RequestRetries.done}: a run shows
 * "throttled" from the first 429 until the request is answered or given up, not only while asleep.
 */
export class RequestRetries {
  readonly #options: Pick<GraphClientOptions, "limiter" | "retryPolicy" | "signal" | "waits" | "tenantKey">;
  #retry = 0;
  #handle: number | undefined;

  constructor(options: Pick<GraphClientOptions, "limiter" | "retryPolicy" | "signal" | "waits" | "tenantKey">) {
    this.#options = options;
  }

  /**
   * Wait before the next retry of a request Graph answered with `status` (undefined: a network failure).
   * @returns false, without waiting, when the retry budget is spent or Graph asked for a longer wait than the policy allows
   * @throws the signal's reason when aborted while waiting
   */
  async wait(answer: { status: number | undefined; retryAfter: string | null | undefined }): Promise<boolean> {
    const delayMs = this.next(answer);
    if (delayMs === undefined) return false;
    await this.sleep(delayMs);
    return true;
  }

  /**
   * Plan the next retry without waiting: the wait in ms (now reported, and the tenant paused on a
   * 429), or undefined when the budget is spent. Follow it with {@link RequestRetries.sleep}.
   */
  next(answer: { status: number | undefined; retryAfter: string | null | undefined }): number | undefined {
    const options = this.#options;
    const now = new Date();
    this.#retry++;
    const delayMs = computeRetryDelayMs(this.#retry, options.retryPolicy, parseRetryAfterMs(answer.retryAfter, now));
    if (delayMs === undefined) return undefined;
    if (answer.status === 429) options.limiter.pauseTenant(options.tenantKey, now.getTime() + delayMs);
    const nextAttemptAt = new Date(now.getTime() + delayMs);
    if (this.#handle === undefined) this.#handle = options.waits?.begin(nextAttemptAt);
    else options.waits?.move(this.#handle, nextAttemptAt);
    return delayMs;
  }

  /** Sleep `delayMs` (abortable by the connection's signal). */
  async sleep(delayMs: number): Promise<void> {
    await sleep(delayMs, undefined, this.#options.signal ? { signal: this.#options.signal } : {});
  }

  /** The request was answered or given up: its wait is over. */
  done(): void {
    if (this.#handle !== undefined) this.#options.waits?.end(this.#handle);
    this.#handle = undefined;
  }
}

/**
 * The last middleware: sends the request with `node:https` to the connection's origin (a custom
 * base replaces `https://graph.microsoft.com`), trusting the connection's CA for this agent only.
 * Node 20's global fetch cannot take a per-request CA without the `undici` package (not a
 * dependency): its `dispatcher` option wants an undici Agent, and node:https does the job.
 */
class HttpsFetchHandler implements Middleware {
  readonly #base: GraphBase;
  readonly #agent: https.Agent;
  readonly #signal: AbortSignal | undefined;

  constructor(base: GraphBase, agent: https.Agent, signal: AbortSignal | undefined) {
    this.#base = base;
    this.#agent = agent;
    this.#signal = signal;
  }

  async execute(context: Context): Promise<void> {
    const requested = typeof context.request === "string" ? context.request : context.request.url;
    const target = this.#toTarget(requested);
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    const body = typeof options.body === "string" ? options.body : undefined;
    if (options.body !== undefined && options.body !== null && body === undefined) {
      throw new Error("HttpsFetchHandler sends string bodies only (JSON)");
    }
    context.response = await sendHttps(target, {
      method: options.method ?? "GET",
      headers,
      body,
      agent: this.#agent,
      signal: this.#signal,
    });
  }

  #toTarget(url: string): URL {
    const parsed = new URL(url);
    if (this.#base.isCloud) {
      if (parsed.origin !== this.#base.origin) throw new Error(`refusing to send a request to ${parsed.origin}`);
      return parsed;
    }
    if (parsed.origin !== PUBLIC_GRAPH_ORIGIN) throw new Error(`refusing to send a request to ${parsed.origin}`);
    return new URL(`${this.#base.origin}${this.#base.pathPrefix}${parsed.pathname}${parsed.search}`);
  }
}

function sendHttps(
  url: URL,
  init: {
    method: string;
    headers: Headers;
    body: string | undefined;
    agent: https.Agent;
    signal: AbortSignal | undefined;
  },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    init.headers.forEach((value, key) => {
      headers[key] = value;
    });
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const request = https.request(
      url,
      { method: init.method, headers, agent: init.agent, ...(init.signal ? { signal: init.signal } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            response.destroy(new Error(`Graph response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", reject);
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(key, one);
          }
          const noBody = status === 204 || status === 304 || init.method === "HEAD";
          resolve(
            new Response(noBody ? null : Buffer.concat(chunks), {
              status,
              statusText: response.statusMessage ?? "",
              headers: responseHeaders,
            }),
          );
        });
      },
    );
    request.on("error", reject);
    request.end(init.body);
  });
}
