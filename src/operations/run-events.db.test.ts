/**
 * Run change events against real PostgreSQL (DESIGN.md §7): the coalescing NOTIFY flusher, the
 * LISTEN fan-out and its catch-up by change cursor after a lost connection.
 */
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, inject, it, vi } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, seedTenant, seedWorkspace } from "../../test/factories.js";
import type { Database } from "../db/database.js";
import * as schema from "../db/schema.js";
import {
  parseRunChangePayload,
  RUN_CHANGES_CHANNEL,
  type RunChange,
  RunChangeListener,
  RunChangeNotifier,
} from "./run-events.js";
import { createRunService, type RunService } from "./run-service.js";

const SENTINEL = "sentinel";
const LISTENER_APP = "run-change-listener-under-test";

/** The listener's connection string, tagged so its backend can be found in pg_stat_activity. */
function tagged(url: string): string {
  const tagged = new URL(url);
  tagged.searchParams.set("application_name", LISTENER_APP);
  return tagged.toString();
}

/** A raw LISTEN connection that records every payload on the run changes channel. */
async function listenRaw(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const payloads: string[] = [];
  client.on("notification", (message) => {
    if (message.channel === RUN_CHANGES_CHANNEL) payloads.push(message.payload ?? "");
  });
  await client.query(`listen ${RUN_CHANGES_CHANNEL}`);
  return {
    payloads,
    /** Resolve once everything notified before this call has arrived (NOTIFY is delivered in commit order). */
    async drain(pool: pg.Pool) {
      const before = payloads.filter((payload) => payload === SENTINEL).length;
      await pool.query("select pg_notify($1, $2)", [RUN_CHANGES_CHANNEL, SENTINEL]);
      await vi.waitFor(() => expect(payloads.filter((payload) => payload === SENTINEL)).toHaveLength(before + 1));
    },
    changePayloads: () => payloads.filter((payload) => payload !== SENTINEL),
    close: () => client.end(),
  };
}

function change(runId: string, version: number, overrides: Partial<RunChange> = {}): RunChange {
  return { runId, workspaceId: randomUUID(), tenantId: randomUUID(), version, changeSeq: version, ...overrides };
}

async function seedRun(database: Database, runs: RunService) {
  const { workspace } = await seedWorkspace(database);
  const tenant = await seedTenant(database, workspace.id);
  const { run } = await runs.startRun(
    {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      type: "baseline_compare",
      initiatorUserId: null,
      initiatorLabel: "cli",
      identityKey: `baseline_compare:${randomUUID()}`,
      inputs: {},
    },
    3,
  );
  return run;
}

