/**
 * Read a tenant's policies from Microsoft Graph: page every in-scope collection along
 * `@odata.nextLink` (collections in parallel, the next page fetched while the current one's items
 * are completed), complete items with `$batch` (settings catalog `settings`, assignments), and
 * yield entries keyed like export files — a parsed policy object or an unreadable reason — plus
 * checkpoints a capture stores as its resume token, so a retried attempt continues from the page
 * it reached.
 * @module
 */
import { z } from "zod";
import type { ParsedExport } from "../inventory/export-decoding.js";
import { toPolicyKind } from "../inventory/policy-kinds.js";
import { OperatorError } from "../shared/operator-error.js";
import { type GraphClient, type GraphResponse, GraphSignInError } from "./graph-client.js";
import { isTlsTrustError, toSignInFailureCode } from "./graph-connection-test.js";
import {
  type CollectionRead,
  type GraphCollectionEndpoint,
  type PerItemRead,
  toCollectionReads,
  toFirstPagePath,
} from "./graph-endpoints.js";
import { isRetryableStatus } from "./graph-throttle.js";

/** Graph's limit of requests in one `$batch`. */
export const MAX_BATCH_REQUESTS = 20;

/** Key prefix of Graph entries: `graph:<kind>/<id>` for a policy, `graph:<kind>` for a whole kind. */
export const GRAPH_ENTRY_PREFIX = "graph:";

/** Why an entry is unreadable (stored as `unreadable_reason`); details go to diagnostics only. */
export type GraphUnreadableReason =
  /** Graph kept answering 429 after the retry budget. */
  | "graph_throttled"
  /** Graph kept answering 5xx (or the connection failed) after the retry budget. */
  | "graph_unavailable"
  /** Graph answered with a client error (403 missing permission, 404, …). */
  | "graph_refused"
  /** The answer was not the JSON Graph documents. */
  | "graph_malformed";

/** An unreadable Graph entry: the policy (or whole kind) it stands for, as far as known. */
export interface GraphUnreadable {
  ok: false;
  reason: GraphUnreadableReason;
  /** Raw detail for diagnostics only (status, Graph error code, body excerpt). */
  detail: string;
  /** The policy kind this entry would have been. */
  policyKind: string;
  /** The policy's name, when the list gave it (undefined for a whole kind). */
  policyName?: string;
}

/** One entry read from Graph. */
export interface GraphEntry {
  /** `graph:<kind>/<id>`, or `graph:<kind>` when the kind could not be read (at all or further). */
  key: string;
  result: Extract<ParsedExport, { ok: true }> | GraphUnreadable;
}

/** Resume state of one collection. */
export interface GraphCollectionState {
  /** Canonical URL of the next page to read; absent before the first page. */
  nextLink?: string;
  /** Every page read, or the collection given up. */
  done: boolean;
  /** Pages fully read and recorded. */
  pagesRead: number;
  /** Entries of those pages (recorded, skipped as recorded before, or whole-kind markers). */
  entries: number;
  /** `@odata.count` of the first page, when Graph sent one. */
  count?: number;
}

/** The resume state of a Graph read: stored in the run's resume token (`context.resume.graph`). */
export interface GraphReadState {
  collections: Record<string, GraphCollectionState>;
}

/** What {@link readGraphPolicies} yields, in an order a consumer can rely on. */
export type GraphReadEvent =
  | { type: "entry"; entry: GraphEntry }
  /** The number of entries this read yields in all (known once every collection has a count or is done). */
  | { type: "total"; totalCount: number }
  /** Every entry yielded before this event belongs to a page covered by `state`: store both, then `state`. */
  | { type: "checkpoint"; state: GraphReadState };

