/**
 * The web app on a test database and signed-in users for it (`app.request`, no server): a user with
 * a role in a workspace, signed in through POST /sign-in, with get/post helpers that send the
 * session cookie, the Origin and the CSRF token.
 */
import { randomUUID } from "node:crypto";
import pino from "pino";
import { createUser } from "../src/access/authentication.js";
import type { Role } from "../src/access/capabilities.js";
import { ensureWorkspace } from "../src/access/workspaces.js";
import type { Database } from "../src/db/database.js";
import type { RunChangeNotifier } from "../src/operations/run-events.js";
import type { RunService } from "../src/operations/run-service.js";
import { createApp } from "../src/web/app.js";
import { createTestKeyRing, createTestRunService } from "./factories.js";

export const ORIGIN = "http://localhost";
export const PASSWORD = "correct horse battery staple";

/** The app over `database` (no LISTEN connection: /events replays only). */
export function createTestApp(database: Database): {
  app: ReturnType<typeof createApp>;
  runs: RunService;
  notifier: RunChangeNotifier;
} {
  const { runs, notifier } = createTestRunService(database);
  const app = createApp({
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    runMaxAttempts: 3,
    staleAfterMs: 300_000,
    keyRing: createTestKeyRing(),
  });
  return { app, runs, notifier };
}

/** A signed-in browser session. */
export interface TestSession {
  userId: string;
  cookie: string;
  csrf: string;
  get(url: string, headers?: Record<string, string>): Promise<Response>;
  /** A form post with the CSRF token (unless `fields` replaces it). */
  post(url: string, fields?: Record<string, string>): Promise<Response>;
  /** Any method with a JSON body, the CSRF header and the cookie (the JSON API). */
  send(method: string, url: string, body?: unknown): Promise<Response>;
}

/** Sign in as an existing user. */
export async function signInUser(
  app: ReturnType<typeof createApp>,
  userId: string,
  email: string,
): Promise<TestSession> {
  const response = await app.request(`${ORIGIN}/sign-in`, {
    method: "POST",
    body: new URLSearchParams({ email, password: PASSWORD }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
  });
  if (response.status !== 303) throw new Error(`sign-in failed with ${response.status}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const home = await app.request(`${ORIGIN}/`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? "";
  return {
    userId,
    cookie,
    csrf,
    get: async (url, headers = {}) => app.request(`${ORIGIN}${url}`, { headers: { cookie, ...headers } }),
    post: async (url, fields = { _csrf: csrf }) =>
      app.request(`${ORIGIN}${url}`, {
        method: "POST",
        body: new URLSearchParams(fields).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie },
      }),
    send: async (method, url, body) =>
      app.request(`${ORIGIN}${url}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headers: { "content-type": "application/json", origin: ORIGIN, cookie, "x-csrf-token": csrf },
      }),
  };
}

/**
 * A new user with `role` in the workspace `slug` (or, for null, an owner of a fresh other workspace
 * only), signed in.
 */
export async function signInAs(
  database: Database,
  app: ReturnType<typeof createApp>,
  workspace: { name: string; slug: string },
  role: Role | null,
): Promise<TestSession> {
  const email = `${role ?? "stranger"}-${randomUUID().slice(0, 8)}@example.com`;
  const userId = await createUser(database.db, { email, displayName: "Ada", password: PASSWORD });
  await ensureWorkspace(
    database.db,
    role === null
      ? { name: "Other MSP", slug: `other-${randomUUID().slice(0, 8)}`, memberUserId: userId }
      : { ...workspace, memberUserId: userId, role },
  );
  return signInUser(app, userId, email);
}
