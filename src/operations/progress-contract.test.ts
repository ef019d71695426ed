import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRun, FIXTURE_NOW, minutesAgo, secondsAgo } from "../../test/run-fixture.js";
import { describeProgress, formatDuration, type ProgressView } from "./progress-contract.js";
import type { OperationRun } from "./run-record.js";
import { BASELINE_CAPTURE_PHASES, BASELINE_COMPARE_PHASES, RUN_TYPES } from "./run-types.js";

const NOW = FIXTURE_NOW;

/** A running run of `type`, started 3 min ago, heartbeat at start (fresh). */
const runningRun = buildRun;

const withProgress = (type: string, progress: unknown, summaryCounts: unknown = {}) =>
  runningRun({ type, context: { progress }, summaryCounts });

const VALID_COMPOSITE = { total: 14, byOutcome: { succeeded: 12, partially_succeeded: 1, failed: 1 } };

/** Text that must never reach an operator: markers, stack-like and path-like strings, transport text. */
const LEAK_PATTERN = /SECRET_MARKER|__proto__|Error|\bat \S+ \(|\/etc\/|C:\\|https?:|ECONNRESET|stack/;

function expectNoLeak(view: ProgressView): void {
  expect(JSON.stringify(view)).not.toMatch(LEAK_PATTERN);
}

describe("describeProgress", () => {
  describe("rule 1: not running", () => {
    it.each([
      ["queued", null, "Queued"],
      ["completed", "succeeded", "Succeeded"],
      ["completed", "partially_succeeded", "Partially succeeded"],
      ["completed", "failed", "Failed"],
      ["completed", "blocked", "Blocked"],
      ["completed", "cancelled", "Cancelled"],
      ["completed", "SECRET_MARKER_outcome", "Completed (outcome unknown)"],
      ["SECRET_MARKER_status", null, "Unknown status"],
    ])("status %s / outcome %s → mode none labelled %s", (status, outcome, label) => {
      const view = describeProgress(
        runningRun({
          status,
          outcome,
          context: { progress: { phase: "compare" } },
          summaryCounts: { total: 4, processed: 2 },
        }),
        NOW,
      );
      expect(view).toEqual({ mode: "none", label });
    });
  });

  describe("rule 2: phased", () => {
    it.each(BASELINE_COMPARE_PHASES.map((phase, index) => [phase.key, phase.label, index] as const))(
      "baseline_compare phase %s → label %s",
      (key, label, index) => {
        const view = describeProgress(withProgress("baseline_compare", { phase: key }), NOW);
        expect(view.mode).toBe("phased");
        expect(view.label).toBe(label);
        if (view.mode !== "phased") return;
        expect(view.detail).toBe(`Step ${index + 1} of 4`);
        expect(view.phases.map((phase) => phase.state)).toEqual(
          BASELINE_COMPARE_PHASES.map((_, i) => (i < index ? "done" : i === index ? "current" : "pending")),
        );
        expect(view.phases.map((phase) => phase.label)).toEqual(BASELINE_COMPARE_PHASES.map((phase) => phase.label));
        expect("percent" in view).toBe(false);
      },
    );

    it("uses the capture catalog for baseline_capture", () => {
      const view = describeProgress(withProgress("baseline_capture", { phase: "build_snapshot" }), NOW);
      expect(view).toMatchObject({ mode: "phased", label: "Building baseline snapshot", detail: "Step 3 of 4" });
      expect(BASELINE_CAPTURE_PHASES).toHaveLength(4);
    });

    it("falls through when the phase belongs to another run type's catalog", () => {
      const view = describeProgress(withProgress("baseline_capture", { phase: "record_findings" }), NOW);
      expect(view.mode).toBe("activity");
    });

    it.each(["evidence_snapshot.generate", "tenant.review.compose", "some_future_type", "__proto__", "constructor"])(
      "never phases %s, which has no phase catalog, even with a valid phase key in context",
      (type) => {
        for (const phase of [...BASELINE_COMPARE_PHASES, ...BASELINE_CAPTURE_PHASES]) {
          const view = describeProgress(withProgress(type, { phase: phase.key }), NOW);
          expect(view.mode).toBe("activity");
        }
      },
    );
  });

  describe("wait reasons", () => {
    it("says what the run waits for and when it tries next", () => {
      const view = describeProgress(
        withProgress("baseline_compare", {
          phase: "capture_evidence",
          waitReason: "throttled",
          waitUntil: "2025-01-07T10:42:00Z",
        }),
        NOW,
      );
      expect(view).toMatchObject({
        mode: "phased",
        waitDetail: "Waiting for Microsoft Graph to accept more requests (next attempt 10:42)",
      });
    });

    it("renders the next attempt in the requested time zone", () => {
      const progress = { phase: "capture_evidence", waitReason: "throttled", waitUntil: "2025-01-07T10:42:00Z" };
      const view = describeProgress(withProgress("baseline_compare", progress), NOW, { timeZone: "Europe/Berlin" });
      expect(view).toMatchObject({
        waitDetail: "Waiting for Microsoft Graph to accept more requests (next attempt 11:42)",
      });
    });

    it.each(["Not/AZone", "SECRET_MARKER_zone", "", "x".repeat(500)])(
      "falls back to UTC for time zone %j",
      (timeZone) => {
        const progress = { phase: "compare", waitReason: "retry_backoff", waitUntil: "2025-01-07T10:42:00+00:00" };
        const view = describeProgress(withProgress("baseline_compare", progress), NOW, { timeZone });
        expect(view).toMatchObject({ waitDetail: "Waiting before retrying (next attempt 10:42)" });
        expectNoLeak(view);
      },
    );

    it.each([undefined, "soon", "SECRET_MARKER_time", 1736246520000, "2025-13-45T99:99:99Z"])(
      "shows the wait without a time when waitUntil is %j",
      (waitUntil) => {
        const view = describeProgress(
          withProgress("baseline_compare", { phase: "compare", waitReason: "throttled", waitUntil }),
          NOW,
        );
        expect(view).toMatchObject({
          mode: "phased",
          waitDetail: "Waiting for Microsoft Graph to accept more requests",
        });
        expectNoLeak(view);
      },
    );

    it.each(["SECRET_MARKER_reason", "__proto__", "toString", 7, null])(
      "ignores the unknown wait reason %j",
      (waitReason) => {
        const view = describeProgress(withProgress("baseline_compare", { phase: "compare", waitReason }), NOW);
        expect(view.mode).toBe("phased");
        expect(view).not.toHaveProperty("waitDetail");
        expectNoLeak(view);
      },
    );

    it("shows a wait in activity mode too, so waiting never looks like a hang", () => {
      const view = describeProgress(withProgress("evidence_snapshot.generate", { waitReason: "throttled" }), NOW);
      expect(view).toMatchObject({
        mode: "activity",
        waitDetail: "Waiting for Microsoft Graph to accept more requests",
      });
    });
  });

  describe("rule 3: composite", () => {
    it("summarises underlying operation outcomes without a percentage", () => {
      const view = describeProgress(withProgress("tenant.review.compose", { composite: VALID_COMPOSITE }), NOW);
      expect(view).toEqual({
        mode: "composite",
        label: "Composing tenant review",
        detail: "Based on 14 operations: 12 succeeded, 1 partially succeeded, 1 failed",
        parts: [
          { outcome: "succeeded", label: "Succeeded", count: 12 },
          { outcome: "partially_succeeded", label: "Partially succeeded", count: 1 },
          { outcome: "failed", label: "Failed", count: 1 },
        ],
        stale: false,
      });
    });

    it("says so honestly when there are no operations, with no invented parts", () => {
      const view = describeProgress(
        withProgress("tenant.review.compose", { composite: { total: 0, byOutcome: {} } }),
        NOW,
      );
      expect(view).toMatchObject({ mode: "composite", detail: "No operations in this period", parts: [] });
    });

    it("uses the singular for one operation and lists only nonzero outcomes", () => {
      const composite = { total: 1, byOutcome: { succeeded: 0, blocked: 1, failed: 0 } };
      const view = describeProgress(withProgress("tenant.review.compose", { composite }), NOW);
      expect(view).toMatchObject({
        detail: "Based on 1 operation: 1 blocked",
        parts: [{ label: "Blocked", count: 1 }],
      });
    });

    it("accepts byType for detail pages without showing its keys", () => {
      const composite = { ...VALID_COMPOSITE, byType: { SECRET_MARKER_type: { succeeded: 12 } } };
      const view = describeProgress(withProgress("tenant.review.compose", { composite }), NOW);
      expect(view.mode).toBe("composite");
      expectNoLeak(view);
    });

    it("ignores composite metadata on run types that are not composite-aware", () => {
      const view = describeProgress(withProgress("evidence_snapshot.generate", { composite: VALID_COMPOSITE }), NOW);
      expect(view.mode).toBe("activity");
    });

    it.each([
      ["total differs from the sum", { total: 15, byOutcome: { succeeded: 14 } }],
      ["negative count", { total: 0, byOutcome: { succeeded: 1, failed: -1 } }],
      ["fractional count", { total: 1, byOutcome: { succeeded: 0.5, failed: 0.5 } }],
      ["NaN total", { total: Number.NaN, byOutcome: {} }],
      ["Infinity", { total: Number.POSITIVE_INFINITY, byOutcome: { succeeded: Number.POSITIVE_INFINITY } }],
      ["string counts", { total: "14", byOutcome: { succeeded: "14" } }],
      ["unknown outcome key", { total: 2, byOutcome: { succeeded: 1, SECRET_MARKER_outcome: 1 } }],
      ["__proto__ outcome key", JSON.parse('{"total": 1, "byOutcome": {"__proto__": {"succeeded": 1}}}')],
      ["array byOutcome", { total: 0, byOutcome: [] }],
      ["array", [14, 12]],
      ["string", "Based on 99 operations"],
      ["null", null],
      ["unsafe integer", { total: 2 ** 60, byOutcome: { succeeded: 2 ** 60 } }],
      ["extra key", { ...VALID_COMPOSITE, note: "SECRET_MARKER_note" }],
    ])("falls through on malformed composite (%s)", (_name, composite) => {
      const view = describeProgress(withProgress("tenant.review.compose", { composite }), NOW);
      expect(view.mode).toBe("activity");
      expectNoLeak(view);
    });
  });

  describe("rule 4: counted", () => {
    it("shows processed of total with the unit noun and a floored percentage", () => {
      const view = describeProgress(withProgress("baseline_compare", {}, { total: 450, processed: 120 }), NOW);
      expect(view).toEqual({
        mode: "counted",
        label: "Comparing baseline",
        detail: "120 of 450 policies",
        percent: 26,
        stale: false,
      });
    });

    it.each([
      [{ total: 1, processed: 0 }, "0 of 1 evidence source", 0],
      [{ total: 3, processed: 3 }, "3 of 3 evidence sources", 100],
      [{ total: 3, processed: 2 }, "2 of 3 evidence sources", 66],
      [{ total: 12_400, processed: 1_200, skipped: 4 }, "1,200 of 12,400 evidence sources", 9],
      [{ total: 200, processed: 199 }, "199 of 200 evidence sources", 99],
    ])("counts %j → %s (%i%)", (summaryCounts, detail, percent) => {
      const view = describeProgress(withProgress("evidence_snapshot.generate", undefined, summaryCounts), NOW);
      expect(view).toMatchObject({ mode: "counted", detail, percent });
    });

    it("counts unknown run types with the generic unit noun", () => {
      const view = describeProgress(withProgress("SECRET_MARKER_type", undefined, { total: 10, processed: 5 }), NOW);
      expect(view).toMatchObject({ mode: "counted", label: "Working", detail: "5 of 10 items", percent: 50 });
      expectNoLeak(view);
    });

    it("says Nothing to do for total 0, never a percentage and never coerced to 1", () => {
      for (const summaryCounts of [{ total: 0 }, { total: 0, processed: 0 }]) {
        const view = describeProgress(withProgress("evidence_snapshot.generate", undefined, summaryCounts), NOW);
        expect(view).toMatchObject({ mode: "activity", detail: "Nothing to do" });
        expect(view).not.toHaveProperty("percent");
      }
    });

    it.each([
      ["processed > total", { total: 10, processed: 11 }],
      ["missing processed", { total: 10 }],
      ["negative processed", { total: 10, processed: -1 }],
      ["negative total", { total: -10, processed: -20 }],
      ["fractional", { total: 10.5, processed: 1 }],
      ["NaN", { total: Number.NaN, processed: 1 }],
      ["Infinity", { total: Number.POSITIVE_INFINITY, processed: 1 }],
      ["strings", { total: "450", processed: "120" }],
      ["long string", { total: "9".repeat(10_000), processed: 1 }],
      ["nested", { total: { value: 10 }, processed: 1 }],
      ["array", [450, 120]],
      ["null", null],
      ["string", "120 of 450"],
      ["number", 42],
      ["unsafe integer", { total: 2 ** 60, processed: 1 }],
      ["__proto__ carrier", JSON.parse('{"__proto__": {"total": 10, "processed": 5}}')],
      ["inherited counts", Object.create({ total: 10, processed: 5 })],
      [
        "Map",
        new Map([
          ["total", 10],
          ["processed", 5],
        ]),
      ],
      ["total 0 with processed", { total: 0, processed: 3 }],
    ])("falls through to activity on malformed counts (%s)", (_name, summaryCounts) => {
      const view = describeProgress(withProgress("evidence_snapshot.generate", undefined, summaryCounts), NOW);
      expect(view.mode).toBe("activity");
      expect(view).not.toHaveProperty("percent");
      if (view.mode === "activity") expect(view.detail).toBe("Running for 3 min");
    });
  });

  describe("precedence phased > composite > counted > activity", () => {
    const counts = { total: 10, processed: 4 };
    it.each([
      ["baseline_compare", { phase: "compare", composite: VALID_COMPOSITE }, counts, "phased"],
      ["baseline_compare", { phase: "SECRET_MARKER_phase", composite: VALID_COMPOSITE }, counts, "counted"],
      ["baseline_compare", { phase: "SECRET_MARKER_phase" }, {}, "activity"],
      ["tenant.review.compose", { phase: "compare", composite: VALID_COMPOSITE }, counts, "composite"],
      ["tenant.review.compose", { composite: { total: 3, byOutcome: {} } }, counts, "counted"],
      ["tenant.review.compose", { composite: VALID_COMPOSITE }, {}, "composite"],
      ["evidence_snapshot.generate", { phase: "compare", composite: VALID_COMPOSITE }, counts, "counted"],
      ["evidence_snapshot.generate", {}, { total: 0 }, "activity"],
    ])("%s with progress %j and counts %j → %s", (type, progress, summaryCounts, mode) => {
      const view = describeProgress(withProgress(type, progress, summaryCounts), NOW);
      expect(view.mode).toBe(mode);
      expectNoLeak(view);
    });
  });

  describe("rule 5: activity", () => {
    it.each([
      [secondsAgo(45), secondsAgo(45), "Running for 45 s"],
      [minutesAgo(3), minutesAgo(3), "Running for 3 min"],
      [minutesAgo(3), null, "Running for 3 min"],
      [minutesAgo(125), minutesAgo(1), "Last activity 1 min ago"],
      [minutesAgo(3), secondsAgo(20), "Last activity 20 s ago"],
      [new Date(NOW.getTime() + 5000), null, "Running for 0 s"],
      [null, secondsAgo(20), "Last activity 20 s ago"],
      [null, null, "Start time not recorded"],
      [new Date(Number.NaN), new Date(Number.NaN), "Start time not recorded"],
    ])("started %s, heartbeat %s → %s", (startedAt, heartbeatAt, detail) => {
      const view = describeProgress(runningRun({ type: "baseline_compare", startedAt, heartbeatAt }), NOW, {
        staleAfterMs: 10 * 60 * 60_000,
      });
      expect(view).toMatchObject({ mode: "activity", label: "Comparing baseline", detail });
    });

    it("says Running for 2 h 5 min when a stale heartbeat says nothing recent", () => {
      const view = describeProgress(runningRun({ startedAt: minutesAgo(125), heartbeatAt: minutesAgo(100) }), NOW);
      expect(view).toMatchObject({ mode: "activity", detail: "Running for 2 h 5 min", stale: true });
    });

    it.each([
      [0, "0 s"],
      [999, "0 s"],
      [45_000, "45 s"],
      [60_000, "1 min"],
      [3_599_000, "59 min"],
      [3_600_000, "1 h"],
      [7_500_000, "2 h 5 min"],
      [86_400_000, "1 d"],
      [90_000_000, "1 d 1 h"],
      [-5, "0 s"],
      [Number.NaN, "0 s"],
    ])("formatDuration(%d) = %s", (ms, text) => {
      expect(formatDuration(ms)).toBe(text);
    });
  });

  describe("staleness", () => {
    const modes: [string, OperationRun][] = [
      ["phased", withProgress("baseline_compare", { phase: "compare" })],
      ["composite", withProgress("tenant.review.compose", { composite: VALID_COMPOSITE })],
      ["counted", withProgress("evidence_snapshot.generate", {}, { total: 4, processed: 1 })],
      ["activity", withProgress("baseline_capture", {})],
    ];

    it.each(modes)("marks a %s run stale with the time of its last activity", (mode, run) => {
      const view = describeProgress({ ...run, startedAt: minutesAgo(30), heartbeatAt: minutesAgo(10) }, NOW);
      expect(view).toMatchObject({ mode, stale: true, staleDetail: "No activity since 10:40" });
    });

    it.each(modes)("does not mark a fresh %s run stale", (mode, run) => {
      const view = describeProgress({ ...run, startedAt: minutesAgo(30), heartbeatAt: minutesAgo(4) }, NOW);
      expect(view).toMatchObject({ mode, stale: false });
      expect(view).not.toHaveProperty("staleDetail");
    });

    it.each(modes)("uses startedAt for a %s run without heartbeat, and honours staleAfterMs", (mode, run) => {
      const noHeartbeat = { ...run, startedAt: minutesAgo(2), heartbeatAt: null };
      expect(describeProgress(noHeartbeat, NOW)).toMatchObject({ mode, stale: false });
      expect(describeProgress(noHeartbeat, NOW, { staleAfterMs: 60_000 })).toMatchObject({
        mode,
        stale: true,
        staleDetail: "No activity since 10:48",
      });
    });

    it("adds the date when the last activity is more than a day old", () => {
      const view = describeProgress(runningRun({ startedAt: minutesAgo(3000), heartbeatAt: minutesAgo(2000) }), NOW);
      expect(view).toMatchObject({ stale: true, staleDetail: "No activity since 6 Jan 01:30" });
    });

    it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])(
      "uses the 5 min default for staleAfterMs %d",
      (staleAfterMs) => {
        const run = runningRun({ startedAt: minutesAgo(10), heartbeatAt: minutesAgo(6) });
        expect(describeProgress(run, NOW, { staleAfterMs })).toMatchObject({ stale: true });
        expect(describeProgress({ ...run, heartbeatAt: minutesAgo(4) }, NOW, { staleAfterMs })).toMatchObject({
          stale: false,
        });
      },
    );
  });

  describe("hostile metadata", () => {
    const throwingGetter = Object.defineProperty({}, "phase", {
      enumerable: true,
      get() {
        throw new Error("SECRET_MARKER_getter at /srv/app/job.ts:12");
      },
    });
    const throwingProxy = new Proxy(
      {},
      {
        get() {
          throw new Error("SECRET_MARKER_proxy");
        },
        getOwnPropertyDescriptor() {
          throw new Error("SECRET_MARKER_proxy");
        },
        ownKeys() {
          throw new Error("SECRET_MARKER_proxy");
        },
        getPrototypeOf() {
          throw new Error("SECRET_MARKER_proxy");
        },
      },
    );
    class PhaseCarrier {
      phase = "compare";
    }
    const hostileProgress: unknown[] = [
      null,
      [],
      [{ phase: "compare" }],
      42,
      Number.NaN,
      true,
      "compare",
      "x".repeat(10_000),
      { phase: "__proto__" },
      { phase: "constructor" },
      { phase: "toString" },
      { phase: 7 },
      { phase: ["compare"] },
      { phase: { key: "compare" } },
      { phase: "COMPARE" },
      { phase: " compare" },
      { phase: "SECRET_MARKER_phase" },
      { phase: "Error: connect ECONNRESET 10.0.0.1:443\n    at TLSSocket.onConnectEnd (node:_tls_wrap:1727:19)" },
      { phase: "/etc/passwd" },
      { phase: "C:\\Users\\admin\\secrets.json" },
      { phase: "https://graph.microsoft.com/v1.0/deviceManagement?token=SECRET_MARKER" },
      { phase: `compare${"x".repeat(100_000)}` },
      { composite: Number.NaN },
      JSON.parse('{"__proto__": {"phase": "compare"}}'),
      Object.create({ phase: "compare" }),
      new PhaseCarrier(),
      new Date(0),
      new Map([["phase", "compare"]]),
      throwingGetter,
      throwingProxy,
    ];

    // Titles use the index: formatting a throwing getter or Proxy for the title would itself throw.
    it.each(hostileProgress.map((progress, index) => [index, progress] as const))(
      "falls back to activity and leaks nothing for hostile progress #%i",
      (_index, progress) => {
        const view = describeProgress(withProgress("baseline_compare", progress), NOW);
        expect(view.mode).toBe("activity");
        expect(view).toMatchObject({ label: "Comparing baseline", detail: "Running for 3 min" });
        expectNoLeak(view);
      },
    );

    it.each(
      [null, [], "SECRET_MARKER_context", 42, throwingProxy, Object.create({ progress: { phase: "compare" } })].map(
        (context, index) => [index, context] as const,
      ),
    )("treats hostile context #%i as no metadata", (_index, context) => {
      const view = describeProgress(runningRun({ context: context as OperationRun["context"] }), NOW);
      expect(view).toMatchObject({ mode: "activity", detail: "Running for 3 min" });
      expectNoLeak(view);
    });

    it("returns a safe view instead of throwing when the run itself cannot be read", () => {
      const run = new Proxy(runningRun(), {
        get(target, key) {
          if (key === "type" || key === "context") {
            throw new Error("SECRET_MARKER_run");
          }
          return Reflect.get(target, key);
        },
      });
      const view = describeProgress(run, NOW);
      expect(view).toMatchObject({ mode: "activity", label: "Working", stale: false });
      expectNoLeak(view);
    });

    it("returns mode none when even the status cannot be read", () => {
      const run = new Proxy(runningRun(), {
        get() {
          throw new Error("SECRET_MARKER_run");
        },
      });
      expect(describeProgress(run, NOW)).toEqual({ mode: "none", label: "Unknown status" });
    });

    it("survives an invalid now", () => {
      const view = describeProgress(runningRun(), new Date(Number.NaN));
      expect(view).toMatchObject({ mode: "activity", stale: false });
    });
  });
});

