/** Task `baseline_compare`: compare one tenant with its profile's latest baseline snapshot (DESIGN.md §3, §5). */
import type { Task } from "graphile-worker";
import { runBaselineCompare } from "../../baselines/baseline-compare.js";
import { defineRunTask, type RunTaskDeps } from "../run-task.js";

export const baselineCompareTask = (deps: RunTaskDeps): Task => defineRunTask(deps, runBaselineCompare);
