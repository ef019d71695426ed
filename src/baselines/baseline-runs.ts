/**
 * Starting baseline runs: the one place that builds their identity keys and inputs, used by the
 * CLI and (later) the web app and API. Preconditions an operator can fix are checked here and
 * reported at once; the job checks them again (the world may change before it runs).
 * @module
 */
import type { Db } from "../db/database.js";
import { findUnconnectedTenant } from "../inventory/evidence-source.js";
import { getTenant, getTenantByName, type Tenant } from "../inventory/tenants.js";
import type { OperationRun } from "../operations/run-record.js";
import type { RunService } from "../operations/run-service.js";
import { OperatorError } from "../shared/operator-error.js";
import { findLatestSnapshot, getBaselineProfile } from "./baseline-profiles.js";

/** Who starts a run. */
export interface RunInitiator {
  userId: string | null;
  /** "cli", "demo", "api", … when there is no user. */
  label?: string;
}

/**
 * Queue a baseline capture of a profile (identity: type + profile).
 * @returns the active capture of this profile, and whether this call created it
 * @throws {OperatorError} not_found – unknown profile; tenant_not_connected – the source tenant has no
 *   evidence source; graph_not_connected – it reads Microsoft Graph but has no app registration
 */
export async function startBaselineCapture(
  deps: { db: Db; runs: RunService; maxAttempts: number },
  input: { workspaceId: string; profile: string; initiator: RunInitiator },
): Promise<{ run: OperationRun; created: boolean }> {
  const profile = await getBaselineProfile(deps.db, input.workspaceId, input.profile);
  const tenant = await getTenant(deps.db, input.workspaceId, profile.sourceTenantId);
  await assertTenantConnected(deps.db, tenant);
  return deps.runs.startRun(
    {
      workspaceId: input.workspaceId,
      tenantId: tenant.id,
      type: "baseline_capture",
      initiatorUserId: input.initiator.userId,
      ...(input.initiator.label ? { initiatorLabel: input.initiator.label } : {}),
      identityKey: `baseline_capture:${profile.id}`,
      inputs: { profileId: profile.id },
    },
    deps.maxAttempts,
  );
}

/**
 * Queue a baseline compare of a tenant against a profile (identity: type + tenant + profile).
 * @throws {OperatorError} not_found – unknown profile or tenant; no_baseline_snapshot – nothing
 *   captured yet; tenant_not_connected – the tenant has no evidence source; graph_not_connected – it
 *   reads Microsoft Graph but has no app registration
 */
export async function startBaselineCompare(
  deps: { db: Db; runs: RunService; maxAttempts: number },
  input: { workspaceId: string; profile: string; tenant: string; initiator: RunInitiator },
): Promise<{ run: OperationRun; created: boolean }> {
  const profile = await getBaselineProfile(deps.db, input.workspaceId, input.profile);
  const tenant = await getTenantByName(deps.db, input.workspaceId, input.tenant);
  if ((await findLatestSnapshot(deps.db, profile.id)) === undefined) {
    throw new OperatorError("no_baseline_snapshot", `Baseline profile "${profile.name}" has no snapshot yet.`);
  }
  await assertTenantConnected(deps.db, tenant);
  return deps.runs.startRun(
    {
      workspaceId: input.workspaceId,
      tenantId: tenant.id,
      type: "baseline_compare",
      initiatorUserId: input.initiator.userId,
      ...(input.initiator.label ? { initiatorLabel: input.initiator.label } : {}),
      identityKey: `baseline_compare:${tenant.id}:${profile.id}`,
      inputs: { profileId: profile.id, tenantId: tenant.id },
    },
    deps.maxAttempts,
  );
}

/** @throws {OperatorError} tenant_not_connected, graph_not_connected – see {@link findUnconnectedTenant} */
async function assertTenantConnected(db: Db, tenant: Tenant): Promise<void> {
  const unconnected = await findUnconnectedTenant(db, tenant);
  if (unconnected) throw new OperatorError(unconnected.code, unconnected.detail, { detail: unconnected.detail });
}
