/**
 * Starting evidence snapshot runs: the one place that builds their identity key and inputs, used by
 * the CLI, the web app and the API. The job re-reads everything it needs when it runs.
 * @module
 */
import type { RunInitiator } from "../baselines/baseline-runs.js";
import type { Db } from "../db/database.js";
import { getTenantByName, type Tenant } from "../inventory/tenants.js";
import type { OperationRun } from "../operations/run-record.js";
import type { RunService } from "../operations/run-service.js";
import { parseReviewPeriod, type ReviewPeriod } from "../reviews/review-period.js";
import type { EvidenceInputs } from "./evidence-snapshot-generate.js";

/** Dependencies of the start functions of the review family. */
export interface ReviewRunDeps {
  db: Db;
  runs: RunService;
  maxAttempts: number;
  /** The clock periods are checked against (Default: the system clock). */
  now?: () => Date;
}

/**
 * Queue the generation of a tenant's evidence snapshot for a review window (identity: type +
 * tenant + period key, so asking twice while it runs returns the active run).
 * @param input.tenant - the tenant's name or id
 * @param input.period - a review period spelling: "2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-15"
 * @returns the active run for this tenant and window, and whether this call created it
 * @throws {OperatorError} not_found – unknown tenant; invalid_input – the period is not valid or starts in the future
 */
export async function startEvidenceSnapshot(
  deps: ReviewRunDeps,
  input: PeriodRunInput,
): Promise<{ run: OperationRun; created: boolean }> {
  return startPeriodRun(deps, "evidence_snapshot.generate", input);
}

/** What a review-family run is started for. */
export interface PeriodRunInput {
  workspaceId: string;
  /** The tenant's name or id. */
  tenant: string;
  /** A review period spelling (see parseReviewPeriod). */
  period: string;
  initiator: RunInitiator;
}

/**
 * Queue a run of the review family for one tenant and period: the one place that builds their
 * identity key (`<type>:<tenant id>:<period key>`) and inputs.
 * @throws {OperatorError} not_found – unknown tenant; invalid_input – the period is not valid or starts in the future
 */
export async function startPeriodRun(
  deps: ReviewRunDeps,
  type: "evidence_snapshot.generate" | "tenant.review.compose",
  input: PeriodRunInput,
): Promise<{ run: OperationRun; created: boolean }> {
  const tenant = await getTenantByName(deps.db, input.workspaceId, input.tenant);
  const period = parseReviewPeriod(input.period, (deps.now ?? (() => new Date()))());
  return deps.runs.startRun(
    {
      workspaceId: input.workspaceId,
      tenantId: tenant.id,
      type,
      initiatorUserId: input.initiator.userId,
      ...(input.initiator.label ? { initiatorLabel: input.initiator.label } : {}),
      identityKey: `${type}:${tenant.id}:${period.key}`,
      inputs: toEvidenceInputs(tenant, period),
    },
    deps.maxAttempts,
  );
}

/** The stored inputs naming a tenant and review window. */
export function toEvidenceInputs(tenant: Pick<Tenant, "id">, period: ReviewPeriod): EvidenceInputs {
  return {
    tenantId: tenant.id,
    periodKey: period.key,
    periodLabel: period.label,
    windowStart: period.start.toISOString(),
    windowEnd: period.end.toISOString(),
  };
}
