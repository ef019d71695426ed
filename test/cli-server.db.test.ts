/**
 * `tenantpilot --server URL --token …`: the real CLI process against the real web app (on a free
 * port, with its LISTEN connection) and a real worker, through the JSON API and the /events stream.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiToken } from "../src/access/authentication.js";
import { createBaselineProfile } from "../src/baselines/baseline-profiles.js";
import { addTenant } from "../src/inventory/tenants.js";
import { type E2eApp, type SeededOperator, seedOperator, startWebApp } from "./e2e/browser.js";
import { corpusPresent, corpusSnapshot } from "./factories.js";

const REPO = path.resolve(import.meta.dirname, "..");
const V32 = corpusSnapshot("oib-win-v3.2-b1d23fb");
const V33 = corpusSnapshot("oib-win-v3.3-f44f081");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `tenantpilot` as a user would, with no local database reachable and no server from the environment. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== "TENANTPILOT_SERVER" && key !== "TENANTPILOT_TOKEN"),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/tenantpilot.js", ...args], {
      cwd: REPO,
      env: { ...inherited, LOG_LEVEL: "silent", DATABASE_URL: "postgres://nobody@127.0.0.1:9/none", ...env },
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

/** A port below 32768 that nothing listens on (briefly bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer().once("error", reject);
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(port)));
  });
}

describe("tenantpilot --server", () => {
  let web: E2eApp;
  let operator: SeededOperator;
  let token: string;
  let server: string[];

  beforeAll(async () => {
    web = await startWebApp({ withWorker: true, evidenceReadDelayMs: corpusPresent ? 10 : 0 });
    operator = await seedOperator(web.database);
    token = (await createApiToken(web.database.db, operator.userId, "cli test")).token;
    server = ["--server", web.baseUrl, "--token", token];
    const db = web.database.db;
    const workspaceId = operator.workspace.id;
    if (corpusPresent) {
      await addTenant(db, { workspaceId, name: "Baseline", evidenceSource: { kind: "export_folder", path: V32 } });
      await addTenant(db, { workspaceId, name: "Customer", evidenceSource: { kind: "export_folder", path: V33 } });
      await createBaselineProfile(db, {
        workspaceId,
        name: "OIB",
        sourceTenant: "Baseline",
        policyKinds: [],
        ignoreVersionSuffix: false,
        reportUnexpected: true,
      });
    } else {
      await addTenant(db, { workspaceId, name: "Customer", evidenceSource: { kind: "export_folder", path: REPO } });
    }
  });
  afterAll(async () => {
    await web?.close();
  });

  test("tenants list --json reads the tenants through the API, with no local database", async () => {
    const result = await runCli([...server, "tenants", "list", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const { tenants } = JSON.parse(result.stdout) as { tenants: { name: string; evidenceSource: unknown }[] };
    expect(tenants.map((tenant) => tenant.name)).toContain("Customer");
    expect(tenants[0]?.evidenceSource).toEqual({ kind: "export_folder" }); // no paths over the API
    const text = await runCli(["--workspace", operator.workspace.slug, ...server, "tenants", "list"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Customer\t\(export folder\)\t[0-9a-f-]{36}$/m);
  });

  test("the server and token may come from TENANTPILOT_SERVER and TENANTPILOT_TOKEN", async () => {
    const result = await runCli(["runs", "list", "--json"], {
      TENANTPILOT_SERVER: web.baseUrl,
      TENANTPILOT_TOKEN: token,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty("runs");
  });

  test("a wrong token exits 2 and says the token was not accepted", async () => {
    const result = await runCli(["--server", web.baseUrl, "--token", "tp_not-a-real-token", "tenants", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Error: The token was not accepted by the server.");
    expect(result.stderr).not.toMatch(/\bat \S+ \(/); // no stack
    const json = await runCli(["--server", web.baseUrl, "--token", "tp_nope", "runs", "list", "--json"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe("unauthenticated");
  });

  test("an unreachable server exits 1 with a clear message", async () => {
    const port = await closedPort();
    const result = await runCli(["--server", `http://127.0.0.1:${port}`, "--token", token, "runs", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: The server could not be reached at http://127.0.0.1:${port} (ECONNREFUSED).\n`);
  });

  test("commands that need a local database exit 2 with --server", async () => {
    const add = await runCli([...server, "tenants", "add", "--name", "X", "--export-dir", REPO]);
    expect(add.code).toBe(2);
    expect(add.stderr).toContain('"tenantpilot tenants add" needs a local database and is not available with --server');
    for (const args of [["worker"], ["runs", "cancel", "00000000-0000-4000-8000-000000000000"]]) {
      expect((await runCli([...server, ...args])).code).toBe(2);
    }
  });

  test("unknown names and runs map to the operator sentences and exit 2", async () => {
    const compare = await runCli([...server, "baselines", "compare", "--profile", "Nope", "--tenant", "Customer"]);
    expect(compare.code).toBe(2);
    expect(compare.stderr).toContain("This item does not exist or you do not have access to it.");
    expect(compare.stderr).toContain('No baseline profile named "Nope" in this workspace.');
    const show = await runCli([...server, "runs", "show", "00000000-0000-4000-8000-000000000000", "--json"]);
    expect(show.code).toBe(2);
    expect(JSON.parse(show.stdout).error.code).toBe("not_found");
  });

  describe.skipIf(!corpusPresent)("on the shared corpus", () => {
    test("capture and compare start through the API and are watched live over /events to their end", async () => {
      const capture = await runCli([...server, "baselines", "capture", "--profile", "OIB"]);
      expect(capture.stderr).toBe("");
      expect(capture.code).toBe(0);
      expect(capture.stdout).toContain("Baseline capture queued");
      expect(capture.stdout).toContain("Baseline · OIB: Baseline capture finished: 67 policies captured.");

      const compare = await runCli([...server, "baselines", "compare", "--profile", "OIB", "--tenant", "Customer"]);
      expect(compare.stderr).toBe("");
      expect(compare.code).toBe(0);
      expect(compare.stdout).toContain("Baseline compare queued");
      expect(compare.stdout).toContain("Capturing current tenant policies"); // a live phase line
      expect(compare.stdout).toContain("Customer · OIB: Baseline compare finished: 34 drift findings");

      const list = await runCli([...server, "baselines", "list"]);
      expect(list.stdout).toMatch(/^OIB\t67 policies captured /m);

      const runs = JSON.parse((await runCli([...server, "runs", "list", "--json"])).stdout) as {
        runs: { type: string; outcome: string }[];
      };
      expect(runs.runs.map((run) => [run.type, run.outcome])).toEqual([
        ["baseline_compare", "succeeded"],
        ["baseline_capture", "succeeded"],
      ]);
      const text = await runCli([...server, "runs", "list"]);
      expect(text.stdout).toContain("Baseline compare · Customer · OIB");

      const findings = await runCli([...server, "findings", "list", "--tenant", "Customer", "--json"]);
      expect(findings.code).toBe(0);
      expect((JSON.parse(findings.stdout) as { findings: unknown[] }).findings).toHaveLength(34);

      const detached = await runCli([
        ...server,
        "baselines",
        "compare",
        "--profile",
        "OIB",
        "--tenant",
        "Customer",
        "--detach",
        "--json",
      ]);
      expect(detached.code).toBe(0);
      const { run } = JSON.parse(detached.stdout) as { run: { id: string } };
      const watched = await runCli([...server, "runs", "watch", run.id]);
      expect(watched.code).toBe(0);
      expect(watched.stdout).toContain("Baseline compare finished: 34 drift findings");
      const shown = await runCli([...server, "runs", "show", run.id]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`Run ${run.id} · attempt 1`);
    });
  });
});
