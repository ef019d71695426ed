/**
 * THE access table (DESIGN.md §6): every route of the app × (anonymous, non-member, reader,
 * operator, manager, owner) → expected status. Anonymous page requests are sent to sign in (303),
 * anonymous API requests get 401; a member of another workspace only gets 404 for anything of this
 * workspace; members get the route's success status with the capability and 403 without it.
 * `app.routes` is enumerated, and a route missing from {@link ROUTES} fails the test, so a new
 * route cannot skip the table. (The SSE stream's "nothing of workspace B" test lives in
 * events.db.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedProfile, seedTenant } from "../../test/factories.js";
import { seedTenantReview } from "../../test/review-seed.js";
import { createTestApp, ORIGIN, signInAs, type TestSession } from "../../test/web-fixture.js";
import { type Capability, ROLE_CAPABILITIES, type Role } from "../access/capabilities.js";
import { baselineSnapshots, driftFindings } from "../db/schema.js";

const WORKSPACE = { name: "Contoso MSP", slug: "contoso" };
/** Connection fields of the Graph connection rows: a closed local port, so a connection test fails fast. */
const GRAPH_CONNECTION = {
  entraTenantId: "5f1d3c2b-0a9e-4d8c-b7a6-1e2f3a4b5c6d",
  clientId: "6a2e4d3c-1b0f-4e9d-a8b7-2f3a4b5c6d7e",
  authorityHost: "https://127.0.0.1:9",
  graphBaseUrl: "https://127.0.0.1:9",
};

/**
 * Who may use a route:
 * - a capability: a member of the resource's workspace with it (non-members 404, others 403);
 * - "user": any signed-in user, in no workspace's scope (non-members get their own view: success);
 * - "own": only the user the resource belongs to (the owner in the seed); anyone else 404;
 * - "public": no sign-in needed.
 */
type Access = Capability | "user" | "own" | "public";

/** The seeded ids every path parameter is filled from. */
interface Seed {
  slug: string;
  tenantId: string;
  profileId: string;
  runId: string;
  notificationId: string;
  tokenId: string;
  reviewId: string;
}

interface RouteCase {
  method: string;
  /** The route's path pattern exactly as in `app.routes`. */
  path: string;
  access: Access;
  /** Success status(es) for a member allowed to use it. */
  ok: number | number[];
  /** The request: URL (with real ids) and, for posts, the body (form fields or JSON). */
  url: (seed: Seed) => string;
  form?: (seed: Seed) => Record<string, string>;
  json?: (seed: Seed) => unknown;
  /** Expected statuses that differ from the rule, per who. */
  override?: Partial<Record<Who, number | number[]>>;
}

type Who = "anonymous" | "stranger" | Role;
const WHO: readonly Who[] = ["anonymous", "stranger", "reader", "operator", "manager", "owner"];

