/**
 * Baselines pages through the real app (`app.request`) on a real database: access per role
 * (DESIGN.md §6), the start UX (toast, run-enqueued, same run on a second start), CSRF, malformed
 * form posts and the findings browser's filters.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedProfile, seedTenant } from "../../test/factories.js";
import { createTestApp, signInAs } from "../../test/web-fixture.js";
import { createUser } from "../access/authentication.js";
import type { Role } from "../access/capabilities.js";
import { ensureWorkspace } from "../access/workspaces.js";
import type { Database } from "../db/database.js";
import type { RunService } from "../operations/run-service.js";
import type { createApp } from "./app.js";

const ORIGIN = "http://localhost";
const PASSWORD = "correct horse battery staple";

interface Fixture {
  database: Database;
  runs: RunService;
  app: ReturnType<typeof createApp>;
  workspaceId: string;
  slug: string;
  ownerId: string;
  tenantId: string;
  otherTenantId: string;
  profileId: string;
}

async function setUp(database: Database, options: { snapshot?: boolean } = {}): Promise<Fixture> {
  const { app, runs } = createTestApp(database);
  const ownerId = await createUser(database.db, {
    email: "owner@example.com",
    displayName: "Owen",
    password: PASSWORD,
  });
  const slug = "contoso";
  const workspace = await ensureWorkspace(database.db, { name: "Contoso MSP", slug, memberUserId: ownerId });
  const tenant = await seedTenant(database, workspace.id, { name: "Fabrikam" });
  const other = await seedTenant(database, workspace.id, { name: "Northwind" });
  const profile = await seedProfile(database, workspace.id, tenant, {
    name: "Standard baseline",
    policyKinds: ["windows10CompliancePolicy"],
  });
  const fx = {
    database,
    runs,
    app,
    workspaceId: workspace.id,
    slug,
    ownerId,
    tenantId: tenant.id,
    otherTenantId: other.id,
    profileId: profile.id,
  };
  if (options.snapshot !== false) await seedSnapshot(fx);
  return fx;
}

/** A snapshot of the fixture's profile (with the completed capture it came from). */
async function seedSnapshot(fx: Fixture) {
  const { run } = await fx.runs.startRun(
    {
      workspaceId: fx.workspaceId,
      tenantId: fx.tenantId,
      type: "baseline_capture",
      initiatorUserId: fx.ownerId,
      identityKey: `baseline_capture:seed-${randomUUID()}`,
      inputs: { profileId: fx.profileId },
    },
    3,
  );
  await fx.database.pool.query("update operation_runs set status = 'completed', outcome = 'succeeded' where id = $1", [
    run.id,
  ]);
  await fx.database.pool.query("delete from graphile_worker._private_jobs");
  await fx.database.pool.query(
    `insert into baseline_snapshots (workspace_id, profile_id, source_tenant_id, run_id, normalizer_version, policy_count, captured_at)
     values ($1, $2, $3, $4, 1, 42, now())`,
    [fx.workspaceId, fx.profileId, fx.tenantId, run.id],
  );
}

/** A user with `role` in the fixture's workspace, or (null) a member of another workspace only; signed in. */
async function signIn(fx: Fixture, role: Role | null) {
  const { userId, cookie, csrf } = await signInAs(fx.database, fx.app, { name: "Contoso MSP", slug: fx.slug }, role);
  const get = (url: string) => fx.app.request(`${ORIGIN}${url}`, { headers: { cookie } });
  const post = (
    url: string,
    fields: Record<string, string | string[]>,
    options: { htmx?: boolean; csrf?: boolean } = {},
  ) => {
    const body = new URLSearchParams();
    if (options.csrf !== false) body.append("_csrf", csrf);
    for (const [key, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
    }
    return fx.app.request(`${ORIGIN}${url}`, {
      method: "POST",
      body: body.toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
        cookie,
        ...(options.htmx ? { "hx-request": "true" } : {}),
      },
    });
  };
  return { userId, get, post };
}

async function count(database: Database, table: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]?.n ?? 0;
}

