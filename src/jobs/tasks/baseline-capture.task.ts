/** Task `baseline_capture`: capture a baseline snapshot from the profile's source tenant (DESIGN.md §3, §5). */
import type { Task } from "graphile-worker";
import { runBaselineCapture } from "../../baselines/baseline-capture.js";
import { defineRunTask, type RunTaskDeps } from "../run-task.js";

export const baselineCaptureTask = (deps: RunTaskDeps): Task => defineRunTask(deps, runBaselineCapture);
