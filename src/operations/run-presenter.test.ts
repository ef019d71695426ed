import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRun, FIXTURE_NOW, FIXTURE_RUN_ID, minutesAgo } from "../../test/run-fixture.js";
import {
  describeQueuedToast,
  describeRunHeadline,
  describeRunResult,
  describeShellItem,
  describeSummaryCounts,
  describeTerminalNotification,
  describeTimelineEvent,
  runUrl,
} from "./run-presenter.js";
import type { OperationRun, RunFailure } from "./run-record.js";
import { RUN_TYPES } from "./run-types.js";

const NOW = FIXTURE_NOW;
const ID = FIXTURE_RUN_ID;

function storedRun(overrides: Partial<OperationRun> = {}): OperationRun {
  return buildRun({ initiatorUserId: "user-1", ...overrides });
}

const failureOf = (code: string): RunFailure => ({
  code,
  message: "SECRET_MARKER stored message",
  diagnostics: "Error: SECRET_MARKER\n    at readPolicies (/srv/app/inventory/export-folder-source.ts:42:7)",
});

const completed = (type: string, outcome: string, extra: Partial<OperationRun> = {}) =>
  storedRun({ type, status: "completed", outcome, completedAt: NOW, ...extra });

describe("runUrl", () => {
  it("is the canonical /operations/{id}", () => {
    expect(runUrl(ID)).toBe(`/operations/${ID}`);
  });

  it.each([
    ["../../admin", "/operations/..%2F..%2Fadmin"],
    ["a b?c#d", "/operations/a%20b%3Fc%23d"],
    ["\uD800", "/operations"],
  ])("encodes the unusual id %j", (id, url) => {
    expect(runUrl(id)).toBe(url);
  });
});

describe("describeQueuedToast", () => {
  it("announces a new run", () => {
    expect(describeQueuedToast(storedRun({ status: "queued" }), { created: true })).toEqual({
      title: "Baseline compare queued",
      body: "It runs in the background; you can keep working.",
      action: { label: "View operation", url: `/operations/${ID}` },
    });
  });

  it("points at the existing run when the same work is already active", () => {
    expect(describeQueuedToast(storedRun(), { created: false })).toMatchObject({
      title: "Baseline compare is already running",
      action: { label: "View operation", url: `/operations/${ID}` },
    });
  });

  it("says an existing run is queued, not running, while it waits for a worker", () => {
    expect(describeQueuedToast(storedRun({ status: "queued" }), { created: false }).title).toBe(
      "Baseline compare is already queued",
    );
  });

  it("uses generic copy for an unknown run type, never the stored type", () => {
    const toast = describeQueuedToast(storedRun({ type: "SECRET_MARKER_type" }), { created: true });
    expect(toast.title).toBe("Operation queued");
  });
});

describe("describeShellItem", () => {
  it("combines type label, tenant, progress, status and the one action", () => {
    const run = storedRun({ context: { progress: { phase: "compare" } } });
    expect(describeShellItem(run, "Contoso Ltd", NOW)).toEqual({
      title: "Baseline compare",
      subtitle: "Contoso Ltd",
      progress: expect.objectContaining({ mode: "phased", label: "Comparing against baseline", detail: "Step 3 of 4" }),
      status: { status: "running", label: "Running", tone: "info", terminal: false },
      action: { label: "View operation", url: `/operations/${ID}` },
    });
  });

  it.each([
    [null, "tenant-1", "Unknown tenant"],
    ["   ", "tenant-1", "Unknown tenant"],
    [null, null, "Workspace"],
    ["  Fabrikam  ", "tenant-2", "Fabrikam"],
  ])("names the tenant %j (tenant id %j) as %s", (tenantName, tenantId, subtitle) => {
    expect(describeShellItem(storedRun({ tenantId }), tenantName, NOW).subtitle).toBe(subtitle);
  });

  it("passes staleness options to both progress and status", () => {
    const run = storedRun({ startedAt: minutesAgo(3), heartbeatAt: minutesAgo(2) });
    const item = describeShellItem(run, "Contoso", NOW, { staleAfterMs: 60_000 });
    expect(item.progress).toMatchObject({ stale: true, staleDetail: "No activity since 10:48" });
    expect(item.status.status).toBe("stalled");
  });
});

