/**
 * Progress contract: what an operator may be told about an operation run, as one pure function
 * `describeProgress(run, now) → ProgressView`. No I/O, no clock reads, never throws. Precedence
 * (DESIGN.md §3): phased > composite > counted > activity; malformed metadata fails its rule and
 * falls through. Every label and detail comes from a catalog or a fixed template, never from a
 * stored string.
 * @module
 */
import { z } from "zod";
import {
  compositeProgressSchema,
  type compositeSummarySchema,
  findContextValue,
  type OperationRun,
  parseUntrusted,
  phaseProgressSchema,
  RUN_OUTCOMES,
  type RunOutcome,
  waitProgressSchema,
} from "./run-record.js";
import { getRunTypeInfo, type RunTypeInfo, toUnitNoun, WAIT_REASONS } from "./run-types.js";
import {
  DISPLAY_STATUS_CATALOG,
  findLastActivityMs,
  isStaleAt,
  normalizeStatus,
  type StalenessOptions,
  toEpochMs,
  toStaleAfterMs,
} from "./status-normalizer.js";

/** State of one catalog phase relative to the run's current phase. */
export type PhaseState = "done" | "current" | "pending";

/** One entry of a phased view's phase list. `key` is internal (for test ids); render only `label`. */
export interface PhaseItem {
  key: string;
  label: string;
  state: PhaseState;
}

/** One nonzero outcome of a composite view: "12 succeeded". `label` is the display status label. */
export interface CompositePart {
  outcome: RunOutcome;
  label: string;
  count: number;
}

/**
 * Fields every running variant carries, so views can show staleness and waiting in every mode.
 * - `detail`: second line ("Step 2 of 4", "120 of 450 policies", "Running for 3 min").
 * - `stale`: no sign of life (heartbeat, else start) for longer than the stale threshold.
 * - `staleDetail`: present iff `stale`: "No activity since 10:42".
 * - `waitDetail`: present iff the run records a known wait reason: "Waiting for Microsoft Graph to
 *   accept more requests (next attempt 10:42)".
 */
export interface RunningProgressFields {
  label: string;
  detail: string;
  stale: boolean;
  staleDetail?: string;
  waitDetail?: string;
}

/** Not running (queued or completed): only the display status label ("Queued", "Failed"). */
export interface NoProgressView {
  mode: "none";
  label: string;
}

/** Running, nothing more is known: label from the run type ("Comparing baseline"). */
export interface ActivityProgressView extends RunningProgressFields {
  mode: "activity";
}

/** Running with truthful counts. `percent` is an integer 0–100, floor(100·processed/total). */
export interface CountedProgressView extends RunningProgressFields {
  mode: "counted";
  percent: number;
}

/** Running in a catalog phase: label is the phase label, detail "Step i of n". */
export interface PhasedProgressView extends RunningProgressFields {
  mode: "phased";
  phases: PhaseItem[];
  /**
   * Within the current phase, when the run also reports truthful counts: "41 of 87 policies".
   * Words only — a phased view never carries a percentage or a bar.
   */
  countDetail?: string;
}

/** Running over a composite summary: `parts` lists nonzero outcomes only. Never a percentage. */
export interface CompositeProgressView extends RunningProgressFields {
  mode: "composite";
  parts: CompositePart[];
}

/** Every running variant. */
export type RunningProgressView =
  | ActivityProgressView
  | CountedProgressView
  | PhasedProgressView
  | CompositeProgressView;

/**
 * What views render for a run's progress. `percent` exists only on the `counted` variant, so a
 * fake percentage does not compile (STYLE.md §9 S1).
 * @see DESIGN.md §3
 */
export type ProgressView = NoProgressView | RunningProgressView;

/** A progress mode. */
export type ProgressMode = ProgressView["mode"];

/** Options for {@link describeProgress}. */
export interface ProgressOptions extends StalenessOptions {
  /**
   * IANA time zone for wall-clock times ("10:42") in stale and wait copy. An unknown zone falls
   * back to UTC. (Default: "UTC")
   */
  timeZone?: string;
}

/** Generic activity copy when the run cannot even be read: no catalog lookup, no stored value. */
const FALLBACK_ACTIVITY: ActivityProgressView = {
  mode: "activity",
  label: "Working",
  detail: "Progress details are unavailable",
  stale: false,
};

/**
 * Describe a run's progress, applying DESIGN.md §3's rules in order:
 * 1. not running → `none`, label from {@link normalizeStatus};
 * 2. the run type has a phase catalog and `context.progress.phase` is one of its keys → `phased`;
 * 3. the run type is composite-aware and `context.progress.composite` validates → `composite`;
 * 4. `summary_counts` has integer `total > 0` and integer `0 ≤ processed ≤ total` → `counted`;
 * 5. otherwise `activity` ("Running for 3 min", "Last activity 20 s ago", or "Nothing to do"
 *    when `total = 0`).
 *
 * @param run - the stored run; `context` and `summaryCounts` are untrusted JSON
 * @param now - the current time, for durations and staleness
 * @param options - `staleAfterMs` (Default: 300_000), `timeZone` (Default: "UTC")
 * @returns never throws; if the run cannot be described at all, a generic view without stored text
 */
