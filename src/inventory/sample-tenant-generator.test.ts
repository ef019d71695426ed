import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDemoTenants,
  createSeededRandom,
  exportFolderFor,
  generateSampleBaseline,
  generateSampleTenant,
  type JsonObject,
  type JsonValue,
  type SamplePolicy,
  sanitizeFileName,
  writeExportFolder,
} from "./sample-tenant-generator.js";

const SC_TYPE = "#microsoft.graph.deviceManagementConfigurationPolicy";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let tmpRoot = "";

beforeAll(async () => {
  tmpRoot = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-sample-"));
  await chmod(tmpRoot, 0o755);
});

afterAll(async () => {
  if (tmpRoot !== "") await rm(tmpRoot, { recursive: true, force: true });
});

// ----- helpers (independent of the generator's own internals) ---------------------------------

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nameOf(policy: JsonObject): string {
  const value = policy["@odata.type"] === SC_TYPE ? policy["name"] : policy["displayName"];
  return typeof value === "string" ? value : "";
}

const NOISE_KEYS = new Set([
  "id",
  "createdDateTime",
  "lastModifiedDateTime",
  "version",
  "settingCount",
  "isAssigned",
  "deployedAppCount",
  "supportsScopeTags",
  "secretReferenceValueId",
]);

/** Drops ids, timestamps, OData annotations, action keys and secret tokens; `assignments: []` = absent. */
function normalize(value: JsonValue, depth = 0): JsonValue {
  if (Array.isArray(value)) return value.map((v) => normalize(v, depth + 1));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (NOISE_KEYS.has(key) || key.startsWith("#")) continue;
    if (key !== "@odata.type" && key.includes("@odata.")) continue;
    if (depth === 0 && key === "assignments" && Array.isArray(v) && v.length === 0) continue;
    out[key] = normalize(v, depth + 1);
  }
  if (out["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationSecretSettingValue")
    out["value"] = "<secret>";
  if (out["isEncrypted"] === true) out["value"] = "<secret>";
  return out;
}

/** Settings catalog leaves as a multiset of `path=value` (order-independent, group instances unindexed). */
function flattenSettings(policy: JsonObject): string[] {
  const out: string[] = [];
  const visit = (instance: JsonValue | undefined, prefix: string): void => {
    if (!isObject(instance)) return;
    const p = `${prefix}/${String(instance["settingDefinitionId"])}`;
    const choiceValue = instance["choiceSettingValue"];
    if (isObject(choiceValue)) {
      out.push(`${p}=${String(choiceValue["value"])}`);
      for (const c of (choiceValue["children"] as JsonValue[] | undefined) ?? []) visit(c, p);
    }
    const simple = instance["simpleSettingValue"];
    if (isObject(simple)) {
      const secret = simple["valueState"] !== undefined;
      out.push(`${p}=${secret ? "<secret>" : String(simple["value"])}`);
    }
    for (const v of (instance["simpleSettingCollectionValue"] as JsonValue[] | undefined) ?? []) {
      if (isObject(v)) out.push(`${p}∋${String(v["value"])}`);
    }
    for (const v of (instance["choiceSettingCollectionValue"] as JsonValue[] | undefined) ?? []) {
      if (isObject(v)) out.push(`${p}∋${String(v["value"])}`);
    }
    for (const g of (instance["groupSettingCollectionValue"] as JsonValue[] | undefined) ?? []) {
      if (isObject(g)) for (const c of (g["children"] as JsonValue[] | undefined) ?? []) visit(c, p);
    }
  };
  for (const s of (policy["settings"] as JsonValue[] | undefined) ?? []) {
    if (isObject(s)) visit(s["settingInstance"], "");
  }
  return out.sort();
}

/** Number of entries of `a` not matched in `b` (multiset difference size). */
function multisetMissing(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  let missing = 0;
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else missing++;
  }
  return missing;
}

function collect(value: JsonValue, predicate: (o: JsonObject) => boolean, out: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(value)) for (const v of value) collect(v, predicate, out);
  else if (isObject(value)) {
    if (predicate(value)) out.push(value);
    for (const v of Object.values(value)) collect(v, predicate, out);
  }
  return out;
}