describe.concurrent("RunChangeNotifier", () => {
  dbTest(
    "coalesces 50 changes of one run within the interval into one NOTIFY with the latest version",
    async ({ database, databaseUrl }) => {
      const listener = await listenRaw(databaseUrl);
      try {
        const notifier = new RunChangeNotifier(database.pool, { flushIntervalMs: 100 });
        const runId = randomUUID();
        const workspaceId = randomUUID();
        for (let version = 1; version <= 50; version++) {
          notifier.markChanged(change(runId, version, { workspaceId, tenantId: null }));
        }

        // The interval's timer sends it; no explicit flush.
        await vi.waitFor(() => expect(listener.changePayloads()).toHaveLength(1));
        await notifier.flush();
        await listener.drain(database.pool);

        expect(listener.changePayloads()).toHaveLength(1);
        expect(parseRunChangePayload(listener.changePayloads()[0])).toEqual([
          { runId, workspaceId, tenantId: null, version: 50, changeSeq: 50 },
        ]);
      } finally {
        await listener.close();
      }
    },
  );

  dbTest("keeps the newest change of a run when an older one is marked after it", async ({ database, databaseUrl }) => {
    const listener = await listenRaw(databaseUrl);
    try {
      const notifier = new RunChangeNotifier(database.pool, { flushIntervalMs: 10_000 });
      const runId = randomUUID();
      notifier.markChanged(change(runId, 9));
      notifier.markChanged(change(runId, 4));
      await notifier.flush();
      await listener.drain(database.pool);

      expect(listener.changePayloads().flatMap((payload) => parseRunChangePayload(payload))).toMatchObject([
        { runId, version: 9, changeSeq: 9 },
      ]);
    } finally {
      await listener.close();
    }
  });

  dbTest(
    "splits many runs into payloads under the 8000-byte NOTIFY limit, each run once",
    async ({ database, databaseUrl }) => {
      const listener = await listenRaw(databaseUrl);
      try {
        const notifier = new RunChangeNotifier(database.pool, { flushIntervalMs: 10_000 });
        const sent = Array.from({ length: 400 }, (_, i) =>
          change(randomUUID(), 1_000_000 + i, i % 3 === 0 ? { tenantId: null } : {}),
        );
        for (const item of sent) notifier.markChanged(item);

        await notifier.flush();
        await listener.drain(database.pool);

        const payloads = listener.changePayloads();
        expect(payloads.length).toBeGreaterThan(1);
        for (const payload of payloads) expect(Buffer.byteLength(payload, "utf8")).toBeLessThan(8000);
        const received = payloads.flatMap((payload) => parseRunChangePayload(payload));
        expect(received).toHaveLength(sent.length);
        expect(new Set(received.map((item) => item.runId)).size).toBe(sent.length);
        expect(received.sort((a, b) => a.changeSeq - b.changeSeq)).toEqual(sent);
      } finally {
        await listener.close();
      }
    },
  );

  dbTest("sends nothing when nothing changed", async ({ database, databaseUrl }) => {
    const listener = await listenRaw(databaseUrl);
    try {
      const notifier = new RunChangeNotifier(database.pool, { flushIntervalMs: 10 });
      await notifier.flush();
      await listener.drain(database.pool);
      expect(listener.changePayloads()).toEqual([]);
    } finally {
      await listener.close();
    }
  });
});

