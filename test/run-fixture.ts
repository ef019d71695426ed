/**
 * In-memory operation runs for the pure operations tests: a fixed clock and a run built from
 * defaults plus overrides (a running baseline compare started 3 min before {@link FIXTURE_NOW}).
 */
import type { OperationRun } from "../src/operations/run-record.js";

/** The fixed "now" of pure tests. */
export const FIXTURE_NOW = new Date("2025-01-07T10:50:00Z");
/** Id of every fixture run. */
export const FIXTURE_RUN_ID = "0b7f1f9e-3f5e-4a37-9e51-6f1d2b1c0a11";
/** A time `minutes` before {@link FIXTURE_NOW}. */
export const minutesAgo = (minutes: number) => new Date(FIXTURE_NOW.getTime() - minutes * 60_000);
/** A time `seconds` before {@link FIXTURE_NOW}. */
export const secondsAgo = (seconds: number) => new Date(FIXTURE_NOW.getTime() - seconds * 1000);

/** A running baseline compare, created 4 min and started 3 min ago, heartbeat at start. */
export function buildRun(overrides: Partial<OperationRun> = {}): OperationRun {
  return {
    id: FIXTURE_RUN_ID,
    workspaceId: "ws-1",
    tenantId: "tenant-1",
    type: "baseline_compare",
    initiatorUserId: null,
    initiatorLabel: null,
    status: "running",
    outcome: null,
    identityKey: "baseline_compare:tenant-1:profile-1",
    context: {},
    summaryCounts: {},
    failure: null,
    createdAt: minutesAgo(4),
    startedAt: minutesAgo(3),
    heartbeatAt: minutesAgo(3),
    completedAt: null,
    attempt: 1,
    version: 1,
    workerId: null,
    ...overrides,
  };
}
