/**
 * Workspaces, users and memberships as the CLI and demo need them: the local operator acting on
 * this machine is an owner of the workspaces it creates.
 * @module
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { memberships, users, workspaces } from "../db/schema.js";
import { OperatorError } from "../shared/operator-error.js";
import type { Role } from "./capabilities.js";

/** A workspace row. */
export type Workspace = typeof workspaces.$inferSelect;

/** Email of the local operator the CLI acts as (no password: it cannot sign in to the web app). */
export const LOCAL_OPERATOR_EMAIL = "local-operator@tenantpilot.local";

/** Find or create the local operator user; returns its id. */
export async function ensureLocalOperator(db: Db): Promise<string> {
  const inserted = await db
    .insert(users)
    .values({ email: LOCAL_OPERATOR_EMAIL, displayName: "Local operator (CLI)" })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (inserted[0]) return inserted[0].id;
  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${LOCAL_OPERATOR_EMAIL}`);
  if (!found[0]) throw new Error("ensureLocalOperator: local operator neither inserted nor found");
  return found[0].id;
}

/**
 * The display name of a member of a workspace ("Local operator (CLI)" for the CLI's user), for
 * showing colleagues who started what. Undefined when the user is not (or no longer) a member:
 * a name is shown only inside the workspace it belongs to.
 */
export async function findMemberDisplayName(db: Db, workspaceId: string, userId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ displayName: users.displayName })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  return row?.displayName;
}

/** Members of a workspace (user id and display name), by display name: e.g. for a "Started by" filter. */
export async function listMemberNames(db: Db, workspaceId: string): Promise<{ userId: string; displayName: string }[]> {
  return db
    .select({ userId: users.id, displayName: users.displayName })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(asc(users.displayName));
}

/** Find or create a workspace by slug and make `ownerUserId` a member with `role`. */
export async function ensureWorkspace(
  db: Db,
  input: { name: string; slug: string; memberUserId: string; role?: Role },
): Promise<Workspace> {
  await db.insert(workspaces).values({ name: input.name, slug: input.slug }).onConflictDoNothing();
  const [workspace] = await db.select().from(workspaces).where(eq(workspaces.slug, input.slug));
  if (!workspace) throw new Error(`ensureWorkspace: ${input.slug} neither inserted nor found`);
  await db
    .insert(memberships)
    .values({ workspaceId: workspace.id, userId: input.memberUserId, role: input.role ?? "owner" })
    .onConflictDoNothing();
  return workspace;
}

/**
 * Resolve the workspace a CLI command acts in: by slug, or the user's only/first workspace.
 * @throws {OperatorError} not_found – no such workspace, or the user is not a member
 */
export async function getWorkspaceForUser(db: Db, userId: string, slug?: string): Promise<Workspace> {
  const rows = await db
    .select({ workspace: workspaces })
    .from(workspaces)
    .innerJoin(memberships, and(eq(memberships.workspaceId, workspaces.id), eq(memberships.userId, userId)))
    .where(slug === undefined ? undefined : eq(workspaces.slug, slug))
    .orderBy(asc(workspaces.createdAt))
    .limit(1);
  const workspace = rows[0]?.workspace;
  if (!workspace) throw new OperatorError("not_found", `No workspace "${slug ?? "(default)"}" for this operator.`);
  return workspace;
}
