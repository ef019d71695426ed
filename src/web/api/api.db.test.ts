import { describe, expect } from "vitest";
import { dbTest } from "../../../test/db-test.js";
import { seedProfile, seedTenant } from "../../../test/factories.js";
import { createTestApp } from "../../../test/web-fixture.js";
import { createApiToken, createUser } from "../../access/authentication.js";
import type { Role } from "../../access/capabilities.js";
import { ensureWorkspace } from "../../access/workspaces.js";
import type { Database } from "../../db/database.js";
import { OPERATOR_ERRORS } from "../../shared/operator-error.js";
import { API_OPERATIONS } from "./openapi.js";

const ORIGIN = "http://localhost";
const PASSWORD = "correct horse battery staple";

function appFor(database: Database) {
  const { app, runs } = createTestApp(database);
  return { app, runs };
}

type World = Awaited<ReturnType<typeof seedWorld>>;

/** A workspace with one member per role, a stranger in another workspace, tenants, a profile with a snapshot. */
async function seedWorld(database: Database) {
  const { app, runs } = appFor(database);
  const tokens = {} as Record<Role | "stranger", string>;
  const userIds = {} as Record<Role | "stranger", string>;
  let workspaceId = "";
  for (const role of ["owner", "manager", "operator", "reader", "stranger"] as const) {
    const userId = await createUser(database.db, {
      email: `${role}@example.com`,
      displayName: role,
      password: PASSWORD,
    });
    const workspace = await ensureWorkspace(
      database.db,
      role === "stranger"
        ? { name: "Other MSP", slug: "other", memberUserId: userId, role: "owner" }
        : { name: "Contoso MSP", slug: "contoso", memberUserId: userId, role },
    );
    if (role !== "stranger") workspaceId = workspace.id;
    userIds[role] = userId;
    tokens[role] = (await createApiToken(database.db, userId, `${role} token`)).token;
  }
  const source = await seedTenant(database, workspaceId, { name: "Source" });
  const target = await seedTenant(database, workspaceId, { name: "Target" });
  const profile = await seedProfile(database, workspaceId, source);
  // A snapshot row stands for a finished capture: this file tests HTTP, not the capture job.
  const { run: captureRun } = await runs.startRun(
    {
      workspaceId,
      tenantId: source.id,
      type: "baseline_capture",
      initiatorUserId: userIds.owner,
      identityKey: "seed-capture",
      inputs: { profileId: profile.id },
    },
    3,
  );
  await runs.completeRun({ runId: captureRun.id, attempt: "any" }, { outcome: "succeeded", result: {} });
  await database.pool.query(
    `insert into baseline_snapshots (workspace_id, profile_id, source_tenant_id, run_id, normalizer_version, policy_count, captured_at)
     values ($1, $2, $3, $4, 1, 0, now())`,
    [workspaceId, profile.id, source.id, captureRun.id],
  );
  return { app, runs, tokens, userIds, workspaceId, source, target, profile, captureRun };
}

function bearer(token: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } };
}

// As a script sends it: no Origin, no content type. Token requests skip the cookie-only Origin check.
const DELETE_INIT: RequestInit = { method: "DELETE" };

