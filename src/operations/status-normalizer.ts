/**
 * Status normalizer: maps a stored run's `(status, outcome, heartbeat)` to the one display status
 * every surface shows (DESIGN.md §4). Pure: no I/O, no clock reads (`now` is a parameter), and it
 * never throws — legacy or unknown stored values get a safe display instead.
 * @module
 */
import type { OperationRun, RunOutcome } from "./run-record.js";

/** How long a running run may go without a sign of life before it is stale, in ms. (Default: 300_000, 5 min) */
export const DEFAULT_STALE_AFTER_MS = 300_000;

/** The display statuses, in lifecycle order. */
export const DISPLAY_STATUSES = [
  "queued",
  "running",
  "stalled",
  "succeeded",
  "partially_succeeded",
  "failed",
  "blocked",
  "cancelled",
  "completed_unknown",
  "unknown",
] as const;

/** One display status key. */
export type DisplayStatusKey = (typeof DISPLAY_STATUSES)[number];

/** Visual weight of a display status: views map it to colour; copy never depends on it. */
export type StatusTone = "neutral" | "info" | "success" | "warning" | "danger";

/**
 * What views show for a run's status.
 * - `label`: sentence-case operator copy ("Partially succeeded").
 * - `terminal`: true when the run is completed (any outcome, including an unknown one); false for
 *   queued, running, stalled and for an unknown stored status.
 */
export interface DisplayStatus {
  status: DisplayStatusKey;
  label: string;
  tone: StatusTone;
  terminal: boolean;
}

/** Options shared by every `(run, now)` description. */
export interface StalenessOptions {
  /** A running run whose last sign of life is older than this (ms) is stale. (Default: 300_000) */
  staleAfterMs?: number;
}

/** Label, tone and terminality of every display status: the only source of status copy. */
export const DISPLAY_STATUS_CATALOG = {
  queued: { label: "Queued", tone: "neutral", terminal: false },
  running: { label: "Running", tone: "info", terminal: false },
  stalled: { label: "Stalled", tone: "warning", terminal: false },
  succeeded: { label: "Succeeded", tone: "success", terminal: true },
  partially_succeeded: { label: "Partially succeeded", tone: "warning", terminal: true },
  failed: { label: "Failed", tone: "danger", terminal: true },
  blocked: { label: "Blocked", tone: "warning", terminal: true },
  cancelled: { label: "Cancelled", tone: "neutral", terminal: true },
  completed_unknown: { label: "Completed (outcome unknown)", tone: "neutral", terminal: true },
  unknown: { label: "Unknown status", tone: "neutral", terminal: false },
} as const satisfies Record<DisplayStatusKey, Omit<DisplayStatus, "status">>;

/** True when `value` is a known run outcome (guards stored, untrusted values). */
export function isRunOutcome(value: unknown): value is RunOutcome {
  return (
    value === "succeeded" ||
    value === "partially_succeeded" ||
    value === "failed" ||
    value === "blocked" ||
    value === "cancelled"
  );
}

/**
 * The epoch ms of a stored timestamp: a valid `Date`, or an ISO-8601 string (runs that went
 * through JSON). Anything else, including an invalid `Date`, gives `undefined`.
 */
export function toEpochMs(value: unknown): number | undefined {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === "string" && value.length <= 64) {
    ms = Date.parse(value);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The run's last sign of life in epoch ms: the later of `heartbeatAt` and `startedAt` (a new
 * attempt starts after an old attempt's heartbeat), else `createdAt`; `undefined` if none is a
 * valid time. Never throws.
 * @see DESIGN.md §3 "stale"
 */
export function findLastActivityMs(run: OperationRun): number | undefined {
  try {
    const heartbeat = toEpochMs(run.heartbeatAt);
    const started = toEpochMs(run.startedAt);
    if (heartbeat !== undefined || started !== undefined) {
      return Math.max(heartbeat ?? Number.NEGATIVE_INFINITY, started ?? Number.NEGATIVE_INFINITY);
    }
    return toEpochMs(run.createdAt);
  } catch {
    return undefined; // a hostile run object (throwing getter) has no trustworthy activity time
  }
}

/** The stale threshold from options: a finite, non-negative number of ms, else the default. */
export function toStaleAfterMs(options: StalenessOptions | undefined): number {
  const value = options?.staleAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : DEFAULT_STALE_AFTER_MS;
}

/**
 * True when `lastActivityMs` is more than `staleAfterMs` before `now`. Unknown times are never
 * stale: staleness is a claim, so it needs evidence.
 */
export function isStaleAt(lastActivityMs: number | undefined, now: Date, staleAfterMs: number): boolean {
  const nowMs = toEpochMs(now);
  return lastActivityMs !== undefined && nowMs !== undefined && nowMs - lastActivityMs > staleAfterMs;
}

/** Display status key for a stored status and outcome (staleness already decided). */
function toDisplayStatusKey(status: unknown, outcome: unknown, stale: () => boolean): DisplayStatusKey {
  switch (status) {
    case "queued":
      return "queued";
    case "running":
      return stale() ? "stalled" : "running";
    case "completed":
      return isRunOutcome(outcome) ? outcome : "completed_unknown";
    default:
      // Legacy rows stored the outcome in `status` before the status/outcome split: show the outcome.
      return isRunOutcome(status) ? status : "unknown";
  }
}

/**
 * Normalise a stored run to its display status. "Stalled" is a running run whose last sign of
 * life ({@link findLastActivityMs}) is older than `staleAfterMs`. A completed run with a missing
 * or unknown outcome is "Completed (outcome unknown)"; an unknown status is "Unknown status".
 *
 * @param run - the stored run; `status` and `outcome` are treated as untrusted strings
 * @param now - the current time, for staleness
 * @param options - `staleAfterMs` (Default: 300_000)
 * @returns never throws; a run object that cannot be read gives "Unknown status"
 * @see DESIGN.md §4
 */
export function normalizeStatus(run: OperationRun, now: Date, options?: StalenessOptions): DisplayStatus {
  let key: DisplayStatusKey;
  try {
    const staleAfterMs = toStaleAfterMs(options);
    key = toDisplayStatusKey(run.status, run.outcome, () => isStaleAt(findLastActivityMs(run), now, staleAfterMs));
  } catch {
    key = "unknown"; // e.g. a getter on a hostile run object threw: say we do not know
  }
  return { status: key, ...DISPLAY_STATUS_CATALOG[key] };
}
