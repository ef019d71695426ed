/**
 * The live stream /events and the tenant shell, through the real app served on a port with a real
 * RunChangeListener: access filtering (a workspace-A member never hears of workspace B), replay
 * after Last-Event-ID, and the shell's constant query count.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pino from "pino";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService, seedTenant } from "../../test/factories.js";
import { createUser, signIn } from "../access/authentication.js";
import type { Role } from "../access/capabilities.js";
import { ensureWorkspace } from "../access/workspaces.js";
import type { Database } from "../db/database.js";
import { RunChangeListener } from "../operations/run-events.js";
import type { RunService } from "../operations/run-service.js";
import { createApp } from "./app.js";

const PASSWORD = "correct horse battery staple";

interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** An open text/event-stream read over node:http (Node 20 has no EventSource, STACK.md G25). */
interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { headers: { accept: "text/event-stream", ...headers }, agent: false },
      (response) => {
        const events: SseEvent[] = [];
        const waiters = new Set<() => void>();
        let buffer = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf("\n\n");
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { event: "message", id: undefined, data: "" };
            const data: string[] = [];
            for (const line of block.split("\n")) {
              const colon = line.indexOf(":");
              const field = colon === -1 ? line : line.slice(0, colon);
              const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
              if (field === "event") event.event = value;
              else if (field === "id") event.id = value;
              else if (field === "data") data.push(value);
            }
            event.data = data.join("\n");
            events.push(event);
            for (const wake of waiters) wake();
            end = buffer.indexOf("\n\n");
          }
        });
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          events,
          waitFor: (predicate, timeoutMs = 5_000) =>
            new Promise((found, fail) => {
              const check = () => {
                const match = events.find(predicate);
                if (match === undefined) return;
                clearTimeout(timer);
                waiters.delete(check);
                found(match);
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
              }, timeoutMs);
              waiters.add(check);
              check();
            }),
          close: () => request.destroy(),
        });
      },
    );
    request.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
    });
  });
}

function appFor(database: Database, runChanges?: RunChangeListener) {
  const { runs, notifier } = createTestRunService(database);
  const app = createApp({
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    runMaxAttempts: 3,
    staleAfterMs: 300_000,
    ...(runChanges ? { runChanges } : {}),
  });
  return { app, runs, notifier };
}

/** The real app on 127.0.0.1 with its own listener; `close` ends streams, server and listener. */
async function startServer(database: Database) {
  const listener = new RunChangeListener(database.connectionString);
  await listener.start();
  const { app, runs, notifier } = appFor(database, listener);
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }) as http.Server;
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    runs,
    notifier,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await listener.stop();
    },
  };
}

/** A user with a session, member of a new workspace with `role`. */
async function seedMember(database: Database, role: Role, workspaceSlug = `ws-${randomUUID().slice(0, 8)}`) {
  const email = `${randomUUID().slice(0, 8)}@example.com`;
  const userId = await createUser(database.db, { email, displayName: email, password: PASSWORD });
  const workspace = await ensureWorkspace(database.db, {
    name: `Workspace ${workspaceSlug}`,
    slug: workspaceSlug,
    memberUserId: userId,
    role,
  });
  const session = await signIn(database.db, { email, password: PASSWORD, clientAddress: "test", now: new Date() });
  return { userId, workspace, cookie: `tp_session=${session.sessionToken}` };
}

async function startCompare(runs: RunService, workspaceId: string, tenantId: string, userId: string) {
  const { run } = await runs.startRun(
    {
      workspaceId,
      tenantId,
      type: "baseline_compare",
      initiatorUserId: userId,
      identityKey: `baseline_compare:${tenantId}:${randomUUID()}`,
      inputs: {},
    },
    3,
  );
  return run;
}

const runData = (event: SseEvent) => JSON.parse(event.data) as { runId: string; version: number; html?: string };