function postJson(token: string, body: unknown): RequestInit {
  return bearer(token, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

async function countRows(database: Database, table: string): Promise<number> {
  const { rows } = await database.pool.query(`select count(*)::int as n from ${table}`);
  return (rows[0] as { n: number }).n;
}

async function signIn(app: World["app"], email: string) {
  const response = await app.request(`${ORIGIN}/sign-in`, {
    method: "POST",
    body: new URLSearchParams({ email, password: PASSWORD }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const home = await app.request(`${ORIGIN}/`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}

describe("API tokens", () => {
  dbTest(
    "are created from a session, work as Bearer tokens, list without secrets, and stop working once revoked",
    async ({ database }) => {
      const world = await seedWorld(database);
      const { app } = world;
      const { cookie, csrf } = await signIn(app, "operator@example.com");
      const created = await app.request(`${ORIGIN}/api/v1/tokens`, {
        method: "POST",
        body: JSON.stringify({ name: "CI script" }),
        headers: { cookie, "x-csrf-token": csrf, origin: ORIGIN, "content-type": "application/json" },
      });
      expect(created.status).toBe(201);
      const { id, token } = (await created.json()) as { id: string; token: string };
      expect(token).toMatch(/^tp_/);
      const stored = await database.pool.query("select token_hash from api_tokens where id = $1", [id]);
      expect(stored.rows[0].token_hash).not.toContain(token);

      const workspaces = await app.request(`${ORIGIN}/api/v1/workspaces`, bearer(token));
      expect(workspaces.status).toBe(200);
      expect(await workspaces.json()).toEqual({
        workspaces: [
          {
            id: world.workspaceId,
            slug: "contoso",
            name: "Contoso MSP",
            role: "operator",
            capabilities: ["baseline.capture", "baseline.compare", "tenant_review.manage", "operations.view"],
          },
        ],
      });

      const listed = await app.request(`${ORIGIN}/api/v1/tokens`, bearer(token));
      const listText = await listed.text();
      expect(listText).not.toContain(token);
      expect(listText).not.toContain(stored.rows[0].token_hash);
      const entry = (JSON.parse(listText) as { tokens: Record<string, unknown>[] }).tokens.find((t) => t.id === id);
      expect(entry).toMatchObject({ name: "CI script", revokedAt: null });
      expect(Object.keys(entry ?? {}).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "revokedAt"]);
      expect(entry?.lastUsedAt).not.toBeNull();

      // A token cannot mint tokens, and nobody can revoke another user's token.
      expect((await app.request(`${ORIGIN}/api/v1/tokens`, postJson(token, { name: "x" }))).status).toBe(403);
      const readerTokenId = (await database.pool.query("select id from api_tokens where name = 'reader token'")).rows[0]
        .id as string;
      expect((await app.request(`${ORIGIN}/api/v1/tokens/${readerTokenId}`, bearer(token, DELETE_INIT))).status).toBe(
        404,
      );
      expect((await app.request(`${ORIGIN}/api/v1/tokens/not-a-uuid`, bearer(token, DELETE_INIT))).status).toBe(404);

      const revoked = await app.request(`${ORIGIN}/api/v1/tokens/${id}`, bearer(world.tokens.operator, DELETE_INIT));
      expect(revoked.status).toBe(204);
      const after = await app.request(`${ORIGIN}/api/v1/workspaces`, bearer(token));
      expect(after.status).toBe(401);
      expect(await after.json()).toEqual({
        error: { code: "unauthenticated", message: OPERATOR_ERRORS.unauthenticated },
      });
    },
  );

  dbTest(
    "answers every route with 401 JSON without a session or token, except the OpenAPI document",
    async ({ database }) => {
      const { app } = appFor(database);
      for (const path of [
        "/workspaces",
        "/workspaces/contoso/runs",
        "/runs/00000000-0000-0000-0000-000000000000",
        "/tokens",
      ]) {
        const response = await app.request(`${ORIGIN}/api/v1${path}`);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
      }
      expect((await app.request(`${ORIGIN}/api/v1/tokens`, postJson("tp_forged", { name: "x" }))).status).toBe(401);
      expect((await app.request(`${ORIGIN}/api/v1/openapi.json`)).status).toBe(200);
    },
  );
});

type Caller = Role | "stranger";
const CALLERS: Caller[] = ["owner", "manager", "operator", "reader", "stranger"];

/** Route → expected status per caller. `{ profile }`, `{ run }`, `{ tenant }` are filled in per world. */
const ACCESS_TABLE: { route: string; method: "GET" | "POST"; body?: string; expected: Record<Caller, number> }[] = [
  {
    method: "GET",
    route: "/workspaces",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 200 },
  },
  {
    method: "GET",
    route: "/workspaces/contoso/tenants",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 404 },
  },
  {
    method: "GET",
    route: "/workspaces/contoso/baseline-profiles",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 404 },
  },
  {
    method: "GET",
    route: "/workspaces/contoso/runs",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 404 },
  },
  {
    method: "GET",
    route: "/runs/{run}",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 404 },
  },
  {
    method: "GET",
    route: "/workspaces/contoso/findings",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 404 },
  },
  {
    method: "POST",
    route: "/workspaces/contoso/baseline-profiles/{profile}/compare",
    body: '{"tenantId":"{tenant}"}',
    expected: { owner: 202, manager: 200, operator: 200, reader: 403, stranger: 404 },
  },
  {
    method: "POST",
    route: "/workspaces/contoso/baseline-profiles/{profile}/capture",
    expected: { owner: 202, manager: 200, operator: 200, reader: 403, stranger: 404 },
  },
  {
    method: "GET",
    route: "/tokens",
    expected: { owner: 200, manager: 200, operator: 200, reader: 200, stranger: 200 },
  },
  {
    method: "GET",
    route: "/workspaces/other/tenants",
    expected: { owner: 404, manager: 404, operator: 404, reader: 404, stranger: 200 },
  },
];