describe("describeTerminalNotification", () => {
  it.each([
    [
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 12 } } }),
      "Baseline compare finished: 12 drift findings",
    ],
    [
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 1 } } }),
      "Baseline compare finished: 1 drift finding",
    ],
    [
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 0 } } }),
      "Baseline compare finished: no drift findings",
    ],
    [
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 1234 } } }),
      "Baseline compare finished: 1,234 drift findings",
    ],
    [completed("baseline_compare", "succeeded", { context: { result: {} } }), "Baseline compare finished"],
    [
      completed("baseline_capture", "succeeded", { context: { result: { policyCount: 87 } } }),
      "Baseline capture finished: 87 policies captured",
    ],
    [
      completed("baseline_capture", "succeeded", { context: { result: { policyCount: 1 } } }),
      "Baseline capture finished: 1 policy captured",
    ],
    [
      completed("baseline_compare", "partially_succeeded", {
        context: { result: { findingCount: 3, unknownPolicyCount: 2 } },
        failure: failureOf("evidence_partially_unreadable"),
      }),
      "Baseline compare partially succeeded: 3 drift findings; some policies could not be read",
    ],
    [
      completed("baseline_capture", "partially_succeeded"),
      "Baseline capture partially succeeded: some policies could not be read",
    ],
    [
      completed("baseline_capture", "failed", { failure: failureOf("evidence_source_unreachable") }),
      "Baseline capture failed: the tenant's evidence source could not be read.",
    ],
    [
      completed("baseline_compare", "blocked", { failure: failureOf("no_baseline_snapshot") }),
      "Baseline compare blocked: This baseline profile has no snapshot yet. Capture a baseline first.",
    ],
    [
      completed("baseline_compare", "failed", { failure: failureOf("SECRET_MARKER_code") }),
      "Baseline compare failed: the operation failed unexpectedly. The details were recorded.",
    ],
    [
      completed("baseline_compare", "failed"),
      "Baseline compare failed: the operation failed unexpectedly. The details were recorded.",
    ],
    [completed("evidence_snapshot.generate", "succeeded"), "Evidence snapshot finished"],
    [
      completed("tenant.review.compose", "partially_succeeded", {
        failure: failureOf("evidence_partially_unreadable"),
      }),
      "Tenant review partially succeeded: some policies in the tenant's evidence source could not be read",
    ],
    [completed("tenant.review.compose", "partially_succeeded"), "Tenant review partially succeeded"],
    [completed("baseline_compare", "cancelled"), "Baseline compare cancelled"],
    [completed("baseline_compare", "SECRET_MARKER_outcome"), "Baseline compare finished with an unknown outcome"],
    [completed("SECRET_MARKER_type", "succeeded"), "Operation finished"],
    [storedRun({ status: "running" }), "Baseline compare: Running"],
  ])("titles the run %# as %s", (run, title) => {
    const notification = describeTerminalNotification(run);
    expect(notification.title).toBe(title);
    expect(notification.url).toBe(`/operations/${ID}`);
    expect(JSON.stringify(notification)).not.toMatch(/SECRET_MARKER|\/srv\/|\bat \S+ \(/);
  });

  it("puts counts that need more words into the body", () => {
    const run = completed("baseline_compare", "partially_succeeded", {
      context: { result: { findingCount: 3, openFindingCount: 1, unknownPolicyCount: 2 } },
    });
    expect(describeTerminalNotification(run).body).toBe(
      "1 drift finding open; 2 baseline policies could not be compared because they could not be read from the tenant; drift is unknown for them.",
    );
    const capture = completed("baseline_capture", "succeeded", {
      context: { result: { policyCount: 87, unreadableCount: 1 } },
    });
    expect(describeTerminalNotification(capture).body).toBe("1 policy entry could not be read.");
  });

  it("names the policy kinds a capture could not read, by their catalog labels", () => {
    const run = completed("baseline_compare", "partially_succeeded", {
      context: {
        result: {
          findingCount: 0,
          unknownPolicyCount: 4,
          unreadablePolicyKinds: ["windows10CompliancePolicy", "macOSCompliancePolicy"],
        },
      },
      failure: failureOf("evidence_partially_unreadable"),
    });
    const notification = describeTerminalNotification(run);
    expect(notification.title).toBe(
      "Baseline compare partially succeeded: no drift findings; could not read Windows compliance policy, macOS compliance policy",
    );
    expect(notification.body).toContain(
      "Could not read these policy kinds: Windows compliance policy, macOS compliance policy",
    );
    expect(describeRunResult(run)).toContain(
      "Policy kinds not read: Windows compliance policy, macOS compliance policy",
    );
  });

  it("drops a malformed unreadable-kinds list instead of showing it", () => {
    const run = completed("baseline_capture", "partially_succeeded", {
      context: { result: { policyCount: 3, unreadablePolicyKinds: ["<script>", 5] } },
    });
    expect(describeTerminalNotification(run).title).toBe(
      "Baseline capture partially succeeded: 3 policies captured; some policies could not be read",
    );
    expect(JSON.stringify(describeRunResult(run))).not.toContain("script");
  });

  it("keeps the capital of a name that starts a failure sentence", () => {
    const run = completed("baseline_capture", "failed", { failure: failureOf("graph_sign_in_failed") });
    expect(describeTerminalNotification(run).title).toMatch(/^Baseline capture failed: Microsoft Entra ID refused/);
    const folder = completed("baseline_capture", "failed", { failure: failureOf("evidence_source_unreachable") });
    expect(describeTerminalNotification(folder).title).toMatch(/^Baseline capture failed: the tenant's/);
  });

  it("says a run cancelled while queued never started", () => {
    const queuedThenCancelled = completed("baseline_compare", "cancelled", { startedAt: null });
    expect(describeTerminalNotification(queuedThenCancelled).body).toBe(
      "The operation was cancelled before it started.",
    );
  });

  it("uses the failure sentence as the body of failed and blocked runs", () => {
    const run = completed("baseline_capture", "failed", { failure: failureOf("evidence_source_unreachable") });
    expect(describeTerminalNotification(run).body).toBe("The tenant's evidence source could not be read.");
  });

  it.each([
    ["negative", { findingCount: -1 }],
    ["fractional", { findingCount: 1.5 }],
    ["string", { findingCount: "12" }],
    ["NaN", { findingCount: Number.NaN }],
    ["array", [12]],
    ["string result", "SECRET_MARKER 12 findings"],
    ["inherited", Object.create({ findingCount: 12 })],
    ["__proto__", JSON.parse('{"__proto__": {"findingCount": 12}}')],
  ])("drops a malformed compare result (%s) instead of guessing", (_name, result) => {
    const notification = describeTerminalNotification(
      completed("baseline_compare", "succeeded", { context: { result } }),
    );
    expect(notification.title).toBe("Baseline compare finished");
    expect(notification.body).toBe("View the operation for details.");
  });

  it("reads the known keys of a result with extra keys and never echoes the extra text", () => {
    const notification = describeTerminalNotification(
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 12, note: "SECRET_MARKER" } } }),
    );
    expect(notification.title).toBe("Baseline compare finished: 12 drift findings");
    expect(JSON.stringify(notification)).not.toContain("SECRET_MARKER");
  });

  it("never throws and never echoes stored text (property)", () => {
    const marker = fc.string().map((text) => `SECRET_MARKER_${text}`);
    const anyWithMarkers = fc.anything({
      values: [marker, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)],
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...Object.keys(RUN_TYPES)), marker),
        fc.oneof(fc.constantFrom("succeeded", "partially_succeeded", "failed", "blocked", "cancelled"), marker),
        fc.oneof(
          anyWithMarkers,
          fc.record(
            {
              findingCount: fc.integer({ min: -2, max: 1e6 }),
              policyCount: fc.integer(),
              unknownPolicyCount: fc.integer(),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.oneof(anyWithMarkers, fc.record({ code: marker, message: marker, diagnostics: marker })),
        (type, outcome, result, failure) => {
          const run = completed(type, outcome, { context: { result }, failure: failure as RunFailure });
          const notification = describeTerminalNotification(run);
          const headline = describeRunHeadline(run, NOW);
          expect(JSON.stringify([notification, headline])).not.toContain("SECRET_MARKER");
          expect(headline).toBe(notification.title);
        },
      ),
    );
  });
});

