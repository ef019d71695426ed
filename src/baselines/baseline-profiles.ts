/**
 * Baseline profiles and their snapshots: which source tenant and policy kinds a baseline covers,
 * the matching options of its compares, and the immutable snapshots captured for it.
 * @module
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { baselineProfiles, baselineSnapshots } from "../db/schema.js";
import { POLICY_KINDS } from "../inventory/policy-kinds.js";
import { getTenantByName } from "../inventory/tenants.js";
import { OperatorError } from "../shared/operator-error.js";

/** A baseline profile row. */
export type BaselineProfile = typeof baselineProfiles.$inferSelect;
/** A baseline snapshot row. */
export type BaselineSnapshot = typeof baselineSnapshots.$inferSelect;

/** Input of {@link createBaselineProfile}. */
export interface CreateBaselineProfileInput {
  workspaceId: string;
  name: string;
  /** Source tenant name or id. */
  sourceTenant: string;
  /** Policy kinds in scope (Graph `@odata.type` without `#microsoft.graph.`); empty = all. */
  policyKinds?: string[];
  /** Match names with a trailing " - v1.2" suffix ignored. (Default: false) */
  ignoreVersionSuffix?: boolean;
  /** Report tenant policies the baseline does not have. (Default: false) */
  reportUnexpected?: boolean;
  /** Compare assignments. (Default: false) */
  manageAssignments?: boolean;
}

/**
 * Create a baseline profile.
 * Idempotent: a profile with this name and the same definition is returned as it is.
 * @returns the profile, and whether this call created it
 * @throws {OperatorError} not_found – unknown source tenant; invalid_input – bad name, unknown
 *   policy kind, or a profile with this name but another definition already exists
 */
export async function createBaselineProfile(
  db: Db,
  input: CreateBaselineProfileInput,
): Promise<{ profile: BaselineProfile; created: boolean }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200)
    throw new OperatorError("invalid_input", "profile name must be 1-200 characters");
  const kinds = [...new Set((input.policyKinds ?? []).flatMap(toKnownPolicyKinds))].sort();
  const tenant = await getTenantByName(db, input.workspaceId, input.sourceTenant);
  const [profile] = await db
    .insert(baselineProfiles)
    .values({
      workspaceId: input.workspaceId,
      name,
      sourceTenantId: tenant.id,
      policyKinds: kinds,
      ignoreVersionSuffix: input.ignoreVersionSuffix ?? false,
      reportUnexpected: input.reportUnexpected ?? false,
      manageAssignments: input.manageAssignments ?? false,
    })
    .onConflictDoNothing()
    .returning();
  if (profile) return { profile, created: true };
  const existing = await getBaselineProfile(db, input.workspaceId, name);
  const same =
    existing.sourceTenantId === tenant.id &&
    [...existing.policyKinds].sort().join(",") === kinds.join(",") &&
    existing.ignoreVersionSuffix === (input.ignoreVersionSuffix ?? false) &&
    existing.reportUnexpected === (input.reportUnexpected ?? false) &&
    existing.manageAssignments === (input.manageAssignments ?? false);
  if (!same) {
    throw new OperatorError(
      "invalid_input",
      `A baseline profile named "${existing.name}" already exists with another definition.`,
    );
  }
  return { profile: existing, created: false };
}

/**
 * The catalog policy kinds meant by one `--kinds` entry: a Graph type in any case, with or without
 * `#microsoft.graph.` (`windows10CompliancePolicy`), or an Intune Management export folder name
 * (`SettingsCatalog`, `CompliancePolicies` → every kind exported there).
 * @throws {OperatorError} invalid_input – an empty entry or nothing known by that name; the message
 *   lists the known kinds and folders
 */
export function toKnownPolicyKinds(input: string): string[] {
  const bare = input
    .trim()
    .replace(/^#?microsoft\.graph\./i, "")
    .toLowerCase();
  const entries = Object.values(POLICY_KINDS);
  const byKind = entries.filter((info) => info.kind.toLowerCase() === bare).map((info) => info.kind);
  const byFolder = entries.filter((info) => info.exportFolder.toLowerCase() === bare).map((info) => info.kind);
  const kinds = byKind.length > 0 ? byKind : byFolder;
  if (bare === "" || kinds.length === 0) {
    const folders = [...new Set(entries.map((info) => info.exportFolder))];
    throw new OperatorError(
      "invalid_input",
      `Unknown policy kind "${input.slice(0, 100)}". Known kinds: ${entries.map((info) => info.kind).join(", ")}; or export folders: ${folders.join(", ")}.`,
    );
  }
  return kinds;
}

/** Profiles of a workspace by name. */
export async function listBaselineProfiles(db: Db, workspaceId: string): Promise<BaselineProfile[]> {
  return db
    .select()
    .from(baselineProfiles)
    .where(eq(baselineProfiles.workspaceId, workspaceId))
    .orderBy(asc(baselineProfiles.name));
}

/** A profile by name (case-insensitive) or id. @throws {OperatorError} not_found */
export async function getBaselineProfile(db: Db, workspaceId: string, nameOrId: string): Promise<BaselineProfile> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId);
  const [profile] = await db
    .select()
    .from(baselineProfiles)
    .where(
      and(
        eq(baselineProfiles.workspaceId, workspaceId),
        isUuid ? eq(baselineProfiles.id, nameOrId) : sql`lower(${baselineProfiles.name}) = lower(${nameOrId.trim()})`,
      ),
    );
  if (!profile) throw new OperatorError("not_found", `No baseline profile named "${nameOrId}" in this workspace.`);
  return profile;
}

/** The newest snapshot of a profile, if any. */
export async function findLatestSnapshot(db: Db, profileId: string): Promise<BaselineSnapshot | undefined> {
  const [snapshot] = await db
    .select()
    .from(baselineSnapshots)
    .where(eq(baselineSnapshots.profileId, profileId))
    .orderBy(desc(baselineSnapshots.capturedAt))
    .limit(1);
  return snapshot;
}

/** Snapshots of a profile, newest first. */
export async function listSnapshots(db: Db, profileId: string): Promise<BaselineSnapshot[]> {
  return db
    .select()
    .from(baselineSnapshots)
    .where(eq(baselineSnapshots.profileId, profileId))
    .orderBy(desc(baselineSnapshots.capturedAt));
}
