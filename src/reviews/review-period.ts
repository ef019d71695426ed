/**
 * Review periods: the one parser of the period an operator names (CLI `--period`, the web period
 * picker, the API's `period`). Periods are half-open UTC ranges [start, end) of whole days.
 * @module
 */
import { OperatorError } from "../shared/operator-error.js";

/** A parsed review period. */
export interface ReviewPeriod {
  /** Canonical spelling, stable for identity keys: "2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-15". */
  key: string;
  /** Operator label: "November 2026", "Q4 2026", "2026", "1 Nov 2026 – 15 Nov 2026". */
  label: string;
  /** Inclusive start, UTC midnight. */
  start: Date;
  /** Exclusive end, UTC midnight. */
  end: Date;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** Longest custom range, in days. */
export const MAX_PERIOD_DAYS = 366;

/**
 * Why a period was refused, one key per rule of {@link parseReviewPeriod} (for surfaces that say
 * which rule failed; the key is data, each surface has its own sentence for it):
 * - `unknown_spelling`: not YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD
 * - `month_out_of_range`: a month other than 01–12
 * - `impossible_first_day` / `impossible_last_day`: a range end that is not a calendar day (2026-02-30)
 * - `inverted_range`: the last day is before the first
 * - `too_long`: a range longer than {@link MAX_PERIOD_DAYS} days
 * - `not_started`: a real period that starts after now
 */
export type ReviewPeriodProblem =
  | "unknown_spelling"
  | "month_out_of_range"
  | "impossible_first_day"
  | "impossible_last_day"
  | "inverted_range"
  | "too_long"
  | "not_started";

/**
 * Why a period is refused, as operator-safe sentence endings that never echo the value sent
 * ("the month must be from 01 to 12 …"): surfaces prefix what they asked for ("--period: ",
 * a field name) and capitalise as they need.
 */
export const REVIEW_PERIOD_PROBLEMS: Readonly<Record<ReviewPeriodProblem, string>> = {
  unknown_spelling:
    "it must be a month (2026-11), a quarter (2026-Q4), a year (2026), a day (2026-11-30) or whole days (2026-11-01..2026-11-15).",
  month_out_of_range: "the month must be from 01 to 12 (e.g. 2026-11).",
  impossible_first_day: "the first day of the range is not a calendar date.",
  impossible_last_day: "the last day of the range is not a calendar date.",
  inverted_range: "the last day of the range is before the first.",
  too_long: `a date range may cover at most ${MAX_PERIOD_DAYS} days.`,
  not_started: "this period has not started yet. Choose one that has.",
};

/** A spelling read: its period, or why it is none. */
type Spelling = { period: ReviewPeriod } | { problem: Exclude<ReviewPeriodProblem, "not_started"> };

/**
 * Parse a review period.
 *
 * Accepted spellings (case-insensitive, surrounding spaces ignored):
 * - `YYYY-MM` — a calendar month ("2026-11")
 * - `YYYY-Qn` — a calendar quarter ("2026-Q4")
 * - `YYYY` — a calendar year
 * - `YYYY-MM-DD..YYYY-MM-DD` — whole days, both ends inclusive, at most {@link MAX_PERIOD_DAYS} days
 * - `YYYY-MM-DD` — one whole day, the same period as `YYYY-MM-DD..YYYY-MM-DD`
 *
 * @param now - the current time: a period may not start after it
 * @throws {OperatorError} invalid_input – not one of the spellings, an impossible date, an
 *   inverted or too long range, or a period that starts in the future
 */
export function parseReviewPeriod(input: string, now: Date): ReviewPeriod {
  const spelled = parseSpelling(input.trim().toUpperCase());
  if ("problem" in spelled) {
    throw new OperatorError(
      "invalid_input",
      `period "${input.slice(0, 60)}" is not a valid YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD (${spelled.problem})`,
    );
  }
  const { period } = spelled;
  if (period.start.getTime() > now.getTime()) {
    throw new OperatorError("invalid_input", `period ${period.key} starts in the future`);
  }
  return period;
}

/**
 * Which rule of {@link parseReviewPeriod} a period breaks, or undefined when it parses. Pure and
 * never throws: for surfaces that tell the operator the specific reason.
 * @param now - the current time: a period may not start after it
 */
export function findReviewPeriodProblem(input: string, now: Date): ReviewPeriodProblem | undefined {
  const spelled = parseSpelling(input.trim().toUpperCase());
  if ("problem" in spelled) return spelled.problem;
  return spelled.period.start.getTime() > now.getTime() ? "not_started" : undefined;
}

/** The calendar month containing `now`, e.g. for a default in the period picker. */
export function currentMonthPeriod(now: Date): ReviewPeriod {
  const key = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  return (parseSpelling(key) as { period: ReviewPeriod }).period;
}

/** The calendar month before the one containing `now`. */
export function previousMonthPeriod(now: Date): ReviewPeriod {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return currentMonthPeriod(first);
}

/**
 * The canonical period key of a stored period ("2026-11", "2026-Q4", "2026",
 * "2026-11-01..2026-11-15"), the spelling {@link parseReviewPeriod} accepts for [start, end): for reviews and snapshots
 * stored as times (file names, `--period` echoes). Pure.
 */
export function toPeriodKey(start: Date, end: Date): string {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const isFirstOfMonth = start.getUTCDate() === 1 && start.getTime() % 86_400_000 === 0;
  const monthsLater = (n: number) => Date.UTC(y, m + n, 1) === end.getTime();
  if (isFirstOfMonth && m === 0 && monthsLater(12)) return String(y).padStart(4, "0");
  if (isFirstOfMonth && m % 3 === 0 && monthsLater(3)) return `${String(y).padStart(4, "0")}-Q${m / 3 + 1}`;
  if (isFirstOfMonth && monthsLater(1)) return `${String(y).padStart(4, "0")}-${String(m + 1).padStart(2, "0")}`;
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return `${day(start)}..${day(new Date(end.getTime() - 86_400_000))}`;
}

function parseSpelling(value: string): Spelling {
  let match = /^(\d{4})-(\d{2})$/.exec(value);
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    if (month < 1 || month > 12) return { problem: "month_out_of_range" };
    return {
      period: {
        key: `${match[1]}-${match[2]}`,
        label: `${MONTHS[month - 1]} ${year}`,
        start: utc(year, month - 1, 1),
        end: utc(year, month, 1),
      },
    };
  }
  match = /^(\d{4})-Q([1-4])$/.exec(value);
  if (match) {
    const year = Number(match[1]);
    const quarter = Number(match[2]);
    return {
      period: {
        key: `${match[1]}-Q${quarter}`,
        label: `Q${quarter} ${year}`,
        start: utc(year, (quarter - 1) * 3, 1),
        end: utc(year, quarter * 3, 1),
      },
    };
  }
  match = /^(\d{4})$/.exec(value);
  if (match) {
    const year = Number(match[1]);
    return {
      period: { key: match[1] as string, label: String(year), start: utc(year, 0, 1), end: utc(year + 1, 0, 1) },
    };
  }
  // One day is the range of that day, so both spellings name the same period (and identity key).
  match = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(
    /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}..${value}` : value,
  );
  if (match) {
    const first = parseDay(match[1] as string);
    const last = parseDay(match[2] as string);
    if (first === undefined) return { problem: "impossible_first_day" };
    if (last === undefined) return { problem: "impossible_last_day" };
    if (last.getTime() < first.getTime()) return { problem: "inverted_range" };
    const end = new Date(last.getTime() + 86_400_000);
    if ((end.getTime() - first.getTime()) / 86_400_000 > MAX_PERIOD_DAYS) return { problem: "too_long" };
    return {
      period: {
        key: `${match[1]}..${match[2]}`,
        label: `${formatDay(first)} – ${formatDay(last)}`,
        start: first,
        end,
      },
    };
  }
  return { problem: "unknown_spelling" };
}

function utc(year: number, monthIndex: number, day: number): Date {
  return new Date(Date.UTC(year, monthIndex, day));
}

/** A real calendar day "YYYY-MM-DD" at UTC midnight, or undefined (2026-02-30 is not a day). */
function parseDay(value: string): Date | undefined {
  const [year, month, day] = value.split("-").map(Number) as [number, number, number];
  const date = utc(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? date
    : undefined;
}

function formatDay(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]?.slice(0, 3)} ${date.getUTCFullYear()}`;
}