describe("describeRunHeadline", () => {
  it.each([
    [storedRun({ status: "queued" }), "Baseline compare queued"],
    [
      storedRun({ context: { progress: { phase: "compare" } } }),
      "Baseline compare · Comparing against baseline · Step 3 of 4",
    ],
    [
      storedRun({ type: "evidence_snapshot.generate", summaryCounts: { total: 450, processed: 120 } }),
      "Evidence snapshot · Generating evidence snapshot · 120 of 450 evidence sources (26%)",
    ],
    [
      storedRun({ startedAt: minutesAgo(30), heartbeatAt: minutesAgo(10) }),
      "Baseline compare · Comparing baseline · Running for 30 min · No activity since 10:40",
    ],
    [
      storedRun({
        context: {
          progress: { phase: "capture_evidence", waitReason: "throttled", waitUntil: "2025-01-07T10:52:00Z" },
        },
      }),
      "Baseline compare · Capturing current tenant policies · Step 2 of 4 · Waiting for Microsoft Graph to accept more requests (next attempt 10:52)",
    ],
    [
      completed("baseline_compare", "succeeded", { context: { result: { findingCount: 12 } } }),
      "Baseline compare finished: 12 drift findings",
    ],
    [storedRun({ status: "SECRET_MARKER" }), "Baseline compare · Unknown status"],
  ])("describes run %# as %s", (run, headline) => {
    expect(describeRunHeadline(run, NOW)).toBe(headline);
  });
});

