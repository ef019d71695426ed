/**
 * The access policy against real PostgreSQL (DESIGN.md §6): non-members get not_found exactly as for
 * unknown or malformed ids; members without the capability get forbidden.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { seedProfile, seedTenant, seedWorkspace } from "../../test/factories.js";
import type { Database } from "../db/database.js";
import { users } from "../db/schema.js";
import { findRun } from "../operations/run-queries.js";
import { createRunService } from "../operations/run-service.js";
import { OperatorError } from "../shared/operator-error.js";
import {
  canSeeRunChange,
  getAccessibleWorkspace,
  getVisibleProfile,
  getVisibleRun,
  getVisibleTenant,
  getWorkspaceAccess,
  listWorkspaceAccess,
  requiredCapabilityForRunType,
  type WorkspaceAccess,
} from "./access-policy.js";
import { type Role, roleCan } from "./capabilities.js";
import { ensureWorkspace } from "./workspaces.js";

async function seedUser(database: Database, label: string): Promise<string> {
  const [user] = await database.db
    .insert(users)
    .values({ email: `${label}-${randomUUID().slice(0, 8)}@example.test`, displayName: label })
    .returning({ id: users.id });
  return user!.id;
}

/** One workspace's tenant, profile and run. */
async function seedWorkspaceContent(database: Database, workspaceId: string) {
  const tenant = await seedTenant(database, workspaceId);
  const profile = await seedProfile(database, workspaceId, tenant);
  const runs = createRunService({ db: database.db, changes: { markChanged: () => undefined }, now: () => new Date() });
  const { run } = await runs.startRun(
    {
      workspaceId,
      tenantId: tenant.id,
      type: "baseline_compare",
      initiatorUserId: null,
      initiatorLabel: "test",
      identityKey: `baseline_compare:${randomUUID()}`,
      inputs: {},
    },
    1,
  );
  return { tenant, profile, run };
}

/**
 * Workspaces "bravo" (created first) and "alpha", each with a tenant, profile and run; one user per
 * role in alpha, and an outsider who owns bravo only.
 */
async function seedWorld(database: Database) {
  const bravo = await seedWorkspace(database, { slug: "bravo" });
  const alpha = await seedWorkspace(database, { slug: "alpha" });
  const users: Record<Role | "outsider", string> = {
    owner: await seedUser(database, "owner"),
    manager: await seedUser(database, "manager"),
    operator: await seedUser(database, "operator"),
    reader: await seedUser(database, "reader"),
    outsider: await seedUser(database, "outsider"),
  };
  for (const role of ["owner", "manager", "operator", "reader"] as const) {
    await ensureWorkspace(database.db, { name: alpha.workspace.name, slug: "alpha", memberUserId: users[role], role });
  }
  await ensureWorkspace(database.db, { name: bravo.workspace.name, slug: "bravo", memberUserId: users.outsider });
  return {
    localOperatorId: alpha.userId,
    users,
    alpha: { workspace: alpha.workspace, ...(await seedWorkspaceContent(database, alpha.workspace.id)) },
    bravo: { workspace: bravo.workspace, ...(await seedWorkspaceContent(database, bravo.workspace.id)) },
  };
}

type Outcome = "ok" | "not_found" | "forbidden";

/** The policy's answer as a word; anything but an OperatorError is a bug and fails the test. */
async function outcomeOf(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (error instanceof OperatorError && (error.code === "not_found" || error.code === "forbidden")) return error.code;
    throw error;
  }
}

/** The operator-visible shape of a failure: what an HTTP/CLI surface can show. */
async function visibleFailure(call: Promise<unknown>): Promise<{ code: string; operatorMessage: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OperatorError) return { code: error.code, operatorMessage: error.operatorMessage };
    throw error;
  }
  throw new Error("expected the call to fail");
}

const CHECKS = [
  "run operations.view",
  "run operations.diagnostics",
  "run baseline.compare",
  "tenant",
  "profile",
  "workspace members.manage",
] as const;

// DESIGN.md §6, per subject: what each call answers for a resource of workspace alpha.
const EXPECTED: Record<Role | "outsider", Record<(typeof CHECKS)[number], Outcome>> = {
  owner: {
    "run operations.view": "ok",
    "run operations.diagnostics": "ok",
    "run baseline.compare": "ok",
    tenant: "ok",
    profile: "ok",
    "workspace members.manage": "ok",
  },
  manager: {
    "run operations.view": "ok",
    "run operations.diagnostics": "ok",
    "run baseline.compare": "ok",
    tenant: "ok",
    profile: "ok",
    "workspace members.manage": "forbidden",
  },
  operator: {
    "run operations.view": "ok",
    "run operations.diagnostics": "forbidden",
    "run baseline.compare": "ok",
    tenant: "ok",
    profile: "ok",
    "workspace members.manage": "forbidden",
  },
  reader: {
    "run operations.view": "ok",
    "run operations.diagnostics": "forbidden",
    "run baseline.compare": "forbidden",
    tenant: "ok",
    profile: "ok",
    "workspace members.manage": "forbidden",
  },
  outsider: {
    "run operations.view": "not_found",
    "run operations.diagnostics": "not_found",
    "run baseline.compare": "not_found",
    tenant: "not_found",
    profile: "not_found",
    "workspace members.manage": "not_found",
  },
};