/** Options of {@link readGraphPolicies}. */
export interface ReadGraphPoliciesOptions {
  /** Kinds in scope; empty = every kind of the endpoint catalog. */
  policyKinds: readonly string[];
  /** Read `/{id}/assignments` of every item. */
  manageAssignments: boolean;
  /** A previous attempt's state (`checkpoint` events): pages it finished are not read again. */
  resume?: GraphReadState | undefined;
  /** Entry keys already recorded: not yielded again (their page may be read again). */
  skip?: ReadonlySet<string>;
  /** Aborts the read; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Requests per `$batch`. (Default: 20, Graph's limit) */
  batchSize?: number;
}

const resumeStateSchema = z.object({
  collections: z.record(
    z.string(),
    z.object({
      nextLink: z.string().optional(),
      done: z.boolean(),
      pagesRead: z.int().min(0),
      entries: z.int().min(0),
      count: z.int().min(0).optional(),
    }),
  ),
});

/** Parse a stored resume state; undefined when absent or malformed (the read then starts over). */
export function parseGraphReadState(value: unknown): GraphReadState | undefined {
  const parsed = resumeStateSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const collections: Record<string, GraphCollectionState> = {};
  for (const [path, state] of Object.entries(parsed.data.collections)) {
    collections[path] = {
      done: state.done,
      pagesRead: state.pagesRead,
      entries: state.entries,
      ...(state.nextLink !== undefined ? { nextLink: state.nextLink } : {}),
      ...(state.count !== undefined ? { count: state.count } : {}),
    };
  }
  return { collections };
}

const pageSchema = z.looseObject({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
  "@odata.count": z.int().min(0).optional(),
});

