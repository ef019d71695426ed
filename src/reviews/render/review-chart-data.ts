/**
 * The data behind a tenant review's two charts, derived once so the SVG (review-charts.tsx) and the
 * Markdown tables (review-markdown.ts) show the same figures. Pure; never throws.
 * @module
 */
import { RUN_OUTCOMES, type RunOutcome } from "../../operations/run-record.js";
import type { NotableDriftSection, OperationsHealthSection } from "../review-content.js";
import { describeCount, describeOutcome, describeRunType, formatCount, formatUtcDate } from "./review-copy.js";

/** One compare of a profile on the drift chart. */
export interface DriftChartPoint {
  at: string;
  atMs: number;
  unresolvedCount: number;
}

/** One baseline profile's line, oldest point first. */
export interface DriftChartSeries {
  profileName: string;
  points: DriftChartPoint[];
}

/**
 * The "Drift findings over time" chart: a `trend` needs compares at two or more distinct times;
 * otherwise `sparse` carries the zero or one point and the sentence to show instead of a line.
 */
export type DriftTrend =
  | { kind: "trend"; series: DriftChartSeries[]; startMs: number; endMs: number; maxCount: number }
  | { kind: "sparse"; series: DriftChartSeries[]; sentence: string };

/** Shown instead of a line when there are fewer than two compares. */
export const NOT_ENOUGH_COMPARES = "Not enough compares in this period to draw a trend.";

/** Group the chart points by profile (in order of first appearance) and decide whether a trend can be drawn. */
export function toDriftTrend(chart: NotableDriftSection["chart"]): DriftTrend {
  const byProfile = new Map<string, DriftChartPoint[]>();
  for (const point of chart) {
    const atMs = Date.parse(point.at);
    if (!Number.isFinite(atMs)) continue;
    const points = byProfile.get(point.profileName) ?? [];
    points.push({ at: point.at, atMs, unresolvedCount: point.unresolvedCount });
    byProfile.set(point.profileName, points);
  }
  const series = [...byProfile].map(([profileName, points]) => ({
    profileName,
    points: points.sort((a, b) => a.atMs - b.atMs),
  }));
  const times = series.flatMap((s) => s.points.map((p) => p.atMs));
  const distinctTimes = new Set(times).size;
  if (distinctTimes < 2) {
    const facts = series.flatMap((s) => {
      const last = s.points.at(-1);
      return last
        ? [
            `${s.profileName}: ${describeCount(last.unresolvedCount, "unresolved drift finding", "unresolved drift findings")} after the compare on ${formatUtcDate(last.at)}.`,
          ]
        : [];
    });
    const sentence = [
      NOT_ENOUGH_COMPARES,
      ...(facts.length > 0 ? facts : ["No compares completed in this period."]),
    ].join(" ");
    return { kind: "sparse", series, sentence };
  }
  return {
    kind: "trend",
    series,
    startMs: Math.min(...times),
    endMs: Math.max(...times),
    maxCount: Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.unresolvedCount))),
  };
}

/** One outcome's share of a run type's bar. */
export interface OutcomeSegment {
  outcome: RunOutcome;
  label: string;
  count: number;
}

/** One bar of the "Operation outcomes by type" chart. */
export interface OutcomeBar {
  typeLabel: string;
  total: number;
  /** Outcomes with a count above zero, in RUN_OUTCOMES order. */
  segments: OutcomeSegment[];
}

/** The bars, the largest bar's total (the scale), and the outcomes that occur (the legend). */
export interface OutcomeBars {
  bars: OutcomeBar[];
  maxTotal: number;
  outcomes: { outcome: RunOutcome; label: string }[];
}

/** Bars from `operations_health.byType`: labels from the run type catalog, counts in outcome order. */
export function toOutcomeBars(section: Pick<OperationsHealthSection, "byType">): OutcomeBars {
  const bars = section.byType.map((row) => {
    const segments = RUN_OUTCOMES.flatMap((outcome) => {
      const count = row.byOutcome[outcome] ?? 0;
      return count > 0 ? [{ outcome, label: describeOutcome(outcome), count }] : [];
    });
    const segmentSum = segments.reduce((sum, s) => sum + s.count, 0);
    return { typeLabel: describeRunType(row.type), total: Math.max(row.total, segmentSum), segments };
  });
  const present = new Set(bars.flatMap((bar) => bar.segments.map((s) => s.outcome)));
  return {
    bars: bars.filter((bar) => bar.total > 0),
    maxTotal: Math.max(0, ...bars.map((bar) => bar.total)),
    outcomes: RUN_OUTCOMES.filter((o) => present.has(o)).map((outcome) => ({
      outcome,
      label: describeOutcome(outcome),
    })),
  };
}

/** "Baseline compare: 12 operations (10 succeeded, 2 failed)", for chart descriptions. */
export function describeOutcomeBar(bar: OutcomeBar): string {
  const parts = bar.segments.map((s) => `${formatCount(s.count)} ${s.label.toLowerCase()}`);
  return `${bar.typeLabel}: ${describeCount(bar.total, "operation", "operations")}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

/** Shown instead of the outcomes chart when the period has no operations. */
export const NO_OPERATIONS = "No operations in this period.";