describe("access table", () => {
  dbTest("answers each (role, route) with the policy's status", async ({ database }) => {
    const world = await seedWorld(database);
    const fill = (text: string) =>
      text
        .replaceAll("{profile}", world.profile.id)
        .replaceAll("{run}", world.captureRun.id)
        .replaceAll("{tenant}", world.target.id);
    const actual: string[] = [];
    const expected: string[] = [];
    for (const row of ACCESS_TABLE) {
      for (const caller of CALLERS) {
        const init =
          row.method === "POST" ? postJson(world.tokens[caller], fill(row.body ?? "")) : bearer(world.tokens[caller]);
        const response = await world.app.request(`${ORIGIN}/api/v1${fill(row.route)}`, init);
        actual.push(`${caller} ${row.method} ${row.route} → ${response.status}`);
        expected.push(`${caller} ${row.method} ${row.route} → ${row.expected[caller]}`);
        const body = await response.text();
        expect(body).not.toMatch(/\bat \S+ \(|Error:/);
        if (response.status >= 400) expect(JSON.parse(body)).toHaveProperty("error.code");
      }
    }
    expect(actual).toEqual(expected);
  });
});

describe("bad input", () => {
  dbTest("refuses malformed JSON, wrong types and unknown fields with 400 and writes nothing", async ({ database }) => {
    const world = await seedWorld(database);
    const url = `${ORIGIN}/api/v1/workspaces/contoso/baseline-profiles/${world.profile.id}/compare`;
    const runsBefore = await countRows(database, "operation_runs");
    const jobsBefore = await countRows(database, "graphile_worker._private_jobs");
    const hostileKey = "k".repeat(5_000);
    const cases: { body: string; path: string }[] = [
      { body: "{not json", path: "body" },
      { body: "{}", path: "body.tenantId" },
      { body: JSON.stringify({ tenantId: 42 }), path: "body.tenantId" },
      { body: JSON.stringify({ tenantId: "x".repeat(10_000) }), path: "body.tenantId" },
      { body: JSON.stringify([world.target.id]), path: "body" },
      { body: JSON.stringify({ tenantId: world.target.id, [hostileKey]: 1 }), path: "body" },
    ];
    for (const { body, path } of cases) {
      const response = await world.app.request(url, postJson(world.tokens.operator, body));
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text.length).toBeLessThan(1_000);
      expect(text).not.toContain("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
      const json = JSON.parse(text) as { error: { code: string; message: string; issues: { path: string }[] } };
      expect(json.error.code).toBe("invalid_input");
      expect(json.error.message).toBe(OPERATOR_ERRORS.invalid_input);
      expect(json.error.issues[0]?.path).toBe(path);
    }
    const badQueries = ["limit=abc", "limit=-1", "tenantId=nope", "before=garbage", "unknown=1"];
    for (const query of badQueries) {
      const response = await world.app.request(
        `${ORIGIN}/api/v1/workspaces/contoso/runs?${query}`,
        bearer(world.tokens.reader),
      );
      expect(response.status, query).toBe(400);
    }
    expect(
      (
        await world.app.request(
          `${ORIGIN}/api/v1/workspaces/contoso/findings?status=weird`,
          bearer(world.tokens.reader),
        )
      ).status,
    ).toBe(400);
    expect(await countRows(database, "operation_runs")).toBe(runsBefore);
    expect(await countRows(database, "graphile_worker._private_jobs")).toBe(jobsBefore);
  });

  dbTest("answers an over-limit body with 413 and unknown API paths with JSON 404", async ({ database }) => {
    const world = await seedWorld(database);
    const url = `${ORIGIN}/api/v1/workspaces/contoso/baseline-profiles/${world.profile.id}/compare`;
    const big = await world.app.request(
      url,
      postJson(world.tokens.operator, JSON.stringify({ tenantId: world.target.id, pad: "x".repeat(70_000) })),
    );
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const missing = await world.app.request(`${ORIGIN}/api/v1/no/such/route`, bearer(world.tokens.operator));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect((await world.app.request(`${ORIGIN}/api/v1/runs/not-a-uuid`, bearer(world.tokens.owner))).status).toBe(404);
  });

  dbTest("answers a compare of a profile without a snapshot with 409 no_baseline_snapshot", async ({ database }) => {
    const world = await seedWorld(database);
    const fresh = await seedProfile(database, world.workspaceId, world.source);
    const response = await world.app.request(
      `${ORIGIN}/api/v1/workspaces/contoso/baseline-profiles/${fresh.id}/compare`,
      postJson(world.tokens.operator, { tenantId: world.target.id }),
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: "no_baseline_snapshot", message: OPERATOR_ERRORS.no_baseline_snapshot },
    });
  });
});