async function countWrites(database: Database) {
  return {
    runs: await count(database, "operation_runs"),
    jobs: await count(database, "graphile_worker._private_jobs"),
    profiles: await count(database, "baseline_profiles"),
  };
}

type Expected = { page: number; findings: number; create: number; capture: number; compare: number };

const ACCESS_TABLE: [Role | "non-member", Expected][] = [
  ["owner", { page: 200, findings: 200, create: 303, capture: 200, compare: 200 }],
  ["manager", { page: 200, findings: 200, create: 303, capture: 200, compare: 200 }],
  ["operator", { page: 200, findings: 200, create: 303, capture: 200, compare: 200 }],
  ["reader", { page: 200, findings: 200, create: 403, capture: 403, compare: 403 }],
  ["non-member", { page: 404, findings: 404, create: 404, capture: 404, compare: 404 }],
];

describe("Baselines access (DESIGN.md §6)", () => {
  dbTest.for(ACCESS_TABLE)("%s gets %j", async ([role, expected], { database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, role === "non-member" ? null : role);
    const base = `/w/${fx.slug}/baselines`;

    const page = await user.get(base);
    expect(page.status).toBe(expected.page);
    if (expected.page === 200) {
      const html = await page.text();
      expect(html).toContain("Standard baseline");
      expect(html).toContain("Windows compliance policy");
      expect(html).toContain("42 policies");
      expect(html.includes(`action="${base}/${fx.profileId}/compare"`)).toBe(expected.compare === 200);
      expect(html.includes(`action="${base}"`)).toBe(expected.create === 303);
      expect(html).not.toContain("windows10CompliancePolicy<");
    }
    expect((await user.get(`/w/${fx.slug}/findings`)).status).toBe(expected.findings);

    const before = await countWrites(database);
    const create = await user.post(base, { name: "New profile", sourceTenant: fx.tenantId });
    expect(create.status).toBe(expected.create);
    const capture = await user.post(`${base}/${fx.profileId}/capture`, { confirm: "yes" }, { htmx: true });
    expect(capture.status).toBe(expected.capture);
    const compare = await user.post(
      `${base}/${fx.profileId}/compare`,
      { confirm: "yes", tenant: fx.otherTenantId },
      { htmx: true },
    );
    expect(compare.status).toBe(expected.compare);
    const after = await countWrites(database);
    expect(after.profiles - before.profiles).toBe(expected.create === 303 ? 1 : 0);
    expect(after.runs - before.runs).toBe((expected.capture === 200 ? 1 : 0) + (expected.compare === 200 ? 1 : 0));
  });

  dbTest("answers a profile of another workspace, unknown and malformed ids with 404", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, null);
    for (const id of [fx.profileId, randomUUID(), "not-a-uuid"]) {
      for (const action of ["capture", "compare"]) {
        const response = await user.post(
          `/w/${fx.slug}/baselines/${id}/${action}`,
          { confirm: "yes", tenant: fx.tenantId },
          { htmx: true },
        );
        expect(response.status, `${action} ${id}`).toBe(404);
      }
    }
    expect(await count(database, "operation_runs")).toBe(1);
  });

  dbTest("sends anonymous visitors to sign in", async ({ database }) => {
    const fx = await setUp(database);
    for (const url of [`/w/${fx.slug}/baselines`, `/w/${fx.slug}/findings`]) {
      const response = await fx.app.request(`${ORIGIN}${url}`);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/sign-in");
    }
  });
});