export function describeProgress(run: OperationRun, now: Date, options?: ProgressOptions): ProgressView {
  try {
    if (run.status !== "running") {
      return { mode: "none", label: normalizeStatus(run, now, options).label };
    }
    const type = getRunTypeInfo(run.type);
    const progress = findContextValue(run.context, "progress");
    const common = describeRunningFields(run, now, options, progress);
    return (
      phasedView(type, progress, run.summaryCounts, common) ??
      compositeView(type, progress, common) ??
      countedView(type, run.summaryCounts, common) ??
      activityView(type, run, now, common)
    );
  } catch {
    return fallbackView(run); // an internal bug must not break a page: degrade, never throw
  }
}

/** Staleness and wait copy shared by every running mode. */
interface CommonFields {
  stale: boolean;
  extra: Pick<RunningProgressFields, "staleDetail" | "waitDetail">;
  lastActivityMs: number | undefined;
  timeZone: string;
}

function describeRunningFields(
  run: OperationRun,
  now: Date,
  options: ProgressOptions | undefined,
  progress: unknown,
): CommonFields {
  const timeZone = toTimeZone(options?.timeZone);
  const lastActivityMs = findLastActivityMs(run);
  const stale = isStaleAt(lastActivityMs, now, toStaleAfterMs(options));
  const extra: CommonFields["extra"] = {};
  if (stale && lastActivityMs !== undefined) {
    extra.staleDetail = `No activity since ${formatSince(lastActivityMs, now, timeZone)}`;
  }
  const waitDetail = describeWait(progress, timeZone);
  if (waitDetail !== undefined) {
    extra.waitDetail = waitDetail;
  }
  return { stale, extra, lastActivityMs, timeZone };
}

/** Rule 2: phased only if the run type has a catalog and the stored key is one of its keys. */
function phasedView(
  type: RunTypeInfo,
  progress: unknown,
  summaryCounts: unknown,
  common: CommonFields,
): PhasedProgressView | undefined {
  const phases = type.phases;
  const parsed = phases === undefined ? undefined : parseUntrusted(phaseProgressSchema, progress);
  if (phases === undefined || parsed === undefined) {
    return undefined;
  }
  const index = phases.findIndex((phase) => phase.key === parsed.phase);
  const current = phases[index];
  if (current === undefined) {
    return undefined; // unknown key: never echo it, fall through
  }
  return {
    mode: "phased",
    label: current.label,
    detail: `Step ${index + 1} of ${phases.length}`,
    phases: phases.map((phase, i) => ({
      key: phase.key,
      label: phase.label,
      state: i < index ? "done" : i === index ? "current" : "pending",
    })),
    ...countWords(type, summaryCounts),
    stale: common.stale,
    ...common.extra,
  };
}

/** `{ countDetail }` from counts that would pass rule 4, else nothing. */
function countWords(type: RunTypeInfo, summaryCounts: unknown): { countDetail?: string } {
  const counts = parseUntrusted(countedSchema, summaryCounts);
  if (counts === undefined || counts.total === 0 || counts.processed === undefined || counts.processed > counts.total) {
    return {};
  }
  return {
    countDetail: `${formatCount(counts.processed)} of ${formatCount(counts.total)} ${toUnitNoun(type, counts.total)}`,
  };
}

/** Rule 3: a composite summary of underlying operation outcomes. */
function compositeView(type: RunTypeInfo, progress: unknown, common: CommonFields): CompositeProgressView | undefined {
  const parsed = type.compositeAware ? parseUntrusted(compositeProgressSchema, progress) : undefined;
  if (parsed === undefined) {
    return undefined;
  }
  const parts = toCompositeParts(parsed.composite);
  const detail =
    parsed.composite.total === 0
      ? "No operations in this period"
      : `Based on ${formatCount(parsed.composite.total)} ${parsed.composite.total === 1 ? "operation" : "operations"}: ${parts
          .map((part) => `${formatCount(part.count)} ${part.label.toLowerCase()}`)
          .join(", ")}`;
  return { mode: "composite", label: type.activityLabel, detail, parts, stale: common.stale, ...common.extra };
}

function toCompositeParts(summary: z.infer<typeof compositeSummarySchema>): CompositePart[] {
  return RUN_OUTCOMES.flatMap((outcome) => {
    const count = summary.byOutcome[outcome] ?? 0;
    return count > 0 ? [{ outcome, label: DISPLAY_STATUS_CATALOG[outcome].label, count }] : [];
  });
}

/** Counts read from `summary_counts`: other keys may sit beside them, these two must be integers. */
const countedSchema = z.object({ total: z.int().min(0), processed: z.int().min(0).optional() });