describe("starting runs", () => {
  dbTest(
    "returns the same run with created false and one job when the same compare is started twice",
    async ({ database }) => {
      const world = await seedWorld(database);
      const url = `${ORIGIN}/api/v1/workspaces/contoso/baseline-profiles/${world.profile.id}/compare`;
      const first = await world.app.request(url, postJson(world.tokens.operator, { tenantId: world.target.id }));
      const second = await world.app.request(url, postJson(world.tokens.manager, { tenantId: world.target.id }));
      expect([first.status, second.status]).toEqual([202, 200]);
      const a = (await first.json()) as {
        run: { id: string; progress: { mode: string } };
        created: boolean;
        toast: { title: string };
      };
      const b = (await second.json()) as {
        run: { id: string };
        created: boolean;
        toast: { title: string; action: { url: string } };
      };
      expect(a.created).toBe(true);
      expect(a.toast.title).toBe("Baseline compare queued");
      expect(a.run.progress.mode).toBe("none");
      expect(b).toMatchObject({ created: false, run: { id: a.run.id } });
      expect(b.toast.title).toBe("Baseline compare is already queued");
      expect(b.toast.action.url).toBe(`/operations/${a.run.id}`);
      const jobs = await database.pool.query(
        "select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'baseline_compare'",
      );
      expect(jobs.rows[0].n).toBe(1);
    },
  );

  dbTest("lists runs newest first with a keyset cursor in next", async ({ database }) => {
    const world = await seedWorld(database);
    const url = `${ORIGIN}/api/v1/workspaces/contoso/baseline-profiles/${world.profile.id}`;
    await world.app.request(`${url}/compare`, postJson(world.tokens.operator, { tenantId: world.target.id }));
    await world.app.request(`${url}/capture`, postJson(world.tokens.operator, {}));
    const ids: string[] = [];
    let next: string | null = null;
    do {
      const query: string = next ? `limit=1&before=${next}` : "limit=1";
      const response = await world.app.request(
        `${ORIGIN}/api/v1/workspaces/contoso/runs?${query}`,
        bearer(world.tokens.reader),
      );
      const page = (await response.json()) as { runs: { id: string; headline: string }[]; next: string | null };
      expect(page.runs.length).toBeLessThanOrEqual(1);
      ids.push(...page.runs.map((run) => run.id));
      next = page.next;
    } while (next !== null && ids.length < 10);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const typed = await world.app.request(
      `${ORIGIN}/api/v1/workspaces/contoso/runs?type=baseline_compare&tenantId=${world.target.id}`,
      bearer(world.tokens.reader),
    );
    expect(((await typed.json()) as { runs: unknown[] }).runs).toHaveLength(1);
  });
});