const batchResponseSchema = z.looseObject({
  responses: z.array(
    z.looseObject({
      id: z.string(),
      status: z.int(),
      headers: z.record(z.string(), z.unknown()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

/**
 * Read the policies of the collections serving `policyKinds` from Graph.
 *
 * Every listed item becomes one entry (also items of kinds outside the scope, as an export folder's
 * files do; only in-scope items get their per-item reads). A policy whose per-item read failed
 * is an unreadable entry; a collection whose page cannot be read after the retry budget yields one
 * unreadable `graph:<kind>` entry per in-scope kind it serves, and the read continues with the
 * other collections. Nothing is ever reported read that was not: a 429 or 5xx inside a `$batch` is
 * that item's failure, retried per the retry policy.
 *
 * @throws the signal's reason when aborted; never throws for what Graph answers
 */
export async function* readGraphPolicies(
  client: GraphClient,
  options: ReadGraphPoliciesOptions,
): AsyncIterable<GraphReadEvent> {
  const reads = toCollectionReads(options.policyKinds, options.manageAssignments);
  const state: GraphReadState = { collections: {} };
  for (const read of reads) {
    const previous = options.resume?.collections[read.endpoint.path];
    state.collections[read.endpoint.path] = previous ? { ...previous } : { done: false, pagesRead: 0, entries: 0 };
  }
  const channel = new EventChannel<GraphReadEvent>();
  let lastTotal: number | undefined;
  const emitTotal = () => {
    const total = computeTotal(state);
    if (total !== undefined && total !== lastTotal) {
      lastTotal = total;
      channel.push({ type: "total", totalCount: total });
    }
  };
  const context: ReadContext = {
    client,
    options,
    batchSize: Math.min(MAX_BATCH_REQUESTS, Math.max(1, options.batchSize ?? MAX_BATCH_REQUESTS)),
    skip: options.skip ?? new Set(),
    emit: (event) => channel.push(event),
    checkpoint: () => {
      emitTotal();
      channel.push({ type: "checkpoint", state: structuredClone(state) });
    },
  };
  emitTotal();
  const readers = reads.map((read) => {
    const collectionState = state.collections[read.endpoint.path];
    return collectionState === undefined ? Promise.resolve() : readCollection(context, read, collectionState);
  });
  void Promise.all(readers).then(
    () => channel.close(),
    (error: unknown) => channel.fail(error),
  );
  yield* channel;
}

/** Sum of entries: known when every collection has a count or is done. */
function computeTotal(state: GraphReadState): number | undefined {
  let total = 0;
  for (const collection of Object.values(state.collections)) {
    if (collection.done) total += collection.entries;
    else if (collection.count !== undefined) total += Math.max(collection.count, collection.entries);
    else return undefined;
  }
  return total;
}

interface ReadContext {
  client: GraphClient;
  options: ReadGraphPoliciesOptions;
  batchSize: number;
  skip: ReadonlySet<string>;
  emit(event: GraphReadEvent): void;
  /** Emit the current state (after every entry of the pages it covers). */
  checkpoint(): void;
}

type PageResult =
  | { ok: true; items: unknown[]; nextLink: string | undefined; count: number | undefined }
  | { ok: false; reason: GraphUnreadableReason; detail: string };

/** Pages of one collection whose items are being completed at once (bounds memory, keeps checkpoints close). */
const PAGES_IN_PROGRESS = 3;

/**
 * Page one collection to its end (or until it cannot be read). Pages are listed one after the other
 * (each nextLink comes from the page before), while the items of up to {@link PAGES_IN_PROGRESS}
 * pages are completed at once; checkpoints still advance page by page, in order, each after every
 * entry of the pages it covers was emitted.
 */
async function readCollection(context: ReadContext, read: CollectionRead, state: GraphCollectionState): Promise<void> {
  if (state.done) return;
  const { endpoint } = read;
  let url: string | undefined = state.nextLink ?? toFirstPagePath(endpoint);
  let checkpoints: Promise<void> = Promise.resolve();
  const inProgress = new Set<Promise<void>>();
  while (url !== undefined) {
    const page = await fetchPage(context.client, url);
    context.options.signal?.throwIfAborted();
    if (!page.ok) {
      await checkpoints; // pages before this one are recorded first
      // The rest of this collection is unknown: say so per in-scope kind, and keep the others going.
      for (const kind of read.kinds) {
        context.emit({
          type: "entry",
          entry: {
            key: `${GRAPH_ENTRY_PREFIX}${kind}`,
            result: { ok: false, reason: page.reason, detail: `${endpoint.path}: ${page.detail}`, policyKind: kind },
          },
        });
      }
      state.entries += read.kinds.length;
      state.done = true;
      delete state.nextLink;
      context.checkpoint();
      return;
    }
    if (state.pagesRead === 0 && state.nextLink === undefined && page.count !== undefined) state.count = page.count;
    const nextLink = page.nextLink === undefined ? undefined : context.client.toCanonicalUrl(page.nextLink);
    const completed = completePage(context, read, page.items);
    const recorded = Promise.all([completed, checkpoints]).then(([pageEntries]) => {
      state.entries += pageEntries;
      state.pagesRead++;
      if (page.nextLink === undefined) {
        state.done = true;
        delete state.nextLink;
      } else if (nextLink !== undefined) {
        state.nextLink = nextLink;
      }
      context.checkpoint();
    });
    checkpoints = recorded;
    inProgress.add(recorded);
    void recorded.then(
      () => inProgress.delete(recorded),
      () => inProgress.delete(recorded), // the rejection itself is awaited through `checkpoints`
    );
    if (page.nextLink !== undefined && nextLink === undefined) {
      // A nextLink to another origin would get our bearer token: the rest of the collection is unreadable.
      await checkpoints;
      for (const kind of read.kinds) {
        context.emit({
          type: "entry",
          entry: {
            key: `${GRAPH_ENTRY_PREFIX}${kind}`,
            result: {
              ok: false,
              reason: "graph_malformed",
              detail: `${endpoint.path}: @odata.nextLink names another origin`,
              policyKind: kind,
            },
          },
        });
      }
      state.entries += read.kinds.length;
      state.done = true;
      delete state.nextLink;
      context.checkpoint();
      return;
    }
    url = nextLink;
    while (inProgress.size >= PAGES_IN_PROGRESS) await Promise.race(inProgress);
  }
  await checkpoints;
}

/** GET one page; a failure after the retry budget or a malformed body is a value, not a throw. */
async function fetchPage(client: GraphClient, url: string): Promise<PageResult> {
  let response: GraphResponse;
  try {
    response = await client.get(url);
  } catch (error) {
    throwIfConnectionFailed(error);
    return { ok: false, reason: "graph_unavailable", detail: describeThrown(error) };
  }
  if (response.status !== 200) return { ok: false, ...toFailure(response.status, response.text) };
  const parsed = parseJson(response.text, pageSchema);
  if (!parsed.ok) return { ok: false, reason: "graph_malformed", detail: parsed.detail };
  return {
    ok: true,
    items: parsed.value.value,
    nextLink: parsed.value["@odata.nextLink"],
    count: parsed.value["@odata.count"],
  };
}

/** One navigation property read of one item, possibly over several pages. */
interface NavRequest {
  item: PageItem;
  nav: PerItemRead;
  /** URL below the version of the page to read next. */
  url: string;
  values: unknown[];
}

interface PageItem {
  key: string;
  raw: Record<string, unknown>;
  kind: string;
  name: string | undefined;
  id: string;
}

/**
 * Turn a page's items into entries: completes in-scope items with `$batch` (batches in parallel,
 * within the tenant's request budget) and emits each entry as soon as it is whole.
 * @returns how many entries the page accounts for (emitted now or recorded by an earlier attempt)
 */
async function completePage(context: ReadContext, read: CollectionRead, values: unknown[]): Promise<number> {
  const { endpoint } = read;
  const scope = new Set(context.options.policyKinds);
  const toComplete: PageItem[] = [];
  let entries = 0;
  values.forEach((value, index) => {
    entries++;
    const item = toPageItem(endpoint, value);
    if (item === undefined) {
      const key = `${GRAPH_ENTRY_PREFIX}${read.kinds[0] ?? endpoint.path}/#malformed-${index}`;
      if (context.skip.has(key)) return;
      context.emit({
        type: "entry",
        entry: {
          key,
          result: {
            ok: false,
            reason: "graph_malformed",
            detail: `${endpoint.path}: item ${index} is not an object with a string id`,
            policyKind: read.kinds[0] ?? endpoint.path,
          },
        },
      });
      return;
    }
    if (context.skip.has(item.key)) return;
    const inScope = scope.size === 0 || scope.has(item.kind);
    if (!inScope || read.perItem.length === 0) {
      context.emit({ type: "entry", entry: { key: item.key, result: { ok: true, raw: item.raw } } });
      return;
    }
    toComplete.push(item);
  });
  const requests: NavRequest[] = toComplete.flatMap((item) =>
    read.perItem.map((nav) => ({ item, nav, url: `/${endpoint.path}/${item.id}/${nav.path}`, values: [] })),
  );
  const failures = new Map<PageItem, { reason: GraphUnreadableReason; detail: string }>();
  const remaining = new Map<PageItem, number>(toComplete.map((item) => [item, read.perItem.length]));
  const settle = (request: NavRequest, failure?: { reason: GraphUnreadableReason; detail: string }) => {
    const { item } = request;
    if (failure !== undefined)
      failures.set(item, { reason: failure.reason, detail: `${request.url}: ${failure.detail}` });
    else item.raw[request.nav.property] = request.values;
    const left = (remaining.get(item) ?? 1) - 1;
    remaining.set(item, left);
    if (left > 0) return;
    const failed = failures.get(item);
    context.emit({
      type: "entry",
      entry: {
        key: item.key,
        result:
          failed === undefined
            ? { ok: true, raw: item.raw }
            : { ok: false, ...failed, policyKind: item.kind, ...(item.name ? { policyName: item.name } : {}) },
      },
    });
  };
  // Each batch of up to 20 is a lane: the next pages of its navigation collections (a policy with
  // many settings is paged too) go out as that lane's next $batch. Lanes run in parallel within the
  // tenant's request budget.
  const lanes: NavRequest[][] = [];
  for (let i = 0; i < requests.length; i += context.batchSize) lanes.push(requests.slice(i, i + context.batchSize));
  await Promise.all(
    lanes.map(async (lane) => {
      let batch = lane;
      while (batch.length > 0) {
        const results = await runBatch(
          context,
          endpoint.version,
          batch.map((request) => request.url),
        );
        const next: NavRequest[] = [];
        for (const [index, request] of batch.entries()) {
          const result = results[index] ?? { ok: false, reason: "graph_malformed", detail: "no answer" };
          if (!result.ok) {
            settle(request, result);
            continue;
          }
          const page = pageSchema.safeParse(typeof result.body === "string" ? safeJsonParse(result.body) : result.body);
          if (!page.success) {
            settle(request, {
              reason: "graph_malformed",
              detail: `not a collection: ${page.error.message.slice(0, 300)}`,
            });
            continue;
          }
          request.values.push(...page.data.value);
          const nextLink = page.data["@odata.nextLink"];
          if (nextLink === undefined) {
            settle(request);
            continue;
          }
          const nextUrl = toBatchUrl(context.client, nextLink, endpoint.version);
          if (nextUrl === undefined) {
            settle(request, { reason: "graph_malformed", detail: "@odata.nextLink names another origin or version" });
            continue;
          }
          next.push({ ...request, url: nextUrl });
        }
        batch = next;
      }
    }),
  );
  return entries;
}

/** A list item as a policy object: `@odata.type` filled in where Graph omits it (non-abstract collections). */
function toPageItem(endpoint: GraphCollectionEndpoint, value: unknown): PageItem | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const raw = { ...(value as Record<string, unknown>) };
  const id = raw["id"];
  if (typeof id !== "string" || id === "") return undefined;
  if (typeof raw["@odata.type"] !== "string" && endpoint.defaultOdataType !== undefined) {
    raw["@odata.type"] = endpoint.defaultOdataType;
  }
  const odataType = raw["@odata.type"];
  const kind = typeof odataType === "string" ? toPolicyKind(odataType) : endpoint.path;
  const nameValue = raw["name"] ?? raw["displayName"];
  return {
    key: `${GRAPH_ENTRY_PREFIX}${kind}/${id}`,
    raw,
    kind,
    id,
    name: typeof nameValue === "string" ? nameValue : undefined,
  };
}

type ItemResult = { ok: true; body: unknown } | { ok: false; reason: GraphUnreadableReason; detail: string };

/**
 * Send GETs (`/deviceManagement/...` below the version) in one `$batch`, retrying the items Graph
 * answered 429 or 5xx — never taking them for answers — until the retry budget is spent.
 * @returns one result per url, in order
 */
async function runBatch(context: ReadContext, version: string, urls: readonly string[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = urls.map(() => undefined);
  let pending = urls.map((_, index) => index);
  const retries = context.client.retries();
  try {
    for (;;) {
      const body = { requests: pending.map((index) => ({ id: String(index), method: "GET", url: urls[index] })) };
      let response: GraphResponse;
      try {
        response = await context.client.post(`/${version}/$batch`, body);
      } catch (error) {
        context.options.signal?.throwIfAborted();
        throwIfConnectionFailed(error);
        for (const index of pending)
          results[index] = { ok: false, reason: "graph_unavailable", detail: describeThrown(error) };
        break;
      }
      const parsed =
        response.status === 200 ? parseJson(response.text, batchResponseSchema) : { ok: false as const, detail: "" };
      if (!parsed.ok) {
        const failure =
          response.status === 200
            ? { reason: "graph_malformed" as const, detail: `$batch: ${parsed.detail}` }
            : toFailure(response.status, response.text);
        for (const index of pending) results[index] = { ok: false, ...failure };
        break;
      }
      const retry: number[] = [];
      let retryAfter: string | undefined;
      let retryStatus: number | undefined;
      const byId = new Map(parsed.value.responses.map((item) => [item.id, item]));
      for (const index of pending) {
        const item = byId.get(String(index));
        if (item === undefined) {
          results[index] = { ok: false, reason: "graph_malformed", detail: "$batch: no response for this request" };
        } else if (isRetryableStatus(item.status)) {
          retry.push(index);
          const header = findHeader(item.headers, "retry-after");
          // Wait as long as the most demanding item asks: retrying earlier would only be throttled again.
          if (header !== undefined && (retryAfter === undefined || Number(header) > Number(retryAfter)))
            retryAfter = header;
          if (retryStatus !== 429) retryStatus = item.status;
          results[index] = { ok: false, ...toFailure(item.status, JSON.stringify(item.body ?? null)) };
        } else if (item.status >= 200 && item.status < 300) {
          results[index] = { ok: true, body: item.body };
        } else {
          results[index] = { ok: false, ...toFailure(item.status, JSON.stringify(item.body ?? null)) };
        }
      }
      if (retry.length === 0) break;
      if (!(await retries.wait({ status: retryStatus, retryAfter }))) break; // budget spent: the failures stand
      pending = retry;
    }
  } finally {
    retries.done();
  }
  return results.map((result) => result ?? { ok: false, reason: "graph_malformed", detail: "$batch: no answer" });
}

/** A nextLink as a `$batch` request URL (relative to the version), or undefined when it is not this connection's. */
function toBatchUrl(client: GraphClient, nextLink: string, version: string): string | undefined {
  const canonical = client.toCanonicalUrl(nextLink);
  if (canonical === undefined) return undefined;
  const url = new URL(canonical);
  const prefix = `/${version}/`;
  return url.pathname.startsWith(prefix) ? `${url.pathname.slice(prefix.length - 1)}${url.search}` : undefined;
}

function findHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && (typeof value === "string" || typeof value === "number")) return String(value);
  }
  return undefined;
}

/** Classify a non-success status after retries; `detail` keeps Graph's error code and an excerpt. */
function toFailure(status: number, text: string): { reason: GraphUnreadableReason; detail: string } {
  const reason: GraphUnreadableReason =
    status === 429 ? "graph_throttled" : status >= 500 ? "graph_unavailable" : "graph_refused";
  return { reason, detail: `HTTP ${status}: ${text.slice(0, 500)}` };
}

function parseJson<T>(text: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; detail: string } {
  const json = safeJsonParse(text);
  if (json === undefined) return { ok: false, detail: `not JSON (${text.length} chars): ${text.slice(0, 200)}` };
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, detail: `unexpected shape: ${parsed.error.message.slice(0, 300)}` };
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // a malformed body is reported by the caller as unreadable, with an excerpt
  }
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A single-consumer async queue that several producers push to. */
class EventChannel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #error: { error: unknown } | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#notify();
  }

  close(): void {
    this.#closed = true;
    this.#notify();
  }

  fail(error: unknown): void {
    this.#error = { error };
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#error !== undefined) throw this.#error.error;
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}

/**
 * Failures no request of this connection can get past are not policy kinds that could not be read:
 * Entra refusing the app registration (wrong secret, unknown app or tenant, certificate not
 * accepted), the sign-in endpoint's or Graph's TLS certificate not trusted here, or the sign-in
 * endpoint unreachable. Every request would fail the same way, so the run ends at once with a
 * sentence that says what to fix; the raw detail stays in the internal message (diagnostics).
 * Other failures (a sign-in that failed for an unknown reason, Graph unreachable or failing for
 * some requests) stay per-kind unreadable entries.
 * @throws {OperatorError} graph_sign_in_failed, graph_tls_untrusted or graph_sign_in_unreachable
 */
function throwIfConnectionFailed(error: unknown): void {
  if (error instanceof GraphSignInError) {
    const code = toSignInFailureCode(error.result);
    if (code !== undefined) throw new OperatorError(code, error.message, { cause: error });
    return;
  }
  if (isTlsTrustError(error)) {
    throw new OperatorError("graph_tls_untrusted", `Graph TLS certificate not trusted: ${describeThrown(error)}`, {
      cause: error,
    });
  }
}
