/**
 * Evidence capture: read a tenant's policies from its evidence source one entry at a time,
 * normalise each (drift/normalize-policy.ts), store its content once by hash and record the entry
 * against the run's capture. A retried attempt resumes: entries already recorded for the capture
 * named by `context.resume` are not read again.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { listExportFiles, readExportFolder } from "../inventory/export-folder-source.js";
import type { Tenant } from "../inventory/tenants.js";
import { OperatorError } from "../shared/operator-error.js";
import { NORMALIZER_VERSION, type NormalizedPolicy, normalizePolicy } from "./drift/normalize-policy.js";
import type { RunWorkContext } from "./run-work-context.js";

/** A policy read by a capture. */
export interface CapturedPolicy {
  sourceFile: string;
  policy: NormalizedPolicy;
}

/** An entry that could not be read. `detail` is for diagnostics only. */
export interface UnreadableEntry {
  sourceFile: string;
  reason: string;
  detail: string;
}

/** The result of {@link captureEvidence}. */
export interface EvidenceCaptureResult {
  captureId: string;
  /** Entries the source listed. */
  totalCount: number;
  /** In-scope policies read. */
  policies: CapturedPolicy[];
  unreadable: UnreadableEntry[];
  /** Readable policies outside the profile's policy kinds. */
  outOfScopeCount: number;
}

/** Save the resume token every this many entries (and at the end). */
const RESUME_EVERY_ENTRIES = 10;

/**
 * Capture a tenant's in-scope policies for the current run, resuming a previous attempt's capture.
 * Reports `total`/`processed` counts as it goes.
 * @param policyKinds - kinds in scope; empty = all
 * @throws {OperatorError} tenant_not_connected – no evidence source; evidence_source_unreachable –
 *   the source cannot be listed
 */
export async function captureEvidence(
  ctx: RunWorkContext,
  tenant: Tenant,
  policyKinds: readonly string[],
): Promise<EvidenceCaptureResult> {
  const source = tenant.evidenceSource;
  if (source === null) throw new OperatorError("tenant_not_connected", `tenant ${tenant.id} has no evidence source`);
  if (source.kind !== "export_folder") {
    // Until the Graph reader lands (issue 5 point 2), a Graph-connected tenant cannot be captured.
    throw new OperatorError(
      "evidence_source_unreachable",
      `tenant ${tenant.id}: the Graph evidence source is not readable yet`,
    );
  }
  const files = await listExportFiles(source.path);
  const captureId = await findOrCreateCapture(ctx, tenant, files.length);
  await ctx.saveResume({ evidenceCaptureId: captureId });

  const done = await loadRecordedEntries(ctx.db, captureId);
  let processed = done.size;
  ctx.reportCounts({ total: files.length, processed });
  const scope = new Set(policyKinds.map((kind) => kind.toLowerCase()));

  for await (const entry of readExportFolder(source.path, { signal: ctx.signal, skip: new Set(done) })) {
    if (ctx.evidenceReadDelayMs) await sleep(ctx.evidenceReadDelayMs, undefined, { signal: ctx.signal });
    let row: EntryRow;
    if (entry.result.ok) {
      let policy: NormalizedPolicy | undefined;
      try {
        policy = normalizePolicy(entry.result.raw);
      } catch (error) {
        // The normaliser is meant to accept any parsed policy object; if it does not, the file is unreadable, not fatal.
        row = { file: entry.file, reason: "not_policy", detail: `normalise failed: ${(error as Error).message}` };
      }
      if (policy !== undefined) {
        const inScope = scope.size === 0 || scope.has(policy.policyKind.toLowerCase());
        if (inScope) await storePolicyVersion(ctx.db, policy);
        row = { file: entry.file, policy, inScope };
      } else {
        row ??= { file: entry.file, reason: "not_policy", detail: "normalise returned nothing" };
      }
    } else {
      row = { file: entry.file, reason: entry.result.reason, detail: entry.result.detail };
    }
    await recordEntry(ctx.db, captureId, ctx.run.attempt, row);
    processed++;
    ctx.reportCounts({ processed });
    if (processed % RESUME_EVERY_ENTRIES === 0) await ctx.saveResume({ evidenceCaptureId: captureId, processed });
    await ctx.checkpoint();
  }
  await ctx.db.execute(sql`update evidence_captures set completed_at = now() where id = ${captureId}`);
  await ctx.saveResume({ evidenceCaptureId: captureId, processed });
  return loadCaptureResult(ctx.db, captureId, files.length);
}

