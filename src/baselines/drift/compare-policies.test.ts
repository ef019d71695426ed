import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readExportFolder } from "../../inventory/export-folder-source.js";
import { type CompareOptions, type CompareResult, comparePolicies } from "./compare-policies.js";
import { findingFingerprint } from "./finding-fingerprint.js";
import { type NormalizedPolicy, normalizePolicy, SECRET_MARKER } from "./normalize-policy.js";

const corpusRoot = path.resolve(import.meta.dirname, "../../..", "../shared/corpus/openintunebaseline");
const corpusPresent = existsSync(corpusRoot);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${corpusRoot}; corpus tests skipped`);
}
const SNAPSHOTS = [
  "oib-win-v3.2-b1d23fb",
  "oib-win-v3.3-f44f081",
  "oib-win-v3.5-193226e",
  "oib-win-v3.7-75c4825",
] as const;

const DIFF: CompareOptions = { ignoreVersionSuffix: false, reportUnexpected: true, manageAssignments: true };

function countByKind(result: CompareResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of result.findings) {
    counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  }
  return counts;
}

async function loadRaw(snapshot: string): Promise<Record<string, unknown>[]> {
  const raws: Record<string, unknown>[] = [];
  for await (const entry of readExportFolder(path.join(corpusRoot, snapshot))) {
    if (!entry.result.ok) {
      throw new Error(`${entry.file}: ${entry.result.detail}`);
    }
    raws.push(entry.result.raw);
  }
  return raws;
}

/*
 * Expected counts, verified independently of this engine with a ~100-line Python script that
 * reads the corpus with json.load (utf-8-sig), keys policies by (kind, trimmed lowercased name[,
 * technologies]) with an optional `\s*(-\s*)?v\d+(\.\d+)*\s*$` suffix stripped, and then:
 * - for common keys: byte-compares the files (all common files are byte-identical except two in
 *   v3.5→v3.7, which differ only in id/@odata links/timestamps); for the pairs that do differ it
 *   flattens settings[].settingInstance by hand (choice value + children under the parent's
 *   settingDefinitionId, simple collections as sorted lists, "" values skipped per the
 *   emptiness rule) and counts paths only-left (missing), only-right (added), differing (changed),
 *   plus one property_changed per differing name and per differing top-level property after
 *   dropping noise keys;
 * - counts keys only on one side (missing / unexpected);
 * - pairs missing/unexpected policies of one kind whose settings (settings catalog: settings +
 *   platforms + technologies; others: all properties but names, description, assignments, scope
 *   tags; noise dropped) are equal, one to one → probable renames.
 * The script also reproduced the README facts: v3.2→v3.3 60 byte-identical common names, 7 only in
 * v3.2, 27 only in v3.3; v3.3→v3.5 32 common, 55/55, and 38 renamed pairs with identical full
 * content — plus one ("Reports and Telemetry") whose settings are equal but which gained a
 * description, hence 39 probable renames; v3.5→v3.7 70 common (68 byte-identical), 17/22,
 * and with the suffix ignored 13 more pairs (one name change each).
 */
const EXPECTED_EXACT = [
  { from: 0, to: 1, counts: { missing_policy: 7, unexpected_policy: 27 }, renames: 4, pairs: 60 },
  { from: 1, to: 2, counts: { missing_policy: 55, unexpected_policy: 55 }, renames: 39, pairs: 32 },
  { from: 2, to: 3, counts: { missing_policy: 17, unexpected_policy: 22 }, renames: 0, pairs: 70 },
] as const;

const EXPECTED_IGNORING_SUFFIX = [
  {
    from: 0,
    to: 1,
    counts: { missing_policy: 2, unexpected_policy: 22, property_changed: 8, setting_changed: 1, setting_missing: 1 },
    renames: 1,
    pairs: 65,
  },
  { from: 1, to: 2, counts: { missing_policy: 55, unexpected_policy: 55 }, renames: 39, pairs: 32 },
  {
    from: 2,
    to: 3,
    counts: {
      missing_policy: 4,
      unexpected_policy: 9,
      property_changed: 13,
      setting_changed: 13,
      setting_missing: 20,
      setting_added: 38,
    },
    renames: 0,
    pairs: 83,
  },
] as const;

describe.skipIf(!corpusPresent)("comparePolicies on the shared corpus", () => {
  const raw: Record<string, Record<string, unknown>[]> = {};
  const normalized: Record<string, NormalizedPolicy[]> = {};
  beforeAll(async () => {
    for (const snapshot of SNAPSHOTS) {
      raw[snapshot] = await loadRaw(snapshot);
      normalized[snapshot] = (raw[snapshot] ?? []).map(normalizePolicy);
    }
  });

  it.each(SNAPSHOTS)("finds no drift comparing %s with itself", (snapshot) => {
    const policies = normalized[snapshot] ?? [];
    const result = comparePolicies(policies, policies, DIFF);
    expect(result.findings).toEqual([]);
    expect(result.comparedPolicyCount).toBe(policies.length);
    expect(result.comparedSettingCount).toBeGreaterThan(1000);
  });

  it.each(SNAPSHOTS)("finds no drift in %s after stored content is compared with a fresh capture", (snapshot) => {
    // Capture stores only content; compare re-reads it and normalises the current export.
    const stored = (normalized[snapshot] ?? []).map((policy) => normalizePolicy(policy.content));
    const fresh = (raw[snapshot] ?? []).map(normalizePolicy);
    expect(comparePolicies(stored, fresh, { ...DIFF, ignoreVersionSuffix: true }).findings).toEqual([]);
  });

  it.each(EXPECTED_EXACT)("gives the verified counts for pair $from→$to", ({ from, to, counts, renames, pairs }) => {
    const result = comparePolicies(normalized[SNAPSHOTS[from]] ?? [], normalized[SNAPSHOTS[to]] ?? [], DIFF);
    expect(countByKind(result)).toEqual(counts);
    expect(result.comparedPolicyCount).toBe(pairs);
    const linkedMissing = result.findings.filter((f) => f.kind === "missing_policy" && f.probableRename !== undefined);
    const linkedUnexpected = result.findings.filter(
      (f) => f.kind === "unexpected_policy" && f.probableRename !== undefined,
    );
    expect(linkedMissing).toHaveLength(renames);
    expect(linkedUnexpected).toHaveLength(renames);
  });

  it.each(EXPECTED_IGNORING_SUFFIX)(
    "gives the verified counts for pair $from→$to with the version suffix ignored",
    ({ from, to, counts, renames, pairs }) => {
      const result = comparePolicies(normalized[SNAPSHOTS[from]] ?? [], normalized[SNAPSHOTS[to]] ?? [], {
        ...DIFF,
        ignoreVersionSuffix: true,
      });
      expect(countByKind(result)).toEqual(counts);
      expect(result.comparedPolicyCount).toBe(pairs);
      expect(result.findings.filter((f) => f.kind === "missing_policy" && f.probableRename !== undefined)).toHaveLength(
        renames,
      );
    },
  );

  it("links the v3.3→v3.5 Passwordless rename both ways", () => {
    const result = comparePolicies(normalized[SNAPSHOTS[1]] ?? [], normalized[SNAPSHOTS[2]] ?? [], DIFF);
    const missing = result.findings.find(
      (f) =>
        f.kind === "missing_policy" && f.policyName === "Win - OIB - Credential Management - D - Passwordless - v3.3",
    );
    expect(missing?.probableRename).toBe("Win - OIB - SC - Credential Management - D - Passwordless - v3.3");
    const unexpected = result.findings.find((f) => f.policyName === missing?.probableRename);
    expect(unexpected).toMatchObject({ kind: "unexpected_policy", probableRename: missing?.policyName });
  });

  it("reports a version bump as a name change when the suffix is ignored", () => {
    const result = comparePolicies(normalized[SNAPSHOTS[2]] ?? [], normalized[SNAPSHOTS[3]] ?? [], {
      ...DIFF,
      ignoreVersionSuffix: true,
    });
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        kind: "property_changed",
        path: "name",
        expected: "Win - OIB - ES - Encryption - D - BitLocker (OS Disk) - v3.0",
        actual: "Win - OIB - ES - Encryption - D - BitLocker (OS Disk) - v3.7",
      }),
    );
  });

  it("finds no drift after reordering settings and changing ids, timestamps, annotations and action keys", () => {
    const originals = raw[SNAPSHOTS[3]] ?? [];
    const mutated = originals.map((policy, index) => {
      const copy = structuredClone(policy);
      copy["id"] = `00000000-0000-0000-0000-${String(index).padStart(12, "0")}`;
      copy["createdDateTime"] = "2031-01-01T00:00:00Z";
      copy["lastModifiedDateTime"] = "2031-01-02T00:00:00Z";
      copy["@odata.id"] = "deviceManagement/elsewhere('x')";
      copy["@odata.editLink"] = "deviceManagement/elsewhere('x')";
      copy["#microsoft.graph.assign"] = { title: "microsoft.graph.assign", target: "https://example.invalid/assign" };
      copy["#microsoft.graph.brandNewAction"] = { title: "new", target: "https://example.invalid/new" };
      if (Array.isArray(copy["settings"])) {
        copy["settings"] = (copy["settings"] as Record<string, unknown>[])
          .map((setting, position) => ({ ...setting, id: String(1000 - position), "@odata.id": `s('${position}')` }))
          .reverse();
      }
      return copy;
    });
    const result = comparePolicies(originals.map(normalizePolicy), mutated.map(normalizePolicy), DIFF);
    expect(result.findings).toEqual([]);
    expect(result.comparedPolicyCount).toBe(originals.length);
  });

  it("reports one setting_changed for one changed value in a real policy", () => {
    const originals = raw[SNAPSHOTS[3]] ?? [];
    const target = originals.find((policy) => String(policy["name"]).includes("Timezone"));
    expect(target).toBeDefined();
    const changed = structuredClone(target) as Record<string, unknown>;
    const text = JSON.stringify(changed).replace(/"value":\s*"(device_vendor[^"]*?)_(\d)"/, '"value":"$1_9"');
    const result = comparePolicies(
      [normalizePolicy(target as Record<string, unknown>)],
      [normalizePolicy(JSON.parse(text) as Record<string, unknown>)],
      DIFF,
    );
    expect(countByKind(result)).toEqual({ setting_changed: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Small hand-written Graph JSON for the edge cases.

type Instance = Record<string, unknown>;
const choice = (id: string, value: string, children: Instance[] = []): Instance => ({
  "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
  settingDefinitionId: id,
  choiceSettingValue: { value, children },
});
const simple = (id: string, value: unknown, valueType = "String"): Instance => ({
  "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
  settingDefinitionId: id,
  simpleSettingValue: {
    "@odata.type": `#microsoft.graph.deviceManagementConfiguration${valueType}SettingValue`,
    value,
  },
});
const simpleCollection = (id: string, values: unknown[]): Instance => ({
  settingDefinitionId: id,
  simpleSettingCollectionValue: values.map((value) => ({ value })),
});
const group = (id: string, instances: Instance[][]): Instance => ({
  "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
  settingDefinitionId: id,
  groupSettingCollectionValue: instances.map((children) => ({ children })),
});
const sc = (name: string, instances: Instance[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
  name,
  platforms: "windows10",
  technologies: "mdm",
  settings: instances.map((settingInstance, index) => ({ id: String(index), settingInstance })),
  ...extra,
});
const compliance = (displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
  displayName,
  ...extra,
});