const ROUTES: readonly RouteCase[] = [
  // Live updates
  {
    method: "GET",
    path: "/events",
    access: "operations.view",
    ok: 200,
    url: () => "/events",
    override: { stranger: 200 },
  },
  {
    method: "GET",
    path: "/activity/runs/:runId",
    access: "operations.view",
    ok: 200,
    url: (s) => `/activity/runs/${s.runId}`,
  },
  // Sign-in and sign-out
  {
    method: "GET",
    path: "/sign-in",
    access: "public",
    ok: 303,
    url: () => "/sign-in",
    override: { anonymous: 200 },
  },
  {
    method: "POST",
    path: "/sign-in",
    access: "public",
    ok: 400,
    url: () => "/sign-in",
    form: () => ({}),
    override: { anonymous: 400 },
  },
  // Shell
  { method: "GET", path: "/", access: "user", ok: 200, url: () => "/" },
  {
    method: "GET",
    path: "/w/:workspaceSlug/tenants/:tenantId",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}`,
  },
  // Operations
  {
    method: "GET",
    path: "/operations",
    access: "operations.view",
    ok: 200,
    url: (s) => `/operations?workspace=${s.slug}`,
  },
  {
    method: "GET",
    path: "/operations/:runId",
    access: "operations.view",
    ok: 200,
    url: (s) => `/operations/${s.runId}`,
  },
  {
    method: "POST",
    path: "/operations/:runId/cancel",
    access: "baseline.compare",
    ok: 303,
    url: (s) => `/operations/${s.runId}/cancel`,
    form: () => ({}),
  },
  // Baselines and findings
  {
    method: "GET",
    path: "/w/:workspaceSlug/baselines",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/baselines`,
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/baselines",
    access: "baseline.capture",
    ok: 303,
    url: (s) => `/w/${s.slug}/baselines`,
    form: (s) => ({ name: "Table baseline", sourceTenant: s.tenantId }),
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/baselines/:profileId/capture",
    access: "baseline.capture",
    ok: 303,
    url: (s) => `/w/${s.slug}/baselines/${s.profileId}/capture`,
    form: () => ({ confirm: "yes" }),
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/baselines/:profileId/compare",
    access: "baseline.compare",
    ok: 303,
    url: (s) => `/w/${s.slug}/baselines/${s.profileId}/compare`,
    form: (s) => ({ confirm: "yes", tenant: s.tenantId }),
  },
  {
    method: "GET",
    path: "/w/:workspaceSlug/findings",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/findings`,
  },
  // Tenant reviews (the seeded review is ready)
  {
    method: "GET",
    path: "/w/:workspaceSlug/tenants/:tenantId/reviews",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/reviews`,
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/tenants/:tenantId/reviews",
    access: "tenant_review.manage",
    ok: 303,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/reviews`,
    form: () => ({ confirm: "yes", periodKind: "month", month: "2026-10" }),
  },
  {
    method: "GET",
    path: "/w/:workspaceSlug/tenants/:tenantId/reviews/list",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/reviews/list`,
  },
  {
    method: "GET",
    path: "/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId",
    access: "operations.view",
    ok: 200,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/reviews/${s.reviewId}`,
  },
  ...(["md", "pdf", "json"] as const).map(
    (ext): RouteCase => ({
      method: "GET",
      path: `/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId/export.${ext}`,
      access: "operations.view",
      ok: 200,
      url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/reviews/${s.reviewId}/export.${ext}`,
    }),
  ),
  // Notifications (the seeded one belongs to the owner)
  { method: "GET", path: "/notifications", access: "user", ok: 200, url: () => "/notifications" },
  {
    method: "POST",
    path: "/notifications/read-all",
    access: "user",
    ok: 303,
    url: () => "/notifications/read-all",
    form: () => ({}),
  },
  {
    method: "POST",
    path: "/notifications/:id/read",
    access: "own",
    ok: 303,
    url: (s) => `/notifications/${s.notificationId}/read`,
    form: () => ({}),
  },
  // Graph connection (an app registration; the hosts are a closed local port, so a test fails fast and offline)
  {
    method: "GET",
    path: "/w/:workspaceSlug/tenants/:tenantId/graph-connection",
    access: "tenants.manage",
    ok: 200,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/graph-connection`,
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/tenants/:tenantId/graph-connection",
    access: "tenants.manage",
    ok: 303,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/graph-connection`,
    form: () => ({ ...GRAPH_CONNECTION, credentialKind: "client_secret", clientSecret: "table-secret-value-1" }),
  },
  {
    method: "POST",
    path: "/w/:workspaceSlug/tenants/:tenantId/graph-connection/test",
    access: "tenants.manage",
    ok: 303,
    url: (s) => `/w/${s.slug}/tenants/${s.tenantId}/graph-connection/test`,
    form: () => ({}),
  },
  {
    method: "GET",
    path: "/api/v1/tenants/:tenantId/graph-connection",
    access: "tenants.manage",
    ok: 200,
    url: (s) => `/api/v1/tenants/${s.tenantId}/graph-connection`,
  },
  {
    method: "PUT",
    path: "/api/v1/tenants/:tenantId/graph-connection",
    access: "tenants.manage",
    ok: [200, 201],
    url: (s) => `/api/v1/tenants/${s.tenantId}/graph-connection`,
    json: () => ({ ...GRAPH_CONNECTION, clientSecret: "table-secret-value-2" }),
  },
  {
    method: "POST",
    path: "/api/v1/tenants/:tenantId/graph-connection/test",
    access: "tenants.manage",
    ok: 200,
    url: (s) => `/api/v1/tenants/${s.tenantId}/graph-connection/test`,
    json: () => ({}),
  },
  // JSON API
  {
    method: "GET",
    path: "/api/v1/openapi.json",
    access: "public",
    ok: 200,
    url: () => "/api/v1/openapi.json",
    override: { anonymous: 200 },
  },
  { method: "GET", path: "/api/v1/workspaces", access: "user", ok: 200, url: () => "/api/v1/workspaces" },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/tenants",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/tenants`,
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/baseline-profiles",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/baseline-profiles`,
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/runs",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/runs`,
  },
  {
    method: "GET",
    path: "/api/v1/runs/:id",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/runs/${s.runId}`,
  },
  {
    method: "POST",
    path: "/api/v1/workspaces/:slug/baseline-profiles/:profileId/capture",
    access: "baseline.capture",
    ok: [200, 202],
    url: (s) => `/api/v1/workspaces/${s.slug}/baseline-profiles/${s.profileId}/capture`,
    json: () => ({}),
  },
  {
    method: "POST",
    path: "/api/v1/workspaces/:slug/baseline-profiles/:profileId/compare",
    access: "baseline.compare",
    ok: [200, 202],
    url: (s) => `/api/v1/workspaces/${s.slug}/baseline-profiles/${s.profileId}/compare`,
    json: (s) => ({ tenantId: s.tenantId }),
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/findings",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/findings`,
  },
  {
    method: "POST",
    path: "/api/v1/workspaces/:slug/tenants/:tenantId/reviews",
    access: "tenant_review.manage",
    ok: [200, 202],
    url: (s) => `/api/v1/workspaces/${s.slug}/tenants/${s.tenantId}/reviews`,
    json: () => ({ period: "2026-10" }),
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/tenants/:tenantId/reviews",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/tenants/${s.tenantId}/reviews`,
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/reviews/:reviewId",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/reviews/${s.reviewId}`,
  },
  {
    method: "GET",
    path: "/api/v1/workspaces/:slug/reviews/:reviewId/export",
    access: "operations.view",
    ok: 200,
    url: (s) => `/api/v1/workspaces/${s.slug}/reviews/${s.reviewId}/export?format=json`,
  },
  {
    method: "POST",
    path: "/api/v1/workspaces/:slug/tenants/:tenantId/evidence-snapshots",
    access: "tenant_review.manage",
    ok: [200, 202],
    url: (s) => `/api/v1/workspaces/${s.slug}/tenants/${s.tenantId}/evidence-snapshots`,
    json: () => ({ period: "2026-10" }),
  },
  { method: "GET", path: "/api/v1/tokens", access: "user", ok: 200, url: () => "/api/v1/tokens" },
  {
    method: "POST",
    path: "/api/v1/tokens",
    access: "user",
    ok: 201,
    url: () => "/api/v1/tokens",
    json: () => ({ name: "ci" }),
  },
  { method: "DELETE", path: "/api/v1/tokens/:id", access: "own", ok: 204, url: (s) => `/api/v1/tokens/${s.tokenId}` },
  // The API's catch-all for unknown paths: JSON 404 once signed in.
  { method: "ALL", path: "/api/v1/*", access: "user", ok: 404, url: () => "/api/v1/no-such-route" },
  // Last: it ends the session it is sent with.
  {
    method: "POST",
    path: "/sign-out",
    access: "user",
    ok: 303,
    url: () => "/sign-out",
    form: () => ({}),
    override: { anonymous: 303 },
  },
];

