/**
 * The one access policy (DESIGN.md §6) every surface uses — pages, JSON API, the live stream and the
 * CLI's server calls: outside your workspaces nothing exists (`not_found`, 404); inside, a missing
 * capability is `forbidden` (403).
 * @module
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { BaselineProfile } from "../baselines/baseline-profiles.js";
import type { Db } from "../db/database.js";
import { baselineProfiles, memberships, workspaces } from "../db/schema.js";
import { getTenant, type Tenant } from "../inventory/tenants.js";
import type { OperationRun } from "../operations/run-record.js";
import { OPERATION_RUN_COLUMNS, toOperationRun } from "../operations/run-service.js";
import { OperatorError } from "../shared/operator-error.js";
import { type Capability, isRole, type Role, roleCan } from "./capabilities.js";

/** What one user may do in one workspace they are a member of. */
export interface WorkspaceAccess {
  workspaceId: string;
  userId: string;
  role: Role;
  /** True when {@link WorkspaceAccess.role} grants `capability`. */
  can(capability: Capability): boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Malformed ids are answered like unknown ids, before any query: a uuid column would otherwise raise
// a query error (22P02), which is both a 500 and a way to tell "malformed" from "hidden".
function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function notFound(what: string, id: string): OperatorError {
  return new OperatorError("not_found", `No ${what} with id ${JSON.stringify(id.slice(0, 100))} visible to this user.`);
}

// A stored role this build does not know grants nothing — not even visibility — so it is treated as
// no membership (the check constraint makes it impossible today; this keeps it safe if roles change).
function toWorkspaceAccess(workspaceId: string, userId: string, role: unknown): WorkspaceAccess | undefined {
  if (!isRole(role)) return undefined;
  return { workspaceId, userId, role, can: (capability) => roleCan(role, capability) };
}

/**
 * The user's access to a workspace. One query.
 * @throws {OperatorError} not_found – the user is not a member, the workspace does not exist, or
 *   either id is malformed (indistinguishable on purpose)
 * @see DESIGN.md §6
 */
export async function getWorkspaceAccess(db: Db, userId: string, workspaceId: string): Promise<WorkspaceAccess> {
  if (!isUuid(userId) || !isUuid(workspaceId)) throw notFound("workspace", String(workspaceId));
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  const access = row && toWorkspaceAccess(workspaceId, userId, row.role);
  if (!access) throw notFound("workspace", workspaceId);
  return access;
}

/**
 * Every workspace the user is a member of, with its access, by name (then slug). One query.
 * Memberships with an unknown stored role are left out. A malformed user id lists nothing.
 */
export async function listWorkspaceAccess(
  db: Db,
  userId: string,
): Promise<(WorkspaceAccess & { name: string; slug: string })[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .select({ workspaceId: workspaces.id, name: workspaces.name, slug: workspaces.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(workspaces.name), asc(workspaces.slug));
  return rows.flatMap((row) => {
    const access = toWorkspaceAccess(row.workspaceId, userId, row.role);
    return access ? [{ ...access, name: row.name, slug: row.slug }] : [];
  });
}

/**
 * Require a capability of a member. Pure.
 * @throws {OperatorError} forbidden – the member's role does not grant `capability`
 */
export function assertCan(access: WorkspaceAccess, capability: Capability): void {
  if (!access.can(capability)) {
    throw new OperatorError(
      "forbidden",
      `Role ${access.role} lacks ${capability} in workspace ${access.workspaceId} (user ${access.userId}).`,
    );
  }
}

/**
 * The user's access to a workspace, optionally requiring a capability. One query.
 * @throws {OperatorError} not_found – not a member, unknown or malformed id;
 *   forbidden – a member whose role lacks `capability`
 */
export async function getAccessibleWorkspace(
  db: Db,
  userId: string,
  workspaceId: string,
  capability?: Capability,
): Promise<WorkspaceAccess> {
  const access = await getWorkspaceAccess(db, userId, workspaceId);
  if (capability !== undefined) assertCan(access, capability);
  return access;
}

/**
 * A tenant the user may see, with the access to its workspace. Two queries (membership, then the
 * tenant row through {@link getTenant}).
 * @param capability - required of the member (Default: "operations.view")
 * @throws {OperatorError} not_found – no such tenant, malformed id, or not a member of its workspace;
 *   forbidden – a member whose role lacks `capability`
 */
export async function getVisibleTenant(
  db: Db,
  userId: string,
  tenantId: string,
  capability: Capability = "operations.view",
): Promise<{ tenant: Tenant; access: WorkspaceAccess }> {
  if (!isUuid(userId) || !isUuid(tenantId)) throw notFound("tenant", String(tenantId));
  const result = await db.execute(sql`select t.workspace_id, m.role from tenants t
    join memberships m on m.workspace_id = t.workspace_id and m.user_id = ${userId}
    where t.id = ${tenantId}`);
  const row = result.rows[0] as { workspace_id: string; role: string } | undefined;
  const access = row && toWorkspaceAccess(row.workspace_id, userId, row.role);
  if (!access) throw notFound("tenant", tenantId);
  assertCan(access, capability);
  return { tenant: await getTenant(db, access.workspaceId, tenantId), access };
}

/**
 * A run the user may see, looked up by id in any workspace, with the access to its workspace.
 * One query.
 * @param capability - required of the member (Default: "operations.view"); pass
 *   "operations.diagnostics" before showing `failure.diagnostics`
 * @throws {OperatorError} not_found – no such run, malformed id, or not a member of its workspace;
 *   forbidden – a member whose role lacks `capability`
 */
export async function getVisibleRun(
  db: Db,
  userId: string,
  runId: string,
  capability: Capability = "operations.view",
): Promise<{ run: OperationRun; access: WorkspaceAccess }> {
  if (!isUuid(userId) || !isUuid(runId)) throw notFound("operation run", String(runId));
  // The role comes from a scalar subquery so the run's unqualified column list stays unambiguous.
  const result = await db.execute(sql`select ${OPERATION_RUN_COLUMNS},
      (select m.role from memberships m where m.workspace_id = operation_runs.workspace_id and m.user_id = ${userId})
        as access_role
    from operation_runs where id = ${runId}`);
  const row = result.rows[0] as (Record<string, unknown> & { workspace_id: string; access_role: unknown }) | undefined;
  const access = row && toWorkspaceAccess(row.workspace_id, userId, row.access_role);
  if (!row || !access) throw notFound("operation run", runId);
  assertCan(access, capability);
  return { run: toOperationRun(row), access };
}

/**
 * A baseline profile the user may see, with the access to its workspace. One query.
 * @param capability - required of the member (Default: "operations.view")
 * @throws {OperatorError} not_found – no such profile, malformed id, or not a member of its
 *   workspace; forbidden – a member whose role lacks `capability`
 */
export async function getVisibleProfile(
  db: Db,
  userId: string,
  profileId: string,
  capability: Capability = "operations.view",
): Promise<{ profile: BaselineProfile; access: WorkspaceAccess }> {
  if (!isUuid(userId) || !isUuid(profileId)) throw notFound("baseline profile", String(profileId));
  const [row] = await db
    .select({ profile: baselineProfiles, role: memberships.role })
    .from(baselineProfiles)
    .innerJoin(
      memberships,
      and(eq(memberships.workspaceId, baselineProfiles.workspaceId), eq(memberships.userId, userId)),
    )
    .where(eq(baselineProfiles.id, profileId));
  const access = row && toWorkspaceAccess(row.profile.workspaceId, userId, row.role);
  if (!row || !access) throw notFound("baseline profile", profileId);
  assertCan(access, capability);
  return { profile: row.profile, access };
}

/**
 * True when a run change may be sent to a user: they are a member of the change's workspace with
 * operations.view. Pure; for the live stream's fan-out (DESIGN.md §7).
 * @param access - the user's accesses keyed by workspace id (e.g. from {@link listWorkspaceAccess})
 */
export function canSeeRunChange(
  access: ReadonlyMap<string, WorkspaceAccess>,
  change: { workspaceId: string },
): boolean {
  return access.get(change.workspaceId)?.can("operations.view") ?? false;
}

const RUN_TYPE_CAPABILITIES: Readonly<Record<string, Capability>> = {
  baseline_capture: "baseline.capture",
  baseline_compare: "baseline.compare",
  "evidence_snapshot.generate": "tenant_review.manage",
  "tenant.review.compose": "tenant_review.manage",
};

/**
 * The capability needed to start (or cancel) a run of `type`. Pure. Unknown types need
 * members.manage, so only owners may start work this build does not know.
 */
export function requiredCapabilityForRunType(type: string): Capability {
  return Object.hasOwn(RUN_TYPE_CAPABILITIES, type) ? RUN_TYPE_CAPABILITIES[type]! : "members.manage";
}