function compare(
  baseline: Record<string, unknown>[],
  current: Record<string, unknown>[],
  options: Partial<CompareOptions> = {},
): CompareResult {
  return comparePolicies(baseline.map(normalizePolicy), current.map(normalizePolicy), { ...DIFF, ...options });
}

const kinds = (result: CompareResult) => result.findings.map((finding) => finding.kind);

describe("comparePolicies matching", () => {
  it.each([
    ["baseline", [compliance("Dup"), compliance("dup ")], [compliance("Dup")]],
    ["current", [compliance("Dup")], [compliance("Dup"), compliance(" DUP")]],
    ["both", [compliance("Dup"), compliance("Dup")], [compliance("Dup"), compliance("Dup")]],
    ["current only", [], [compliance("Dup", { a: 1 }), compliance("Dup", { a: 2 })]],
  ])("reports duplicates on the %s side as exactly one ambiguous_match", (_side, baseline, current) => {
    const result = compare([...baseline, compliance("Other", { x: 1 })], [...current, compliance("Other", { x: 2 })]);
    const forDup = result.findings.filter((f) => f.policyIdentity === "windows10CompliancePolicy|dup");
    expect(forDup).toEqual([
      {
        kind: "ambiguous_match",
        policyKind: "windows10CompliancePolicy",
        policyName: expect.any(String),
        policyIdentity: "windows10CompliancePolicy|dup",
      },
    ]);
    expect(result.findings.filter((f) => f.policyName === "Other").map((f) => f.kind)).toEqual(["property_changed"]);
  });

  it("matches names that differ only in case or surrounding spaces, without a finding", () => {
    expect(compare([compliance("Win - Password")], [compliance("  win - PASSWORD ")]).findings).toEqual([]);
  });

  it("matches settings catalog policies by name and technologies", () => {
    const result = compare(
      [sc("A", [], { technologies: "mdm" })],
      [sc("A", [], { technologies: "mdm,microsoftSense" })],
    );
    expect(kinds(result)).toEqual(["missing_policy", "unexpected_policy"]);
  });

  it("matches other kinds by name and @odata.type", () => {
    const result = compare(
      [compliance("A")],
      [{ ...compliance("A"), "@odata.type": "#microsoft.graph.macOSCompliancePolicy" }],
    );
    expect(kinds(result).sort()).toEqual(["missing_policy", "unexpected_policy"]);
  });

  it("never matches two policies whose technologies are absent", () => {
    const noTech = sc("A", []);
    delete noTech["technologies"];
    expect(kinds(compare([noTech], [noTech])).sort()).toEqual(["missing_policy", "unexpected_policy"]);
  });

  it("ignores a version suffix only when asked", () => {
    const baseline = [compliance("Password - v3.1", { a: 1 })];
    const current = [compliance("Password - v3.2", { a: 1 })];
    expect(kinds(compare(baseline, current)).sort()).toEqual(["missing_policy", "unexpected_policy"]);
    expect(compare(baseline, current, { ignoreVersionSuffix: true }).findings).toEqual([
      expect.objectContaining({
        kind: "property_changed",
        path: "displayName",
        expected: "Password - v3.1",
        actual: "Password - v3.2",
      }),
    ]);
  });

  it("links a missing and an unexpected policy with equal settings as a probable rename", () => {
    const result = compare([compliance("Old", { a: 1 })], [compliance("New", { a: 1 }), compliance("Else", { a: 2 })]);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "unexpected_policy", policyName: "Else" }),
      expect.objectContaining({ kind: "unexpected_policy", policyName: "New", probableRename: "Old" }),
      expect.objectContaining({ kind: "missing_policy", policyName: "Old", probableRename: "New" }),
    ]);
    expect(result.findings[0]).not.toHaveProperty("probableRename");
  });

  it("reports unexpected policies only when asked, and only for kinds in scope", () => {
    const baseline = [compliance("A"), sc("S", [choice("x", "x_1")])];
    const current = [compliance("B"), sc("T", [choice("x", "x_1")])];
    expect(kinds(compare(baseline, current, { reportUnexpected: false }))).toEqual([
      "missing_policy",
      "missing_policy",
    ]);
    const scoped = compare(baseline, current, { policyKinds: ["windows10CompliancePolicy"] });
    expect(scoped.findings.map((f) => [f.kind, f.policyName])).toEqual([
      ["missing_policy", "A"],
      ["unexpected_policy", "B"],
    ]);
  });

  it("reports a baseline policy that may be in an unreadable current file as unknown, never missing", () => {
    const baseline = [compliance("Win - Password"), sc("S1", []), compliance("Other")];
    const result = compare(baseline, [], {
      unreadable: [
        { nameHint: "win - password" },
        { policyKind: "deviceManagementConfigurationPolicy", nameHint: "x" },
      ],
    });
    expect(result.unknown).toEqual([
      { policyKind: "deviceManagementConfigurationPolicy", policyName: "S1" },
      { policyKind: "windows10CompliancePolicy", policyName: "Win - Password" },
    ]);
    expect(result.findings.map((f) => [f.kind, f.policyName])).toEqual([["missing_policy", "Other"]]);
    expect(compare(baseline, [], { unreadable: [{}] }).findings).toEqual([]);
  });

  it("orders findings the same whatever the input order", () => {
    const baseline = [
      compliance("B", { a: 1, b: 2 }),
      compliance("A", { a: 1 }),
      sc("C", [choice("x", "x_1"), choice("y", "y_1")]),
    ];
    const current = [
      sc("C", [choice("y", "y_2"), choice("x", "x_2")]),
      compliance("A", { a: 2 }),
      compliance("B", { a: 3, b: 4 }),
    ];
    const forward = compare(baseline, current).findings;
    expect(compare([...baseline].reverse(), [...current].reverse()).findings).toEqual(forward);
    expect(forward.map((f) => `${f.policyName}:${f.path}`)).toEqual(["C:x", "C:y", "A:a", "B:a", "B:b"]);
  });
});