/** Middleware (`app.use`) and static assets are not routes of the table. */
function isTableRoute(route: { method: string; path: string }): boolean {
  return !(route.method === "ALL" && route.path === "/*") && !route.path.startsWith("/assets/");
}

function expectedStatus(route: RouteCase, who: Who): number[] {
  const override = route.override?.[who];
  if (override !== undefined) return [override].flat();
  const ok = [route.ok].flat();
  if (who === "anonymous") return route.access === "public" ? ok : [route.path.startsWith("/api/") ? 401 : 303];
  if (route.access === "public" || route.access === "user") return ok;
  if (who === "stranger") return [404];
  if (route.access === "own") return who === "owner" ? ok : [404];
  return ROLE_CAPABILITIES[who].includes(route.access) ? ok : [403];
}

async function request(
  app: ReturnType<typeof createTestApp>["app"],
  route: RouteCase,
  seed: Seed,
  session?: TestSession,
) {
  const method = route.method === "ALL" ? "GET" : route.method;
  const url = `${ORIGIN}${route.url(seed)}`;
  const headers: Record<string, string> = { origin: ORIGIN };
  if (session) headers.cookie = session.cookie;
  let body: string | undefined;
  if (route.json) {
    headers["content-type"] = "application/json";
    if (session) headers["x-csrf-token"] = session.csrf;
    body = JSON.stringify(route.json(seed));
  } else if (method !== "GET" && method !== "DELETE") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams({
      ...(route.form?.(seed) ?? {}),
      ...(session ? { _csrf: session.csrf } : {}),
    }).toString();
  } else if (method === "DELETE" && session) {
    headers["x-csrf-token"] = session.csrf;
  }
  const response = await app.request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  await response.body?.cancel(); // the SSE stream never ends by itself
  return response;
}

