/**
 * Baseline compare (run type `baseline_compare`): read a tenant's current policies, compare them
 * with the profile's latest baseline snapshot (drift/), and record drift findings with their
 * lifecycle. Phases: check_eligibility → capture_evidence → compare → record_findings (DESIGN.md §3, §5).
 * @module
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/database.js";
import { findUnconnectedTenant } from "../inventory/evidence-source.js";
import { toUnreadableHint } from "../inventory/export-folder-source.js";
import { getTenant } from "../inventory/tenants.js";
import type { CompareResult } from "../operations/run-record.js";
import { operatorFailure, type RunCompletion } from "../operations/run-service.js";
import { OperatorError } from "../shared/operator-error.js";
import { describeUnreadable } from "./baseline-capture.js";
import { findLatestSnapshot, getBaselineProfile } from "./baseline-profiles.js";
import { comparePolicies, type DriftFinding } from "./drift/compare-policies.js";
import { findingFingerprint } from "./drift/finding-fingerprint.js";
import { toPolicyIdentity } from "./drift/match-policies.js";
import { type NormalizedPolicy, normalizePolicy } from "./drift/normalize-policy.js";
import { captureEvidence, findUnreadablePolicyKinds, toPartialReadFailure } from "./evidence-capture.js";
import type { RunWorkContext } from "./run-work-context.js";

/** `context.inputs` of a baseline compare run. */
export const compareInputsSchema = z.object({ profileId: z.uuid(), tenantId: z.uuid() });

/** Execute a baseline compare for the run in `ctx`. */
export async function runBaselineCompare(ctx: RunWorkContext): Promise<RunCompletion> {
  const inputs = compareInputsSchema.parse(ctx.run.context.inputs);
  await ctx.setPhase("check_eligibility");
  const profile = await getBaselineProfile(ctx.db, ctx.run.workspaceId, inputs.profileId);
  const tenant = await getTenant(ctx.db, ctx.run.workspaceId, inputs.tenantId);
  // A retry compares against the snapshot the first attempt chose, even if a newer one landed since.
  const resume = ctx.run.context.resume as { snapshotId?: unknown } | undefined;
  const snapshotId =
    typeof resume?.snapshotId === "string" ? resume.snapshotId : (await findLatestSnapshot(ctx.db, profile.id))?.id;
  if (snapshotId === undefined) {
    return {
      outcome: "blocked",
      failure: operatorFailure("no_baseline_snapshot", `profile ${profile.id} has no snapshot`),
    };
  }
  // No source, or a Graph tenant without an app registration: a precondition, not a failure.
  const unconnected = await findUnconnectedTenant(ctx.db, tenant);
  if (unconnected) return { outcome: "blocked", failure: operatorFailure(unconnected.code, unconnected.detail) };
  await ctx.saveResume({ snapshotId });

  await ctx.setPhase("capture_evidence");
  const capture = await captureEvidence(ctx, tenant, profile.policyKinds, {
    manageAssignments: profile.manageAssignments,
  });
  if (capture.totalCount === 0) {
    // An empty folder is no evidence that every baseline policy is missing: nothing useful was read.
    throw new OperatorError("evidence_source_empty", `capture ${capture.captureId}: the source listed no entries`);
  }
  if (capture.policies.length === 0 && capture.unreadable.length > 0) {
    throw new OperatorError("evidence_source_unreachable", describeUnreadable(capture.unreadable));
  }

  await ctx.setPhase("compare");
  const baseline = await loadSnapshotPolicies(ctx.db, snapshotId);
  const current = capture.policies.map((entry) => entry.policy);
  const options = {
    ignoreVersionSuffix: profile.ignoreVersionSuffix,
    reportUnexpected: profile.reportUnexpected,
    manageAssignments: profile.manageAssignments,
    policyKinds: profile.policyKinds,
    // A source that names the kind (Graph: a whole kind or one policy it could not read) says which
    // baseline policies are unknown; for an export file, its folder and file name hint at it.
    unreadable: capture.unreadable.map((entry) =>
      entry.policyKind !== undefined
        ? { policyKind: entry.policyKind, ...(entry.policyName !== undefined ? { nameHint: entry.policyName } : {}) }
        : toUnreadableHint(entry.sourceFile),
    ),
  };
  const comparison = comparePolicies(baseline, current, options);

  await ctx.setPhase("record_findings");
  const partial = capture.unreadable.length > 0;
  const readIdentities = new Set(
    current.map((policy) => toPolicyIdentity(policy, { ignoreVersionSuffix: profile.ignoreVersionSuffix })),
  );
  const lifecycle = await recordFindings(ctx.db, {
    workspaceId: ctx.run.workspaceId,
    tenantId: tenant.id,
    profileId: profile.id,
    runId: ctx.run.id,
    findings: comparison.findings,
    // A partial compare resolves nothing it did not fully read (DESIGN.md §5).
    mayResolve: (identity) => !partial || readIdentities.has(identity),
  });

  const byKind: Record<string, number> = {};
  for (const finding of comparison.findings) byKind[finding.kind] = (byKind[finding.kind] ?? 0) + 1;
  const result = {
    snapshotId,
    findingCount: comparison.findings.length,
    openFindingCount: lifecycle.openCount,
    newCount: lifecycle.newCount,
    reopenedCount: lifecycle.reopenedCount,
    resolvedCount: lifecycle.resolvedCount,
    byKind,
    comparedPolicyCount: comparison.comparedPolicyCount,
    comparedSettingCount: comparison.comparedSettingCount,
    unknownPolicyCount: comparison.unknown.length,
    unreadableCount: capture.unreadable.length,
  } satisfies CompareResult;
  if (partial) {
    const unknown = comparison.unknown.map((policy) => `- ${policy.policyKind}: ${policy.policyName}`).join("\n");
    return {
      outcome: "partially_succeeded",
      result: { ...result, unreadablePolicyKinds: findUnreadablePolicyKinds(capture.unreadable) },
      failure: toPartialReadFailure(
        capture.unreadable,
        `${describeUnreadable(capture.unreadable)}\nbaseline policies marked unknown (${comparison.unknown.length}):\n${unknown}`,
      ),
    };
  }
  return { outcome: "succeeded", result };
}