type EntryRow =
  | { file: string; policy: NormalizedPolicy; inScope: boolean }
  | { file: string; reason: string; detail: string };

async function findOrCreateCapture(ctx: RunWorkContext, tenant: Tenant, totalCount: number): Promise<string> {
  // One capture per run (unique run_id): a retried attempt finds the one its predecessor started.
  await ctx.db.execute(sql`insert into evidence_captures (workspace_id, tenant_id, run_id, total_count, started_at)
    values (${tenant.workspaceId}, ${tenant.id}, ${ctx.run.id}, ${totalCount}, now())
    on conflict (run_id) do nothing`);
  const result = await ctx.db.execute(sql`select id from evidence_captures where run_id = ${ctx.run.id}`);
  return (result.rows[0] as { id: string }).id;
}

async function loadRecordedEntries(db: Db, captureId: string): Promise<Set<string>> {
  const result = await db.execute(sql`select source_file from evidence_capture_items where capture_id = ${captureId}`);
  return new Set(result.rows.map((row) => (row as { source_file: string }).source_file));
}

/** Store normalised content once, addressed by its hash. */
export async function storePolicyVersion(db: Db, policy: NormalizedPolicy): Promise<void> {
  await db.execute(sql`insert into policy_versions (hash, policy_kind, normalizer_version, content)
    values (${policy.hash}, ${policy.policyKind}, ${NORMALIZER_VERSION}, ${JSON.stringify(policy.content)}::jsonb)
    on conflict (hash) do nothing`);
}

async function recordEntry(db: Db, captureId: string, attempt: number, row: EntryRow): Promise<void> {
  if ("policy" in row) {
    await db.execute(sql`insert into evidence_capture_items (capture_id, source_file, policy_hash, policy_kind, policy_name, unreadable_reason, run_attempt)
      values (${captureId}, ${row.file}, ${row.inScope ? row.policy.hash : null}, ${row.policy.policyKind}, ${row.policy.name},
        ${row.inScope ? null : "out_of_scope"}, ${attempt})
      on conflict do nothing`);
  } else {
    await db.execute(sql`insert into evidence_capture_items (capture_id, source_file, unreadable_reason, unreadable_detail, run_attempt)
      values (${captureId}, ${row.file}, ${row.reason}, ${row.detail.slice(0, 2_000)}, ${attempt})
      on conflict do nothing`);
  }
}

/** Rebuild the capture's result from what is stored, so a resumed capture returns every entry. */
async function loadCaptureResult(db: Db, captureId: string, totalCount: number): Promise<EvidenceCaptureResult> {
  const result =
    await db.execute(sql`select i.source_file, i.policy_hash, i.unreadable_reason, i.unreadable_detail, v.content
    from evidence_capture_items i left join policy_versions v on v.hash = i.policy_hash
    where i.capture_id = ${captureId} order by i.source_file`);
  const policies: CapturedPolicy[] = [];
  const unreadable: UnreadableEntry[] = [];
  let outOfScopeCount = 0;
  for (const raw of result.rows) {
    const row = raw as {
      source_file: string;
      policy_hash: string | null;
      unreadable_reason: string | null;
      unreadable_detail: string | null;
      content: unknown;
    };
    if (row.policy_hash !== null) {
      policies.push({ sourceFile: row.source_file, policy: normalizePolicy(row.content as Record<string, unknown>) });
    } else if (row.unreadable_reason === "out_of_scope") {
      outOfScopeCount++;
    } else {
      unreadable.push({
        sourceFile: row.source_file,
        reason: row.unreadable_reason ?? "unknown",
        detail: row.unreadable_detail ?? "",
      });
    }
  }
  return { captureId, totalCount, policies, unreadable, outOfScopeCount };
}
