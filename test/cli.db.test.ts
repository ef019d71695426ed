/**
 * The `tenantpilot` CLI as a user runs it: a real process, a real database, exit codes and output.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect } from "vitest";
import { dbTest } from "./db-test.js";
import { corpusPresent, corpusSnapshot } from "./factories.js";

const REPO = path.resolve(import.meta.dirname, "..");
const V32 = corpusSnapshot("oib-win-v3.2-b1d23fb");
const V33 = corpusSnapshot("oib-win-v3.3-f44f081");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `tenantpilot` as a user would; `env` adds variables, `unset` removes inherited ones. */
function runCli(args: string[], env: Record<string, string>, unset: string[] = []): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !unset.includes(key)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/tenantpilot.js", ...args], {
      cwd: REPO,
      env: { ...inherited, LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("tenantpilot CLI on bad input", () => {
  dbTest(
    "tenants add with a missing folder exits 2 with a clear message and stores nothing",
    async ({ databaseUrl }) => {
      const result = await runCli(["tenants", "add", "--name", "Ghost", "--export-dir", "/nonexistent/export"], {
        DATABASE_URL: databaseUrl,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Error: The export folder does not exist or is not a folder.");
      expect(result.stderr).not.toMatch(/\bat \S+ \(/); // no stack
      const list = await runCli(["tenants", "list", "--json"], { DATABASE_URL: databaseUrl });
      expect(JSON.parse(list.stdout)).toEqual({ tenants: [] });
    },
  );

  dbTest(
    "compare of an unknown tenant exits 2; compare before any capture exits 2 with the snapshot reason",
    async ({ databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl };
      expect((await runCli(["tenants", "add", "--name", "A", "--export-dir", REPO], env)).code).toBe(0);
      expect((await runCli(["baselines", "create", "--name", "P", "--source-tenant", "A"], env)).code).toBe(0);
      const unknown = await runCli(["baselines", "compare", "--profile", "P", "--tenant", "Nobody"], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("This item does not exist or you do not have access to it.");
      expect(unknown.stderr).toContain('No tenant named "Nobody" in this workspace.');
      const early = await runCli(["baselines", "compare", "--profile", "P", "--tenant", "A"], env);
      expect(early.code).toBe(2);
      expect(early.stderr).toContain("This baseline profile has no snapshot yet. Capture a baseline first.");
    },
  );

  dbTest("with --json an error is a JSON document on stdout too", async ({ databaseUrl }) => {
    const result = await runCli(["baselines", "compare", "--profile", "P", "--tenant", "Nope", "--json"], {
      DATABASE_URL: databaseUrl,
    });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: "not_found",
        message: "This item does not exist or you do not have access to it.",
        detail: 'No baseline profile named "P" in this workspace.',
      },
    });
  });

  dbTest(
    "tenants add refuses a folder without exports and a second folder under an existing name",
    async ({ databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl };
      const empty = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-empty-"));
      const withExport = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-one-"));
      mkdirSync(path.join(withExport, "node_modules"));
      writeFileSync(path.join(withExport, "node_modules", "package.json"), "{}"); // never counted as an export
      try {
        const refused = await runCli(["tenants", "add", "--name", "Empty", "--export-dir", empty], env);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain("The export folder contains no Intune policy exports");
        expect((await runCli(["tenants", "add", "--name", "Empty", "--export-dir", withExport], env)).code).toBe(2);
        writeFileSync(
          path.join(withExport, "policy.json"),
          '{"@odata.type":"#microsoft.graph.windows10CompliancePolicy","displayName":"P"}',
        );
        expect((await runCli(["tenants", "add", "--name", "One", "--export-dir", withExport], env)).code).toBe(0);
        expect((await runCli(["tenants", "add", "--name", "one", "--export-dir", withExport], env)).code).toBe(0); // same folder: fine
        const clash = await runCli(["tenants", "add", "--name", "ONE", "--export-dir", REPO], env);
        expect(clash.code).toBe(2);
        expect(clash.stderr).toContain('A tenant named "One" already exists');
      } finally {
        rmSync(empty, { recursive: true, force: true });
        rmSync(withExport, { recursive: true, force: true });
      }
    },
  );

  dbTest("an unknown policy kind in --kinds exits 2 and lists the known kinds", async ({ databaseUrl }) => {
    const env = { DATABASE_URL: databaseUrl };
    const dir = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-one-"));
    writeFileSync(
      path.join(dir, "policy.json"),
      '{"@odata.type":"#microsoft.graph.windows10CompliancePolicy","displayName":"P"}',
    );
    try {
      expect((await runCli(["tenants", "add", "--name", "A", "--export-dir", dir], env)).code).toBe(0);
      const result = await runCli(
        ["baselines", "create", "--name", "K", "--source-tenant", "A", "--kinds", "bogus"],
        env,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Unknown policy kind "bogus". Known kinds: deviceManagementConfigurationPolicy');
      const ok = await runCli(
        [
          "baselines",
          "create",
          "--name",
          "K",
          "--source-tenant",
          "A",
          "--kinds",
          "#microsoft.graph.Windows10CompliancePolicy",
        ],
        env,
      );
      expect(ok.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  dbTest("an unknown command or missing option exits 2", async ({ databaseUrl }) => {
    expect((await runCli(["frobnicate"], { DATABASE_URL: databaseUrl })).code).toBe(2);
    expect((await runCli(["tenants", "add", "--name", "x"], { DATABASE_URL: databaseUrl })).code).toBe(2);
  });
});

describe.skipIf(!corpusPresent)("tenantpilot CLI on the shared corpus", () => {
  dbTest("adds tenants, creates a profile, captures, compares and lists findings as JSON", async ({ databaseUrl }) => {
    const env = { DATABASE_URL: databaseUrl };
    expect((await runCli(["tenants", "add", "--name", "Baseline", "--export-dir", V32], env)).code).toBe(0);
    expect((await runCli(["tenants", "add", "--name", "Customer", "--export-dir", V33], env)).code).toBe(0);
    expect(
      (
        await runCli(
          ["baselines", "create", "--name", "OIB", "--source-tenant", "Baseline", "--report-unexpected"],
          env,
        )
      ).code,
    ).toBe(0);
    const capture = await runCli(["baselines", "capture", "--profile", "OIB", "--json"], env);
    expect(capture.code).toBe(0);
    expect(JSON.parse(capture.stdout).run).toMatchObject({
      type: "baseline_capture",
      status: "completed",
      outcome: "succeeded",
    });
    const compare = await runCli(["baselines", "compare", "--profile", "OIB", "--tenant", "Customer"], env);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toContain("Baseline compare queued");
    expect(compare.stdout).toContain("Capturing current tenant policies");
    expect(compare.stdout).toContain("Baseline compare finished: 34 drift findings");
    const findings = JSON.parse((await runCli(["findings", "list", "--tenant", "Customer", "--json"], env)).stdout) as {
      findings: { kind: string }[];
    };
    expect(findings.findings).toHaveLength(34);
    const runs = JSON.parse((await runCli(["runs", "list", "--json"], env)).stdout) as { runs: { outcome: string }[] };
    expect(runs.runs.map((run) => run.outcome)).toEqual(["succeeded", "succeeded"]);
  });

  dbTest("diff needs no database and prints the DESIGN §10 JSON shape", async () => {
    const result = await runCli(["diff", V32, V33, "--json"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.baseline).toMatchObject({ policies: 67, unreadable: [] });
    expect(report.current).toMatchObject({ policies: 87, unreadable: [] });
    const nonzero = Object.fromEntries(
      Object.entries(report.summary as Record<string, number>).filter(([, n]) => n > 0),
    );
    expect(nonzero).toEqual({ missing_policy: 7, unexpected_policy: 27 });
    expect(report.findings[0]).toHaveProperty("policyKind");
    expect(report.findings[0].policyKind).not.toMatch(/^#microsoft\.graph\./);
    expect((await runCli(["diff", V32, V33, "--fail-on-drift"], {})).code).toBe(1);
    expect((await runCli(["diff", V32, "/nonexistent/dir"], {})).code).toBe(2);
  });
});

describe("npm run demo", () => {
  dbTest("runs end to end on its own embedded PostgreSQL and exits 0 with matching findings", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-demo-"));
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? 20_000 + (address.port % 12_000) : 25_499));
      });
    });
    const env: Record<string, string> = {
      TENANTPILOT_DATA_DIR: dataDir,
      TENANTPILOT_PG_PORT: String(port),
      EVIDENCE_READ_DELAY_MS: "0",
    };
    const result = await runCli(["demo", "--json"], env, ["DATABASE_URL"]);
    rmSync(dataDir, { recursive: true, force: true });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { compares: { tenant: string; matches: boolean; outcome: string }[] };
    expect(summary.compares).toHaveLength(4);
    expect(summary.compares.every((compare) => compare.matches)).toBe(true);
    expect(summary.compares.map((compare) => compare.outcome).sort()).toEqual([
      "partially_succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
  });
});
