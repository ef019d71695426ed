import { describe, expect, it } from "vitest";
import { SECRET_MARKER } from "../baselines/drift/normalize-policy.js";
import type { EvidenceSnapshotContent, ProfileDrift } from "../evidence/evidence-snapshot-content.js";
import type { ReviewSection } from "./review-content.js";
import {
  buildReviewSections,
  type FindingForReview,
  isSecretSettingPath,
  MAX_DISPLAY_VALUE_LENGTH,
  type ReviewSectionInput,
  toDisplayValue,
  toFailureReason,
  toSettingLabel,
} from "./review-section-factory.js";

const id = (n: number) => `5a1c2b3d-4e5f-4a6b-8c7d-${String(n).padStart(12, "0")}`;
const OCTOBER = { start: new Date("2026-10-01T00:00:00Z"), end: new Date("2026-11-01T00:00:00Z") };

function drift(overrides: Partial<ProfileDrift> = {}): ProfileDrift {
  return {
    profileId: id(1),
    profileName: "Windows baseline",
    lastCompareRunId: id(2),
    lastComparedAt: "2026-10-10T08:00:00.000Z",
    lastCompareOutcome: "succeeded",
    counts: { open: 1, resolved: 0, reopened: 0 },
    byKind: { setting_changed: { open: 1, resolved: 0, reopened: 0 } },
    unresolvedFindingIds: [id(3)],
    history: [],
    ...overrides,
  };
}

/** A section input for October 2026 whose snapshot was generated after the period ended. */
function sectionInput(
  content: Partial<EvidenceSnapshotContent> = {},
  overrides: Partial<ReviewSectionInput> = {},
): ReviewSectionInput {
  return {
    periodLabel: "October 2026",
    snapshot: {
      id: id(10),
      runId: id(11),
      completedAt: new Date("2026-11-02T09:00:00Z"),
      windowStart: OCTOBER.start,
      windowEnd: OCTOBER.end,
      content: {
        asOf: OCTOBER.end.toISOString(),
        sources: [{ key: "inventory", label: "Inventory coverage" }],
        inventory: {
          captureId: null,
          runId: null,
          runType: null,
          capturedAt: null,
          entryCount: 0,
          policyCount: 0,
          byKind: {},
          unreadableCount: 0,
        },
        drift: [],
        operations: { total: 0, byOutcome: {}, byType: {}, failures: [], activeRunCount: 0 },
        ...content,
      },
    },
    generatedByCompose: false,
    previousReview: null,
    findings: [],
    ...overrides,
  };
}

