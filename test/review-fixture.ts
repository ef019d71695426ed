/**
 * A realistic tenant review (TenantReviewDocument) for renderer tests: two baseline profiles, one
 * drifted, a month of compares, failures with operator-safe reasons, and hostile strings in every
 * place stored text can reach (names, setting values, reasons, notes). It validates against
 * reviewSectionsSchema (review-fixture tests assert that).
 */
import type { NotableFinding, ReviewSection, TenantReviewDocument } from "../src/reviews/review-content.js";

/** Markdown and HTML control characters in one string: pipes, heading, HTML, code, quote, list, emphasis, link. */
export const HOSTILE_TEXT = "| # <script>alert(1)</script> `tick` > quote - item *em* [link](http://x)";

/** Never stored in a review; a renderer that prints it has leaked a secret. */
export const SECRET_MARKER = "SECRET_MARKER_9f3a";

const id = (n: number) => `3f6c2a1e-8b4d-4c2e-9f1a-${String(n).padStart(12, "0")}`;

/** Ids the fixture uses, for assertions. */
export const FIXTURE_IDS = {
  review: id(1),
  workspace: id(2),
  tenant: id(3),
  composeRun: id(4),
  snapshot: id(5),
  snapshotRun: id(6),
  captureRun: id(7),
  standardProfile: id(10),
  edgeProfile: id(11),
  failedRun: id(20),
  partialRun: id(21),
  blockedRun: id(22),
  countedRuns: Array.from({ length: 14 }, (_, i) => id(100 + i)),
} as const;

const finding = (n: number, overrides: Partial<NotableFinding>): NotableFinding => ({
  findingId: id(200 + n),
  profileName: "Standard baseline",
  policyName: "Windows 11 security baseline",
  policyKind: "deviceManagementConfigurationPolicy",
  policyKindLabel: "Settings catalog policy",
  findingKind: "setting_changed",
  findingKindLabel: "Changed setting",
  settingLabel: "Minimum password length",
  expected: { kind: "value", text: "14" },
  actual: { kind: "value", text: "8" },
  status: "open",
  firstSeenAt: "2026-11-04T09:15:00.000Z",
  ...overrides,
});