describe("Start UX (docs/ui-standards.md §4)", () => {
  dbTest("refuses a start without the CSRF token and writes nothing", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "owner");
    const before = await countWrites(database);
    const base = `/w/${fx.slug}/baselines`;
    const compare = await user.post(
      `${base}/${fx.profileId}/compare`,
      { confirm: "yes", tenant: fx.tenantId },
      { csrf: false },
    );
    expect(compare.status).toBe(403);
    expect((await user.post(`${base}/${fx.profileId}/capture`, { confirm: "yes" }, { csrf: false })).status).toBe(403);
    expect((await user.post(base, { name: "X", sourceTenant: fx.tenantId }, { csrf: false })).status).toBe(403);
    expect(await countWrites(database)).toEqual(before);
  });

  dbTest(
    "a compare answers htmx with the queued toast and run-enqueued; a second start gives the same run and one job",
    async ({ database }) => {
      const fx = await setUp(database);
      const user = await signIn(fx, "operator");
      const url = `/w/${fx.slug}/baselines/${fx.profileId}/compare`;
      const first = await user.post(url, { confirm: "yes", tenant: fx.otherTenantId }, { htmx: true });
      expect(first.status).toBe(200);
      const trigger = JSON.parse(first.headers.get("hx-trigger") ?? "{}") as {
        "run-enqueued"?: { runId: string; version: number };
      };
      const runId = trigger["run-enqueued"]?.runId ?? "";
      expect(runId).toMatch(/^[0-9a-f-]{36}$/);
      expect(trigger["run-enqueued"]?.version).toBeGreaterThanOrEqual(1);
      const html = await first.text();
      expect(html).toContain("Baseline compare queued");
      expect(html).toContain("It runs in the background; you can keep working.");
      expect(html).toContain(`href="/operations/${runId}"`);
      expect(html).toContain("View operation");
      expect(html).not.toContain("<html");

      const second = await user.post(url, { confirm: "yes", tenant: fx.otherTenantId }, { htmx: true });
      expect(second.status).toBe(200);
      expect(JSON.parse(second.headers.get("hx-trigger") ?? "{}")["run-enqueued"].runId).toBe(runId);
      expect(await second.text()).toContain("Baseline compare is already queued");

      const { rows } = await database.pool.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'baseline_compare'`,
      );
      expect(rows[0]?.n).toBe(1);
      expect(
        (await database.pool.query("select id from operation_runs where type = 'baseline_compare'")).rows,
      ).toHaveLength(1);
    },
  );

  dbTest("a plain form post redirects to the page, which shows the toast", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "owner");
    const response = await user.post(`/w/${fx.slug}/baselines/${fx.profileId}/capture`, { confirm: "yes" });
    expect(response.status).toBe(303);
    const location = response.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^/w/${fx.slug}/baselines\\?started=[0-9a-f-]{36}$`));
    const html = await (await user.get(location)).text();
    expect(html).toContain("Baseline capture queued");
    expect(html).toMatch(/href="\/operations\/[0-9a-f-]{36}">View operation/);

    const again = await user.post(`/w/${fx.slug}/baselines/${fx.profileId}/capture`, { confirm: "yes" });
    expect(again.headers.get("location")).toBe(`${location}&again=1`);
    expect(await (await user.get(again.headers.get("location") ?? "")).text()).toContain(
      "Baseline capture is already queued",
    );
  });

  dbTest("a compare before any snapshot says to capture first, with 409", async ({ database }) => {
    const fx = await setUp(database, { snapshot: false });
    const user = await signIn(fx, "owner");
    const response = await user.post(
      `/w/${fx.slug}/baselines/${fx.profileId}/compare`,
      { confirm: "yes", tenant: fx.tenantId },
      { htmx: true },
    );
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("Capture a baseline first.");
    expect(await count(database, "operation_runs")).toBe(0);
  });

  dbTest.for([
    ["compare without confirmation", "compare", { tenant: "TENANT" }, "Confirm the compare."],
    [
      "compare of a malformed tenant",
      "compare",
      { confirm: "yes", tenant: "x' or 1=1" },
      "Choose a tenant to compare.",
    ],
    ["compare of a tenant elsewhere", "compare", { confirm: "yes", tenant: "RANDOM" }, "Choose a tenant to compare."],
    ["capture without confirmation", "capture", { confirm: "maybe" }, "Confirm the capture."],
  ] as const)("answers a %s with 400 and writes nothing", async ([, action, fields, message], { database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "owner");
    const before = await countWrites(database);
    const resolved = Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        value === "TENANT" ? fx.tenantId : value === "RANDOM" ? randomUUID() : value,
      ]),
    );
    const response = await user.post(`/w/${fx.slug}/baselines/${fx.profileId}/${action}`, resolved, { htmx: true });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(message);
    expect(await countWrites(database)).toEqual(before);
  });
});