describe("comparePolicies settings catalog", () => {
  const rule = (name: string, action: string) => [
    simple("fw_rule_name", name),
    choice("fw_rule_action", `fw_rule_action_${action}`),
  ];
  const rules = (...instances: Instance[][]) => [group("fw_rules", instances)];

  it("finds nothing when group collection instances are reordered", () => {
    const result = compare(
      [sc("FW", rules(rule("a", "allow"), rule("b", "block"), rule("c", "allow")))],
      [sc("FW", rules(rule("c", "allow"), rule("a", "allow"), rule("b", "block")))],
    );
    expect(result.findings).toEqual([]);
    expect(result.comparedSettingCount).toBe(8); // 3 × 2 leaves, plus platforms and technologies
  });

  it("reports one setting_changed for one changed leaf in one instance", () => {
    const result = compare(
      [sc("FW", rules(rule("a", "allow"), rule("b", "block")))],
      [sc("FW", rules(rule("b", "block"), rule("a", "block")))],
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: "setting_changed",
        path: "fw_rules/0/fw_rule_action",
        expected: "fw_rule_action_allow",
        actual: "fw_rule_action_block",
      }),
    ]);
  });

  it("reports one setting_added per leaf of an added instance and setting_missing per leaf of a removed one", () => {
    const added = compare(
      [sc("FW", rules(rule("a", "allow")))],
      [sc("FW", rules(rule("z", "block"), rule("a", "allow")))],
    );
    expect(added.findings.map((f) => [f.kind, f.path, f.actual])).toEqual([
      ["setting_added", "fw_rules/1/fw_rule_action", "fw_rule_action_block"],
      ["setting_added", "fw_rules/1/fw_rule_name", "z"],
    ]);
    const removed = compare(
      [sc("FW", rules(rule("a", "allow"), rule("b", "block")))],
      [sc("FW", rules(rule("a", "allow")))],
    );
    expect(removed.findings.map((f) => [f.kind, f.path, f.expected])).toEqual([
      ["setting_missing", "fw_rules/1/fw_rule_action", "fw_rule_action_block"],
      ["setting_missing", "fw_rules/1/fw_rule_name", "b"],
    ]);
  });

  it("paths include every ancestor settingDefinitionId, choice parents too", () => {
    const result = compare(
      [sc("P", [choice("parent", "parent_1", [simple("parent_child", 5, "Integer")])])],
      [sc("P", [choice("parent", "parent_1", [simple("parent_child", 6, "Integer")])])],
    );
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "setting_changed", path: "parent/parent_child", expected: 5, actual: 6 }),
    ]);
  });

  it("treats simple collections as sets and choice values case-insensitively", () => {
    const result = compare(
      [sc("P", [simpleCollection("list", ["b", "a"]), choice("c", "C_Enabled")])],
      [sc("P", [simpleCollection("list", ["a", "b"]), choice("C", "c_enabled")])],
    );
    expect(result.findings).toEqual([]);
    const changed = compare(
      [sc("P", [simpleCollection("list", ["a"])])],
      [sc("P", [simpleCollection("list", ["a", "b"])])],
    );
    expect(changed.findings).toEqual([
      expect.objectContaining({ kind: "setting_changed", path: "list", expected: ["a"], actual: ["a", "b"] }),
    ]);
  });

  it("keeps simple string values case-sensitive", () => {
    const result = compare(
      [sc("P", [simple("key", "AppPrefixAllowList")])],
      [sc("P", [simple("key", "appprefixallowlist")])],
    );
    expect(kinds(result)).toEqual(["setting_changed"]);
  });

  it("equates GUIDs in any case, numeric strings, instants and the unset date", () => {
    const result = compare(
      [
        sc("P", [
          simple("guid", "0A1B2C3D-AAAA-BBBB-CCCC-DDDDEEEEFFFF"),
          simple("number", "15"),
          simple("when", "2024-01-01T12:00:00+02:00"),
          simple("unset", "0001-01-01T00:00:00Z"),
        ]),
      ],
      [
        sc("P", [
          simple("guid", "0a1b2c3d-aaaa-bbbb-cccc-ddddeeeeffff"),
          simple("number", 15, "Integer"),
          simple("when", "2024-01-01T10:00:00.000Z"),
        ]),
      ],
    );
    expect(result.findings).toEqual([]);
  });

  it("equates an empty string setting with an absent one, but not 0 with an absent one", () => {
    expect(compare([sc("P", [simple("s", "")])], [sc("P", [])]).findings).toEqual([]);
    expect(kinds(compare([sc("P", [simple("n", 0, "Integer")])], [sc("P", [])]))).toEqual(["setting_missing"]);
  });

  it("compares top-level properties of a settings catalog policy, not the other name key", () => {
    const result = compare(
      [sc("P", [], { description: "Old", displayName: "ignored" })],
      [sc("P", [], { description: "New", platforms: "macOS" })],
    );
    expect(result.findings.map((f) => [f.kind, f.path, f.expected, f.actual])).toEqual([
      ["property_changed", "description", "Old", "New"],
      ["property_changed", "platforms", "windows10", "macos"],
    ]);
  });
});