describe("run JSON", () => {
  dbTest("shows failure diagnostics to a manager and never to an operator", async ({ database }) => {
    const world = await seedWorld(database);
    const { run } = await world.runs.startRun(
      {
        workspaceId: world.workspaceId,
        tenantId: world.target.id,
        type: "baseline_compare",
        initiatorUserId: world.userIds.operator,
        identityKey: "failing-compare",
        inputs: {},
      },
      3,
    );
    await world.runs.completeRun(
      { runId: run.id, attempt: "any" },
      {
        outcome: "failed",
        failure: {
          code: "evidence_source_unreachable",
          message: OPERATOR_ERRORS.evidence_source_unreachable,
          diagnostics: "ENOENT: /srv/secret-export-path",
        },
      },
    );
    const asOperator = await world.app.request(`${ORIGIN}/api/v1/runs/${run.id}`, bearer(world.tokens.operator));
    const operatorText = await asOperator.text();
    expect(asOperator.status).toBe(200);
    expect(operatorText).not.toContain("diagnostics");
    expect(operatorText).not.toContain("secret-export-path");
    const operatorRun = JSON.parse(operatorText) as Record<string, unknown>;
    expect(operatorRun).toMatchObject({
      id: run.id,
      outcome: "failed",
      failure: { code: "evidence_source_unreachable", message: OPERATOR_ERRORS.evidence_source_unreachable },
      progress: { mode: "none" },
    });
    expect(typeof operatorRun.headline).toBe("string");
    const listText = await (
      await world.app.request(`${ORIGIN}/api/v1/workspaces/contoso/runs`, bearer(world.tokens.operator))
    ).text();
    expect(listText).not.toContain("secret-export-path");

    const asManager = await world.app.request(`${ORIGIN}/api/v1/runs/${run.id}`, bearer(world.tokens.manager));
    expect(await asManager.json()).toMatchObject({ failure: { diagnostics: "ENOENT: /srv/secret-export-path" } });
  });
});

describe("OpenAPI document", () => {
  dbTest("describes exactly the routes the app serves under /api/v1, with a bearer scheme", async ({ database }) => {
    const { app } = appFor(database);
    const served = new Set(
      app.routes
        .filter((route) => route.path.startsWith("/api/v1/") && route.method !== "ALL" && !route.path.endsWith("*"))
        .map((route) => `${route.method} ${route.path.slice("/api/v1".length).replace(/:(\w+)/g, "{$1}")}`),
    );
    const response = await app.request(`${ORIGIN}/api/v1/openapi.json`);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: { name: string }[] }>>;
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    expect(document.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect([...documented].sort()).toEqual([...served].sort());
    expect(served.size).toBe(API_OPERATIONS.length);
    expect(document.components.securitySchemes.bearerToken?.scheme).toBe("bearer");
    const runs = document.paths["/workspaces/{slug}/runs"]?.get;
    expect(runs?.parameters.map((parameter) => parameter.name).sort()).toEqual(
      ["before", "limit", "slug", "status", "tenantId", "type"].sort(),
    );
    expect(runs?.responses).toHaveProperty("200");
    expect(document.paths["/workspaces/{slug}/baseline-profiles/{profileId}/compare"]?.post).toHaveProperty(
      "requestBody",
    );
  });
});
