import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseExportFile } from "../../inventory/export-decoding.js";
import { NORMALIZER_VERSION, normalizePolicy, SECRET_MARKER, toCanonicalJson } from "./normalize-policy.js";

const corpusRoot = path.resolve(import.meta.dirname, "../../..", "../shared/corpus/openintunebaseline");
const corpusPresent = existsSync(corpusRoot);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${corpusRoot}; corpus tests skipped`);
}
const SNAPSHOTS = ["oib-win-v3.2-b1d23fb", "oib-win-v3.3-f44f081", "oib-win-v3.5-193226e", "oib-win-v3.7-75c4825"];

function corpusFiles(): string[] {
  if (!corpusPresent) {
    return [];
  }
  return SNAPSHOTS.flatMap((snapshot) =>
    readdirSync(path.join(corpusRoot, snapshot), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".json"))
      .map((file) => path.join(snapshot, file)),
  ).sort();
}

function readRaw(file: string): Record<string, unknown> {
  const parsed = parseExportFile(readFileSync(path.join(corpusRoot, file)), file);
  if (!parsed.ok) {
    throw new Error(`${file}: ${parsed.detail}`);
  }
  return parsed.raw;
}

/** Every key at every depth, for "this key never survives normalisation" checks. */
function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) {
      allKeys(item, out);
    }
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      allKeys(item, out);
    }
  }
  return out;
}

describe.skipIf(!corpusPresent)("normalizePolicy on every corpus file", () => {
  const files = corpusFiles();

  it("finds all 333 corpus files", () => {
    expect(files).toHaveLength(333);
  });

  it.each(files)("normalises %s idempotently and without noise", (file) => {
    const raw = readRaw(file);
    const normalized = normalizePolicy(raw);
    expect(normalized.policyKind).toBe(String(raw["@odata.type"]).replace("#microsoft.graph.", ""));
    expect(normalized.name).toBe(raw["name"] ?? raw["displayName"]);
    expect(normalized.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = normalizePolicy(normalized.content);
    expect(again.hash).toBe(normalized.hash);
    expect(again.content).toEqual(normalized.content);
    expect(again.name).toBe(normalized.name);
    const keys = allKeys(normalized.content);
    expect(keys.filter((key) => key === "id" || key.startsWith("#") || key.endsWith("DateTime"))).toEqual([]);
    expect(keys.filter((key) => key.includes("@odata."))).toEqual(["@odata.type"]); // only the policy's own type
  });
});

describe.skipIf(!corpusPresent)("normalizePolicy ignores noise in real exports", () => {
  const file =
    "oib-win-v3.7-75c4825/MACOS/IntuneManagement/SettingsCatalog/MacOS - OIB - Authentication - D - Platform SSO - v1.0.json";
  const ring =
    "oib-win-v3.7-75c4825/WINDOWS/IntuneManagement/UpdatePolicies/Win - OIB - WUfB - Ring 1 - Pilot - v3.0.json";

  it("gives the same hash after changing ids, timestamps, OData annotations and action keys", () => {
    // These two files carry GUIDs and 20xx date-times only in ids, links and timestamps, so the
    // global replace below touches noise only (checked by reading them).
    for (const name of [file, ring]) {
      const raw = readRaw(name);
      const mutated = JSON.parse(
        JSON.stringify(raw)
          .replaceAll(
            /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
            "11111111-2222-3333-4444-555555555555",
          )
          .replaceAll(/20\d\d-\d\d-\d\dT[\d:.]+Z/g, "2030-01-01T00:00:00Z"),
      ) as Record<string, unknown>;
      mutated["id"] = "another-id";
      mutated["version"] = 99;
      mutated["@odata.context"] = "https://graph.microsoft.com/beta/$metadata#elsewhere";
      mutated["#microsoft.graph.someNewAction"] = { title: "x", target: "https://graph.microsoft.com/beta/x('1')" };
      mutated["settingCount@odata.type"] = "#Int32";
      expect(normalizePolicy(mutated).hash).toBe(normalizePolicy(raw).hash);
    }
  });

  it("gives the same hash after reordering settings, children, keys and setting ids", () => {
    const raw = readRaw(file);
    const settings = (raw["settings"] as Record<string, unknown>[]).map((setting, index) => ({
      ...setting,
      id: `x${index}`,
    }));
    const reversed = Object.fromEntries(Object.entries({ ...raw, settings: [...settings].reverse() }).reverse());
    expect(normalizePolicy(reversed).hash).toBe(normalizePolicy(raw).hash);
  });

  it("treats an empty assignments list like an absent one", () => {
    const raw = readRaw(ring);
    const { assignments: _dropped, ...withoutAssignments } = raw;
    expect(raw["assignments"]).toEqual([]);
    expect(normalizePolicy(withoutAssignments).hash).toBe(normalizePolicy(raw).hash);
  });
});

const compliance = (extra: Record<string, unknown>) => ({
  "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
  displayName: "Win - Compliance",
  ...extra,
});

describe("normalizePolicy value rules", () => {
  it.each([
    ["GUIDs in any case", { g: "ABCDEF01-2345-6789-ABCD-EF0123456789" }, { g: "abcdef01-2345-6789-abcd-ef0123456789" }],
    ["a numeric string and its number", { n: "15" }, { n: 15 }],
    ["a negative decimal string and its number", { n: "-2.5" }, { n: -2.5 }],
    ["date-times as instants", { t: "2024-04-10T21:37:35.1+02:00" }, { t: "2024-04-10T19:37:35.1000000Z" }],
    ["the unset date and null", { t: "0001-01-01T00:00:00Z" }, { t: null }],
    ["the unset date and missing", { t: "0001-01-01T00:00:00Z" }, {}],
    ["empty string, null and missing", { s: "" }, { s: null }],
    ["empty list and missing", { list: [] }, {}],
    ["set-like lists in any order", { list: ["b", "a"] }, { list: ["a", "b"] }],
    ["annotated enum values in any case", { e: "AllApps", "e@odata.type": "#microsoft.graph.level" }, { e: "allApps" }],
    ["enum flags in any order and case", { f: "mdm,microsoftSense" }, { f: "microsoftsense,mdm" }],
  ])("equates %s", (_label, left, right) => {
    expect(normalizePolicy(compliance(left)).hash).toBe(normalizePolicy(compliance(right)).hash);
  });

  it.each([
    ["false and missing", { b: false }, {}],
    ["0 and missing", { n: 0 }, {}],
    ["false and null", { b: false }, { b: null }],
    ["free text in a different case", { description: "Block USB" }, { description: "block usb" }],
    ["a non-canonical numeric string and its number", { n: "015" }, { n: 15 }],
    ["date-only strings that differ", { d: "2024-01-01" }, { d: "2024-1-1" }],
    ["durations written differently", { p: "PT12H" }, { p: "PT720M" }],
    ["different instants", { t: "2024-01-01T00:00:00Z" }, { t: "2024-01-01T00:00:00.0000001Z" }],
  ])("distinguishes %s", (_label, left, right) => {
    expect(normalizePolicy(compliance(left)).hash).not.toBe(normalizePolicy(compliance(right)).hash);
  });

  it("keeps free-text names as strings even when they look like numbers", () => {
    const policy = normalizePolicy(compliance({ displayName: "2024", description: "42" }));
    expect(policy.name).toBe("2024");
    expect(policy.content["displayName"]).toBe("2024");
    expect(policy.content["description"]).toBe("42");
  });

  it("keeps the settings catalog name under name and drops the other convention's key", () => {
    const policy = normalizePolicy({
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
      name: "SC",
      displayName: "ignored",
      technologies: "mdm",
    });
    expect(policy.content).toEqual({
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
      name: "SC",
      technologies: "mdm",
    });
    expect(toCanonicalJson(policy.content)).toBe(
      '{"@odata.type":"#microsoft.graph.deviceManagementConfigurationPolicy","name":"SC","technologies":"mdm"}',
    );
  });

  it("throws export_malformed without @odata.type", () => {
    expect(() => normalizePolicy({ displayName: "x" })).toThrow(expect.objectContaining({ code: "export_malformed" }));
  });

  it("has an integer version", () => {
    expect(Number.isInteger(NORMALIZER_VERSION)).toBe(true);
  });
});

describe("normalizePolicy secrets", () => {
  const plaintext = "S3cr3t-Plaintext-Value";

  it("never stores a secret setting value, its state or its reference", () => {
    const policy = normalizePolicy({
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
      name: "Secrets",
      technologies: "mdm",
      settings: [
        {
          id: "0",
          settingInstance: {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            settingDefinitionId: "vendor_secret",
            simpleSettingValue: {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
              value: plaintext,
              valueState: "notEncrypted",
              secretReferenceValueId: "0a1b2c3d-0000-0000-0000-000000000000",
            },
          },
        },
      ],
    });
    const text = JSON.stringify(policy.content);
    expect(text).not.toContain(plaintext);
    expect(text).not.toContain("0a1b2c3d");
    expect(text).not.toContain("valueState");
    expect(text).toContain(SECRET_MARKER);
    expect(normalizePolicy(policy.content).hash).toBe(policy.hash);
  });

  it("redacts encrypted OMA values and password / pre-shared key properties, not boolean or enum password rules", () => {
    const policy = normalizePolicy({
      "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
      displayName: "Custom",
      password: plaintext,
      wifiPreSharedKey: plaintext,
      passwordRequired: true,
      passwordRequiredType: "numeric",
      omaSettings: [
        { omaUri: "./Device/Vendor/MSFT/A", value: plaintext, isEncrypted: true, secretReferenceValueId: "ref-1" },
        { omaUri: "./Device/Vendor/MSFT/B", value: "visible", isEncrypted: false },
      ],
    });
    const text = JSON.stringify(policy.content);
    expect(text).not.toContain(plaintext);
    expect(text).not.toContain("ref-1");
    expect(text).toContain("visible");
    expect(policy.content["passwordRequired"]).toBe(true);
    expect(policy.content["passwordRequiredType"]).toBe("numeric");
    expect(policy.content["password"]).toBe(SECRET_MARKER);
    expect(policy.content["wifiPreSharedKey"]).toBe(SECRET_MARKER);
  });
});
