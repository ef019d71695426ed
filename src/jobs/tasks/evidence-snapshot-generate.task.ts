/** Task `evidence_snapshot_generate`: generate a tenant's evidence snapshot for a review window (DESIGN.md §3 "Counted families"). */
import type { Task } from "graphile-worker";
import { runEvidenceSnapshotGenerate } from "../../evidence/evidence-snapshot-generate.js";
import { defineRunTask, type RunTaskDeps } from "../run-task.js";

export const evidenceSnapshotGenerateTask = (deps: RunTaskDeps): Task =>
  defineRunTask(deps, (ctx) => runEvidenceSnapshotGenerate(ctx, deps.now));
