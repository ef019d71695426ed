/**
 * graphile-worker task identifiers → tasks. Identifiers come from the run type catalog, so the
 * run service enqueues exactly what the worker runs.
 * @module
 */
import type { TaskList } from "graphile-worker";
import { RUN_TYPES } from "../operations/run-types.js";
import type { RunTaskDeps } from "./run-task.js";
import { baselineCaptureTask } from "./tasks/baseline-capture.task.js";
import { baselineCompareTask } from "./tasks/baseline-compare.task.js";
import { evidenceSnapshotGenerateTask } from "./tasks/evidence-snapshot-generate.task.js";
import { tenantReviewComposeTask } from "./tasks/tenant-review-compose.task.js";

declare global {
  namespace GraphileWorker {
    interface Tasks {
      baseline_capture: { runId: string };
      baseline_compare: { runId: string };
      evidence_snapshot_generate: { runId: string };
      tenant_review_compose: { runId: string };
    }
  }
}

/** Build the task list for a worker. */
export function createTaskList(deps: RunTaskDeps): TaskList {
  return {
    [RUN_TYPES.baseline_capture.taskIdentifier]: baselineCaptureTask(deps),
    [RUN_TYPES.baseline_compare.taskIdentifier]: baselineCompareTask(deps),
    [RUN_TYPES["evidence_snapshot.generate"].taskIdentifier]: evidenceSnapshotGenerateTask(deps),
    [RUN_TYPES["tenant.review.compose"].taskIdentifier]: tenantReviewComposeTask(deps),
  };
}