describe("GET /events", () => {
  dbTest("sends a workspace-A member the runs of A and nothing of workspace B", async ({ database }) => {
    const server = await startServer(database);
    try {
      const alice = await seedMember(database, "operator");
      const bob = await seedMember(database, "owner");
      const tenantA = await seedTenant(database, alice.workspace.id, { name: "Contoso" });
      const tenantB = await seedTenant(database, bob.workspace.id, { name: "Fabrikam Secret" });
      const aliceStream = await openStream(`${server.base}/events`, { cookie: alice.cookie });
      const bobStream = await openStream(`${server.base}/events`, { cookie: bob.cookie });
      expect(aliceStream.status).toBe(200);
      expect(aliceStream.headers["content-type"]).toContain("text/event-stream");
      await aliceStream.waitFor((e) => e.event === "ready");
      await bobStream.waitFor((e) => e.event === "ready");

      // B's run changes first, so by the time A's event arrives B's would have been sent too.
      const runB = await startCompare(server.runs, bob.workspace.id, tenantB.id, bob.userId);
      await server.notifier.flush();
      const runA = await startCompare(server.runs, alice.workspace.id, tenantA.id, alice.userId);
      await server.notifier.flush();

      const eventA = await aliceStream.waitFor((e) => e.event === "run" && runData(e).runId === runA.id);
      expect(eventA.id).toMatch(/^\d+$/);
      expect(runData(eventA).html).toContain("View operation");
      expect(runData(eventA).html).toContain("Contoso");
      await bobStream.waitFor((e) => e.event === "run" && runData(e).runId === runB.id);
      await bobStream
        .waitFor((e) => e.event === "run" && runData(e).runId === runA.id, 300)
        .then(
          () => expect.fail("workspace B member received a workspace A run"),
          () => undefined,
        );
      const aliceText = JSON.stringify(aliceStream.events);
      expect(aliceText).not.toContain(runB.id);
      expect(aliceText).not.toContain("Fabrikam");

      // Completion: the run leaves the area and its initiator gets the terminal notification.
      await server.runs.completeRun({ runId: runA.id, attempt: "any" }, { outcome: "cancelled" });
      await server.notifier.flush();
      const done = await aliceStream.waitFor((e) => e.event === "run" && JSON.parse(e.data).completed === true);
      expect(JSON.parse(done.data)).toMatchObject({
        runId: runA.id,
        completed: true,
        notification: { url: `/operations/${runA.id}` },
      });
      aliceStream.close();
      bobStream.close();
    } finally {
      await server.close();
    }
  });

  dbTest("sends anonymous requests to sign in, and streams to a reader", async ({ database }) => {
    const server = await startServer(database);
    try {
      const anonymous = await openStream(`${server.base}/events`, {});
      expect([303, 401]).toContain(anonymous.status);
      anonymous.close();
      const reader = await seedMember(database, "reader");
      const tenant = await seedTenant(database, reader.workspace.id);
      const stream = await openStream(`${server.base}/events`, { cookie: reader.cookie });
      expect(stream.status).toBe(200);
      await stream.waitFor((e) => e.event === "ready");
      const run = await startCompare(server.runs, reader.workspace.id, tenant.id, reader.userId);
      await server.notifier.flush();
      await stream.waitFor((e) => e.event === "run" && runData(e).runId === run.id);
      stream.close();
    } finally {
      await server.close();
    }
  });

  dbTest("replays a change missed while disconnected after Last-Event-ID", async ({ database }) => {
    const server = await startServer(database);
    try {
      const alice = await seedMember(database, "operator");
      const tenant = await seedTenant(database, alice.workspace.id);
      const first = await openStream(`${server.base}/events`, { cookie: alice.cookie });
      await first.waitFor((e) => e.event === "ready");
      const run1 = await startCompare(server.runs, alice.workspace.id, tenant.id, alice.userId);
      await server.notifier.flush();
      const seen = await first.waitFor((e) => e.event === "run" && runData(e).runId === run1.id);
      first.close();

      const run2 = await startCompare(server.runs, alice.workspace.id, tenant.id, alice.userId);
      await server.notifier.flush();
      const again = await openStream(`${server.base}/events`, { cookie: alice.cookie, "last-event-id": seen.id ?? "" });
      const replayed = await again.waitFor((e) => e.event === "run" && runData(e).runId === run2.id);
      expect(Number(replayed.id)).toBeGreaterThan(Number(seen.id));
      // The run already shown is not resent with an id (it is at or below the cursor).
      expect(again.events.filter((e) => e.id !== undefined && runData(e).runId === run1.id)).toEqual([]);
      again.close();
    } finally {
      await server.close();
    }
  });
});

describe("GET /w/:workspaceSlug/tenants/:tenantId", () => {
  dbTest("is 404 for a tenant of another workspace and lists a member's active runs", async ({ database }) => {
    const { app, runs } = appFor(database);
    const alice = await seedMember(database, "operator");
    const bob = await seedMember(database, "owner");
    const tenantA = await seedTenant(database, alice.workspace.id, { name: "Contoso" });
    const tenantB = await seedTenant(database, bob.workspace.id);
    const run = await startCompare(runs, alice.workspace.id, tenantA.id, alice.userId);

    const foreign = await app.request(`/w/${bob.workspace.slug}/tenants/${tenantB.id}`, {
      headers: { cookie: alice.cookie },
    });
    expect(foreign.status).toBe(404);
    const wrongSlug = await app.request(`/w/${bob.workspace.slug}/tenants/${tenantA.id}`, {
      headers: { cookie: alice.cookie },
    });
    expect(wrongSlug.status).toBe(404);

    const shell = await app.request(`/w/${alice.workspace.slug}/tenants/${tenantA.id}`, {
      headers: { cookie: alice.cookie },
    });
    expect(shell.status).toBe(200);
    const html = await shell.text();
    expect(html).toContain(`data-run-id="${run.id}"`);
    expect(html).toContain(`href="/operations/${run.id}"`);
    expect(html).toContain("View operation");
    expect(html).toContain('src="/assets/app.js"');

    const home = await (await app.request("/", { headers: { cookie: alice.cookie } })).text();
    expect(home).toContain(`data-run-id="${run.id}"`);
    expect(home).toContain(`data-group="${tenantA.id}"`);
  });

  dbTest("renders 50 active runs with as many SQL queries as 5", async ({ database }) => {
    const { app, runs, notifier } = appFor(database);
    const alice = await seedMember(database, "operator");
    const tenant = await seedTenant(database, alice.workspace.id);
    const pool = database.pool as unknown as { query: (...args: unknown[]) => unknown };
    const original = pool.query.bind(pool);
    let queries = 0;
    pool.query = (...args: unknown[]) => {
      queries++;
      return original(...args);
    };
    const countShellQueries = async () => {
      await notifier.flush(); // the run service's NOTIFY flush is not the page's query
      queries = 0;
      const response = await app.request(`/w/${alice.workspace.slug}/tenants/${tenant.id}`, {
        headers: { cookie: alice.cookie },
      });
      expect(response.status).toBe(200);
      await response.text();
      return queries;
    };
    for (let i = 0; i < 5; i++) await startCompare(runs, alice.workspace.id, tenant.id, alice.userId);
    const withFive = await countShellQueries();
    for (let i = 0; i < 45; i++) await startCompare(runs, alice.workspace.id, tenant.id, alice.userId);
    const withFifty = await countShellQueries();
    expect(withFive).toBeGreaterThan(0);
    expect(withFifty).toBe(withFive);
  });
});
