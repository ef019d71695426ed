/**
 * The demo's sample data in the current workspace: sample tenants written by the project's own
 * generator (inventory/sample-tenant-generator.ts) and a baseline profile sourced from one of them.
 * Idempotent: tenants and profile are reused on a second run (the folders are rewritten).
 * @module
 */
import path from "node:path";
import { type BaselineProfile, createBaselineProfile } from "../baselines/baseline-profiles.js";
import type { Db } from "../db/database.js";
import { createDemoTenants, type DemoTenant } from "../inventory/sample-tenant-generator.js";
import { addTenant } from "../inventory/tenants.js";
import type { CliContext } from "./cli-context.js";

/** Name of the demo's baseline profile. */
export const DEMO_PROFILE_NAME = "Contoso standard baseline";

/** What {@link seedDemoData} set up. */
export interface DemoData {
  root: string;
  tenants: DemoTenant[];
  source: DemoTenant;
  profile: BaselineProfile;
}

/** Write the sample tenants under `<data dir>/demo-tenants`, register them and the demo profile. */
export function seedDemoData(ctx: CliContext): Promise<DemoData> {
  return seedDemoDataInto(ctx.runtime.database.db, {
    dataDir: ctx.runtime.config.dataDir,
    workspaceId: ctx.workspace.id,
  });
}

/** {@link seedDemoData} into a workspace of `db`, with the tenants' folders under `<dataDir>/demo-tenants`. */
export async function seedDemoDataInto(db: Db, options: { dataDir: string; workspaceId: string }): Promise<DemoData> {
  const root = path.join(options.dataDir, "demo-tenants");
  const { tenants } = await createDemoTenants(root);
  const source = tenants.find((tenant) => tenant.role === "baseline_source");
  if (source === undefined) throw new Error("demo: the generator returned no baseline source tenant");
  for (const tenant of tenants) {
    await addTenant(db, {
      workspaceId: options.workspaceId,
      name: tenant.displayName,
      entraTenantId: tenant.tenantId,
      evidenceSource: { kind: "export_folder", path: tenant.dir },
    });
  }
  const { profile } = await createBaselineProfile(db, {
    workspaceId: options.workspaceId,
    name: DEMO_PROFILE_NAME,
    sourceTenant: source.displayName,
    ignoreVersionSuffix: true,
    reportUnexpected: true,
  });
  return { root, tenants, source, profile };
}