/** Load a snapshot's policies (re-normalised: the normaliser is idempotent and upgrades older content). */
export async function loadSnapshotPolicies(db: Db, snapshotId: string): Promise<NormalizedPolicy[]> {
  const result = await db.execute(sql`select v.content from baseline_snapshot_items i
    join policy_versions v on v.hash = i.policy_hash where i.snapshot_id = ${snapshotId} order by i.source_file`);
  return result.rows.map((row) => normalizePolicy((row as { content: Record<string, unknown> }).content));
}

/** Counts of a lifecycle update. */
export interface FindingLifecycleCounts {
  newCount: number;
  reopenedCount: number;
  resolvedCount: number;
  /** Open or reopened findings of this tenant and profile after the update. */
  openCount: number;
}

/**
 * Apply one compare's findings to the stored lifecycle, in one transaction: new fingerprints open,
 * seen ones update `last_seen`, resolved ones that came back are `reopened`, and open ones absent
 * from this compare become `resolved` — only where `mayResolve(policyIdentity)` holds.
 */
export async function recordFindings(
  db: Db,
  input: {
    workspaceId: string;
    tenantId: string;
    profileId: string;
    runId: string;
    findings: readonly DriftFinding[];
    mayResolve: (policyIdentity: string) => boolean;
  },
): Promise<FindingLifecycleCounts> {
  return db.transaction(async (tx) => {
    const counts = { newCount: 0, reopenedCount: 0, resolvedCount: 0, openCount: 0 };
    const seen = new Set<string>();
    for (const finding of input.findings) {
      const fingerprint = findingFingerprint({
        tenantId: input.tenantId,
        profileId: input.profileId,
        kind: finding.kind,
        policyIdentity: finding.policyIdentity,
        path: finding.path,
      });
      if (seen.has(fingerprint)) continue; // the engine should not emit duplicates; never count one twice
      seen.add(fingerprint);
      const upserted = await tx.execute(sql`insert into drift_findings
          (workspace_id, tenant_id, profile_id, fingerprint, kind, policy_kind, policy_name, policy_identity, path,
           expected, actual, probable_rename, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
        values (${input.workspaceId}, ${input.tenantId}, ${input.profileId}, ${fingerprint}, ${finding.kind},
          ${finding.policyKind}, ${finding.policyName}, ${finding.policyIdentity}, ${finding.path ?? null},
          ${toJsonb(finding.expected)}::jsonb, ${toJsonb(finding.actual)}::jsonb, ${finding.probableRename ?? null},
          'open', now(), now(), ${input.runId}, ${input.runId})
        on conflict (tenant_id, profile_id, fingerprint) do update set
          last_seen_at = now(), last_run_id = excluded.last_run_id,
          expected = excluded.expected, actual = excluded.actual, probable_rename = excluded.probable_rename,
          policy_name = excluded.policy_name,
          status = case when drift_findings.status = 'resolved' then 'reopened' else drift_findings.status end,
          resolved_at = null
        returning (xmax = 0) as inserted, status`);
      const row = upserted.rows[0] as { inserted: boolean; status: string };
      if (row.inserted) counts.newCount++;
      else if (row.status === "reopened") counts.reopenedCount++;
    }
    const stale = await tx.execute(sql`select id, policy_identity from drift_findings
      where tenant_id = ${input.tenantId} and profile_id = ${input.profileId}
        and status in ('open', 'reopened') and last_run_id <> ${input.runId}`);
    const resolvable = stale.rows
      .map((row) => row as { id: string; policy_identity: string })
      .filter((row) => input.mayResolve(row.policy_identity))
      .map((row) => row.id);
    if (resolvable.length > 0) {
      const resolved =
        await tx.execute(sql`update drift_findings set status = 'resolved', resolved_at = now(), last_run_id = ${input.runId}
        where id = any(${`{${resolvable.join(",")}}`}::uuid[])`);
      counts.resolvedCount = resolved.rowCount ?? 0;
    }
    const open = await tx.execute(sql`select count(*)::int as n from drift_findings
      where tenant_id = ${input.tenantId} and profile_id = ${input.profileId} and status in ('open', 'reopened')`);
    counts.openCount = (open.rows[0] as { n: number }).n;
    return counts;
  });
}

function toJsonb(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