describe("access policy", () => {
  dbTest.for(Object.keys(EXPECTED) as (Role | "outsider")[])(
    "answers %s exactly as the DESIGN.md §6 role table says",
    async (subject, { database }) => {
      const world = await seedWorld(database);
      const userId = world.users[subject];
      const { db } = database;
      const actual = {
        "run operations.view": await outcomeOf(getVisibleRun(db, userId, world.alpha.run.id)),
        "run operations.diagnostics": await outcomeOf(
          getVisibleRun(db, userId, world.alpha.run.id, "operations.diagnostics"),
        ),
        "run baseline.compare": await outcomeOf(getVisibleRun(db, userId, world.alpha.run.id, "baseline.compare")),
        tenant: await outcomeOf(getVisibleTenant(db, userId, world.alpha.tenant.id)),
        profile: await outcomeOf(getVisibleProfile(db, userId, world.alpha.profile.id)),
        "workspace members.manage": await outcomeOf(
          getAccessibleWorkspace(db, userId, world.alpha.workspace.id, "members.manage"),
        ),
      };
      expect(actual).toEqual(EXPECTED[subject]);
    },
  );
});

describe("getVisibleRun", () => {
  dbTest("returns the run as the read side maps it, with the member's access", async ({ database }) => {
    const world = await seedWorld(database);
    const { run, access } = await getVisibleRun(database.db, world.users.reader, world.alpha.run.id);
    expect(run).toEqual(await findRun(database.db, world.alpha.workspace.id, world.alpha.run.id));
    expect(access).toMatchObject({ workspaceId: world.alpha.workspace.id, userId: world.users.reader, role: "reader" });
    expect(access.can("operations.view")).toBe(true);
    expect(access.can("operations.diagnostics")).toBe(false);
  });

  dbTest(
    "answers another workspace's run, a random uuid and malformed ids with the same not_found",
    async ({ database }) => {
      const world = await seedWorld(database);
      const ownerOfAlpha = world.users.owner;
      const expected = await visibleFailure(getVisibleRun(database.db, ownerOfAlpha, randomUUID()));
      expect(expected.code).toBe("not_found");
      for (const runId of [world.bravo.run.id, "not-a-uuid", "", `${world.bravo.run.id}x`, "'; select 1; --"]) {
        expect(await visibleFailure(getVisibleRun(database.db, ownerOfAlpha, runId))).toEqual(expected);
        expect(await visibleFailure(getVisibleRun(database.db, ownerOfAlpha, runId, "operations.diagnostics"))).toEqual(
          expected,
        );
      }
    },
  );

  dbTest("answers an unknown or malformed user id with not_found", async ({ database }) => {
    const world = await seedWorld(database);
    for (const userId of [randomUUID(), "nobody", ""]) {
      expect(await outcomeOf(getVisibleRun(database.db, userId, world.alpha.run.id))).toBe("not_found");
    }
  });
});

describe("getVisibleTenant", () => {
  dbTest("returns the tenant row with the member's access", async ({ database }) => {
    const world = await seedWorld(database);
    const { tenant, access } = await getVisibleTenant(database.db, world.users.operator, world.alpha.tenant.id);
    expect(tenant).toEqual(world.alpha.tenant);
    expect(access.role).toBe("operator");
  });

  dbTest("requires the capability asked for", async ({ database }) => {
    const world = await seedWorld(database);
    const { db } = database;
    expect(await outcomeOf(getVisibleTenant(db, world.users.operator, world.alpha.tenant.id, "tenants.manage"))).toBe(
      "forbidden",
    );
    expect(await outcomeOf(getVisibleTenant(db, world.users.manager, world.alpha.tenant.id, "tenants.manage"))).toBe(
      "ok",
    );
  });

  dbTest("answers another workspace's tenant like a random uuid or a malformed id", async ({ database }) => {
    const world = await seedWorld(database);
    const expected = await visibleFailure(getVisibleTenant(database.db, world.users.owner, randomUUID()));
    expect(expected.code).toBe("not_found");
    for (const tenantId of [world.bravo.tenant.id, "tenant-1", ""]) {
      expect(await visibleFailure(getVisibleTenant(database.db, world.users.owner, tenantId))).toEqual(expected);
    }
  });
});

