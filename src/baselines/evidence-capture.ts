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
import type { WaitObserver } from "../graph/graph-client.js";
import { WaitTracker } from "../graph/graph-throttle.js";
import { type EvidenceEntry, openEvidenceSource } from "../inventory/evidence-source.js";
import { describePolicyKind } from "../inventory/policy-kinds.js";
import type { Tenant } from "../inventory/tenants.js";
import type { RunFailure } from "../operations/run-record.js";
import { OPERATOR_ERRORS } from "../shared/operator-error.js";
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
  /** The policy kind it stands for, when the source knows (Graph: always; a whole kind when `policyName` is absent). */
  policyKind?: string;
  /** The policy's name, when the source knows. */
  policyName?: string;
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
 * Reports `total`/`processed` counts as it goes — for a source that only knows its total once read
 * (Graph without `@odata.count`), counts are reported once the total is known, never invented.
 * While Graph throttles the read, the run shows the `throttled` wait reason with the next attempt.
 * @param policyKinds - kinds in scope; empty = all
 * @param options - `manageAssignments`: read assignments where a source reads them separately (Default: false)
 * @throws {OperatorError} tenant_not_connected – no evidence source; evidence_source_unreachable –
 *   the source cannot be listed; graph_not_connected / credential_* – the Graph connection cannot be used
 */
export async function captureEvidence(
  ctx: RunWorkContext,
  tenant: Tenant,
  policyKinds: readonly string[],
  options: { manageAssignments?: boolean } = {},
): Promise<EvidenceCaptureResult> {
  const waits = createWaitReporter(ctx);
  const reading = await openEvidenceSource(tenant, {
    db: ctx.db,
    policyKinds,
    manageAssignments: options.manageAssignments ?? false,
    resume: ctx.run.context.resume,
    signal: ctx.signal,
    waits: waits.observer,
    ...(ctx.graphEvidence ? { graph: ctx.graphEvidence } : {}),
  });
  try {
    let totalCount = reading.listedTotal;
    const captureId = await findOrCreateCapture(ctx, tenant, totalCount ?? 0);
    await ctx.saveResume({ evidenceCaptureId: captureId });

    const done = await loadRecordedEntries(ctx.db, captureId);
    let processed = done.size;
    if (totalCount !== undefined) ctx.reportCounts({ total: totalCount, processed });
    const scope = new Set(policyKinds.map((kind) => kind.toLowerCase()));

    for await (const event of reading.events(done)) {
      if (event.type === "total") {
        totalCount = event.totalCount;
        ctx.reportCounts({ total: totalCount, processed });
        continue;
      }
      if (event.type === "checkpoint") {
        // Every entry the checkpoint covers is recorded above: a retried attempt continues from here.
        await ctx.saveResume({ ...event.resume, evidenceCaptureId: captureId, processed });
        continue;
      }
      const { key, result } = event.entry;
      if (done.has(key)) continue; // a page read again after a resume: its recorded entries stay as they are
      if (ctx.evidenceReadDelayMs) await sleep(ctx.evidenceReadDelayMs, undefined, { signal: ctx.signal });
      await recordEntry(ctx.db, captureId, ctx.run.attempt, await toEntryRow(ctx.db, key, result, scope));
      done.add(key);
      processed++;
      if (totalCount !== undefined) ctx.reportCounts({ processed });
      if (reading.listedTotal !== undefined && processed % RESUME_EVERY_ENTRIES === 0) {
        await ctx.saveResume({ evidenceCaptureId: captureId, processed });
      }
      await ctx.checkpoint();
    }
    totalCount ??= processed; // read to the end: now the total is known
    await ctx.db.execute(
      sql`update evidence_captures set completed_at = now(), total_count = ${totalCount} where id = ${captureId}`,
    );
    ctx.reportCounts({ total: totalCount, processed });
    await ctx.saveResume({ evidenceCaptureId: captureId, processed });
    return loadCaptureResult(ctx.db, captureId, totalCount);
  } finally {
    reading.close();
    await waits.settle();
  }
}

/** Normalise and store one entry's policy (when in scope), or describe why it is unreadable. */
async function toEntryRow(
  db: Db,
  file: string,
  result: EvidenceEntry["result"],
  scope: ReadonlySet<string>,
): Promise<EntryRow> {
  if (!result.ok) {
    return {
      file,
      reason: result.reason,
      detail: result.detail,
      ...("policyKind" in result ? { policyKind: result.policyKind } : {}),
      ...("policyName" in result && result.policyName !== undefined ? { policyName: result.policyName } : {}),
    };
  }
  let policy: NormalizedPolicy;
  try {
    policy = normalizePolicy(result.raw);
  } catch (error) {
    // The normaliser is meant to accept any parsed policy object; if it does not, the entry is unreadable, not fatal.
    return { file, reason: "not_policy", detail: `normalise failed: ${(error as Error).message}` };
  }
  const inScope = scope.size === 0 || scope.has(policy.policyKind.toLowerCase());
  if (inScope) await storePolicyVersion(db, policy);
  return { file, policy, inScope };
}