const stripVersion = (name: string): string => name.replace(/\s*-\s*v\d+(\.\d+)+\s*$/, "");

function byName(policies: readonly SamplePolicy[]): Map<string, SamplePolicy> {
  return new Map(policies.map((p) => [nameOf(p), p]));
}

function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  return new TextDecoder("utf-8").decode(bytes); // strips a UTF-8 BOM
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

function parsePolicy(text: string): JsonObject | null {
  try {
    const value = JSON.parse(text) as JsonValue;
    if (!isObject(value) || typeof value["@odata.type"] !== "string" || nameOf(value) === "") return null;
    return value;
  } catch {
    return null;
  }
}

// ----- tests ----------------------------------------------------------------------------------

describe("createSeededRandom", () => {
  it("repeats its sequence for a seed and produces v4 GUIDs", () => {
    const a = createSeededRandom(123);
    const b = createSeededRandom(123);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(createSeededRandom(124).next()).not.toBe(seqA[0]);
    expect(a.guid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("generateSampleBaseline", () => {
  it("is deterministic for a seed", () => {
    expect(generateSampleBaseline(7)).toEqual(generateSampleBaseline(7));
    expect(generateSampleBaseline(7)).not.toEqual(generateSampleBaseline(8));
  });

  it("has a realistic mix of policy kinds and shapes", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const baseline = generateSampleBaseline(seed);
      expect(baseline.length).toBeGreaterThanOrEqual(25);
      expect(baseline.length).toBeLessThanOrEqual(40);
      const names = baseline.map(nameOf);
      expect(new Set(names.map((n) => stripVersion(n).toLowerCase())).size).toBe(names.length);
      for (const p of baseline) {
        expect(p["@odata.type"]).toMatch(/^#microsoft\.graph\./);
        expect(nameOf(p)).toMatch(/^Contoso - .+ - v\d+\.\d+$/);
        expect(String(p["id"])).toMatch(/^(T_)?[0-9a-f-]{36}$/);
      }
    }
    const baseline = generateSampleBaseline(1);
    const types = new Set(baseline.map((p) => p["@odata.type"]));
    for (const kind of [
      SC_TYPE,
      "#microsoft.graph.windows10CompliancePolicy",
      "#microsoft.graph.macOSCompliancePolicy",
      "#microsoft.graph.windows10CustomConfiguration",
      "#microsoft.graph.windowsHealthMonitoringConfiguration",
      "#microsoft.graph.windowsUpdateForBusinessConfiguration",
      "#microsoft.graph.iosManagedAppProtection",
      "#microsoft.graph.androidManagedAppProtection",
    ]) {
      expect(types.has(kind), kind).toBe(true);
    }
    const catalog = baseline.filter((p) => p["@odata.type"] === SC_TYPE);
    for (const p of catalog) {
      const settings = p["settings"] as JsonObject[];
      expect(p["settingCount"]).toBe(settings.length);
      expect(settings.map((s) => s["id"])).toEqual(settings.map((_, i) => String(i)));
      expect(p["platforms"]).toMatch(/^(windows10|macOS)$/);
      expect(typeof p["technologies"]).toBe("string");
      expect(p["roleScopeTagIds"]).toEqual(["0"]);
      expect(isObject(p["templateReference"])).toBe(true);
      expect(String((p["#microsoft.graph.assign"] as JsonObject)["target"])).toContain(String(p["id"]));
    }
    const all: JsonValue = baseline;
    const choicesWithChildren = collect(
      all,
      (o) => Array.isArray(o["children"]) && o["children"].length > 0 && typeof o["value"] === "string",
    );
    expect(choicesWithChildren.length).toBeGreaterThan(3);
    const groups = collect(all, (o) => Array.isArray(o["groupSettingCollectionValue"]));
    expect(groups.some((g) => (g["groupSettingCollectionValue"] as JsonValue[]).length >= 2)).toBe(true);
    expect(groups.some((g) => (g["groupSettingCollectionValue"] as JsonValue[]).length >= 3)).toBe(true);
    expect(collect(all, (o) => Array.isArray(o["simpleSettingCollectionValue"])).length).toBeGreaterThan(0);
    expect(
      collect(all, (o) => o["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationStringSettingValue")
        .length,
    ).toBeGreaterThan(0);
    expect(
      collect(all, (o) => o["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue")
        .length,
    ).toBeGreaterThan(0);
    expect(
      collect(all, (o) => o["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationSecretSettingValue")
        .length,
    ).toBeGreaterThan(0);
    expect(collect(all, (o) => o["isEncrypted"] === true).length).toBe(1);
    const compliance = baseline.filter((p) => String(p["@odata.type"]).endsWith("CompliancePolicy"));
    for (const p of compliance) {
      const rules = p["scheduledActionsForRule"] as JsonObject[];
      expect(rules.length).toBe(1);
      expect(((rules[0]?.["scheduledActionConfigurations"] as JsonValue[] | undefined) ?? []).length).toBeGreaterThan(
        0,
      );
    }
  });
});

describe("generateSampleTenant", () => {
  const baseline = generateSampleBaseline(42);

  it("is deterministic for a seed", () => {
    const plan = { changedSettings: 2, removedPolicies: 1, addedPolicies: 1, renamedVersionBumps: 1 };
    expect(generateSampleTenant(baseline, { seed: 5, drift: plan })).toEqual(
      generateSampleTenant(baseline, { seed: 5, drift: plan }),
    );
  });

  it("gives a zero-drift tenant different noise but equal configuration", () => {
    const tenant = generateSampleTenant(baseline, { seed: 99, drift: {} });
    expect(tenant.expected).toEqual({
      changedSettings: 0,
      removedPolicies: 0,
      addedPolicies: 0,
      renamedVersionBumps: 0,
    });
    expect(tenant.policies.length).toBe(baseline.length);
    const tenantByName = byName(tenant.policies);
    let assignmentsFlips = 0;
    for (const base of baseline) {
      const copy = tenantByName.get(nameOf(base));
      expect(copy, nameOf(base)).toBeDefined();
      if (copy === undefined) continue;
      expect(copy["id"]).not.toBe(base["id"]);
      expect(copy["@odata.id"]).not.toBe(base["@odata.id"]);
      expect(copy["createdDateTime"]).not.toBe(base["createdDateTime"]);
      expect(copy["lastModifiedDateTime"]).not.toBe(base["lastModifiedDateTime"]);
      const assign = copy["#microsoft.graph.assign"] as JsonObject;
      expect(String(assign["target"])).toContain(String(copy["id"]));
      expect(JSON.stringify(copy)).not.toContain(String(base["id"]));
      if ("assignments" in copy !== "assignments" in base) assignmentsFlips++;
      expect(normalize(copy)).toEqual(normalize(base));
    }
    expect(assignmentsFlips).toBeGreaterThan(0);
    // Two zero-drift tenants also differ from each other in noise.
    const other = generateSampleTenant(baseline, { seed: 100, drift: {} });
    expect(other.policies.map((p) => p["id"])).not.toEqual(tenant.policies.map((p) => p["id"]));
  });

  it("honours every DriftPlan count exactly", () => {
    const plan = {
      changedSettings: 5,
      removedPolicies: 2,
      addedPolicies: 3,
      renamedVersionBumps: 2,
      reorderSettings: true,
    };
    const tenant = generateSampleTenant(baseline, { seed: 2024, drift: plan });
    expect(tenant.expected).toEqual({
      changedSettings: 5,
      removedPolicies: 2,
      addedPolicies: 3,
      renamedVersionBumps: 2,
    });

    const baseByName = byName(baseline);
    const tenantByName = byName(tenant.policies);
    const onlyBase = [...baseByName.keys()].filter((n) => !tenantByName.has(n));
    const onlyTenant = [...tenantByName.keys()].filter((n) => !baseByName.has(n));
    const renamed = onlyTenant.filter((n) => onlyBase.some((b) => stripVersion(b) === stripVersion(n)));
    for (const to of renamed) {
      const from = onlyBase.find((b) => stripVersion(b) === stripVersion(to)) ?? "";
      const a = normalize(baseByName.get(from) ?? {}) as JsonObject;
      const b = normalize(tenantByName.get(to) ?? {}) as JsonObject;
      const key = a["@odata.type"] === SC_TYPE ? "name" : "displayName";
      delete a[key];
      delete b[key];
      if (a["@odata.type"] === SC_TYPE) {
        expect(flattenSettings(b)).toEqual(flattenSettings(a));
        delete a["settings"];
        delete b["settings"];
      }
      expect(b).toEqual(a);
    }
    const removed = onlyBase.filter((b) => !renamed.some((n) => stripVersion(n) === stripVersion(b)));
    const added = onlyTenant.filter((n) => !renamed.includes(n));
    expect(renamed.length).toBe(plan.renamedVersionBumps);
    expect(removed.length).toBe(plan.removedPolicies);
    expect(added.length).toBe(plan.addedPolicies);
    expect(tenant.changes.removedPolicies.sort()).toEqual(removed.sort());
    expect(tenant.changes.addedPolicies.sort()).toEqual(added.sort());
    for (const name of added) {
      expect(added.every((n) => stripVersion(n) !== stripVersion(name) || n === name)).toBe(true);
      expect([...baseByName.keys()].some((b) => stripVersion(b) === stripVersion(name))).toBe(false);
    }

    let changedLeaves = 0;
    for (const [name, base] of baseByName) {
      const copy = tenantByName.get(name);
      if (copy === undefined) continue;
      if (base["@odata.type"] === SC_TYPE) {
        const before = flattenSettings(base);
        const after = flattenSettings(copy);
        expect(after.length).toBe(before.length);
        changedLeaves += multisetMissing(before, after);
        const a = normalize(base) as JsonObject;
        const b = normalize(copy) as JsonObject;
        delete a["settings"];
        delete b["settings"];
        expect(b).toEqual(a);
      } else {
        const a = normalize(base) as JsonObject;
        const b = normalize(copy) as JsonObject;
        // OMA settings are keyed by omaUri; their order is not drift.
        for (const o of [a, b]) {
          if (Array.isArray(o["omaSettings"])) {
            o["omaSettings"] = [...o["omaSettings"]].sort((x, y) =>
              String((x as JsonObject)["omaUri"]).localeCompare(String((y as JsonObject)["omaUri"])),
            );
          }
        }
        expect(b).toEqual(a);
      }
    }
    expect(changedLeaves).toBe(plan.changedSettings);
    expect(tenant.changes.changedSettings).toHaveLength(plan.changedSettings);
  });

  it("reorders settings without changing them", () => {
    const tenant = generateSampleTenant(baseline, { seed: 77, drift: { reorderSettings: true } });
    expect(tenant.expected).toEqual({
      changedSettings: 0,
      removedPolicies: 0,
      addedPolicies: 0,
      renamedVersionBumps: 0,
    });
    const tenantByName = byName(tenant.policies);
    let reordered = 0;
    for (const base of baseline.filter((p) => p["@odata.type"] === SC_TYPE)) {
      const copy = tenantByName.get(nameOf(base));
      if (copy === undefined) throw new Error(`missing ${nameOf(base)}`);
      const order = (p: JsonObject): string[] =>
        (p["settings"] as JsonObject[]).map((s) => String((s["settingInstance"] as JsonObject)["settingDefinitionId"]));
      if (order(copy).join() !== order(base).join()) reordered++;
      expect(flattenSettings(copy)).toEqual(flattenSettings(base));
      expect((copy["settings"] as JsonObject[]).map((s) => s["id"])).toEqual(
        (copy["settings"] as JsonObject[]).map((_, i) => String(i)),
      );
    }
    expect(reordered).toBeGreaterThan(5);
  });

  it("rejects impossible plans", () => {
    expect(() => generateSampleTenant(baseline, { seed: 1, drift: { changedSettings: -1 } })).toThrow(RangeError);
    expect(() => generateSampleTenant(baseline, { seed: 1, drift: { removedPolicies: 1.5 } })).toThrow(RangeError);
    expect(() => generateSampleTenant(baseline, { seed: 1, drift: { changedSettings: 10_000 } })).toThrow(RangeError);
    expect(() => generateSampleTenant(baseline, { seed: 1, drift: { removedPolicies: 1000 } })).toThrow(RangeError);
    expect(() => generateSampleTenant(baseline, { seed: 1, drift: { addedPolicies: 1000 } })).toThrow(RangeError);
  });

  it("carries secrets only as encrypted tokens, fresh per tenant", () => {
    const tenant = generateSampleTenant(baseline, { seed: 3, drift: {} });
    const secretsOf = (policies: readonly SamplePolicy[]): JsonObject[] =>
      collect(
        policies as JsonValue,
        (o) => o["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
      );
    const omaOf = (policies: readonly SamplePolicy[]): JsonObject[] =>
      collect(policies as JsonValue, (o) => o["isEncrypted"] === true);
    for (const policies of [baseline, tenant.policies]) {
      expect(secretsOf(policies).length).toBeGreaterThan(0);
      for (const s of secretsOf(policies)) {
        expect(s["valueState"]).toBe("encryptedValueToken");
        expect(String(s["value"])).toMatch(GUID);
      }
      for (const o of omaOf(policies)) {
        expect(String(o["secretReferenceValueId"])).toMatch(GUID);
        expect(String(o["value"])).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
      }
      expect(collect(policies as JsonValue, (o) => o["valueState"] === "notEncrypted")).toHaveLength(0);
    }
    expect(secretsOf(tenant.policies).map((s) => s["value"])).not.toEqual(secretsOf(baseline).map((s) => s["value"]));
    expect(omaOf(tenant.policies).map((s) => s["value"])).not.toEqual(omaOf(baseline).map((s) => s["value"]));
  });
});

describe("writeExportFolder", () => {
  const baseline = generateSampleBaseline(11);

  it("writes the Intune Management layout as UTF-16LE with BOM and CRLF", async () => {
    const dir = path.join(tmpRoot, "utf16");
    const written = await writeExportFolder(dir, baseline, { encoding: "utf16le" });
    const files = await listFiles(dir);
    expect(files).toEqual([...written.policyFiles].sort());
    expect(files).toHaveLength(baseline.length);
    const folders = new Set(files.map((f) => path.posix.dirname(f)));
    for (const folder of [
      "WINDOWS/IntuneManagement/SettingsCatalog",
      "WINDOWS/IntuneManagement/CompliancePolicies",
      "WINDOWS/IntuneManagement/DeviceConfiguration",
      "WINDOWS/IntuneManagement/UpdatePolicies",
      "MACOS/IntuneManagement/SettingsCatalog",
      "MACOS/IntuneManagement/CompliancePolicies",
      "BYOD/AppProtection",
    ]) {
      expect(folders.has(folder), folder).toBe(true);
    }
    const expectedByName = byName(baseline);
    for (const file of files) {
      const bytes = await readFile(path.join(dir, file));
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
      const text = decode(bytes);
      expect(text).toContain("\r\n");
      expect(text.replace(/\r\n/g, "")).not.toContain("\n");
      expect(text).toContain('":  ');
      const policy = parsePolicy(text);
      expect(policy, file).not.toBeNull();
      if (policy === null) continue;
      expect(file).toBe(`${exportFolderFor(policy)}/${sanitizeFileName(nameOf(policy))}.json`);
      expect(policy).toEqual(expectedByName.get(nameOf(policy)));
    }
  });

  it("writes mixed encodings and deliberately unreadable extra files", async () => {
    const dir = path.join(tmpRoot, "mixed");
    const written = await writeExportFolder(dir, baseline, {
      encoding: "mixed",
      jsonStyle: "mixed",
      malformedFiles: 3,
    });
    expect(written.malformedFiles).toHaveLength(3);
    const files = await listFiles(dir);
    expect(files).toHaveLength(baseline.length + 3);
    const boms = new Set<string>();
    let readable = 0;
    for (const file of files) {
      const bytes = await readFile(path.join(dir, file));
      const kind =
        bytes[0] === 0xff && bytes[1] === 0xfe
          ? "utf16le"
          : bytes[0] === 0xef && bytes[1] === 0xbb
            ? "utf8bom"
            : "utf8";
      const policy = parsePolicy(decode(bytes));
      if (written.malformedFiles.includes(file)) {
        expect(policy, file).toBeNull();
      } else {
        boms.add(kind);
        expect(policy, file).not.toBeNull();
        readable++;
      }
    }
    expect(readable).toBe(baseline.length);
    expect([...boms].sort()).toEqual(["utf16le", "utf8", "utf8bom"]);
  });

  it("sanitises file names and never overwrites a duplicate name", async () => {
    expect(sanitizeFileName('A/B: "C" <D>|E? *. ')).toBe("A_B_ _C_ _D__E_ _");
    const [first] = baseline;
    if (first === undefined) throw new Error("empty baseline");
    const dir = path.join(tmpRoot, "dupes");
    const written = await writeExportFolder(dir, [first, first], { encoding: "utf8" });
    expect(written.policyFiles).toHaveLength(2);
    expect(written.policyFiles[1]).toMatch(/ \(2\)\.json$/);
  });
});

describe("createDemoTenants", () => {
  it("writes the baseline source and four customer tenants with exact expected drift", async () => {
    const root = path.join(tmpRoot, "demo");
    const { tenants } = await createDemoTenants(root, 31337);
    expect(tenants.map((t) => t.name)).toEqual(["contoso-baseline", "fabrikam", "northwind", "tailspin", "adatum"]);
    const expected = Object.fromEntries(tenants.map((t) => [t.name, t.expected]));
    expect(expected).toEqual({
      "contoso-baseline": { changedSettings: 0, removedPolicies: 0, addedPolicies: 0, renamedVersionBumps: 0 },
      fabrikam: { changedSettings: 0, removedPolicies: 0, addedPolicies: 0, renamedVersionBumps: 0 },
      northwind: { changedSettings: 3, removedPolicies: 1, addedPolicies: 0, renamedVersionBumps: 0 },
      tailspin: { changedSettings: 0, removedPolicies: 0, addedPolicies: 1, renamedVersionBumps: 1 },
      adatum: { changedSettings: 1, removedPolicies: 0, addedPolicies: 0, renamedVersionBumps: 0 },
    });
    expect(tenants.map((t) => t.malformedFiles)).toEqual([0, 0, 0, 0, 1]);
    expect(tenants[0]?.role).toBe("baseline_source");
    expect(new Set(tenants.map((t) => t.tenantId)).size).toBe(5);

    const read = async (dir: string): Promise<{ policies: JsonObject[]; unreadable: number }> => {
      const policies: JsonObject[] = [];
      let unreadable = 0;
      for (const file of await listFiles(dir)) {
        const policy = parsePolicy(decode(await readFile(path.join(dir, file))));
        if (policy === null) unreadable++;
        else policies.push(policy);
      }
      return { policies, unreadable };
    };
    const source = await read(tenants[0]?.dir ?? "");
    expect(source.unreadable).toBe(0);
    const baseCount = source.policies.length;
    expect(baseCount).toBe(tenants[0]?.policyCount);
    for (const t of tenants) {
      const { policies, unreadable } = await read(t.dir);
      expect(unreadable).toBe(t.malformedFiles);
      expect(policies).toHaveLength(t.policyCount);
      expect(t.policyCount).toBe(baseCount - t.expected.removedPolicies + t.expected.addedPolicies);
    }
    // Zero drift, read back from disk: same configuration, different noise.
    const fabrikam = await read(tenants[1]?.dir ?? "");
    const sourceByName = byName(source.policies);
    for (const p of fabrikam.policies) {
      const base = sourceByName.get(nameOf(p));
      expect(base, nameOf(p)).toBeDefined();
      expect(p["id"]).not.toBe(base?.["id"]);
      expect(normalize(p)).toEqual(normalize(base ?? {}));
    }
    // Same seed, same demo.
    const again = await createDemoTenants(path.join(tmpRoot, "demo-again"), 31337);
    expect(again.tenants.map((t) => t.changes)).toEqual(tenants.map((t) => t.changes));
  });
});
