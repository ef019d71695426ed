import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorError } from "../shared/operator-error.js";
import { type ExportEntry, listExportFiles, readExportFolder, toUnreadableHint } from "./export-folder-source.js";
import { describePolicyKind, findKindsForExportPath, toPolicyKind } from "./policy-kinds.js";

const corpusRoot = path.resolve(import.meta.dirname, "../..", "../shared/corpus/openintunebaseline");
const corpusPresent = existsSync(corpusRoot);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${corpusRoot}; corpus tests skipped`);
}

async function collect(iterable: AsyncIterable<ExportEntry>): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  for await (const entry of iterable) {
    entries.push(entry);
  }
  return entries;
}

describe.skipIf(!corpusPresent)("readExportFolder on the shared corpus", () => {
  it.each([
    ["oib-win-v3.2-b1d23fb", 67],
    ["oib-win-v3.3-f44f081", 87],
    ["oib-win-v3.5-193226e", 87],
    ["oib-win-v3.7-75c4825", 92],
  ])("reads every file of %s as a policy (%i files)", async (snapshot, count) => {
    const root = path.join(corpusRoot, snapshot);
    const files = await listExportFiles(root);
    expect(files).toHaveLength(count);
    expect(files).toEqual([...files].sort());
    expect(files.every((file) => !file.includes("\\") && !path.isAbsolute(file))).toBe(true);
    const entries = await collect(readExportFolder(root));
    expect(entries.map((entry) => entry.file)).toEqual(files);
    expect(entries.filter((entry) => !entry.result.ok)).toEqual([]);
  });
});

describe("listExportFiles and readExportFolder", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-export-"));
    await mkdir(path.join(dir, "WINDOWS/IntuneManagement/SettingsCatalog"), { recursive: true });
    await mkdir(path.join(dir, "BYOD/AppProtection"), { recursive: true });
    await writeFile(
      path.join(dir, "WINDOWS/IntuneManagement/SettingsCatalog/B.json"),
      '{"@odata.type":"#microsoft.graph.deviceManagementConfigurationPolicy","name":"B","technologies":"mdm"}',
    );
    await writeFile(path.join(dir, "WINDOWS/IntuneManagement/SettingsCatalog/A.JSON"), "{ broken");
    await writeFile(path.join(dir, "BYOD/AppProtection/iOS.json"), '"a string"');
    await writeFile(path.join(dir, "README.md"), "not a policy");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists *.json files recursively, sorted, with / separators", async () => {
    expect(await listExportFiles(dir)).toEqual([
      "BYOD/AppProtection/iOS.json",
      "WINDOWS/IntuneManagement/SettingsCatalog/A.JSON",
      "WINDOWS/IntuneManagement/SettingsCatalog/B.json",
    ]);
  });

  it("yields unreadable files with a reason instead of throwing", async () => {
    const entries = await collect(readExportFolder(dir));
    expect(entries.map((entry) => [entry.file, entry.result.ok ? "ok" : entry.result.reason])).toEqual([
      ["BYOD/AppProtection/iOS.json", "not_policy"],
      ["WINDOWS/IntuneManagement/SettingsCatalog/A.JSON", "not_json"],
      ["WINDOWS/IntuneManagement/SettingsCatalog/B.json", "ok"],
    ]);
  });

  it("skips files named in skip and reports too_large from the file size", async () => {
    const entries = await collect(
      readExportFolder(dir, { skip: new Set(["BYOD/AppProtection/iOS.json"]), maxExportBytes: 20 }),
    );
    expect(entries.map((entry) => (entry.result.ok ? "ok" : entry.result.reason))).toEqual(["not_json", "too_large"]);
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(collect(readExportFolder(dir, { signal: controller.signal }))).rejects.toThrow("stop");
  });

  it("throws evidence_source_unreachable naming the path for a missing root", async () => {
    const missing = path.join(dir, "does-not-exist");
    const error = await listExportFiles(missing).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as OperatorError).code).toBe("evidence_source_unreachable");
    expect((error as OperatorError).message).toContain(missing);
    await expect(collect(readExportFolder(missing))).rejects.toBeInstanceOf(OperatorError);
  });

  it("throws evidence_source_unreachable when the root is a file", async () => {
    await expect(listExportFiles(path.join(dir, "README.md"))).rejects.toMatchObject({
      code: "evidence_source_unreachable",
    });
  });
});

describe("policy kinds and unreadable hints", () => {
  it("strips the Graph prefix and labels known and unknown kinds", () => {
    expect(toPolicyKind("#microsoft.graph.windows10CompliancePolicy")).toBe("windows10CompliancePolicy");
    expect(describePolicyKind("deviceManagementConfigurationPolicy")).toBe("Settings catalog policy");
    expect(describePolicyKind("windows10CompliancePolicy")).toBe("Windows compliance policy");
    expect(describePolicyKind("windows10GeneralConfiguration")).toBe("Windows 10 general configuration");
    expect(describePolicyKind("windows81GeneralConfiguration")).toBe("Windows 8.1 general configuration");
    expect(describePolicyKind("iosGeneralDeviceConfiguration")).toBe("iOS general device configuration");
    expect(describePolicyKind("macOSCustomConfiguration")).toBe("macOS custom configuration");
  });

  it("derives the kind from the export folder when it implies exactly one", () => {
    expect(findKindsForExportPath("MACOS/IntuneManagement/CompliancePolicies/x.json")).toEqual([
      "macOSCompliancePolicy",
    ]);
    expect(toUnreadableHint("WINDOWS/IntuneManagement/CompliancePolicies/Win - X.json")).toEqual({
      policyKind: "windows10CompliancePolicy",
      nameHint: "Win - X",
    });
    expect(toUnreadableHint("BYOD/AppProtection/iOS - Baseline.json")).toEqual({ nameHint: "iOS - Baseline" });
  });
});