describe.concurrent("RunChangeListener", () => {
  dbTest(
    "delivers run service changes to every subscriber, even when one throws",
    async ({ database, databaseUrl }) => {
      const { runs, notifier } = createTestRunService(database);
      const before = await seedRun(database, runs); // changed and announced before the listener started
      await notifier.flush();
      const listener = new RunChangeListener(databaseUrl);
      await listener.start();
      try {
        const received: RunChange[] = [];
        const alsoReceived: RunChange[] = [];
        listener.subscribe(() => {
          throw new Error("broken subscriber");
        });
        listener.subscribe((item) => received.push(item));
        const unsubscribe = listener.subscribe((item) => alsoReceived.push(item));

        const run = await seedRun(database, runs);
        const begun = await runs.beginAttempt(run.id, { workerId: "w", jobId: 1 });
        await notifier.flush();
        await vi.waitFor(() => expect(received.at(-1)).toMatchObject({ runId: run.id, version: begun!.version }));
        expect(alsoReceived.at(-1)).toMatchObject({ runId: run.id, version: begun!.version });
        expect(received.every((item) => item.runId === run.id)).toBe(true);
        expect(received.some((item) => item.runId === before.id)).toBe(false);

        unsubscribe();
        await runs.setPhase({ runId: run.id, attempt: begun!.attempt }, "compare");
        await notifier.flush();
        await vi.waitFor(() => expect(received.at(-1)!.version).toBe(begun!.version + 1));
        expect(alsoReceived.at(-1)!.version).toBe(begun!.version);
      } finally {
        await listener.stop();
      }
    },
  );

  dbTest(
    "reconnects after its connection is killed and replays what changed meanwhile",
    async ({ database, databaseUrl }) => {
      const { runs, notifier } = createTestRunService(database);
      const runA = await seedRun(database, runs);
      const runB = await seedRun(database, runs);
      const untouched = await seedRun(database, runs);
      await notifier.flush(); // announced before the listener starts
      // Server-level control from another database: a database cannot disallow connections to itself.
      const control = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
      await control.connect();
      // A connection kept open while new connections are refused: changes are made through it.
      const warm = new pg.Pool({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 0 });
      await warm.query("select 1");
      const silentRuns = createRunService({
        db: drizzle(warm, { schema }),
        changes: { markChanged: () => undefined }, // no NOTIFY at all: only the catch-up can deliver these
        now: () => new Date(),
      });
      const { rows: dbRows } = await warm.query<{ name: string }>("select current_database() as name");
      const dbName = dbRows[0]!.name;
      const errors: Error[] = [];
      const listener = new RunChangeListener(tagged(databaseUrl), { onError: (error) => errors.push(error) });
      await listener.start();
      try {
        const received: RunChange[] = [];
        listener.subscribe((item) => received.push(item));
        const begunA = await runs.beginAttempt(runA.id, { workerId: "w", jobId: 1 });
        await notifier.flush();
        await vi.waitFor(() => expect(received).toHaveLength(1));

        // Lose the LISTEN connection and keep it lost until the changes below are committed.
        await control.query(`alter database "${dbName}" allow_connections false`);
        const { rows: listeners } = await control.query<{ pid: number }>(
          "select pid from pg_stat_activity where datname = $1 and application_name = $2",
          [dbName, LISTENER_APP],
        );
        expect(listeners).toHaveLength(1);
        await control.query("select pg_terminate_backend($1)", [listeners[0]!.pid]);
        await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2)); // the kill, then a refused reconnect

        const ownerA = { runId: runA.id, attempt: begunA!.attempt };
        await silentRuns.setPhase(ownerA, "compare");
        await silentRuns.reportCounts(ownerA, { processed: 3 });
        const begunB = await silentRuns.beginAttempt(runB.id, { workerId: "w", jobId: 2 });
        await silentRuns.completeRun({ runId: runB.id, attempt: begunB!.attempt }, { outcome: "succeeded" });
        const { rows: expected } = await warm.query<{ id: string; version: number; change_seq: string }>(
          "select id, version, change_seq from operation_runs where id = any($1) order by change_seq",
          [[runA.id, runB.id]],
        );
        expect(received).toHaveLength(1); // nothing arrived while disconnected

        await control.query(`alter database "${dbName}" allow_connections true`);

        await vi.waitFor(() => expect(received).toHaveLength(3), { timeout: 10_000 });
        expect(received.slice(1)).toEqual(
          expected.map((row) =>
            expect.objectContaining({ runId: row.id, version: row.version, changeSeq: Number(row.change_seq) }),
          ),
        );
        expect(received.some((item) => item.runId === untouched.id)).toBe(false);

        // Listening again: a new change arrives by NOTIFY.
        const begunUntouched = await runs.beginAttempt(untouched.id, { workerId: "w", jobId: 3 });
        await notifier.flush();
        await vi.waitFor(() =>
          expect(received.at(-1)).toMatchObject({ runId: untouched.id, version: begunUntouched!.version }),
        );
        expect(received).toHaveLength(4);
      } finally {
        await control.query(`alter database "${dbName}" allow_connections true`).catch(() => undefined);
        await listener.stop();
        await control.end();
        await warm.end();
      }
    },
  );

  dbTest("stops reconnecting after stop()", async ({ databaseUrl }) => {
    const listener = new RunChangeListener(tagged(databaseUrl));
    await listener.start();
    await listener.stop();
    const control = new pg.Client({ connectionString: databaseUrl });
    await control.connect();
    try {
      // Give a (wrong) reconnect its first backoff window, then look for any LISTEN connection.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { rows } = await control.query(
        "select pid from pg_stat_activity where datname = current_database() and application_name = $1",
        [LISTENER_APP],
      );
      expect(rows).toEqual([]);
    } finally {
      await control.end();
    }
  });
});