describe("access table: (role, route) → status", () => {
  dbTest("every route answers every role as DESIGN §6 says", async ({ database }) => {
    const { app, runs } = createTestApp(database);
    const sessions: Partial<Record<Who, TestSession>> = {};
    for (const role of ["owner", "manager", "operator", "reader"] as const) {
      sessions[role] = await signInAs(database, app, WORKSPACE, role);
    }
    sessions.stranger = await signInAs(database, app, WORKSPACE, null);
    const owner = sessions.owner!;
    const workspaceId = String(
      (await database.pool.query("select id from workspaces where slug = $1", [WORKSPACE.slug])).rows[0]?.id,
    );

    // Seed: a tenant, a profile with a snapshot (from a completed capture), a finding, a run, a notification, a token.
    const tenant = await seedTenant(database, workspaceId, { name: "Fabrikam", exportDir: "/nonexistent/export" });
    const profile = await seedProfile(database, workspaceId, tenant, { name: "Standard baseline" });
    const start = async (type: "baseline_capture" | "baseline_compare") =>
      (
        await runs.startRun(
          {
            workspaceId,
            tenantId: tenant.id,
            type,
            initiatorUserId: owner.userId,
            identityKey: `${type}:${randomUUID()}`,
            inputs: { profileId: profile.id, tenantId: tenant.id },
          },
          3,
        )
      ).run;
    const capture = await start("baseline_capture");
    await runs.completeRun({ runId: capture.id, attempt: "any" }, { outcome: "succeeded", result: { policyCount: 0 } });
    const now = new Date();
    await database.db.insert(baselineSnapshots).values({
      workspaceId,
      profileId: profile.id,
      sourceTenantId: tenant.id,
      runId: capture.id,
      normalizerVersion: 1,
      policyCount: 0,
      capturedAt: now,
    });
    const compare = await start("baseline_compare");
    await database.db.insert(driftFindings).values({
      workspaceId,
      tenantId: tenant.id,
      profileId: profile.id,
      fingerprint: "fp-1",
      kind: "missing",
      policyKind: "deviceManagementConfigurationPolicy",
      policyName: "Defender",
      policyIdentity: "defender",
      status: "open",
      firstSeenAt: now,
      lastSeenAt: now,
      firstRunId: compare.id,
      lastRunId: compare.id,
    });
    const notification = await database.pool.query("select id from notifications where run_id = $1", [capture.id]);
    const token = await owner.send("POST", "/api/v1/tokens", { name: "seed" });
    const review = await seedTenantReview(database, runs, { workspaceId, tenantId: tenant.id, periodKey: "2026-09" });
    const seed: Seed = {
      slug: WORKSPACE.slug,
      tenantId: tenant.id,
      profileId: profile.id,
      runId: compare.id,
      notificationId: String(notification.rows[0]?.id),
      tokenId: String(((await token.json()) as { id: string }).id),
      reviewId: review.reviewId,
    };
    expect(notification.rowCount).toBe(1);

    // Every route of the app is in the table, and the table lists no route the app lacks.
    const appRoutes = [
      ...new Set(app.routes.filter(isTableRoute).map((route) => `${route.method} ${route.path}`)),
    ].sort();
    const tableRoutes = [...new Set(ROUTES.map((route) => `${route.method} ${route.path}`))].sort();
    expect(
      appRoutes.filter((route) => !tableRoutes.includes(route)),
      "routes missing from the access table",
    ).toEqual([]);
    expect(
      tableRoutes.filter((route) => !appRoutes.includes(route)),
      "table rows without a route",
    ).toEqual([]);

    const failures: string[] = [];
    for (const who of WHO) {
      for (const route of ROUTES) {
        const response = await request(app, route, seed, who === "anonymous" ? undefined : sessions[who]);
        const expected = expectedStatus(route, who);
        if (!expected.includes(response.status)) {
          failures.push(`${who} ${route.method} ${route.path}: ${response.status}, expected ${expected.join(" or ")}`);
        } else if (
          who === "anonymous" &&
          response.status === 303 &&
          route.access !== "public" &&
          route.path !== "/sign-out"
        ) {
          if (response.headers.get("location") !== "/sign-in")
            failures.push(`${who} ${route.path}: not sent to /sign-in`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
