/**
 * Tenants: managed customer tenants of a workspace and their evidence source.
 * @module
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/database.js";
import { tenants } from "../db/schema.js";
import { OperatorError } from "../shared/operator-error.js";

/**
 * Where a tenant's configuration is read from: an export folder, or Microsoft Graph through the
 * tenant's app registration (its details and credential live in `tenant_graph_connections`, see
 * graph/graph-connections.ts; the tenant row only says "graph").
 */
export const evidenceSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("export_folder"), path: z.string().min(1) }),
  z.object({ kind: z.literal("graph") }),
]);
export type EvidenceSource = z.infer<typeof evidenceSourceSchema>;

/** A tenant row with its evidence source validated. */
export interface Tenant {
  id: string;
  workspaceId: string;
  name: string;
  entraTenantId: string | null;
  evidenceSource: EvidenceSource | null;
  createdAt: Date;
}

function toTenant(row: typeof tenants.$inferSelect): Tenant {
  const source = evidenceSourceSchema.safeParse(row.evidenceSource);
  return { ...row, evidenceSource: source.success ? source.data : null };
}

/**
 * Add a tenant, or return the existing one with the same name (case-insensitive) unchanged.
 * @returns the tenant and whether it was created
 */
export async function addTenant(
  db: Db,
  input: { workspaceId: string; name: string; evidenceSource: EvidenceSource; entraTenantId?: string },
): Promise<{ tenant: Tenant; created: boolean }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200)
    throw new OperatorError("invalid_input", "tenant name must be 1-200 characters");
  const inserted = await db
    .insert(tenants)
    .values({
      workspaceId: input.workspaceId,
      name,
      evidenceSource: input.evidenceSource,
      entraTenantId: input.entraTenantId ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return { tenant: toTenant(inserted[0]), created: true };
  return { tenant: await getTenantByName(db, input.workspaceId, name), created: false };
}

/** All tenants of a workspace, by name. */
export async function listTenants(db: Db, workspaceId: string): Promise<Tenant[]> {
  const rows = await db.select().from(tenants).where(eq(tenants.workspaceId, workspaceId)).orderBy(asc(tenants.name));
  return rows.map(toTenant);
}

/** A tenant by id within a workspace. @throws {OperatorError} not_found */
export async function getTenant(db: Db, workspaceId: string, tenantId: string): Promise<Tenant> {
  const [row] = await db
    .select()
    .from(tenants)
    .where(and(eq(tenants.workspaceId, workspaceId), eq(tenants.id, tenantId)));
  if (!row) throw new OperatorError("not_found", `No tenant with id ${tenantId} in this workspace.`);
  return toTenant(row);
}

/** A tenant by name (case-insensitive) or id within a workspace. @throws {OperatorError} not_found */
export async function getTenantByName(db: Db, workspaceId: string, nameOrId: string): Promise<Tenant> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId);
  const [row] = await db
    .select()
    .from(tenants)
    .where(
      and(
        eq(tenants.workspaceId, workspaceId),
        isUuid ? eq(tenants.id, nameOrId) : sql`lower(${tenants.name}) = lower(${nameOrId.trim()})`,
      ),
    );
  if (!row) throw new OperatorError("not_found", `No tenant named "${nameOrId}" in this workspace.`);
  return toTenant(row);
}
