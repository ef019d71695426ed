/**
 * What baseline work needs from the run that executes it: guarded progress writes, the resume
 * token and cancellation checkpoints. jobs/run-task.ts provides it; domain code never imports jobs/.
 * @module
 */
import type { Db } from "../db/database.js";
import type { GraphEvidenceDeps } from "../inventory/evidence-source.js";
import type { OperationRun, SummaryCounts } from "../operations/run-record.js";
import type { WaitReason } from "../operations/run-types.js";

/** The run-side context a piece of baseline work runs in. */
export interface RunWorkContext {
  run: OperationRun;
  db: Db;
  signal: AbortSignal;
  setPhase(phase: string): Promise<void>;
  reportCounts(counts: SummaryCounts): void;
  /** Merge `patch` into the run's resume token (`context.resume`) and store it. */
  saveResume(patch: Record<string, unknown>): Promise<void>;
  checkpoint(): Promise<void>;
  /** Artificial delay per evidence entry, ms (demos and crash tests). (Default: 0) */
  evidenceReadDelayMs?: number;
  /**
   * Show that the current phase waits (DESIGN.md §3 wait reasons, e.g. `throttled`) until `until`
   * (the next attempt), or clear the wait with `null`: the phase then reads as before.
   * Absent in contexts that cannot show waits.
   */
  setWaitReason?(reason: WaitReason | null, until: Date | null): Promise<void>;
  /** Microsoft Graph reading: limiter, retry policy, connections. (Default: the process-wide ones) */
  graphEvidence?: GraphEvidenceDeps;
}