/** Rule 4: truthful counts. `processed > total` or a missing `processed` is malformed and falls through. */
function countedView(type: RunTypeInfo, summaryCounts: unknown, common: CommonFields): CountedProgressView | undefined {
  const counts = parseUntrusted(countedSchema, summaryCounts);
  if (counts === undefined || counts.total === 0 || counts.processed === undefined || counts.processed > counts.total) {
    return undefined;
  }
  const { processed, total } = counts;
  return {
    mode: "counted",
    label: type.activityLabel,
    detail: `${formatCount(processed)} of ${formatCount(total)} ${toUnitNoun(type, total)}`,
    percent: Math.floor((100 * processed) / total),
    stale: common.stale,
    ...common.extra,
  };
}

/** Rule 5: nothing better is known. `total = 0` is said as "Nothing to do", never as a percentage. */
function activityView(type: RunTypeInfo, run: OperationRun, now: Date, common: CommonFields): ActivityProgressView {
  return {
    mode: "activity",
    label: type.activityLabel,
    detail: isNothingToDo(run.summaryCounts) ? "Nothing to do" : describeActivity(run, now, common.stale),
    stale: common.stale,
    ...common.extra,
  };
}

function isNothingToDo(summaryCounts: unknown): boolean {
  const counts = parseUntrusted(countedSchema, summaryCounts);
  return counts !== undefined && counts.total === 0 && (counts.processed ?? 0) === 0;
}

/** "Last activity 20 s ago" when a recent heartbeat says more than the start time, else "Running for 3 min". */
function describeActivity(run: OperationRun, now: Date, stale: boolean): string {
  const nowMs = toEpochMs(now);
  const startedMs = toEpochMs(run.startedAt);
  const heartbeatMs = toEpochMs(run.heartbeatAt);
  if (nowMs === undefined) {
    return "Running";
  }
  const heartbeatSaysMore = heartbeatMs !== undefined && (startedMs === undefined || heartbeatMs - startedMs >= 1000);
  if (heartbeatSaysMore && !stale) {
    return `Last activity ${formatDuration(nowMs - heartbeatMs)} ago`;
  }
  if (startedMs !== undefined) {
    return `Running for ${formatDuration(nowMs - startedMs)}`;
  }
  return "Start time not recorded";
}

/** The wait reason sentence from the catalog, with the next attempt's time when it is known. */
function describeWait(progress: unknown, timeZone: string): string | undefined {
  const wait = parseUntrusted(waitProgressSchema, progress);
  if (wait === undefined) {
    return undefined;
  }
  const sentence = WAIT_REASONS[wait.waitReason];
  const untilMs = toEpochMs(wait.waitUntil);
  return untilMs === undefined ? sentence : `${sentence} (next attempt ${formatClock(untilMs, timeZone)})`;
}

/** Safe view when describing failed unexpectedly; reads `status` once more, defensively. */
function fallbackView(run: OperationRun): ProgressView {
  try {
    return run.status === "running" ? { ...FALLBACK_ACTIVITY } : { mode: "none", label: "Unknown status" };
  } catch {
    return { mode: "none", label: "Unknown status" };
  }
}

/**
 * An elapsed time in operator copy, whole units rounded down: "45 s", "3 min", "2 h 5 min",
 * "3 d 4 h". Negative spans (clock skew) read "0 s".
 *
 * @param elapsedMs - elapsed time in ms
 */
export function formatDuration(elapsedMs: number): string {
  const seconds = Number.isFinite(elapsedMs) && elapsedMs > 0 ? Math.floor(elapsedMs / 1000) : 0;
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  }
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

const DEFAULT_TIME_ZONE = "UTC";
const clockFormats = new Map<string, { time: Intl.DateTimeFormat; date: Intl.DateTimeFormat }>();
const countFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** A count in operator copy, en-US grouping: "450", "12,400". */
export function formatCount(count: number): string {
  return countFormat.format(count);
}

/** A usable IANA time zone: the requested one if Intl knows it, else UTC. */
function toTimeZone(requested: unknown): string {
  if (typeof requested !== "string" || requested.length > 64) {
    return DEFAULT_TIME_ZONE;
  }
  try {
    getClockFormats(requested);
    return requested;
  } catch {
    return DEFAULT_TIME_ZONE; // RangeError: unknown time zone
  }
}

function getClockFormats(timeZone: string): { time: Intl.DateTimeFormat; date: Intl.DateTimeFormat } {
  let formats = clockFormats.get(timeZone);
  if (formats === undefined) {
    formats = {
      time: new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }),
      date: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone }),
    };
    if (clockFormats.size < 32) {
      clockFormats.set(timeZone, formats); // bounded: the zone comes from operator settings
    }
  }
  return formats;
}

/** A wall-clock time "10:42" in `timeZone`. */
function formatClock(epochMs: number, timeZone: string): string {
  return getClockFormats(timeZone).time.format(epochMs);
}

/** "10:42" within the last day; "28 Nov 10:42" for anything older, so a time never misleads. */
function formatSince(epochMs: number, now: Date, timeZone: string): string {
  const nowMs = toEpochMs(now) ?? epochMs;
  const clock = formatClock(epochMs, timeZone);
  return nowMs - epochMs < 24 * 60 * 60 * 1000 ? clock : `${getClockFormats(timeZone).date.format(epochMs)} ${clock}`;
}
