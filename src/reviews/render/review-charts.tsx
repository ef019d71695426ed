/**
 * A tenant review's charts as server-rendered SVG: no script, readable in print and greyscale (dash
 * patterns, marker shapes and fill patterns besides colour), and accessible (role="img" with
 * <title>/<desc>, plus a visually hidden data table with every figure).
 * @module
 */
import type { RunOutcome } from "../../operations/run-record.js";
import type { NotableDriftSection, OperationsHealthSection } from "../review-content.js";
import {
  type DriftChartSeries,
  type DriftTrend,
  describeOutcomeBar,
  NO_OPERATIONS,
  type OutcomeBars,
  toDriftTrend,
  toOutcomeBars,
} from "./review-chart-data.js";
import { describeCount, formatCount, formatUtcDate, formatUtcDateTime } from "./review-copy.js";

/** Chart titles: the same words in every format. */
export const CHART_TITLES = {
  drift: "Drift findings over time",
  outcomes: "Operation outcomes by type",
} as const;

// ---------------------------------------------------------------------------------------------
// Drift findings over time

const DRIFT = { width: 640, height: 260, left: 56, right: 24, top: 16, bottom: 48 } as const;
const PLOT_WIDTH = DRIFT.width - DRIFT.left - DRIFT.right;
const PLOT_HEIGHT = DRIFT.height - DRIFT.top - DRIFT.bottom;

type MarkerShape = "circle" | "square" | "triangle" | "diamond";

/** Line styles per series: colour, dash and marker differ, so greyscale prints stay distinguishable. */
const SERIES_STYLES: readonly { stroke: string; dash: string | undefined; marker: MarkerShape }[] = [
  { stroke: "#1f5fbf", dash: undefined, marker: "circle" },
  { stroke: "#a15c00", dash: "7 4", marker: "square" },
  { stroke: "#6e40c9", dash: "2 3", marker: "triangle" },
  { stroke: "#1a7f37", dash: "9 3 2 3", marker: "diamond" },
];

const seriesStyle = (index: number) => SERIES_STYLES[index % SERIES_STYLES.length]!;

/**
 * The y-axis scale: a "nice" step (1, 2 or 5 × 10ⁿ) and the top of the axis, at least 1 so a flat
 * line at zero still has an axis.
 */
export function toCountScale(maxCount: number): { step: number; top: number } {
  if (maxCount <= 4) return { step: 1, top: Math.max(1, maxCount) };
  const raw = maxCount / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const step = (normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10) * magnitude;
  return { step, top: Math.ceil(maxCount / step) * step };
}

/** Up to five x-axis ticks, labelled in UTC, with repeated labels dropped. */
function toTimeTicks(startMs: number, endMs: number): { atMs: number; label: string }[] {
  const spanMs = endMs - startMs;
  const withTime = spanMs < 2 * 24 * 3_600_000;
  const withYear = new Date(startMs).getUTCFullYear() !== new Date(endMs).getUTCFullYear();
  const ticks: { atMs: number; label: string }[] = [];
  for (let i = 0; i <= 4; i++) {
    const atMs = startMs + (spanMs * i) / 4;
    const iso = new Date(atMs).toISOString();
    const date = formatUtcDate(iso);
    const label = withTime
      ? formatUtcDateTime(iso)
          .replace(/ \d{4} /, " ")
          .replace(" UTC", "")
      : withYear
        ? date
        : date.replace(/ \d{4}$/, "");
    if (ticks.at(-1)?.label !== label) ticks.push({ atMs, label });
  }
  return ticks;
}

function Marker({ shape, x, y, color }: { shape: MarkerShape; x: number; y: number; color: string }) {
  const r = 4;
  switch (shape) {
    case "circle":
      return <circle cx={x} cy={y} r={r} fill={color} />;
    case "square":
      return <rect x={x - r} y={y - r} width={2 * r} height={2 * r} fill={color} />;
    case "triangle":
      return <path d={`M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z`} fill={color} />;
    default:
      return <path d={`M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z`} fill={color} />;
  }
}

/** A legend swatch: the series' line and marker. */
function SeriesSwatch({ index }: { index: number }) {
  const style = seriesStyle(index);
  return (
    <svg class="rv-swatch" aria-hidden="true" width="32" height="12" viewBox="0 0 32 12">
      <line x1="0" y1="6" x2="32" y2="6" stroke={style.stroke} stroke-width="2" stroke-dasharray={style.dash} />
      <Marker shape={style.marker} x={16} y={6} color={style.stroke} />
    </svg>
  );
}