describe("Baseline profiles", () => {
  dbTest("creates a profile from the form and lists it with its kinds by label", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "manager");
    const response = await user.post(`/w/${fx.slug}/baselines`, {
      name: "Windows baseline",
      sourceTenant: fx.otherTenantId,
      policyKinds: ["deviceManagementConfigurationPolicy", "windows10CompliancePolicy"],
      ignoreVersionSuffix: "on",
    });
    expect(response.status).toBe(303);
    const { rows } = await database.pool.query(
      "select source_tenant_id, policy_kinds, ignore_version_suffix, report_unexpected from baseline_profiles where name = 'Windows baseline'",
    );
    expect(rows).toEqual([
      {
        source_tenant_id: fx.otherTenantId,
        policy_kinds: ["deviceManagementConfigurationPolicy", "windows10CompliancePolicy"],
        ignore_version_suffix: true,
        report_unexpected: false,
      },
    ]);
    const html = await (await user.get(`/w/${fx.slug}/baselines`)).text();
    expect(html).toContain("Windows baseline");
    expect(html).toContain("Settings catalog policy, Windows compliance policy");
    expect(html).toContain("Names match with a trailing version suffix ignored");
    expect(html).toContain("No snapshot yet");
  });

  dbTest.for([
    ["an empty name", { name: "  " }, "Enter a name."],
    ["a name that is too long", { name: "x".repeat(201) }, "The name can be at most 200 characters."],
    ["an unknown policy kind", { policyKinds: ["<script>SECRET_MARKER"] }, "Choose policy kinds from the list."],
    ["a malformed source tenant", { sourceTenant: "nope" }, "Choose a source tenant."],
    ["a source tenant elsewhere", { sourceTenant: "RANDOM" }, "Choose a source tenant."],
    ["a checkbox with a strange value", { reportUnexpected: "yes please" }, "A checkbox value is not valid."],
  ] as const)(
    "answers %s with 400, the message in the form, and writes nothing",
    async ([, fields, message], { database }) => {
      const fx = await setUp(database);
      const user = await signIn(fx, "owner");
      const before = await countWrites(database);
      const body: Record<string, string | string[]> = { name: "Valid name", sourceTenant: fx.tenantId };
      for (const [key, value] of Object.entries(fields)) {
        body[key] = value === "RANDOM" ? randomUUID() : (value as string | string[]);
      }
      const response = await user.post(`/w/${fx.slug}/baselines`, body);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).toContain('role="alert"');
      expect(html).not.toMatch(/SECRET_MARKER|<script>SECRET|ZodError|invalid_/);
      expect(await countWrites(database)).toEqual(before);
    },
  );

  dbTest(
    "refuses a second profile of the same name with another definition, and keeps the first",
    async ({ database }) => {
      const fx = await setUp(database);
      const user = await signIn(fx, "owner");
      const response = await user.post(`/w/${fx.slug}/baselines`, {
        name: "Standard baseline",
        sourceTenant: fx.otherTenantId,
      });
      expect(response.status).toBe(409);
      expect(await response.text()).toContain("already exists with another definition");
      expect(await count(database, "baseline_profiles")).toBe(1);
    },
  );
});

