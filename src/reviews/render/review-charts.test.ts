import { describe, expect, it } from "vitest";
import type { NotableDriftSection, OperationsHealthSection } from "../review-content.js";
import { NO_OPERATIONS, NOT_ENOUGH_COMPARES, toDriftTrend, toOutcomeBars } from "./review-chart-data.js";
import { DriftChart, OutcomeChart, toCountScale } from "./review-charts.js";

const point = (at: string, unresolvedCount: number, profileName = "Standard baseline") => ({
  at,
  profileName,
  unresolvedCount,
});
const drift = (chart: NotableDriftSection["chart"]) => String(DriftChart({ chart }));
const outcomes = (byType: OperationsHealthSection["byType"]) => String(OutcomeChart({ section: { byType } }));
const attrs = (svg: string, tag: string) =>
  [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...(m[1] ?? "").matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );

describe("DriftChart", () => {
  const chart = [
    point("2026-11-02T08:00:00Z", 6),
    point("2026-11-09T08:00:00Z", 7),
    point("2026-11-06T08:00:00Z", 1, "Edge"),
    point("2026-11-27T08:00:00Z", 4),
  ];

  it("is an accessible SVG: role img, labelled by its <title> and <desc>, with a data table", () => {
    const html = drift(chart);
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="rv-drift-title rv-drift-desc"/);
    expect(html).toContain('<title id="rv-drift-title">Drift findings over time</title>');
    expect(html).toMatch(
      /<desc id="rv-drift-desc">Unresolved drift findings after each compare, 2 Nov 2026 to 27 Nov 2026 \(UTC\), for 2 baseline profiles\./,
    );
    expect(html).toContain('<table class="rv-visually-hidden">');
    expect(html).toContain('<td>9 Nov 2026 08:00 UTC</td><td>Standard baseline</td><td class="rv-num">7</td>');
  });

  it("draws one step line per profile with two or more compares, and a marker per compare", () => {
    const html = drift(chart);
    expect(attrs(html, "path").filter((p) => p["fill"] === "none")).toHaveLength(1);
    expect(html.match(/data-series=/g)).toHaveLength(2);
    const line = attrs(html, "path").find((p) => p["fill"] === "none")!;
    expect(line["d"]).toMatch(/^M[\d.]+ [\d.]+H[\d.]+V[\d.]+H[\d.]+V[\d.]+$/);
  });

  it("labels both axes, dates in UTC", () => {
    const html = drift(chart);
    expect(html).toContain("Compare date (UTC)");
    expect(html).toContain("Unresolved findings");
    expect(html).toContain(">2 Nov<");
    expect(html).toContain(">27 Nov<");
  });

  it.each([
    ["no points", []],
    ["one point", [point("2026-11-02T08:00:00Z", 6)]],
    [
      "two profiles compared at the same time",
      [point("2026-11-02T08:00:00Z", 6), point("2026-11-02T08:00:00Z", 2, "Edge")],
    ],
  ])("says there is not enough data instead of drawing a line with %s", (_name, points) => {
    const html = drift(points);
    expect(html).toContain(NOT_ENOUGH_COMPARES);
    expect(html).not.toContain("<svg");
  });

  it("states the single compare's figure when there is one", () => {
    expect(toDriftTrend([point("2026-11-02T08:00:00Z", 6)])).toMatchObject({
      kind: "sparse",
      sentence: `${NOT_ENOUGH_COMPARES} Standard baseline: 6 unresolved drift findings after the compare on 2 Nov 2026.`,
    });
  });

  it("escapes profile names", () => {
    const html = drift([
      point("2026-11-02T08:00:00Z", 1, "<script>x</script>"),
      point("2026-11-03T08:00:00Z", 2, "<script>x</script>"),
    ]);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("toCountScale", () => {
  it.each([
    [0, 1, 1],
    [3, 1, 3],
    [7, 2, 8],
    [23, 10, 30],
    [120, 50, 150],
  ])("scales a maximum of %i with step %i up to %i", (max, step, top) => {
    expect(toCountScale(max)).toEqual({ step, top });
  });
});

describe("OutcomeChart", () => {
  const byType: OperationsHealthSection["byType"] = [
    {
      type: "baseline_compare",
      typeLabel: "Baseline compare",
      total: 8,
      byOutcome: { succeeded: 6, partially_succeeded: 1, failed: 1 },
    },
    { type: "baseline_capture", typeLabel: "Baseline capture", total: 4, byOutcome: { succeeded: 3, blocked: 1 } },
  ];

  it("draws segment widths proportional to the counts, on one scale for every bar", () => {
    const rects = attrs(outcomes(byType), "rect").filter((r) => r["data-count"] !== undefined);
    expect(rects.map((r) => [r["data-outcome"], Number(r["data-count"])])).toEqual([
      ["succeeded", 6],
      ["partially_succeeded", 1],
      ["failed", 1],
      ["succeeded", 3],
      ["blocked", 1],
    ]);
    const perUnit = rects.map((r) => Number(r["width"]) / Number(r["data-count"]));
    for (const ratio of perUnit) expect(ratio).toBeCloseTo(perUnit[0]!, 1);
    // Segments of a bar sit side by side.
    expect(Number(rects[1]!["x"])).toBeCloseTo(Number(rects[0]!["x"]) + Number(rects[0]!["width"]), 1);
  });

  it("is accessible and prints in greyscale: role img, title, desc, patterns and a legend", () => {
    const html = outcomes(byType);
    expect(html).toMatch(/<svg[^>]*role="img"/);
    expect(html).toContain('<title id="rv-outcomes-title">Operation outcomes by type</title>');
    expect(html).toContain("Baseline compare: 8 operations (6 succeeded, 1 partially succeeded, 1 failed)");
    expect(html.match(/<pattern /g)?.length).toBeGreaterThanOrEqual(3);
    expect(html).toMatch(/<ul class="rv-legend"[^>]*>.*Succeeded.*Partially succeeded.*Failed.*Blocked/s);
  });

  it("shows a sentence, not an empty chart, when there are no operations", () => {
    for (const html of [
      outcomes([]),
      outcomes([{ type: "baseline_compare", typeLabel: "Baseline compare", total: 0, byOutcome: {} }]),
    ]) {
      expect(html).toContain(NO_OPERATIONS);
      expect(html).not.toContain("<svg");
    }
  });

  it("labels unknown run types from the catalog's fallback, never with the stored key", () => {
    expect(
      toOutcomeBars({
        byType: [{ type: "future.thing", typeLabel: "future.thing", total: 1, byOutcome: { succeeded: 1 } }],
      }).bars[0]?.typeLabel,
    ).toBe("Operation");
  });
});
