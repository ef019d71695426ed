/**
 * Browser test harness: Debian's Chromium driven by playwright-core (STACK.md §4, G27), and the
 * real web app (createApp on @hono/node-server, optionally with a real worker) on a free port
 * against a fresh test database cloned from the e2e lane's migrated template (test/db-test.ts).
 *
 * `e2eTest` gives each test file one browser and each test its own app, database and browser
 * context; everything is closed when the test (or file) ends, passing or failing.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { test } from "vitest";
import { createUser } from "../../src/access/authentication.js";
import { ensureWorkspace, type Workspace } from "../../src/access/workspaces.js";
import type { Database } from "../../src/db/database.js";
import { startWorker, type WorkerHandle } from "../../src/jobs/worker.js";
import { RunChangeListener } from "../../src/operations/run-events.js";
import type { RunService } from "../../src/operations/run-service.js";
import { createApp } from "../../src/web/app.js";
import { createTestDatabase } from "../db-test.js";
import { createTestRunService } from "../factories.js";

/** Debian's chromium (apt package `chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for headless Chromium as root in a container, with no calls home (STACK.md §4). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where screenshots go (git-ignored). */
export const RESULTS_DIR = path.resolve(import.meta.dirname, "../../test-results");

/** Launch a headless Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A running web app on its own database. */
export interface E2eApp {
  /** e.g. `http://127.0.0.1:24817` (no trailing slash). */
  baseUrl: string;
  database: Database;
  runs: RunService;
  worker: WorkerHandle | undefined;
  /** Stop the worker, the server (dropping open connections) and drop the database. Idempotent. */
  close(): Promise<void>;
}

/** Listen on a random free port below the ephemeral range (STACK.md G10), retrying on a clash. */
async function listenOnFreePort(fetch: (request: Request) => Response | Promise<Response>): Promise<Server> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = serve({ fetch, hostname: "127.0.0.1", port }) as Server;
    const listening = await new Promise<boolean>((resolve) => {
      server.once("listening", () => resolve(true));
      server.once("error", () => resolve(false));
    });
    if (listening) return server;
    server.close();
  }
  throw new Error("no free port found for the web app");
}

/**
 * Start the real web app with its LISTEN connection (live updates, as `serve` has), and with
 * `withWorker` a real worker (`evidenceReadDelayMs` slows its evidence reads so phases can be
 * watched), against a fresh test database.
 */
export async function startWebApp(
  options: { withWorker?: boolean; staleAfterMs?: number; evidenceReadDelayMs?: number } = {},
): Promise<E2eApp> {
  const { database, dispose } = await createTestDatabase();
  const logger = pino({ level: process.env.E2E_LOG_LEVEL ?? "silent" });
  const now = () => new Date();
  const { runs, notifier } = createTestRunService(database, now);
  let server: Server | undefined;
  let worker: WorkerHandle | undefined;
  let runChanges: RunChangeListener | undefined;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await worker?.stop("interrupt").catch(() => undefined);
      if (server) {
        const stopping = server;
        await new Promise<void>((resolve) => {
          stopping.close(() => resolve());
          stopping.closeAllConnections();
        });
      }
      await runChanges?.stop().catch(() => undefined);
      await notifier.flush().catch(() => undefined);
      await dispose();
    })();
    return closed;
  };
  try {
    runChanges = new RunChangeListener(database.connectionString);
    await runChanges.start();
    const app = createApp({
      runChanges,
      db: database.db,
      runs,
      logger,
      now,
      runMaxAttempts: 3,
      staleAfterMs: options.staleAfterMs ?? 300_000,
    });
    server = await listenOnFreePort(app.fetch);
    if (options.withWorker) {
      worker = await startWorker({
        database,
        runs,
        logger,
        now,
        concurrency: 2,
        heartbeatIntervalMs: 1_000,
        deadAfterMs: 30_000,
        reaperIntervalMs: 5_000,
        pollIntervalMs: 200,
        gracefulStopTimeoutMs: 1_000,
        ...(options.evidenceReadDelayMs ? { evidenceReadDelayMs: options.evidenceReadDelayMs } : {}),
      });
    }
    const { port } = server.address() as AddressInfo;
    return { baseUrl: `http://127.0.0.1:${port}`, database, runs, worker, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An operator with a password and a membership, ready to sign in. */
export interface SeededOperator {
  userId: string;
  email: string;
  password: string;
  displayName: string;
  workspace: Workspace;
}

/** Create a user with a password and a workspace it belongs to (default role: owner). */
export async function seedOperator(
  database: Database,
  options: { email?: string; displayName?: string; workspaceName?: string; role?: "owner" | "operator" } = {},
): Promise<SeededOperator> {
  const suffix = randomUUID().slice(0, 8);
  const email = options.email ?? `operator-${suffix}@example.com`;
  const displayName = options.displayName ?? "Ada Operator";
  const password = `e2e password ${suffix}`;
  const userId = await createUser(database.db, { email, displayName, password });
  const workspace = await ensureWorkspace(database.db, {
    name: options.workspaceName ?? `Workspace ${suffix}`,
    slug: `ws-${suffix}`,
    memberUserId: userId,
    role: options.role ?? "owner",
  });
  return { userId, email, password, displayName, workspace };
}

/** Fill and submit the sign-in form on the current page (which must be /sign-in); waits for the next page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Full-page screenshot into test-results/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A test with one browser per file (`browser`), its own app and database (`app`, no worker;
 * `e2eTest.override({ withWorker: true })` in a describe adds a real worker) and a fresh browser context
 * (`context`, cookies isolated from other tests) with a first page (`page`).
 */
export const e2eTest = test.extend<{
  $test: { app: E2eApp; context: BrowserContext; page: Page; withWorker: boolean; evidenceReadDelayMs: number };
  $file: { browser: Browser };
}>({
  browser: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their context
    async ({}, use) => {
      const browser = await launchBrowser();
      try {
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: "file" },
  ],
  withWorker: false,
  evidenceReadDelayMs: 0,
  app: async ({ withWorker, evidenceReadDelayMs }, use) => {
    const app = await startWebApp({ withWorker, evidenceReadDelayMs });
    try {
      await use(app);
    } finally {
      await app.close();
    }
  },
  context: async ({ browser, app }, use) => {
    const context = await browser.newContext({ baseURL: app.baseUrl });
    // An uncaught script error on any page of the context fails the test.
    const pageErrors: string[] = [];
    context.on("page", (page) => page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`)));
    try {
      await use(context);
    } finally {
      await context.close();
    }
    if (pageErrors.length > 0) throw new Error(`uncaught errors in the page:\n${pageErrors.join("\n")}`);
  },
  page: async ({ context }, use) => {
    await use(await context.newPage());
  },
});