describe("Findings browser", () => {
  async function seedFinding(
    fx: Fixture,
    values: { tenantId: string; kind: string; policyName: string; path?: string; status?: string; rename?: string },
    expected: unknown,
    actual: unknown,
  ) {
    const runId = randomUUID();
    await fx.database.pool.query(
      `insert into drift_findings (workspace_id, tenant_id, profile_id, fingerprint, kind, policy_kind, policy_name,
         policy_identity, path, expected, actual, probable_rename, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
       values ($1, $2, $3, $4, $5, 'windows10CompliancePolicy', $6, $6, $7, $8::jsonb, $9::jsonb, $10, $11,
         '2025-01-07T10:42:00Z', '2025-01-08T11:00:00Z', $12, $12)`,
      [
        fx.workspaceId,
        values.tenantId,
        fx.profileId,
        randomUUID(),
        values.kind,
        values.policyName,
        values.path ?? null,
        expected === undefined ? null : JSON.stringify(expected),
        actual === undefined ? null : JSON.stringify(actual),
        values.rename ?? null,
        values.status ?? "open",
        runId,
      ],
    );
  }

  dbTest("filters by tenant, profile, kind, status, policy text and setting path", async ({ database }) => {
    const fx = await setUp(database);
    await seedFinding(
      fx,
      { tenantId: fx.tenantId, kind: "setting_changed", policyName: "Defender - v3.5", path: "device/defender/scan" },
      "daily",
      "weekly",
    );
    await seedFinding(
      fx,
      { tenantId: fx.otherTenantId, kind: "setting_changed", policyName: "BitLocker", path: "device/bitlocker/pin" },
      "(secret)",
      "(secret)",
    );
    await seedFinding(
      fx,
      { tenantId: fx.otherTenantId, kind: "missing_policy", policyName: "Edge", status: "resolved", rename: "Edge v2" },
      undefined,
      undefined,
    );
    const user = await signIn(fx, "reader");
    const rows = async (query: string) => {
      const response = await user.get(`/w/${fx.slug}/findings?${query}`);
      expect(response.status, query).toBe(200);
      return [...(await response.text()).matchAll(/<tr data-finding-id="[^"]+">\s*<td><strong>([^<]+)</g)].map(
        (match) => match[1],
      );
    };
    expect(await rows("")).toEqual(["Defender - v3.5", "BitLocker", "Edge"]);
    expect(await rows(`tenant=${fx.tenantId}`)).toEqual(["Defender - v3.5"]);
    expect(await rows(`profile=${fx.profileId}`)).toHaveLength(3);
    expect(await rows(`profile=${randomUUID()}`)).toEqual([]);
    expect(await rows("kind=missing_policy")).toEqual(["Edge"]);
    expect(await rows("status=resolved")).toEqual(["Edge"]);
    expect(await rows("status=active")).toEqual(["Defender - v3.5", "BitLocker"]);
    expect(await rows("policy=bitl")).toEqual(["BitLocker"]);
    expect(await rows("path=device%2Fdefender")).toEqual(["Defender - v3.5"]);
    expect(await rows("policy=%25")).toEqual([]);

    const html = await (await user.get(`/w/${fx.slug}/findings`)).text();
    expect(html).toContain("Changed setting");
    expect(html).toContain("Missing policy");
    expect(html).toContain("(secret)");
    expect(html).toContain("Probably renamed: Edge v2");
    expect(html).toContain("Windows compliance policy · Fabrikam · Standard baseline");
    expect(html).toContain("7 Jan 2025");
    expect(html).not.toMatch(/setting_changed<|missing_policy<|windows10CompliancePolicy ·/);
    // A setting reads as words first, with its path for remediation; a missing policy says which side has it.
    expect(html).toMatch(/Defender › Scan<br\/?>\s*<code class="muted setting-path">device\/defender\/scan<\/code>/);
    expect(html).toContain("In the baseline");
    expect(html).toContain("Not in the tenant");
    expect(html).not.toContain("(not set)");
  });

  dbTest.for([
    ["kind=SECRET_MARKER", "Choose a finding kind from the list."],
    ["status=%3Cscript%3E", "Choose a status from the list."],
    ["tenant=nope", "Choose a tenant from the list."],
    ["profile=nope", "Choose a baseline profile from the list."],
  ] as const)(
    "answers the invalid filter %s with 400 and an operator-safe message",
    async ([query, message], { database }) => {
      const fx = await setUp(database);
      const response = await (await signIn(fx, "reader")).get(`/w/${fx.slug}/findings?${query}`);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).not.toMatch(/SECRET_MARKER|<script>|ZodError/);
    },
  );

  dbTest("answers an unknown workspace with 404", async ({ database }) => {
    const fx = await setUp(database);
    const user = await signIn(fx, "owner");
    expect((await user.get("/w/no-such-workspace/findings")).status).toBe(404);
    expect((await user.get("/w/no-such-workspace/baselines")).status).toBe(404);
  });
});
