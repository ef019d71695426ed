import { describe, expect, it } from "vitest";
import { buildRun, FIXTURE_NOW, minutesAgo } from "../../../test/run-fixture.js";
import { describeProgress, type ProgressView } from "../../operations/progress-contract.js";
import { describeShellItem } from "../../operations/run-presenter.js";
import type { OperationRun } from "../../operations/run-record.js";
import { ProgressViewElement, RunItem } from "./progress-view.js";

const NOW = FIXTURE_NOW;
const LEAK_PATTERN =
  /SECRET_MARKER|__proto__|Error:|\bat \S+ \(|\/etc\/|https?:|ECONNRESET|capture_evidence<|record_findings</;

const render = (view: ProgressView) => String(ProgressViewElement({ view }));
const describeRun = (overrides: Partial<OperationRun>) => describeProgress(buildRun(overrides), NOW);

const RUNS = {
  counted: buildRun({ type: "evidence_snapshot.generate", summaryCounts: { total: 450, processed: 120 } }),
  phased: buildRun({
    context: { progress: { phase: "capture_evidence" } },
    summaryCounts: { total: 87, processed: 41 },
  }),
  composite: buildRun({
    type: "tenant.review.compose",
    context: {
      progress: { composite: { total: 14, byOutcome: { succeeded: 12, partially_succeeded: 1, failed: 1 } } },
    },
  }),
  activity: buildRun({ type: "baseline_compare" }),
  none: buildRun({ status: "queued", startedAt: null, heartbeatAt: null }),
} satisfies Record<ProgressView["mode"], OperationRun>;

const staleOf = (run: OperationRun): OperationRun => ({
  ...run,
  heartbeatAt: minutesAgo(30),
  startedAt: minutesAgo(40),
});

describe("ProgressViewElement", () => {
  it.each(Object.entries(RUNS))("renders %s mode with data-mode, and a bar only when counted", (mode, run) => {
    const view = describeProgress(run, NOW);
    expect(view.mode).toBe(mode);
    const html = render(view);
    expect(html).toContain(`data-mode="${mode}"`);
    expect(html.includes('role="progressbar"')).toBe(mode === "counted");
    expect(html.includes('class="stepper"')).toBe(mode === "phased");
  });

  it("renders the counted bar with aria values and the exact percent width", () => {
    const html = render(describeProgress(RUNS.counted, NOW));
    expect(html).toContain('aria-valuenow="26"');
    expect(html).toContain('aria-valuemin="0"');
    expect(html).toContain('aria-valuemax="100"');
    expect(html).toContain("width:26%");
    expect(html).toContain("120 of 450");
  });

  it("renders the phased stepper with every label, states, Step i of n and count words", () => {
    const html = render(describeProgress(RUNS.phased, NOW));
    expect(html).toContain("Step 2 of 4");
    expect(html).toContain('data-state="done"');
    expect(html).toContain('data-state="current"');
    expect(html).toContain('aria-current="step"');
    expect(html).toContain(">Checking eligibility</li>");
    expect(html).toContain(">Recording drift findings</li>");
    expect(html).toContain("41 of 87 policies");
    expect(html).not.toContain("%");
  });

  it("renders the composite summary and parts, with no bar", () => {
    const html = render(describeProgress(RUNS.composite, NOW));
    expect(html).toContain("Based on 14 operations");
    expect(html).toContain("12 succeeded");
    expect(html).not.toContain("progressbar");
  });

  it("renders activity as label and Running for …", () => {
    expect(render(describeProgress(RUNS.activity, NOW))).toContain("Running for 3 min");
  });

  it.each(Object.entries(RUNS).filter(([mode]) => mode !== "none"))("shows stale text in %s mode", (_mode, run) => {
    const view = describeProgress(staleOf(run), NOW);
    expect(view.mode !== "none" && view.stale).toBe(true);
    const html = render(view);
    expect(html).toContain('data-stale="true"');
    expect(html).toContain("No activity since 10:20");
  });

  it("shows the wait detail when present", () => {
    const html = render(
      describeRun({
        context: { progress: { phase: "compare", waitReason: "throttled", waitUntil: "2025-01-07T10:52:00Z" } },
      }),
    );
    expect(html).toContain("Waiting for Microsoft Graph to accept more requests (next attempt 10:52)");
  });

  it.each([
    { type: "SECRET_MARKER_type", context: { progress: { phase: "SECRET_MARKER_phase" } } },
    { context: { progress: { phase: "<script>SECRET_MARKER</script>" } } },
    {
      context: { progress: { phase: "__proto__", waitReason: "SECRET_MARKER" } },
      summaryCounts: { total: "x", processed: NaN },
    },
    { type: "tenant.review.compose", context: { progress: { composite: { total: "SECRET_MARKER" } } } },
    {
      status: "completed",
      outcome: "SECRET_MARKER",
      failure: { code: "x", message: "Error: at f (/etc/x)", diagnostics: "SECRET_MARKER" },
    },
    { status: "SECRET_MARKER", context: { result: "at x (https://graph.example)" } },
  ] as Partial<OperationRun>[])("leaks nothing stored from a hostile run (%#)", (overrides) => {
    const run = buildRun(overrides);
    const item = describeShellItem(run, null, NOW);
    const html = render(describeProgress(run, NOW)) + String(RunItem({ item }));
    expect(html).not.toMatch(LEAK_PATTERN);
    expect(html).not.toContain("<script>");
  });
});

describe("RunItem", () => {
  it("renders title, subtitle, status pill, progress and one View operation link", () => {
    const item = describeShellItem(RUNS.phased, "Fabrikam", NOW);
    const html = String(RunItem({ item }));
    expect(html).toContain("Baseline compare");
    expect(html).toContain("Fabrikam");
    expect(html).toContain('data-tone="info"');
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html).toContain(`href="${item.action.url}"`);
    expect(html).toContain("View operation");
  });

  it("renders a queued run's status once, as the pill", () => {
    const html = String(RunItem({ item: describeShellItem(RUNS.none, "Fabrikam", NOW) }));
    expect(html.match(/Queued/g)).toHaveLength(1);
  });
});
