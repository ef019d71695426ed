/**
 * Run change events (DESIGN.md §7). Writers mark a run changed after their transaction commits; one
 * coalescing flusher per process sends the changes as a few `pg_notify` calls every
 * `flushIntervalMs`, never a NOTIFY per row write. Listeners hold one LISTEN connection, fan events
 * out to subscribers, and after a lost connection re-read what changed since the last change
 * cursor they saw, so no update is lost.
 * @module
 */
import pg from "pg";

/** The NOTIFY channel. */
export const RUN_CHANGES_CHANNEL = "tenantpilot_run_changes";

/** One changed run as announced: ids, version and change cursor only (no operator data). */
export interface RunChange {
  runId: string;
  workspaceId: string;
  tenantId: string | null;
  version: number;
  /** Global change cursor (operation_runs.change_seq). */
  changeSeq: number;
}

/** Where writers report committed changes. */
export interface RunChangeSink {
  markChanged(change: RunChange): void;
}

/** PostgreSQL's NOTIFY payload limit is 8000 bytes; stay well under it. */
const MAX_PAYLOAD_BYTES = 7_000;

/**
 * Coalesces run changes per process and flushes them with `pg_notify` every `flushIntervalMs`
 * (Default: 150). For each run only the latest version is sent.
 */
export class RunChangeNotifier implements RunChangeSink {
  readonly #pool: pg.Pool;
  readonly #pending = new Map<string, RunChange>();
  readonly #flushIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #onError: (error: Error) => void;

  constructor(pool: pg.Pool, options: { flushIntervalMs?: number; onError?: (error: Error) => void } = {}) {
    this.#pool = pool;
    this.#flushIntervalMs = options.flushIntervalMs ?? 150;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Queue a change; it is sent within `flushIntervalMs`. */
  markChanged(change: RunChange): void {
    const previous = this.#pending.get(change.runId);
    if (previous === undefined || previous.changeSeq < change.changeSeq) {
      this.#pending.set(change.runId, change);
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.#send());
    }, this.#flushIntervalMs);
  }

  /** Send everything pending now (used at shutdown and by tests). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushing.then(() => this.#send());
    await this.#flushing;
  }

  async #send(): Promise<void> {
    if (this.#pending.size === 0) return;
    const changes = [...this.#pending.values()];
    this.#pending.clear();
    try {
      for (const payload of toPayloads(changes)) {
        await this.#pool.query("select pg_notify($1, $2)", [RUN_CHANGES_CHANNEL, payload]);
      }
    } catch (error) {
      // Listeners catch up from the change cursor on their next event or reconnect; report, don't crash.
      this.#onError(error as Error);
    }
  }
}

/** Encode changes as compact JSON arrays, split so each payload stays under the NOTIFY limit. */
function toPayloads(changes: RunChange[]): string[] {
  const payloads: string[] = [];
  let batch: unknown[] = [];
  let size = 2;
  for (const change of changes) {
    const entry = [change.runId, change.workspaceId, change.tenantId, change.version, change.changeSeq];
    const entrySize = JSON.stringify(entry).length + 1;
    if (size + entrySize > MAX_PAYLOAD_BYTES && batch.length > 0) {
      payloads.push(JSON.stringify(batch));
      batch = [];
      size = 2;
    }
    batch.push(entry);
    size += entrySize;
  }
  if (batch.length > 0) payloads.push(JSON.stringify(batch));
  return payloads;
}

/** Parse a NOTIFY payload; malformed entries are dropped (the payload is untrusted text). */
export function parseRunChangePayload(payload: string | undefined): RunChange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload ?? "");
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const changes: RunChange[] = [];
  for (const entry of parsed) {
    if (!Array.isArray(entry) || entry.length !== 5) continue;
    const [runId, workspaceId, tenantId, version, changeSeq] = entry as unknown[];
    if (
      typeof runId === "string" &&
      typeof workspaceId === "string" &&
      (tenantId === null || typeof tenantId === "string") &&
      Number.isSafeInteger(version) &&
      Number.isSafeInteger(changeSeq)
    ) {
      changes.push({ runId, workspaceId, tenantId, version: version as number, changeSeq: changeSeq as number });
    }
  }
  return changes;
}

/**
 * Subscriber callback. A listener delivers each run version at most once and never a version older
 * than one it already delivered for that run; after a reconnect it may skip intermediate versions
 * (the current row is what is replayed).
 */
export type RunChangeHandler = (change: RunChange) => void;

/**
 * How far behind the last delivered cursor a catch-up re-reads. `change_seq` is drawn when a write
 * starts but becomes visible when it commits, so a lower cursor can commit after a higher one was
 * delivered; re-reading an overlap (and dropping versions already delivered) closes that gap.
 */
