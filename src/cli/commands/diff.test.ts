import { existsSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DiffReport, diffExportFolders, formatDiffReport } from "./diff.js";

const corpusRoot = path.resolve(import.meta.dirname, "../../..", "../shared/corpus/openintunebaseline");
const corpusPresent = existsSync(corpusRoot);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${corpusRoot}; corpus tests skipped`);
}
const v35 = path.join(corpusRoot, "oib-win-v3.5-193226e");
const v37 = path.join(corpusRoot, "oib-win-v3.7-75c4825");

describe.skipIf(!corpusPresent)("diffExportFolders on the shared corpus", () => {
  it("prints the DESIGN §10 shape for v3.5 → v3.7 with the version suffix ignored", async () => {
    const report = await diffExportFolders(v35, v37, { ignoreVersionSuffix: true });
    expect(Object.keys(report)).toEqual(["baseline", "current", "summary", "findings", "unknown"]);
    expect(report.baseline).toEqual({ policies: 87, unreadable: [] });
    expect(report.current).toEqual({ policies: 92, unreadable: [] });
    expect(report.summary).toEqual({
      ambiguous_match: 0,
      missing_policy: 4,
      unexpected_policy: 9,
      property_changed: 13,
      setting_changed: 13,
      setting_missing: 20,
      setting_added: 38,
      assignment_changed: 0,
    });
    for (const finding of report.findings) {
      expect(
        Object.keys(finding).every((key) =>
          ["kind", "policyKind", "policyName", "path", "expected", "actual", "probableRename"].includes(key),
        ),
      ).toBe(true);
      expect(finding.policyKind).not.toContain("#microsoft.graph.");
    }
  });

  it("finds nothing comparing a folder with itself", async () => {
    const report = await diffExportFolders(v37, v37);
    expect(report.findings).toEqual([]);
    expect(formatDiffReport(report)).toContain("No drift");
  });

  describe("with an unreadable current file", () => {
    let current: string;
    beforeAll(async () => {
      current = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-diff-"));
      await cp(v37, current, { recursive: true });
      const broken = path.join(
        current,
        "WINDOWS/IntuneManagement/CompliancePolicies/Win - OIB - Compliance - U - Password - v3.1.json",
      );
      await writeFile(broken, "{ truncated");
    });
    afterAll(async () => {
      await rm(current, { recursive: true, force: true });
    });

    it("lists the file and does not report its policies missing", async () => {
      const report = await diffExportFolders(v37, current);
      expect(report.current.unreadable).toEqual([
        "WINDOWS/IntuneManagement/CompliancePolicies/Win - OIB - Compliance - U - Password - v3.1.json",
      ]);
      expect(report.findings).toEqual([]);
      expect(formatDiffReport(report)).toContain(
        "Unreadable current file: WINDOWS/IntuneManagement/CompliancePolicies/",
      );
    });
  });
});

describe("diffExportFolders input errors", () => {
  it("throws export_folder_missing naming the folder", async () => {
    await expect(diffExportFolders("/nonexistent/baseline", "/nonexistent/current")).rejects.toMatchObject({
      code: "export_folder_missing",
      message: expect.stringContaining("/nonexistent/baseline"),
    });
  });
});

describe("formatDiffReport", () => {
  const report: DiffReport = {
    baseline: { policies: 2, unreadable: [] },
    current: { policies: 2, unreadable: ["BYOD/AppProtection/broken.json"] },
    summary: {
      ambiguous_match: 0,
      missing_policy: 1,
      unexpected_policy: 0,
      property_changed: 0,
      setting_changed: 1,
      setting_missing: 1,
      setting_added: 0,
      assignment_changed: 0,
    },
    findings: [
      { kind: "missing_policy", policyKind: "windows10CompliancePolicy", policyName: "Old", probableRename: "New" },
      {
        kind: "setting_changed",
        policyKind: "deviceManagementConfigurationPolicy",
        policyName: "P",
        path: "a/b",
        expected: 1,
        actual: 2,
      },
      {
        kind: "setting_missing",
        policyKind: "deviceManagementConfigurationPolicy",
        policyName: "P",
        path: "wifi",
        expected: "(secret)",
      },
    ],
    unknown: [],
  };

  it("groups findings by policy, names the kind and prints secrets as (secret)", () => {
    const text = formatDiffReport(report);
    expect(text).toContain('Windows compliance policy "Old"');
    expect(text).toContain('probably renamed: "New"');
    expect(text).toContain(
      'Settings catalog policy "P"\n  setting changed: a/b: 1 → 2\n  setting missing: wifi (expected (secret))',
    );
    expect(text).toContain("3 drift findings: 1 missing policy, 1 setting changed, 1 setting missing.");
    expect(text).toContain("Unreadable current file: BYOD/AppProtection/broken.json");
  });

  it("never says the folders match when files could not be read, and names the unknown policies", () => {
    const text = formatDiffReport({
      ...report,
      summary: { ...report.summary, missing_policy: 0, setting_changed: 0, setting_missing: 0 },
      findings: [],
      unknown: [{ policyKind: "iosManagedAppProtection", policyName: "iOS BYOD" }],
    });
    expect(text).not.toContain("matches the baseline");
    expect(text).toContain("1 unreadable file, so the folders are not known to match");
    expect(text).toContain('Unknown (may be in an unreadable file): iOS app protection policy "iOS BYOD"');
  });
});

describe("diffExportFolders on an empty folder", () => {
  it("refuses it (export_folder_empty) instead of reporting every policy missing", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const empty = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-diff-empty-"));
    const other = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-diff-one-"));
    writeFileSync(path.join(empty, "readme.txt"), "not an export");
    writeFileSync(
      path.join(other, "p.json"),
      '{"@odata.type":"#microsoft.graph.windows10CompliancePolicy","displayName":"P"}',
    );
    try {
      await expect(diffExportFolders(empty, other)).rejects.toMatchObject({ code: "export_folder_empty" });
      await expect(diffExportFolders(other, empty)).rejects.toMatchObject({ code: "export_folder_empty" });
    } finally {
      rmSync(empty, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });
});