/**
 * Show Graph's throttling on the run: the earliest next attempt of every waiting request as the
 * `throttled` wait reason, cleared once no request waits. Writes are chained (never concurrent,
 * latest wins) so the stored wait never goes back to an older value.
 */
function createWaitReporter(ctx: RunWorkContext): { observer: WaitObserver; settle(): Promise<void> } {
  let chain = Promise.resolve();
  let latest: { at: Date | null } | undefined;
  const tracker = new WaitTracker((at) => {
    latest = { at };
    chain = chain.then(async () => {
      const value = latest;
      latest = undefined;
      if (value === undefined || ctx.setWaitReason === undefined) return;
      await ctx.setWaitReason(value.at === null ? null : "throttled", value.at).catch(() => {
        // A superseded or completed run refuses the write; its checkpoint or heartbeat stops the work.
      });
    });
  });
  return {
    observer: tracker,
    async settle() {
      await chain;
    },
  };
}

type EntryRow =
  | { file: string; policy: NormalizedPolicy; inScope: boolean }
  | { file: string; reason: string; detail: string; policyKind?: string; policyName?: string };

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
    await db.execute(sql`insert into evidence_capture_items (capture_id, source_file, policy_kind, policy_name, unreadable_reason, unreadable_detail, run_attempt)
      values (${captureId}, ${row.file}, ${row.policyKind ?? null}, ${row.policyName ?? null}, ${row.reason}, ${row.detail.slice(0, 2_000)}, ${attempt})
      on conflict do nothing`);
  }
}

/** Rebuild the capture's result from what is stored, so a resumed capture returns every entry. */
async function loadCaptureResult(db: Db, captureId: string, totalCount: number): Promise<EvidenceCaptureResult> {
  const result =
    await db.execute(sql`select i.source_file, i.policy_hash, i.policy_kind, i.policy_name, i.unreadable_reason, i.unreadable_detail, v.content
    from evidence_capture_items i left join policy_versions v on v.hash = i.policy_hash
    where i.capture_id = ${captureId} order by i.source_file`);
  const policies: CapturedPolicy[] = [];
  const unreadable: UnreadableEntry[] = [];
  let outOfScopeCount = 0;
  for (const raw of result.rows) {
    const row = raw as {
      source_file: string;
      policy_hash: string | null;
      policy_kind: string | null;
      policy_name: string | null;
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
        ...(row.policy_kind !== null ? { policyKind: row.policy_kind } : {}),
        ...(row.policy_name !== null ? { policyName: row.policy_name } : {}),
      });
    }
  }
  return { captureId, totalCount, policies, unreadable, outOfScopeCount };
}

/**
 * The policy kinds of unreadable entries whose source names them (Graph: a kind or a policy it could
 * not read after the retry budget), sorted. Export files name no kind: they are not listed here.
 */
export function findUnreadablePolicyKinds(entries: readonly UnreadableEntry[]): string[] {
  const kinds = new Set<string>();
  for (const entry of entries) {
    // Kinds come from Graph's @odata.type or the profile's scope: keep only identifier-shaped ones in copy.
    if (entry.policyKind !== undefined && /^[A-Za-z][A-Za-z0-9]{0,99}$/.test(entry.policyKind)) {
      kinds.add(entry.policyKind);
    }
  }
  return [...kinds].sort();
}

/**
 * The failure of a capture or compare that could not read everything: code
 * `evidence_partially_unreadable`, whose message names the policy kinds it could not read by their
 * labels ("… could not be read: Settings catalog policy, Windows compliance policy.") when the
 * source names them; raw detail in `diagnostics` only.
 */
export function toPartialReadFailure(entries: readonly UnreadableEntry[], diagnostics: string): RunFailure {
  const kinds = findUnreadablePolicyKinds(entries);
  const message =
    kinds.length === 0
      ? OPERATOR_ERRORS.evidence_partially_unreadable
      : `Some policy kinds could not be read from the tenant's evidence source: ${kinds.map(describePolicyKind).join(", ")}. Their policies are reported as unknown.`;
  return { code: "evidence_partially_unreadable", message, diagnostics };
}