describe("comparePolicies secrets", () => {
  const secret = (value: string, reference: string): Instance => ({
    settingDefinitionId: "wifi_key",
    simpleSettingValue: {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
      value,
      valueState: "encryptedValueToken",
      secretReferenceValueId: reference,
    },
  });

  it("never compares secret values, and a new secret reference is not drift", () => {
    const result = compare(
      [sc("W", [secret("first-plaintext", "ref-a")])],
      [sc("W", [secret("second-plaintext", "ref-b")])],
    );
    expect(result.findings).toEqual([]);
  });

  it("shows a missing or added secret only as (secret)", () => {
    const missing = compare([sc("W", [secret("first-plaintext", "ref-a")])], [sc("W", [])]);
    expect(missing.findings).toEqual([
      expect.objectContaining({ kind: "setting_missing", path: "wifi_key", expected: SECRET_MARKER }),
    ]);
    const added = compare([sc("W", [])], [sc("W", [secret("second-plaintext", "ref-b")])]);
    expect(added.findings).toEqual([expect.objectContaining({ kind: "setting_added", actual: "(secret)" })]);
    expect(JSON.stringify([missing, added])).not.toMatch(/plaintext|ref-/);
  });

  it("compares OMA settings by omaUri and never shows an encrypted value", () => {
    const custom = (oma: Record<string, unknown>[], password: string) => ({
      "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
      displayName: "Custom",
      password,
      omaSettings: oma,
    });
    const baseline = custom(
      [
        { omaUri: "./Device/A", value: "old-plaintext", isEncrypted: true, secretReferenceValueId: "r1" },
        { omaUri: "./Device/B", value: 1 },
      ],
      "pw-one",
    );
    const current = custom(
      [
        { omaUri: "./Device/B", value: 2 },
        { omaUri: "./Device/A", value: "new-plaintext", isEncrypted: true, secretReferenceValueId: "r2" },
        { omaUri: "./Device/C", value: "x" },
      ],
      "pw-two",
    );
    const result = compare([baseline], [current]);
    expect(result.findings.map((f) => [f.kind, f.path])).toEqual([
      ["setting_changed", "omaSettings/./Device/B"],
      ["setting_added", "omaSettings/./Device/C"],
    ]);
    expect(JSON.stringify(result)).not.toMatch(/plaintext|pw-/);
  });
});