/** The fixture's sections, in canonical order. */
export function buildReviewSections(): ReviewSection[] {
  return [
    {
      kind: "executive_summary",
      headline: "Drifted from 1 of 2 baseline profiles; 14 operations, 1 failed.",
      points: [
        "4 unresolved drift findings, 2 fewer than at the previous review.",
        `A point with hostile text: ${HOSTILE_TEXT}`,
      ],
      posture: "drifted",
      unresolvedFindingCount: 4,
      operationCount: 14,
      failedOperationCount: 1,
    },
    {
      kind: "baseline_posture",
      previousReview: { reviewId: id(30), periodLabel: "October 2026" },
      profiles: [
        {
          profileId: FIXTURE_IDS.standardProfile,
          profileName: "Standard baseline",
          state: "drifted",
          lastComparedAt: "2026-11-27T08:00:00.000Z",
          lastCompareRunId: id(113),
          unresolvedCount: 4,
          openCount: 3,
          reopenedCount: 1,
          resolvedCount: 3,
          unresolvedByKind: { setting_changed: 2, missing_policy: 1, setting_added: 1 },
          previousUnresolvedCount: 6,
          changeSincePrevious: -2,
        },
        {
          profileId: FIXTURE_IDS.edgeProfile,
          profileName: `Edge | browser <b>baseline</b>`,
          state: "aligned",
          lastComparedAt: "2026-11-20T08:00:00.000Z",
          lastCompareRunId: id(112),
          unresolvedCount: 0,
          openCount: 0,
          reopenedCount: 0,
          resolvedCount: 1,
          unresolvedByKind: {},
          previousUnresolvedCount: null,
          changeSincePrevious: null,
        },
      ],
    },
    {
      kind: "notable_drift",
      unresolvedCount: 4,
      findings: [
        finding(1, {
          findingKind: "missing_policy",
          findingKindLabel: "Missing policy",
          policyName: "BitLocker encryption",
          settingLabel: null,
          expected: { kind: "value", text: "Present" },
          actual: { kind: "absent" },
          firstSeenAt: "2026-11-02T08:00:00.000Z",
        }),
        finding(2, {}),
        finding(3, {
          settingLabel: "Wi-Fi pre-shared key",
          expected: { kind: "redacted" },
          actual: { kind: "redacted" },
          status: "reopened",
        }),
        finding(4, {
          policyName: HOSTILE_TEXT,
          findingKind: "setting_added",
          findingKindLabel: "Added setting",
          settingLabel: "# Heading | pipe",
          expected: { kind: "absent" },
          actual: { kind: "value", text: "line one\nline two | `x` <img src=x onerror=alert(1)>" },
        }),
      ],
      chart: [
        { at: "2026-11-02T08:00:00.000Z", profileName: "Standard baseline", unresolvedCount: 6 },
        { at: "2026-11-06T08:00:00.000Z", profileName: "Edge | browser <b>baseline</b>", unresolvedCount: 1 },
        { at: "2026-11-09T08:00:00.000Z", profileName: "Standard baseline", unresolvedCount: 7 },
        { at: "2026-11-16T08:00:00.000Z", profileName: "Standard baseline", unresolvedCount: 5 },
        { at: "2026-11-20T08:00:00.000Z", profileName: "Edge | browser <b>baseline</b>", unresolvedCount: 0 },
        { at: "2026-11-27T08:00:00.000Z", profileName: "Standard baseline", unresolvedCount: 4 },
      ],
    },
    {
      kind: "operations_health",
      total: 14,
      byOutcome: { succeeded: 11, partially_succeeded: 1, failed: 1, blocked: 1 },
      byType: [
        {
          type: "baseline_compare",
          typeLabel: "Baseline compare",
          total: 8,
          byOutcome: { succeeded: 6, partially_succeeded: 1, failed: 1 },
        },
        { type: "baseline_capture", typeLabel: "Baseline capture", total: 4, byOutcome: { succeeded: 3, blocked: 1 } },
        {
          type: "evidence_snapshot.generate",
          typeLabel: "Evidence snapshot",
          total: 2,
          byOutcome: { succeeded: 2 },
        },
      ],
      failures: [
        {
          runId: FIXTURE_IDS.failedRun,
          typeLabel: "Baseline compare",
          outcome: "failed",
          outcomeLabel: "Failed",
          completedAt: "2026-11-12T10:42:00.000Z",
          reason: "The tenant's evidence source could not be read.",
        },
        {
          runId: FIXTURE_IDS.partialRun,
          typeLabel: "Baseline compare",
          outcome: "partially_succeeded",
          outcomeLabel: "Partially succeeded",
          completedAt: "2026-11-16T08:03:00.000Z",
          reason: `Some policies in the tenant's evidence source could not be read. ${HOSTILE_TEXT}`,
        },
        {
          runId: FIXTURE_IDS.blockedRun,
          typeLabel: "Baseline capture",
          outcome: "blocked",
          outcomeLabel: "Blocked",
          completedAt: "2026-11-03T07:30:00.000Z",
          reason: "The tenant has no evidence source connected.",
        },
      ],
      activeRunCount: 1,
    },
    {
      kind: "evidence_basis",
      snapshotId: FIXTURE_IDS.snapshot,
      snapshotRunId: FIXTURE_IDS.snapshotRun,
      generatedAt: "2026-12-01T06:00:00.000Z",
      generatedByCompose: true,
      windowStart: "2026-11-01T00:00:00.000Z",
      windowEnd: "2026-12-01T00:00:00.000Z",
      asOf: "2026-12-01T06:00:00.000Z",
      sources: ["Export folder (Intune Management)"],
      inventory: {
        captureRunId: FIXTURE_IDS.captureRun,
        capturedAt: "2026-11-27T07:58:00.000Z",
        policyCount: 87,
        unreadableCount: 2,
        byKind: [
          { policyKind: "deviceManagementConfigurationPolicy", label: "Settings catalog policy", count: 52 },
          { policyKind: "windows10CompliancePolicy", label: "Windows compliance policy", count: 20 },
          { policyKind: "someFutureKind", label: "Some future kind", count: 15 },
        ],
      },
      countedRunIds: [...FIXTURE_IDS.countedRuns],
      notes: ["Policies from 2 unreadable export files are not covered.", `Hostile note: ${HOSTILE_TEXT}`],
    },
  ];
}

/** A ready review of "Contoso <Ltd> | #1" for November 2026; override any field. */
export function buildReviewFixture(overrides: Partial<TenantReviewDocument> = {}): TenantReviewDocument {
  return {
    id: FIXTURE_IDS.review,
    workspaceId: FIXTURE_IDS.workspace,
    tenantId: FIXTURE_IDS.tenant,
    tenantName: "Contoso <Ltd> | #1",
    entraTenantId: "0b4e9c1a-7d2f-4e8b-9a6c-5f3e2d1c0b9a",
    periodStart: "2026-11-01T00:00:00.000Z",
    periodEnd: "2026-12-01T00:00:00.000Z",
    periodLabel: "November 2026",
    status: "ready",
    runId: FIXTURE_IDS.composeRun,
    evidenceSnapshotId: FIXTURE_IDS.snapshot,
    createdAt: "2026-12-01T06:00:05.000Z",
    readyAt: "2026-12-01T06:00:09.000Z",
    sections: buildReviewSections(),
    ...overrides,
  };
}