// Not concurrent: it wraps pg.Client.prototype.query for this process while it runs.
describe("RunChangeListener.start", () => {
  dbTest("loses no change committed while it is starting up", async ({ database, databaseUrl }) => {
    const { runs, notifier } = createTestRunService(database);
    const run = await seedRun(database, runs);
    await notifier.flush();
    let begun: Awaited<ReturnType<RunService["beginAttempt"]>>;
    // Commit (and announce) a change right after the listener reads its starting cursor.
    const original = pg.Client.prototype.query;
    const wrapped = function (this: pg.Client, ...args: unknown[]) {
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (typeof args[0] !== "string" || !args[0].startsWith("select max(change_seq)")) return result;
      return (result as Promise<unknown>).then(async (value) => {
        begun = await runs.beginAttempt(run.id, { workerId: "w", jobId: 1 });
        await notifier.flush();
        return value;
      });
    };
    pg.Client.prototype.query = wrapped as typeof original;
    const listener = new RunChangeListener(databaseUrl);
    const received: RunChange[] = [];
    listener.subscribe((item) => received.push(item));
    try {
      await listener.start();
      pg.Client.prototype.query = original;
      expect(begun).toBeDefined();
      // A later change proves the listener is live; the startup change must have arrived before it.
      await runs.setPhase({ runId: run.id, attempt: begun!.attempt }, "compare");
      await notifier.flush();
      await vi.waitFor(() => expect(received.at(-1)?.version).toBe(begun!.version + 1));
      expect(received.map((item) => item.version)).toContain(begun!.version);
    } finally {
      pg.Client.prototype.query = original;
      await listener.stop();
    }
  });
});

describe("parseRunChangePayload", () => {
  const runId = "8f0d7c1e-1111-4222-8333-944444444444";
  const workspaceId = "0a0b0c0d-1111-4222-8333-944444444444";
  const valid = [runId, workspaceId, null, 3, 12];

  it("reads a well-formed payload", () => {
    expect(parseRunChangePayload(JSON.stringify([valid, [runId, workspaceId, workspaceId, 4, 13]]))).toEqual([
      { runId, workspaceId, tenantId: null, version: 3, changeSeq: 12 },
      { runId, workspaceId, tenantId: workspaceId, version: 4, changeSeq: 13 },
    ]);
  });

  it.each<[string, string | undefined]>([
    ["undefined", undefined],
    ["empty text", ""],
    ["not JSON", "[[1,2"],
    ["a JSON object", JSON.stringify({ runId })],
    ["a JSON string", JSON.stringify("x")],
    ["null", "null"],
  ])("returns nothing for %s", (_, payload) => {
    expect(parseRunChangePayload(payload)).toEqual([]);
  });

  it.each<[string, unknown]>([
    ["a short entry", [runId, workspaceId, null, 3]],
    ["a long entry", [...valid, "extra"]],
    ["an object entry", { runId, workspaceId, tenantId: null, version: 3, changeSeq: 12 }],
    ["a numeric run id", [42, workspaceId, null, 3, 12]],
    ["a null workspace", [runId, null, null, 3, 12]],
    ["a numeric tenant", [runId, workspaceId, 7, 3, 12]],
    ["a fractional version", [runId, workspaceId, null, 3.5, 12]],
    ["a string version", [runId, workspaceId, null, "3", 12]],
    ["an unsafe change cursor", [runId, workspaceId, null, 3, 2 ** 60]],
    ["a null change cursor", [runId, workspaceId, null, 3, null]],
    ["a string", "entry"],
    ["null", null],
  ])("drops %s and keeps the valid entries around it", (_, entry) => {
    const payload = JSON.stringify([valid, entry, [runId, workspaceId, null, 5, 14]]);
    expect(parseRunChangePayload(payload)).toEqual([
      { runId, workspaceId, tenantId: null, version: 3, changeSeq: 12 },
      { runId, workspaceId, tenantId: null, version: 5, changeSeq: 14 },
    ]);
  });
});