describe("getVisibleProfile", () => {
  dbTest("returns the profile row with the member's access", async ({ database }) => {
    const world = await seedWorld(database);
    const { profile, access } = await getVisibleProfile(database.db, world.users.reader, world.alpha.profile.id);
    expect(profile).toEqual(world.alpha.profile);
    expect(access.role).toBe("reader");
  });

  dbTest("answers another workspace's profile like a random uuid or a malformed id", async ({ database }) => {
    const world = await seedWorld(database);
    const expected = await visibleFailure(getVisibleProfile(database.db, world.users.owner, randomUUID()));
    expect(expected.code).toBe("not_found");
    for (const profileId of [world.bravo.profile.id, "Profile 1", ""]) {
      expect(await visibleFailure(getVisibleProfile(database.db, world.users.owner, profileId))).toEqual(expected);
    }
  });
});

describe("getWorkspaceAccess", () => {
  dbTest("answers another workspace like an unknown or malformed id", async ({ database }) => {
    const world = await seedWorld(database);
    const expected = await visibleFailure(getWorkspaceAccess(database.db, world.users.owner, randomUUID()));
    expect(expected.code).toBe("not_found");
    for (const workspaceId of [world.bravo.workspace.id, "bravo", ""]) {
      expect(await visibleFailure(getWorkspaceAccess(database.db, world.users.owner, workspaceId))).toEqual(expected);
      expect(
        await visibleFailure(getAccessibleWorkspace(database.db, world.users.owner, workspaceId, "members.manage")),
      ).toEqual(expected);
    }
  });

  dbTest("gives any member access when no capability is asked for", async ({ database }) => {
    const world = await seedWorld(database);
    const access = await getAccessibleWorkspace(database.db, world.users.reader, world.alpha.workspace.id);
    expect(access).toMatchObject({ workspaceId: world.alpha.workspace.id, role: "reader" });
  });
});

describe("listWorkspaceAccess", () => {
  dbTest("lists only the user's workspaces, by name, with their roles", async ({ database }) => {
    const world = await seedWorld(database);
    const summary = (list: Awaited<ReturnType<typeof listWorkspaceAccess>>) =>
      list.map(({ workspaceId, slug, name, role }) => ({ workspaceId, slug, name, role }));

    expect(summary(await listWorkspaceAccess(database.db, world.localOperatorId))).toEqual([
      { workspaceId: world.alpha.workspace.id, slug: "alpha", name: world.alpha.workspace.name, role: "owner" },
      { workspaceId: world.bravo.workspace.id, slug: "bravo", name: world.bravo.workspace.name, role: "owner" },
    ]);
    expect(summary(await listWorkspaceAccess(database.db, world.users.outsider))).toEqual([
      { workspaceId: world.bravo.workspace.id, slug: "bravo", name: world.bravo.workspace.name, role: "owner" },
    ]);
    const readerList = await listWorkspaceAccess(database.db, world.users.reader);
    expect(summary(readerList)).toEqual([
      { workspaceId: world.alpha.workspace.id, slug: "alpha", name: world.alpha.workspace.name, role: "reader" },
    ]);
    expect(readerList[0]!.can("operations.view")).toBe(true);
    expect(readerList[0]!.can("baseline.compare")).toBe(false);
  });

  dbTest("lists nothing for a user without memberships, an unknown or a malformed id", async ({ database }) => {
    await seedWorld(database);
    const loner = await seedUser(database, "loner");
    for (const userId of [loner, randomUUID(), "nobody"]) {
      expect(await listWorkspaceAccess(database.db, userId)).toEqual([]);
    }
  });
});

describe("canSeeRunChange", () => {
  const access = (workspaceId: string, role: Role): WorkspaceAccess => ({
    workspaceId,
    userId: "u",
    role,
    can: (capability) => roleCan(role, capability),
  });
  const accesses = new Map([
    ["ws-a", access("ws-a", "reader")],
    ["ws-b", { ...access("ws-b", "reader"), can: () => false }],
  ]);

  it.each([
    ["a member with operations.view", "ws-a", true],
    ["a member without operations.view", "ws-b", false],
    ["a workspace the user is not a member of", "ws-c", false],
    ["an empty workspace id", "", false],
  ])("answers %s: %s", (_label, workspaceId, expected) => {
    expect(canSeeRunChange(accesses, { workspaceId })).toBe(expected);
  });

  it("shows nothing to a user with no workspaces", () => {
    expect(canSeeRunChange(new Map(), { workspaceId: "ws-a" })).toBe(false);
  });
});

describe("requiredCapabilityForRunType", () => {
  it.each([
    ["baseline_capture", "baseline.capture"],
    ["baseline_compare", "baseline.compare"],
    ["tenant.review.compose", "tenant_review.manage"],
    ["evidence_snapshot.generate", "tenant_review.manage"],
    ["something_new", "members.manage"],
    ["", "members.manage"],
    ["toString", "members.manage"],
    ["__proto__", "members.manage"],
  ])("needs %j → %s", (type, expected) => {
    expect(requiredCapabilityForRunType(type)).toBe(expected);
  });
});
