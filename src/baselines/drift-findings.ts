/**
 * The read side of drift findings: list with filters, and counts for summaries.
 * @module
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";

export { describeFindingCounts, FINDING_KIND_LABELS } from "./drift/finding-kinds.js";

/** A stored drift finding as readers see it. */
export interface DriftFindingRecord {
  id: string;
  tenantId: string;
  tenantName: string;
  profileId: string;
  profileName: string;
  kind: string;
  policyKind: string;
  policyName: string;
  path: string | null;
  expected: unknown;
  actual: unknown;
  probableRename: string | null;
  status: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

/** Filters of {@link listFindings}; absent = any. */
export interface FindingFilter {
  tenantId?: string;
  profileId?: string;
  /** `open`, `resolved`, `reopened`, or `active` (open + reopened). */
  status?: string;
  kind?: string;
  /** Substring of the policy name, case-insensitive. */
  policy?: string;
  /** Prefix of the setting path. */
  path?: string;
  /** Exactly these findings (then `limit` does not apply: all of them are returned). */
  ids?: readonly string[];
  /** (Default: 500, max 5000) */
  limit?: number;
}

/** Findings of a workspace, by tenant, policy and path. */
export async function listFindings(
  db: Db,
  workspaceId: string,
  filter: FindingFilter = {},
): Promise<DriftFindingRecord[]> {
  const where: SQL[] = [sql`f.workspace_id = ${workspaceId}`];
  if (filter.tenantId) where.push(sql`f.tenant_id = ${filter.tenantId}`);
  if (filter.profileId) where.push(sql`f.profile_id = ${filter.profileId}`);
  if (filter.status === "active") where.push(sql`f.status in ('open', 'reopened')`);
  else if (filter.status) where.push(sql`f.status = ${filter.status}`);
  if (filter.kind) where.push(sql`f.kind = ${filter.kind}`);
  if (filter.policy) where.push(sql`f.policy_name ilike ${`%${filter.policy.replace(/[\\%_]/g, "\\$&")}%`}`);
  if (filter.path) where.push(sql`starts_with(coalesce(f.path, ''), ${filter.path})`);
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) return [];
    where.push(sql`f.id = any(${`{${filter.ids.join(",")}}`}::uuid[])`);
  }
  const limit = filter.ids?.length ?? Math.min(Math.max(filter.limit ?? 500, 1), 5_000);
  const result = await db.execute(sql`select f.*, t.name as tenant_name, p.name as profile_name
    from drift_findings f join tenants t on t.id = f.tenant_id join baseline_profiles p on p.id = f.profile_id
    where ${sql.join(where, sql` and `)}
    order by t.name, f.policy_name, f.kind, f.path nulls first limit ${limit}`);
  return result.rows.map((raw) => {
    const row = raw as Record<string, unknown>;
    return {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      tenantName: row.tenant_name as string,
      profileId: row.profile_id as string,
      profileName: row.profile_name as string,
      kind: row.kind as string,
      policyKind: row.policy_kind as string,
      policyName: row.policy_name as string,
      path: (row.path as string | null) ?? null,
      expected: row.expected ?? undefined,
      actual: row.actual ?? undefined,
      probableRename: (row.probable_rename as string | null) ?? null,
      status: row.status as string,
      firstSeenAt: new Date(row.first_seen_at as string),
      lastSeenAt: new Date(row.last_seen_at as string),
      resolvedAt: row.resolved_at ? new Date(row.resolved_at as string) : null,
    };
  });
}