describe("describeTimelineEvent", () => {
  it.each([
    [{ status: "queued", outcome: null, phase: null, attempt: 0 }, "Queued"],
    [{ status: "running", outcome: null, phase: null, attempt: 1 }, "Started"],
    [{ status: "running", outcome: null, phase: null, attempt: 2 }, "Attempt 2 started, resuming"],
    [{ status: "running", outcome: null, phase: "capture_evidence", attempt: 2 }, "Capturing current tenant policies"],
    [{ status: "running", outcome: null, phase: "SECRET_MARKER_phase", attempt: 1 }, "Started"],
    [
      { status: "completed", outcome: "partially_succeeded", phase: "record_findings", attempt: 1 },
      "Partially succeeded",
    ],
    [{ status: "completed", outcome: "SECRET_MARKER", phase: null, attempt: 1 }, "Completed (outcome unknown)"],
    [{ status: "SECRET_MARKER", outcome: null, phase: null, attempt: "x" }, "Unknown status"],
  ])("describes %j as %s, never echoing stored keys", (event, label) => {
    expect(describeTimelineEvent("baseline_compare", event)).toBe(label);
  });
});

describe("describeSummaryCounts", () => {
  it("says processed of total with the unit noun and other whitelisted counts", () => {
    expect(describeSummaryCounts("baseline_compare", { total: 87, processed: 41, failed: 2 })).toBe(
      "41 of 87 policies processed · 2 failed",
    );
  });

  it.each([{}, null, [], { total: -1 }, { processed: 1.5 }, { SECRET_MARKER: 3 }, "12 of 40"])(
    "shows nothing for %j",
    (counts) => {
      expect(describeSummaryCounts("baseline_compare", counts)).toBeUndefined();
    },
  );
});

describe("describeTerminalNotification with a tenant name", () => {
  it("names the tenant first, so stacked notifications can be told apart", () => {
    const run = buildRun({ status: "completed", outcome: "succeeded", context: { result: { findingCount: 4 } } });
    expect(describeTerminalNotification(run, { tenantName: "Fabrikam" }).title).toBe(
      "Fabrikam: Baseline compare finished: 4 drift findings",
    );
  });
});