describe("comparePolicies properties and assignments", () => {
  it("applies the emptiness rule to strings and collections but not to booleans and numbers", () => {
    expect(compare([compliance("A", { description: "" })], [compliance("A", { description: null })]).findings).toEqual(
      [],
    );
    expect(compare([compliance("A", { list: [] })], [compliance("A")]).findings).toEqual([]);
    expect(compare([compliance("A", { flag: false })], [compliance("A")]).findings).toEqual([
      expect.objectContaining({ kind: "property_changed", path: "flag", expected: false, actual: null }),
    ]);
  });

  it("compares assignments by target only when the profile manages assignments", () => {
    const target = (groupId: string, type = "groupAssignmentTarget") => ({
      id: `assignment-${groupId}`,
      target: { "@odata.type": `#microsoft.graph.${type}`, groupId },
    });
    const baseline = [compliance("A", { assignments: [target("11111111-1111-1111-1111-111111111111")] })];
    const current = [
      compliance("A", {
        assignments: [
          target("22222222-2222-2222-2222-222222222222", "exclusionGroupAssignmentTarget"),
          { ...target("11111111-1111-1111-1111-111111111111"), id: "other-id" },
        ],
      }),
    ];
    expect(compare(baseline, current, { manageAssignments: false }).findings).toEqual([]);
    expect(compare(baseline, current).findings).toEqual([
      expect.objectContaining({
        kind: "assignment_changed",
        path: "assignments/exclusionGroupAssignmentTarget:22222222-2222-2222-2222-222222222222",
        expected: null,
      }),
    ]);
  });

  it("does not compare scope tags", () => {
    expect(
      compare([compliance("A", { roleScopeTagIds: ["0"] })], [compliance("A", { roleScopeTagIds: ["7"] })]).findings,
    ).toEqual([]);
  });
});

describe("findingFingerprint", () => {
  const base = { tenantId: "t", profileId: "p", kind: "setting_changed", policyIdentity: "k|n", path: "a/b" } as const;

  it("is a stable sha256 hex of tenant, profile, kind, identity and path", () => {
    expect(findingFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(findingFingerprint({ ...base })).toBe(findingFingerprint(base));
  });

  it.each([
    { tenantId: "u" },
    { profileId: "q" },
    { kind: "setting_added" as const },
    { policyIdentity: "k|m" },
    { path: "a" },
    { path: undefined },
  ])("changes when %o changes", (change) => {
    expect(findingFingerprint({ ...base, ...change })).not.toBe(findingFingerprint(base));
  });

  it("keeps parts apart (no concatenation collisions)", () => {
    expect(findingFingerprint({ ...base, tenantId: "t|p", profileId: "" })).not.toBe(
      findingFingerprint({ ...base, tenantId: "t", profileId: "p|" }),
    );
  });
});