function sectionOf<K extends ReviewSection["kind"]>(input: ReviewSectionInput, kind: K) {
  const found = buildReviewSections(input).find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} section`);
  return found as Extract<ReviewSection, { kind: K }>;
}

describe("toDisplayValue", () => {
  it.each([null, undefined, "", []])("shows %j as absent", (value) => {
    expect(toDisplayValue(value)).toEqual({ kind: "absent" });
  });

  it.each([SECRET_MARKER, { value: SECRET_MARKER }, [{ omaUri: "./x", value: SECRET_MARKER }]])(
    "redacts a value holding the normaliser's secret marker: %j",
    (value) => {
      expect(toDisplayValue(value)).toEqual({ kind: "redacted" });
    },
  );

  it("redacts any value of a secret setting, whatever it holds", () => {
    expect(toDisplayValue("hunter2", { secret: true })).toEqual({ kind: "redacted" });
    expect(toDisplayValue(false, { secret: true })).toEqual({ kind: "redacted" });
  });

  it("shows scalars and lists as text and truncates long values", () => {
    expect(toDisplayValue(false)).toEqual({ kind: "value", text: "false" });
    expect(toDisplayValue(["a", "b"])).toEqual({ kind: "value", text: "a, b" });
    const long = toDisplayValue("x".repeat(5_000));
    expect(long.kind === "value" && long.text.length).toBe(MAX_DISPLAY_VALUE_LENGTH);
    expect(long.kind === "value" && long.text.endsWith("…")).toBe(true);
  });

  it("shows a choice value's option instead of the definition id it repeats", () => {
    const id = "device_vendor_msft_policy_config_defender_allowarchivescanning";
    expect(toDisplayValue(`${id}_1`, { settingId: id })).toEqual({ kind: "value", text: "1" });
  });
});

describe("isSecretSettingPath", () => {
  it.each([
    "device_vendor_msft_laps_policies_administratoraccountpassword",
    "omaSettings/./Device/Vendor/MSFT/WiFi/Profile/PreSharedKey",
    "wiFiPreSharedKey",
    "certificatePrivateKey",
    "settings/vpn_sharedsecret",
    "passwords",
    "device_vendor_msft_x_accesstoken",
  ])("treats %s as secret", (path) => {
    expect(isSecretSettingPath(path)).toBe(true);
  });

  it.each([
    "device_vendor_msft_policy_config_defender_allowarchivescanning",
    "device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockcredentialstealingfromwindowslocalsecurityauthoritysubsystem",
    "passwordMinimumLength",
    "description",
  ])("does not treat %s as secret", (path) => {
    expect(isSecretSettingPath(path)).toBe(false);
  });
});

describe("toSettingLabel", () => {
  it("drops CSP prefixes and the parent's shared prefix", () => {
    expect(toSettingLabel("device_vendor_msft_policy_config_defender_allowarchivescanning")).toBe(
      "Defender allowarchivescanning",
    );
    expect(
      toSettingLabel(
        "device_vendor_msft_policy_config_defender_attacksurfacereductionrules/device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockwebshellcreation",
      ),
    ).toBe("Defender attacksurfacereductionrules › Blockwebshellcreation");
  });

  it("splits camel case property paths", () => {
    expect(toSettingLabel("passwordRequiredType")).toBe("Password required type");
    expect(toSettingLabel("")).toBe("Setting");
  });
});

describe("toFailureReason", () => {
  it("uses the catalog sentence of a known code, else the stored operator-safe message, else the generic sentence", () => {
    expect(toFailureReason("evidence_source_unreachable", "ignored")).toBe(
      "The tenant's evidence source could not be read.",
    );
    expect(toFailureReason("legacy_code", "The export was too old.")).toBe("The export was too old.");
    expect(toFailureReason(null, null)).toBe("The operation failed unexpectedly. The details were recorded.");
  });
});

describe("toFailureReason with unreadable policy kinds", () => {
  it("names the kinds a partial read missed by their catalog labels, after the operator sentence", () => {
    expect(
      toFailureReason("evidence_partially_unreadable", null, [
        "deviceManagementConfigurationPolicy",
        "windows10CompliancePolicy",
      ]),
    ).toBe(
      "Some policies in the tenant's evidence source could not be read. Policy kinds not read: Settings catalog policy, Windows compliance policy.",
    );
  });

  it("names at most ten kinds and counts the rest", () => {
    const kinds = Array.from({ length: 12 }, (_, i) => `customKind${String.fromCharCode(97 + i)}`);
    expect(toFailureReason("evidence_partially_unreadable", null, kinds)).toMatch(/ and 2 more\.$/);
  });
});

describe("toSettingLabel placeholders", () => {
  it.each([
    [
      "device_vendor_msft_passportforwork_{tenantid}/device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork",
      "Passportforwork › Policies usepassportforwork",
    ],
    [
      "device_vendor_msft_passportforwork_{tenantid}_policies_enablepinrecovery",
      "Passportforwork policies enablepinrecovery",
    ],
    [
      "device_vendor_msft_dmclient_provider_{providerid}/device_vendor_msft_dmclient_provider_{providerid}_configrefresh_cadence",
      "Dmclient provider › Configrefresh cadence",
    ],
    ["device_vendor_msft_passportforwork_{tenantid}", "Passportforwork"],
  ])("drops CSP instance placeholders: %s", (path, label) => {
    expect(toSettingLabel(path)).toBe(label);
    expect(toSettingLabel(path)).not.toMatch(/[{}]/);
  });
});

describe("buildReviewSections", () => {
  it("lists partially succeeded runs among the failures and counts them in the headline", () => {
    const input = sectionInput({
      operations: {
        total: 3,
        byOutcome: { succeeded: 1, partially_succeeded: 1, failed: 1 },
        byType: {
          baseline_compare: {
            succeeded: { count: 1, runIds: [id(20)] },
            partially_succeeded: { count: 1, runIds: [id(21)] },
            failed: { count: 1, runIds: [id(22)] },
          },
        },
        failures: [
          {
            runId: id(21),
            type: "baseline_compare",
            outcome: "partially_succeeded",
            completedAt: "2026-10-05T10:00:00.000Z",
            code: "evidence_partially_unreadable",
            message: "Some policy kinds could not be read from the tenant's evidence source: Settings catalog policy.",
            unreadablePolicyKinds: ["deviceManagementConfigurationPolicy"],
          },
          {
            runId: id(22),
            type: "baseline_compare",
            outcome: "failed",
            completedAt: "2026-10-06T10:00:00.000Z",
            code: "evidence_source_unreachable",
            message: null,
          },
        ],
        activeRunCount: 0,
      },
    });
    expect(sectionOf(input, "executive_summary").headline).toBe(
      "Not compared with any baseline profile; 3 operations, 1 partially succeeded, 1 failed.",
    );
    expect(sectionOf(input, "operations_health").failures).toEqual([
      {
        runId: id(21),
        typeLabel: "Baseline compare",
        outcome: "partially_succeeded",
        outcomeLabel: "Partially succeeded",
        completedAt: "2026-10-05T10:00:00.000Z",
        reason:
          "Some policies in the tenant's evidence source could not be read. Policy kinds not read: Settings catalog policy.",
      },
      expect.objectContaining({ runId: id(22), outcome: "failed" }),
    ]);
  });

  it("says all operations succeeded instead of '0 failed'", () => {
    const input = sectionInput({
      operations: {
        total: 1,
        byOutcome: { succeeded: 1 },
        byType: { baseline_compare: { succeeded: { count: 1, runIds: [id(20)] } } },
        failures: [],
        activeRunCount: 0,
      },
    });
    expect(sectionOf(input, "executive_summary").headline).toBe(
      "Not compared with any baseline profile; 1 operation, all succeeded.",
    );
  });

  it("uses one never-compared sentence whether the tenant has related profiles or none", () => {
    const none = sectionInput();
    const uncompared = sectionInput({
      drift: [drift({ lastCompareRunId: null, lastComparedAt: null, lastCompareOutcome: null })],
    });
    for (const input of [none, uncompared]) {
      expect(sectionOf(input, "executive_summary").headline).toBe(
        "Not compared with any baseline profile; no operations.",
      );
      const notes = sectionOf(input, "evidence_basis").notes;
      expect(notes).toContain(
        "No baseline compare of this tenant succeeded before the end of this period: no drift is reported.",
      );
      expect(notes.join(" ")).not.toMatch(/covers this tenant|never/);
    }
  });

  it("says the policies were not read before the period ended, never that they were never read", () => {
    const notes = sectionOf(sectionInput(), "evidence_basis").notes;
    expect(notes).toContain(
      "The tenant's policies were not read before the end of this period: inventory coverage is empty.",
    );
    const running = sectionInput({ asOf: "2026-10-20T09:11:00.000Z" });
    expect(sectionOf(running, "evidence_basis").notes).toContain(
      "The tenant's policies were not read by 20 Oct 2026 09:11 UTC: inventory coverage is empty.",
    );
  });

  it("keeps the posture's compare and notes a later failed compare", () => {
    const input = sectionInput({
      drift: [
        drift({
          laterUnusableCompare: { runId: id(4), completedAt: "2026-10-20T11:30:00.000Z", outcome: "failed" },
        }),
      ],
    });
    const note =
      "The latest compare on 20 Oct 2026 11:30 UTC failed; the posture is from the compare on 10 Oct 2026 08:00 UTC.";
    expect(sectionOf(input, "baseline_posture").profiles).toEqual([
      expect.objectContaining({ state: "drifted", lastCompareRunId: id(2), note }),
    ]);
    expect(sectionOf(input, "executive_summary").points).toContain(
      "Windows baseline: the latest compare on 20 Oct 2026 11:30 UTC failed; the posture is from the compare on 10 Oct 2026 08:00 UTC.",
    );
  });

  it("says why the compose run generated its evidence", () => {
    const input = sectionInput(
      {},
      {
        generatedByCompose: true,
        evidenceGeneration: {
          reason: "period_not_ended",
          staleSnapshotId: id(9),
          staleAsOf: "2026-10-20T09:11:00.000Z",
        },
      },
    );
    const reason =
      "The period had not ended when the last evidence snapshot was taken (as of 20 Oct 2026 09:11 UTC), so a new one was generated.";
    expect(sectionOf(input, "evidence_basis")).toMatchObject({
      generatedByCompose: true,
      generationReason: reason,
      replacedSnapshotId: id(9),
      notes: expect.arrayContaining([reason]),
    });
  });

  it("keeps the raw setting path for integrations beside the human label", () => {
    const path =
      "device_vendor_msft_passportforwork_{tenantid}/device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork";
    const finding: FindingForReview = {
      id: id(3),
      profileName: "Windows baseline",
      kind: "setting_changed",
      policyKind: "deviceManagementConfigurationPolicy",
      policyName: "Win - Hello for Business",
      path,
      expected: true,
      actual: false,
      status: "open",
      firstSeenAt: new Date("2026-10-10T08:00:00Z"),
    };
    const input = sectionInput(
      { drift: [drift()] },
      { findings: [finding, { ...finding, id: id(5), path: null, kind: "missing_policy" }] },
    );
    const [notable] = sectionOf(input, "notable_drift").findings;
    expect(notable).toMatchObject({ settingLabel: "Passportforwork › Policies usepassportforwork", settingPath: path });
  });
});
