/**
 * The read side of evidence snapshots, for the Reviews pages, the API and the CLI.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { OperatorError } from "../shared/operator-error.js";
import { type EvidenceSnapshotContent, evidenceSnapshotContentSchema } from "./evidence-snapshot-content.js";

/**
 * One evidence snapshot in a list.
 * - `windowStart` / `windowEnd`: the review window, half-open.
 * - `status`: `generating` or `complete` (complete snapshots never change).
 * - `runId`: the run that generated it (an `evidence_snapshot.generate` run, or the
 *   `tenant.review.compose` run that had to generate it first).
 * - `operationCount` / `sourceCount`: from the content; null while generating or if the stored content is invalid.
 */
export interface EvidenceSnapshotSummary {
  id: string;
  tenantId: string;
  runId: string;
  windowStart: Date;
  windowEnd: Date;
  status: "generating" | "complete";
  createdAt: Date;
  completedAt: Date | null;
  operationCount: number | null;
  sourceCount: number | null;
}

/** One evidence snapshot with its content; `content` is null while generating or when the stored content is invalid. */
export interface EvidenceSnapshotRecord extends EvidenceSnapshotSummary {
  workspaceId: string;
  content: EvidenceSnapshotContent | null;
}

/** A tenant's evidence snapshots, newest window first, then newest first. An unknown tenant has none. */
export async function listEvidenceSnapshots(
  db: Db,
  workspaceId: string,
  tenantId: string,
): Promise<EvidenceSnapshotSummary[]> {
  const result = await db.execute(sql`select * from evidence_snapshots
    where workspace_id = ${workspaceId} and tenant_id = ${tenantId}
    order by window_start desc, window_end desc, created_at desc`);
  return result.rows.map((row) => {
    const { workspaceId: _workspaceId, content: _content, ...summary } = toRecord(row as Row);
    return summary;
  });
}

/**
 * An evidence snapshot of the workspace by id.
 * @throws {OperatorError} not_found – no such snapshot in this workspace
 */
export async function getEvidenceSnapshot(
  db: Db,
  workspaceId: string,
  snapshotId: string,
): Promise<EvidenceSnapshotRecord> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(snapshotId);
  const result = isUuid
    ? await db.execute(sql`select * from evidence_snapshots where workspace_id = ${workspaceId} and id = ${snapshotId}`)
    : { rows: [] };
  const row = result.rows[0] as Row | undefined;
  if (row === undefined)
    throw new OperatorError("not_found", `No evidence snapshot ${snapshotId.slice(0, 60)} in this workspace.`);
  return toRecord(row);
}

type Row = Record<string, unknown>;

function toRecord(row: Row): EvidenceSnapshotRecord {
  const parsed = evidenceSnapshotContentSchema.safeParse(row.content);
  const content = row.status === "complete" && parsed.success ? parsed.data : null;
  return {
    id: row.id as string,
    workspaceId: row.workspace_id as string,
    tenantId: row.tenant_id as string,
    runId: row.run_id as string,
    windowStart: new Date(row.window_start as string),
    windowEnd: new Date(row.window_end as string),
    status: row.status === "complete" ? "complete" : "generating",
    createdAt: new Date(row.created_at as string),
    completedAt: row.completed_at ? new Date(row.completed_at as string) : null,
    operationCount: content?.operations.total ?? null,
    sourceCount: content?.sources.length ?? null,
    content,
  };
}