function describeDriftTrend(trend: Extract<DriftTrend, { kind: "trend" }>): string {
  const lines = trend.series.map((s) => {
    const first = s.points[0]!;
    const last = s.points.at(-1)!;
    return s.points.length === 1
      ? `${s.profileName}: ${formatCount(last.unresolvedCount)} on ${formatUtcDate(last.at)} (one compare).`
      : `${s.profileName}: ${formatCount(first.unresolvedCount)} on ${formatUtcDate(first.at)}, ${formatCount(last.unresolvedCount)} on ${formatUtcDate(last.at)} (${formatCount(s.points.length)} compares).`;
  });
  return `Unresolved drift findings after each compare, ${formatUtcDate(new Date(trend.startMs).toISOString())} to ${formatUtcDate(new Date(trend.endMs).toISOString())} (UTC), for ${describeCount(trend.series.length, "baseline profile", "baseline profiles")}. ${lines.join(" ")}`;
}

/** The data table behind the drift chart (visually hidden next to the SVG; Markdown shows it). */
export function toDriftRows(
  series: DriftChartSeries[],
): { at: string; profileName: string; unresolvedCount: number }[] {
  return series
    .flatMap((s) =>
      s.points.map((p) => ({ at: p.at, atMs: p.atMs, profileName: s.profileName, count: p.unresolvedCount })),
    )
    .sort((a, b) => a.atMs - b.atMs)
    .map((row) => ({ at: row.at, profileName: row.profileName, unresolvedCount: row.count }));
}