const CATCH_UP_OVERLAP = 10_000;

/** Runs whose last delivered version is remembered for de-duplication. */
const MAX_TRACKED_RUNS = 50_000;

/**
 * One LISTEN connection per process, fanned out to subscribers. Reconnects with backoff after a
 * lost connection and replays what changed since shortly before the last cursor it delivered, so
 * no change is lost; versions already delivered are dropped, so none is delivered twice.
 */
export class RunChangeListener {
  readonly #connectionString: string;
  readonly #handlers = new Set<RunChangeHandler>();
  #client: pg.Client | undefined;
  #lastChangeSeq = 0;
  readonly #deliveredVersions = new Map<string, number>();
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #onError: (error: Error) => void;

  constructor(connectionString: string, options: { onError?: (error: Error) => void } = {}) {
    this.#connectionString = connectionString;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Connect and LISTEN; resolves once listening. @throws {Error} when the first connection fails */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString });
    await client.connect();
    this.#attach(client);
    // LISTEN before reading the starting cursor: a change committed in between arrives by NOTIFY.
    await client.query(`listen ${RUN_CHANGES_CHANNEL}`);
    const { rows } = await client.query<{ seq: string | null }>("select max(change_seq) as seq from operation_runs");
    this.#lastChangeSeq = Math.max(this.#lastChangeSeq, Number(rows[0]?.seq ?? 0));
    // What is current now counts as seen: a later catch-up re-reads its overlap but only delivers real changes.
    const seen = await client.query<{ id: string; version: number }>(
      "select id, version from operation_runs where change_seq > $1",
      [Math.max(0, this.#lastChangeSeq - CATCH_UP_OVERLAP)],
    );
    for (const row of seen.rows) this.#remember(row.id, row.version);
  }

  /** Add a subscriber; returns the unsubscribe function. */
  subscribe(handler: RunChangeHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Close the connection; no reconnects after this. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    await this.#client?.end().catch(() => undefined);
  }

  #attach(client: pg.Client): void {
    this.#client = client;
    client.on("notification", (message) => {
      if (message.channel === RUN_CHANGES_CHANNEL) this.#deliver(parseRunChangePayload(message.payload));
    });
    client.on("error", (error) => {
      this.#onError(error);
      this.#scheduleReconnect(0);
    });
    client.on("end", () => this.#scheduleReconnect(0));
  }

  #deliver(changes: RunChange[]): void {
    for (const change of changes) {
      if (change.changeSeq > this.#lastChangeSeq) this.#lastChangeSeq = change.changeSeq;
      const delivered = this.#deliveredVersions.get(change.runId);
      if (delivered !== undefined && delivered >= change.version) continue;
      this.#remember(change.runId, change.version);
      for (const handler of this.#handlers) {
        try {
          handler(change);
        } catch (error) {
          this.#onError(error as Error); // one broken subscriber must not starve the others
        }
      }
    }
  }

  #remember(runId: string, version: number): void {
    this.#deliveredVersions.delete(runId); // re-insert: Map order is then least recently changed first
    this.#deliveredVersions.set(runId, version);
    if (this.#deliveredVersions.size > MAX_TRACKED_RUNS) {
      const oldest = this.#deliveredVersions.keys().next().value;
      if (oldest !== undefined) this.#deliveredVersions.delete(oldest);
    }
  }

  #scheduleReconnect(attempt: number): void {
    if (this.#stopped || this.#reconnectTimer !== undefined) return;
    this.#client = undefined;
    const delayMs = Math.min(5_000, 100 * 2 ** attempt);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#reconnect(attempt);
    }, delayMs);
  }

  async #reconnect(attempt: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString });
    try {
      await client.connect();
      this.#attach(client);
      await client.query(`listen ${RUN_CHANGES_CHANNEL}`);
      // Catch up: everything that changed while we were not listening.
      const { rows } = await client.query<{
        id: string;
        workspace_id: string;
        tenant_id: string | null;
        version: number;
        change_seq: string;
      }>(
        "select id, workspace_id, tenant_id, version, change_seq from operation_runs where change_seq > $1 order by change_seq",
        [Math.max(0, this.#lastChangeSeq - CATCH_UP_OVERLAP)],
      );
      this.#deliver(
        rows.map((row) => ({
          runId: row.id,
          workspaceId: row.workspace_id,
          tenantId: row.tenant_id,
          version: row.version,
          changeSeq: Number(row.change_seq),
        })),
      );
    } catch (error) {
      this.#onError(error as Error);
      await client.end().catch(() => undefined);
      this.#scheduleReconnect(attempt + 1);
    }
  }
}
