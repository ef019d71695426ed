import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRun, FIXTURE_NOW, minutesAgo } from "../../test/run-fixture.js";
import type { OperationRun } from "./run-record.js";
import {
  DEFAULT_STALE_AFTER_MS,
  DISPLAY_STATUS_CATALOG,
  DISPLAY_STATUSES,
  findLastActivityMs,
  normalizeStatus,
} from "./status-normalizer.js";

const NOW = FIXTURE_NOW;

function storedRun(overrides: Partial<OperationRun> = {}): OperationRun {
  return buildRun({ heartbeatAt: minutesAgo(1), ...overrides });
}

describe("normalizeStatus", () => {
  it.each([
    ["queued", null, { status: "queued", label: "Queued", tone: "neutral", terminal: false }],
    ["running", null, { status: "running", label: "Running", tone: "info", terminal: false }],
    ["completed", "succeeded", { status: "succeeded", label: "Succeeded", tone: "success", terminal: true }],
    [
      "completed",
      "partially_succeeded",
      { status: "partially_succeeded", label: "Partially succeeded", tone: "warning", terminal: true },
    ],
    ["completed", "failed", { status: "failed", label: "Failed", tone: "danger", terminal: true }],
    ["completed", "blocked", { status: "blocked", label: "Blocked", tone: "warning", terminal: true }],
    ["completed", "cancelled", { status: "cancelled", label: "Cancelled", tone: "neutral", terminal: true }],
  ])("maps status %s with outcome %s", (status, outcome, expected) => {
    expect(normalizeStatus(storedRun({ status, outcome }), NOW)).toEqual(expected);
  });

  it.each([null, "SECRET_MARKER", "success", "__proto__", "toString", ""])(
    "shows a completed run with outcome %j as Completed (outcome unknown)",
    (outcome) => {
      expect(normalizeStatus(storedRun({ status: "completed", outcome }), NOW)).toEqual({
        status: "completed_unknown",
        label: "Completed (outcome unknown)",
        tone: "neutral",
        terminal: true,
      });
    },
  );

  it.each(["failed", "succeeded", "cancelled"])(
    "shows the legacy status %s (outcome stored as status) as that outcome",
    (status) => {
      expect(normalizeStatus(storedRun({ status, outcome: null }), NOW).status).toBe(status);
    },
  );

  it.each(["pending", "SECRET_MARKER_status", "", "RUNNING", "__proto__", "constructor", 42, null, undefined, {}])(
    "shows the unknown stored status %j as Unknown status without throwing",
    (status) => {
      const display = normalizeStatus(storedRun({ status: status as string }), NOW);
      expect(display).toEqual({ status: "unknown", label: "Unknown status", tone: "neutral", terminal: false });
    },
  );

  it("trusts status over a stray outcome on a running run", () => {
    expect(normalizeStatus(storedRun({ status: "running", outcome: "failed" }), NOW).status).toBe("running");
  });

  describe("stalled", () => {
    it("is stalled when the heartbeat is older than the 5 min default", () => {
      const run = storedRun({ startedAt: minutesAgo(30), heartbeatAt: minutesAgo(6) });
      expect(normalizeStatus(run, NOW)).toEqual({
        status: "stalled",
        label: "Stalled",
        tone: "warning",
        terminal: false,
      });
    });

    it("is running right at the threshold and stalled just past it", () => {
      const atThreshold = new Date(NOW.getTime() - DEFAULT_STALE_AFTER_MS);
      const pastThreshold = new Date(NOW.getTime() - DEFAULT_STALE_AFTER_MS - 1);
      expect(normalizeStatus(storedRun({ startedAt: null, heartbeatAt: atThreshold }), NOW).status).toBe("running");
      expect(normalizeStatus(storedRun({ startedAt: null, heartbeatAt: pastThreshold }), NOW).status).toBe("stalled");
    });

    it("honours staleAfterMs", () => {
      const run = storedRun({ startedAt: minutesAgo(3), heartbeatAt: minutesAgo(2) });
      expect(normalizeStatus(run, NOW, { staleAfterMs: 60_000 }).status).toBe("stalled");
      expect(normalizeStatus(run, NOW, { staleAfterMs: 180_000 }).status).toBe("running");
    });

    it("uses startedAt when there is no heartbeat, and createdAt when neither is known", () => {
      expect(normalizeStatus(storedRun({ startedAt: minutesAgo(6), heartbeatAt: null }), NOW).status).toBe("stalled");
      expect(
        normalizeStatus(storedRun({ startedAt: null, heartbeatAt: null, createdAt: minutesAgo(6) }), NOW).status,
      ).toBe("stalled");
    });

    it("uses a new attempt's start over an older attempt's heartbeat", () => {
      const run = storedRun({ startedAt: minutesAgo(1), heartbeatAt: minutesAgo(20) });
      expect(findLastActivityMs(run)).toBe(minutesAgo(1).getTime());
      expect(normalizeStatus(run, NOW).status).toBe("running");
    });

    it("never calls a run stalled without evidence", () => {
      const run = storedRun({ startedAt: null, heartbeatAt: null, createdAt: new Date(Number.NaN) });
      expect(normalizeStatus(run, NOW).status).toBe("running");
      expect(normalizeStatus(storedRun({ heartbeatAt: minutesAgo(60) }), new Date(Number.NaN)).status).toBe("running");
    });

    it("does not apply to queued or completed runs", () => {
      const old = { startedAt: minutesAgo(600), heartbeatAt: minutesAgo(600) };
      expect(normalizeStatus(storedRun({ ...old, status: "queued" }), NOW).status).toBe("queued");
      expect(normalizeStatus(storedRun({ ...old, status: "completed", outcome: "failed" }), NOW).status).toBe("failed");
    });
  });

  it("says Unknown status when the run object itself throws", () => {
    const run = new Proxy(storedRun(), {
      get() {
        throw new Error("SECRET_MARKER");
      },
    });
    expect(normalizeStatus(run, NOW).status).toBe("unknown");
  });

  it("has a label, tone and terminality for every display status", () => {
    for (const key of DISPLAY_STATUSES) {
      expect(DISPLAY_STATUS_CATALOG[key].label).toMatch(/^[A-Z][a-z ()]+$/);
    }
  });

  it("never throws and never echoes stored status or outcome text (property)", () => {
    const marker = fc.string().map((text) => `SECRET_MARKER_${text}`);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom("queued", "running", "completed", "failed"), marker, fc.anything()),
        fc.oneof(fc.constantFrom("succeeded", "failed", null), marker, fc.anything()),
        fc.oneof(fc.date(), fc.constant(null), fc.anything()),
        fc.oneof(fc.date(), fc.constant(null)),
        fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined }),
        (status, outcome, heartbeatAt, startedAt, staleAfterMs) => {
          const run = storedRun({
            status: status as string,
            outcome: outcome as string | null,
            heartbeatAt: heartbeatAt as Date | null,
            startedAt,
          });
          const display = normalizeStatus(run, NOW, staleAfterMs === undefined ? {} : { staleAfterMs });
          expect(DISPLAY_STATUSES).toContain(display.status);
          expect(display).toEqual({ status: display.status, ...DISPLAY_STATUS_CATALOG[display.status] });
          expect(JSON.stringify(display)).not.toContain("SECRET_MARKER");
          expect(display.terminal).toBe(status === "completed" || ["succeeded", "failed"].includes(display.status));
        },
      ),
    );
  });
});
