/**
 * Starting tenant review compositions: the one place that builds their identity key and inputs,
 * used by the CLI, the web app and the API.
 * @module
 */
import { type PeriodRunInput, type ReviewRunDeps, startPeriodRun } from "../evidence/evidence-runs.js";
import type { OperationRun } from "../operations/run-record.js";

export type { ReviewRunDeps } from "../evidence/evidence-runs.js";

/**
 * Queue the composition of a tenant review for a period (identity: type + tenant + period key, so
 * a double-click returns the active run). The run reuses the period's latest evidence snapshot
 * only when it covers the whole period (generated at or after the period's end); otherwise, for
 * example while the period is still running, it generates a fresh one first and says why.
 * @param input.tenant - the tenant's name or id
 * @param input.period - a review period spelling: "2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-15"
 * @returns the active compose run for this tenant and period, and whether this call created it
 * @throws {OperatorError} not_found – unknown tenant; invalid_input – the period is not valid or starts in the future
 */
export async function startReviewCompose(
  deps: ReviewRunDeps,
  input: PeriodRunInput,
): Promise<{ run: OperationRun; created: boolean }> {
  return startPeriodRun(deps, "tenant.review.compose", input);
}
