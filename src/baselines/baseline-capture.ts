/**
 * Baseline capture (run type `baseline_capture`): read the profile's source tenant and store an
 * immutable baseline snapshot of its in-scope policies. Writes its phase at each real boundary:
 * resolve_scope → capture_evidence → build_snapshot → finalize (DESIGN.md §3).
 * @module
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { findUnconnectedTenant } from "../inventory/evidence-source.js";
import { getTenant } from "../inventory/tenants.js";
import type { CaptureResult } from "../operations/run-record.js";
import { operatorFailure, type RunCompletion } from "../operations/run-service.js";
import { OperatorError } from "../shared/operator-error.js";
import { getBaselineProfile } from "./baseline-profiles.js";
import { NORMALIZER_VERSION } from "./drift/normalize-policy.js";
import {
  captureEvidence,
  findUnreadablePolicyKinds,
  toPartialReadFailure,
  type UnreadableEntry,
} from "./evidence-capture.js";
import type { RunWorkContext } from "./run-work-context.js";

/** `context.inputs` of a baseline capture run. */
export const captureInputsSchema = z.object({ profileId: z.uuid() });

/** Execute a baseline capture for the run in `ctx`. */
export async function runBaselineCapture(ctx: RunWorkContext): Promise<RunCompletion> {
  const inputs = captureInputsSchema.parse(ctx.run.context.inputs);
  await ctx.setPhase("resolve_scope");
  const profile = await getBaselineProfile(ctx.db, ctx.run.workspaceId, inputs.profileId);
  const tenant = await getTenant(ctx.db, ctx.run.workspaceId, profile.sourceTenantId);
  // No source, or a Graph tenant without an app registration: a precondition, not a failure.
  const unconnected = await findUnconnectedTenant(ctx.db, tenant);
  if (unconnected) return { outcome: "blocked", failure: operatorFailure(unconnected.code, unconnected.detail) };

  await ctx.setPhase("capture_evidence");
  const capture = await captureEvidence(ctx, tenant, profile.policyKinds, {
    manageAssignments: profile.manageAssignments,
  });
  if (capture.policies.length === 0) {
    throw new OperatorError(
      capture.totalCount === 0 || capture.unreadable.length === 0
        ? "evidence_source_empty"
        : "evidence_source_unreachable",
      `capture ${capture.captureId}: no in-scope policy read of ${capture.totalCount} entries; ${describeUnreadable(capture.unreadable)}`,
    );
  }

  await ctx.setPhase("build_snapshot");
  const snapshotId = await ctx.db.transaction(async (tx) => {
    // Idempotent per run: a retried attempt that already built the snapshot finds it.
    await tx.execute(sql`insert into baseline_snapshots (workspace_id, profile_id, source_tenant_id, run_id, normalizer_version, policy_count, captured_at)
      values (${ctx.run.workspaceId}, ${profile.id}, ${tenant.id}, ${ctx.run.id}, ${NORMALIZER_VERSION}, ${capture.policies.length}, now())
      on conflict (run_id) do nothing`);
    const found = await tx.execute(sql`select id from baseline_snapshots where run_id = ${ctx.run.id}`);
    const id = (found.rows[0] as { id: string }).id;
    for (const { sourceFile, policy } of capture.policies) {
      await tx.execute(sql`insert into baseline_snapshot_items (snapshot_id, source_file, policy_hash, policy_kind, policy_name)
        values (${id}, ${sourceFile}, ${policy.hash}, ${policy.policyKind}, ${policy.name}) on conflict do nothing`);
    }
    return id;
  });

  await ctx.setPhase("finalize");
  const result = {
    snapshotId,
    policyCount: capture.policies.length,
    unreadableCount: capture.unreadable.length,
    outOfScopeCount: capture.outOfScopeCount,
  } satisfies CaptureResult;
  if (capture.unreadable.length > 0) {
    return {
      outcome: "partially_succeeded",
      result: { ...result, unreadablePolicyKinds: findUnreadablePolicyKinds(capture.unreadable) },
      failure: toPartialReadFailure(capture.unreadable, describeUnreadable(capture.unreadable)),
    };
  }
  return { outcome: "succeeded", result };
}

/** Diagnostics text naming every unreadable entry and why. */
export function describeUnreadable(entries: readonly UnreadableEntry[]): string {
  if (entries.length === 0) return "no unreadable entries";
  return `unreadable entries (${entries.length}):\n${entries.map((e) => `- ${e.sourceFile}: ${e.reason} (${e.detail})`).join("\n")}`;
}