function DriftDataTable({ series, hidden }: { series: DriftChartSeries[]; hidden: boolean }) {
  return (
    <table class={hidden ? "rv-visually-hidden" : "rv-table"}>
      <caption>{`${CHART_TITLES.drift}: data`}</caption>
      <thead>
        <tr>
          <th scope="col">Compared (UTC)</th>
          <th scope="col">Baseline profile</th>
          <th scope="col" class="rv-num">
            Unresolved findings
          </th>
        </tr>
      </thead>
      <tbody>
        {toDriftRows(series).map((row) => (
          <tr>
            <td>{formatUtcDateTime(row.at)}</td>
            <td>{row.profileName}</td>
            <td class="rv-num">{formatCount(row.unresolvedCount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Props of {@link DriftChart}. */
export interface DriftChartProps {
  chart: NotableDriftSection["chart"];
  /** Prefix of the SVG's element ids; unique within the page. (Default: "rv-drift") */
  idPrefix?: string;
}

/**
 * "Drift findings over time": a step line per baseline profile (a count holds until the next
 * compare), UTC date ticks, and count ticks. Fewer than two compares → a sentence, never a fake line.
 */
export function DriftChart({ chart, idPrefix = "rv-drift" }: DriftChartProps) {
  const trend = toDriftTrend(chart);
  if (trend.kind === "sparse") {
    return (
      <figure class="rv-chart rv-chart-empty" data-chart="drift">
        <figcaption>{CHART_TITLES.drift}</figcaption>
        <p>{trend.sentence}</p>
      </figure>
    );
  }
  const scale = toCountScale(trend.maxCount);
  const x = (ms: number) => DRIFT.left + ((ms - trend.startMs) / (trend.endMs - trend.startMs)) * PLOT_WIDTH;
  const y = (count: number) => DRIFT.top + PLOT_HEIGHT - (count / scale.top) * PLOT_HEIGHT;
  const round = (n: number) => Math.round(n * 10) / 10;
  const yTicks: number[] = [];
  for (let value = 0; value <= scale.top; value += scale.step) yTicks.push(value);
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  return (
    <figure class="rv-chart" data-chart="drift">
      <figcaption>{CHART_TITLES.drift}</figcaption>
      <svg
        class="rv-svg"
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        viewBox={`0 0 ${DRIFT.width} ${DRIFT.height}`}
        width={DRIFT.width}
        height={DRIFT.height}
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title id={titleId}>{CHART_TITLES.drift}</title>
        <desc id={descId}>{describeDriftTrend(trend)}</desc>
        <g class="rv-axis" data-axis="y">
          {yTicks.map((value) => (
            <g>
              <line
                x1={DRIFT.left}
                x2={DRIFT.left + PLOT_WIDTH}
                y1={round(y(value))}
                y2={round(y(value))}
                stroke={value === 0 ? "#5b6672" : "#d9dee4"}
                stroke-width="1"
              />
              <text x={DRIFT.left - 8} y={round(y(value)) + 4} text-anchor="end" fill="#1d232b">
                {formatCount(value)}
              </text>
            </g>
          ))}
          <text
            transform={`translate(14 ${DRIFT.top + PLOT_HEIGHT / 2}) rotate(-90)`}
            text-anchor="middle"
            fill="#5b6672"
          >
            Unresolved findings
          </text>
        </g>
        <g class="rv-axis" data-axis="x">
          {toTimeTicks(trend.startMs, trend.endMs).map((tick, index, ticks) => (
            <g>
              <line
                x1={round(x(tick.atMs))}
                x2={round(x(tick.atMs))}
                y1={DRIFT.top + PLOT_HEIGHT}
                y2={DRIFT.top + PLOT_HEIGHT + 5}
                stroke="#5b6672"
              />
              <text
                x={round(x(tick.atMs))}
                y={DRIFT.top + PLOT_HEIGHT + 19}
                text-anchor={index === 0 ? "start" : index === ticks.length - 1 ? "end" : "middle"}
                fill="#1d232b"
              >
                {tick.label}
              </text>
            </g>
          ))}
          <text x={DRIFT.left + PLOT_WIDTH / 2} y={DRIFT.height - 6} text-anchor="middle" fill="#5b6672">
            Compare date (UTC)
          </text>
        </g>
        {trend.series.map((s, index) => {
          const style = seriesStyle(index);
          const points = s.points.map((p) => ({ x: round(x(p.atMs)), y: round(y(p.unresolvedCount)) }));
          const [first, ...rest] = points;
          // Step-after: a count holds until the next compare; the line ends at the last compare.
          const d = first ? `M${first.x} ${first.y}${rest.map((p) => `H${p.x}V${p.y}`).join("")}` : "";
          return (
            <g data-series={String(index)}>
              {points.length > 1 ? (
                <path
                  d={d}
                  fill="none"
                  stroke={style.stroke}
                  stroke-width="2"
                  stroke-dasharray={style.dash}
                  stroke-linejoin="round"
                />
              ) : null}
              {points.map((p) => (
                <Marker shape={style.marker} x={p.x} y={p.y} color={style.stroke} />
              ))}
            </g>
          );
        })}
      </svg>
      <ul class="rv-legend" aria-hidden="true">
        {trend.series.map((s, index) => (
          <li>
            <SeriesSwatch index={index} /> {s.profileName}
          </li>
        ))}
      </ul>
      <DriftDataTable series={trend.series} hidden={true} />
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// Operation outcomes by type

const BARS = { width: 640, labelWidth: 188, barX: 196, barMaxWidth: 380, rowHeight: 22, gap: 12, top: 8 } as const;

/**
 * Fill of each outcome: a colour with at least 3:1 contrast on white, and a pattern (solid, stripes,
 * cross-hatch, dots, horizontal lines) that still tells outcomes apart in greyscale.
 */
const OUTCOME_FILLS: Readonly<Record<RunOutcome, { color: string; pattern: string | undefined }>> = {
  succeeded: { color: "#1a7f37", pattern: undefined },
  partially_succeeded: { color: "#a15c00", pattern: "M0 8L8 0M-2 2L2 -2M6 10L10 6" },
  failed: { color: "#b42318", pattern: "M0 8L8 0M0 0L8 8" },
  blocked: { color: "#6e40c9", pattern: "M2 2h1.5v1.5h-1.5zM6 6h1.5v1.5h-1.5z" },
  cancelled: { color: "#57606a", pattern: "M0 2H8M0 6H8" },
};

const OUTCOME_INDEX: Readonly<Record<RunOutcome, number>> = {
  succeeded: 0,
  partially_succeeded: 1,
  failed: 2,
  blocked: 3,
  cancelled: 4,
};

function fillOf(outcome: RunOutcome, idPrefix: string): string {
  return OUTCOME_FILLS[outcome].pattern
    ? `url(#${idPrefix}-pattern-${OUTCOME_INDEX[outcome]})`
    : OUTCOME_FILLS[outcome].color;
}

function OutcomePatterns({ idPrefix }: { idPrefix: string }) {
  return (
    <defs>
      {Object.entries(OUTCOME_FILLS).map(([outcome, fill]) =>
        fill.pattern ? (
          <pattern
            id={`${idPrefix}-pattern-${OUTCOME_INDEX[outcome as RunOutcome]}`}
            patternUnits="userSpaceOnUse"
            width="8"
            height="8"
          >
            <rect width="8" height="8" fill={fill.color} />
            <path d={fill.pattern} stroke="#ffffff" stroke-width="1.5" fill="#ffffff" />
          </pattern>
        ) : null,
      )}
    </defs>
  );
}

/** A legend swatch: a small square with the outcome's fill (its own defs, so it works anywhere). */
function OutcomeSwatch({ outcome, idPrefix }: { outcome: RunOutcome; idPrefix: string }) {
  return (
    <svg class="rv-swatch" aria-hidden="true" width="14" height="14" viewBox="0 0 14 14">
      <rect
        x="0.5"
        y="0.5"
        width="13"
        height="13"
        fill={fillOf(outcome, idPrefix)}
        stroke="#1d232b"
        stroke-width="0.5"
      />
    </svg>
  );
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function OutcomeDataTable({ bars, hidden }: { bars: OutcomeBars; hidden: boolean }) {
  return (
    <table class={hidden ? "rv-visually-hidden" : "rv-table"}>
      <caption>{`${CHART_TITLES.outcomes}: data`}</caption>
      <thead>
        <tr>
          <th scope="col">Run type</th>
          {bars.outcomes.map((o) => (
            <th scope="col" class="rv-num">
              {o.label}
            </th>
          ))}
          <th scope="col" class="rv-num">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {bars.bars.map((bar) => (
          <tr>
            <th scope="row">{bar.typeLabel}</th>
            {bars.outcomes.map((o) => (
              <td class="rv-num">{formatCount(bar.segments.find((s) => s.outcome === o.outcome)?.count ?? 0)}</td>
            ))}
            <td class="rv-num">{formatCount(bar.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Props of {@link OutcomeChart}. */
export interface OutcomeChartProps {
  section: Pick<OperationsHealthSection, "byType">;
  /** Prefix of the SVG's element ids (patterns); unique within the page. (Default: "rv-outcomes") */
  idPrefix?: string;
}

/**
 * "Operation outcomes by type": one horizontal stacked bar per run type; every bar uses the same
 * scale (the largest total spans the full width) and each segment's width is proportional to its
 * count. No operations → a sentence, never an empty chart.
 */
export function OutcomeChart({ section, idPrefix = "rv-outcomes" }: OutcomeChartProps) {
  const bars = toOutcomeBars(section);
  if (bars.bars.length === 0 || bars.maxTotal === 0) {
    return (
      <figure class="rv-chart rv-chart-empty" data-chart="outcomes">
        <figcaption>{CHART_TITLES.outcomes}</figcaption>
        <p>{NO_OPERATIONS}</p>
      </figure>
    );
  }
  const height = BARS.top * 2 + bars.bars.length * (BARS.rowHeight + BARS.gap) - BARS.gap;
  const unit = BARS.barMaxWidth / bars.maxTotal;
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  return (
    <figure class="rv-chart" data-chart="outcomes">
      <figcaption>{CHART_TITLES.outcomes}</figcaption>
      <svg
        class="rv-svg"
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        viewBox={`0 0 ${BARS.width} ${height}`}
        width={BARS.width}
        height={height}
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title id={titleId}>{CHART_TITLES.outcomes}</title>
        <desc id={descId}>{`${bars.bars.map(describeOutcomeBar).join(". ")}.`}</desc>
        <OutcomePatterns idPrefix={idPrefix} />
        {bars.bars.map((bar, row) => {
          const top = BARS.top + row * (BARS.rowHeight + BARS.gap);
          let offset = BARS.barX;
          return (
            <g data-bar={String(row)}>
              <text x={BARS.labelWidth} y={top + BARS.rowHeight / 2 + 4} text-anchor="end" fill="#1d232b">
                {truncate(bar.typeLabel, 28)}
              </text>
              {bar.segments.map((segment) => {
                const width = Math.round(segment.count * unit * 100) / 100;
                const x = offset;
                offset += width;
                return (
                  <rect
                    x={Math.round(x * 100) / 100}
                    y={top}
                    width={width}
                    height={BARS.rowHeight}
                    fill={fillOf(segment.outcome, idPrefix)}
                    stroke="#ffffff"
                    stroke-width="1"
                    data-outcome={segment.outcome}
                    data-count={String(segment.count)}
                  >
                    <title>{`${bar.typeLabel}: ${formatCount(segment.count)} ${segment.label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
              <text x={Math.round(offset * 100) / 100 + 6} y={top + BARS.rowHeight / 2 + 4} fill="#1d232b">
                {formatCount(bar.total)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul class="rv-legend" aria-hidden="true">
        {bars.outcomes.map((o) => (
          <li>
            <OutcomeSwatch outcome={o.outcome} idPrefix={idPrefix} /> {o.label}
          </li>
        ))}
      </ul>
      <OutcomeDataTable bars={bars} hidden={true} />
    </figure>
  );
}