describe("describeProgress properties", () => {
  const marker = fc.string({ maxLength: 20 }).map((text) => `SECRET_MARKER_${text}`);
  const catalogKeys = fc.constantFrom(
    "phase",
    "composite",
    "waitReason",
    "waitUntil",
    "total",
    "processed",
    "byOutcome",
    "byType",
    "succeeded",
    "failed",
    "__proto__",
    "constructor",
  );
  const phaseKeys = fc.constantFrom(
    ...BASELINE_COMPARE_PHASES.map((p) => p.key),
    ...BASELINE_CAPTURE_PHASES.map((p) => p.key),
  );
  const countish = fc.oneof(
    fc.integer({ min: -5, max: 500 }),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 60),
    marker,
  );
  /** Hostile JSON-ish and non-plain values whose every string is a marker. */
  const hostile = fc.anything({
    key: fc.oneof(catalogKeys, marker),
    values: [marker, phaseKeys, countish, fc.boolean(), fc.constant(null), fc.constant(undefined)],
    maxDepth: 4,
    withNullPrototype: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withBoxedValues: true,
    withSparseArray: true,
  });
  const progressArb = fc.oneof(
    hostile,
    fc.record(
      {
        phase: fc.oneof(phaseKeys, marker, countish),
        waitReason: fc.oneof(fc.constantFrom("throttled", "retry_backoff"), marker),
        waitUntil: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          marker,
        ),
        composite: fc.oneof(
          hostile,
          fc.record({ total: countish, byOutcome: fc.dictionary(fc.oneof(catalogKeys, marker), countish) }),
        ),
      },
      { requiredKeys: [] },
    ),
  );
  const countsArb = fc.oneof(
    hostile,
    fc.record({ total: countish, processed: countish, skipped: countish }, { requiredKeys: [] }),
  );
  const typeArb = fc.oneof(fc.constantFrom(...Object.keys(RUN_TYPES), "__proto__", "toString"), marker);
  const statusArb = fc.oneof(fc.constantFrom("queued", "running", "completed", "running"), marker);
  const dateArb = fc.oneof(fc.date(), fc.constant(null));
  const runArb = fc
    .record({
      type: typeArb,
      status: statusArb,
      progress: progressArb,
      summaryCounts: countsArb,
      heartbeatAt: dateArb,
      startedAt: dateArb,
    })
    .map(({ progress, ...rest }) => runningRun({ ...rest, context: { progress } }));

  it("never throws, never leaks a stored string, and carries percent iff counted", () => {
    fc.assert(
      fc.property(runArb, fc.option(fc.string(), { nil: undefined }), (run, timeZone) => {
        const view = describeProgress(run, NOW, timeZone === undefined ? {} : { timeZone });
        expect(JSON.stringify(view)).not.toContain("SECRET_MARKER");
        expect("percent" in view).toBe(view.mode === "counted");
        if (view.mode === "counted") {
          expect(Number.isInteger(view.percent)).toBe(true);
          expect(view.percent).toBeGreaterThanOrEqual(0);
          expect(view.percent).toBeLessThanOrEqual(100);
        }
        expect(view.mode === "none").toBe(run.status !== "running");
        if (view.mode !== "none") {
          expect(typeof view.stale).toBe("boolean");
          expect("staleDetail" in view).toBe(view.stale);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("survives fc.anything() and fc.jsonValue() in every untrusted slot", () => {
    fc.assert(
      fc.property(fc.anything(), fc.jsonValue(), typeArb, (progress, summaryCounts, type) => {
        const view = describeProgress(runningRun({ type, context: { progress }, summaryCounts }), NOW);
        expect(["activity", "counted", "phased", "composite"]).toContain(view.mode);
        expect("percent" in view).toBe(view.mode === "counted");
      }),
    );
  });

  it("keeps truthful counts counted with percent = floor(100·processed/total)", () => {
    const counts = fc
      .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
      .chain((total) => fc.record({ total: fc.constant(total), processed: fc.integer({ min: 0, max: total }) }));
    fc.assert(
      fc.property(
        counts,
        fc.constantFrom("evidence_snapshot.generate", "baseline_compare", "unknown_type"),
        (c, type) => {
          const view = describeProgress(withProgress(type, {}, c), NOW);
          expect(view.mode).toBe("counted");
          if (view.mode === "counted") {
            expect(view.percent).toBe(Math.floor((100 * c.processed) / c.total));
          }
        },
      ),
    );
  });

  it("never phases run types without a phase catalog, whatever the phase", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("evidence_snapshot.generate", "tenant.review.compose"),
        fc.oneof(fc.string(), phaseKeys),
        (type, phase) => {
          expect(describeProgress(withProgress(type, { phase }), NOW).mode).not.toBe("phased");
        },
      ),
    );
  });

  it("applies precedence phased > composite > counted > activity", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(RUN_TYPES)),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (type, hasPhase, hasComposite, hasCounts) => {
          const info = RUN_TYPES[type as keyof typeof RUN_TYPES];
          const progress = {
            ...(hasPhase ? { phase: "capture_evidence" } : {}),
            ...(hasComposite ? { composite: VALID_COMPOSITE } : {}),
          };
          const view = describeProgress(withProgress(type, progress, hasCounts ? { total: 9, processed: 3 } : {}), NOW);
          const expected =
            hasPhase && "phases" in info
              ? "phased"
              : hasComposite && info.compositeAware
                ? "composite"
                : hasCounts
                  ? "counted"
                  : "activity";
          expect(view.mode).toBe(expected);
        },
      ),
    );
  });

  it("marks stale exactly when the last sign of life is older than the threshold, in every mode", () => {
    const fixtures = [
      withProgress("baseline_compare", { phase: "compare" }),
      withProgress("tenant.review.compose", { composite: VALID_COMPOSITE }),
      withProgress("evidence_snapshot.generate", {}, { total: 4, processed: 1 }),
      withProgress("baseline_capture", {}),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.integer({ min: 0, max: 3 * 24 * 3600 }),
        fc.integer({ min: 0, max: 24 * 3600_000 }),
        (run, ageSeconds, staleAfterMs) => {
          const heartbeatAt = secondsAgo(ageSeconds);
          const view = describeProgress({ ...run, startedAt: heartbeatAt, heartbeatAt }, NOW, { staleAfterMs });
          expect(view.mode).not.toBe("none");
          if (view.mode === "none") return;
          expect(view.stale).toBe(ageSeconds * 1000 > staleAfterMs);
          expect(view.staleDetail?.startsWith("No activity since ") ?? !view.stale).toBe(true);
        },
      ),
    );
  });
});

describe("describeProgress phased count words", () => {
  it("adds the counts of the current phase as words, never as a percentage", () => {
    const view = describeProgress(
      runningRun({
        type: "baseline_compare",
        context: { progress: { phase: "capture_evidence" } },
        summaryCounts: { total: 87, processed: 41 },
      }),
      NOW,
    );
    expect(view).toMatchObject({ mode: "phased", detail: "Step 2 of 4", countDetail: "41 of 87 policies" });
    expect(view).not.toHaveProperty("percent");
  });

  it.each([
    { total: 87, processed: 88 },
    { total: 0, processed: 0 },
    { total: 87 },
    { total: 87.5, processed: 3 },
    { total: "87", processed: "41" },
  ])("leaves the count words out for invalid counts %j", (summaryCounts) => {
    const view = describeProgress(
      runningRun({ type: "baseline_compare", context: { progress: { phase: "capture_evidence" } }, summaryCounts }),
      NOW,
    );
    expect(view.mode).toBe("phased");
    expect(view).not.toHaveProperty("countDetail");
  });
});
