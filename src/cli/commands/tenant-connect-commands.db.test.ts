/**
 * `tenants connect --graph`, `tenants test-connection` and `admin rotate-secret-key` as a user runs
 * them: a real CLI process and database, the local Graph simulator as Entra and Graph, and the
 * secret nowhere in output, debug logs or the database.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { dbTest } from "../../../test/db-test.js";
import { findTablesContaining, newTestClientSecret } from "../../../test/factories.js";
import { type GraphSimulator, startGraphSimulator } from "../../graph/graph-simulator/graph-simulator.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const ENTRA_TENANT = randomUUID();
const APP = { clientId: randomUUID(), clientSecret: newTestClientSecret() };
const OLD_KEY = `old:${randomBytes(32).toString("base64")}`;
const NEW_KEY = `new:${randomBytes(32).toString("base64")}`;

let sim: GraphSimulator;
let dir: string;
let caFile: string;

beforeAll(async () => {
  sim = await startGraphSimulator({
    tenants: [
      {
        tenantId: ENTRA_TENANT,
        apps: [{ ...APP, permissions: ["DeviceManagementConfiguration.Read.All"] }],
        policies: { objects: [] },
      },
    ],
  });
  dir = mkdtempSync(path.join(os.tmpdir(), "tp-connect-"));
  caFile = path.join(dir, "simulator-ca.pem");
  writeFileSync(caFile, sim.caCertPem);
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with `stdin` piped in (or closed), at LOG_LEVEL=debug so logs can be searched. */
function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/tenantpilot.js", ...args], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: "debug", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const connectArgs = (tenant: string) => [
  "tenants",
  "connect",
  tenant,
  "--graph",
  "--entra-tenant-id",
  ENTRA_TENANT,
  "--client-id",
  APP.clientId,
  "--authority-host",
  sim.authorityHost,
  "--graph-base-url",
  sim.baseUrl,
  "--ca-file",
  caFile,
];

describe("tenantpilot tenants connect --graph", () => {
  dbTest(
    "connects a new tenant from a secret on stdin, tests it, and prints no secret anywhere",
    async ({ databaseUrl, database }) => {
      const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
      const connected = await runCli(
        [...connectArgs("Contoso"), "--client-secret-stdin", "--create", "--test"],
        env,
        `${APP.clientSecret}\n`,
      );
      expect(connected.stderr.includes("Error"), connected.stderr).toBe(false);
      expect(connected.code).toBe(0);
      expect(connected.stdout).toContain("Connected: Contoso reads Microsoft Graph");
      expect(connected.stdout).toContain(
        "Test connection: Connected: the app registration signed in and read Intune device configurations.",
      );

      const json = await runCli(["tenants", "test-connection", "Contoso", "--json"], env);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ tenant: { name: "Contoso" }, test: { result: "ok", ok: true } });
      const list = await runCli(["tenants", "list"], env);
      expect(list.stdout).toMatch(/Contoso\tMicrosoft Graph\t/);

      for (const result of [connected, json, list]) {
        expect(result.stdout).not.toContain(APP.clientSecret);
        expect(result.stderr).not.toContain(APP.clientSecret);
      }
      expect(await findTablesContaining(database, APP.clientSecret)).toEqual([]);
    },
  );

  dbTest(
    "a wrong secret from an environment variable: the test fails with exit 1 and says why",
    async ({ databaseUrl }) => {
      const wrong = newTestClientSecret();
      const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY, APP_SECRET: wrong };
      const result = await runCli(
        [...connectArgs("Fabrikam"), "--client-secret-env", "APP_SECRET", "--create", "--test"],
        env,
      );
      expect(result.code).toBe(1);
      // Saved and not working: the headline says both, and never "Connected".
      expect(result.stdout.split("\n")[0]).toBe(
        "Saved, but the connection test failed: The client secret is not valid or has expired. The tenant cannot be read until this is fixed.",
      );
      expect(result.stdout).not.toContain("Connected");
      expect(result.stdout).not.toContain("Connection replaced");
      expect(result.stdout + result.stderr).not.toContain(wrong);
      const replaced = await runCli(
        [...connectArgs("Fabrikam"), "--client-secret-env", "APP_SECRET", "--test", "--json"],
        env,
      );
      expect(replaced.code).toBe(1);
      expect(JSON.parse(replaced.stdout)).toMatchObject({
        created: false,
        tenant: { name: "Fabrikam" },
        test: { result: "invalid_client_secret", ok: false },
      });
      const again = await runCli(["tenants", "test-connection", "Fabrikam"], env);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe("Fabrikam: The client secret is not valid or has expired.\n");
    },
  );

  dbTest(
    "replacing without --ca-file says it keeps the stored CA; --no-ca removes it and the test names the TLS trust failure",
    async ({ databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
      const first = await runCli(
        [...connectArgs("Tailspin"), "--client-secret-stdin", "--create"],
        env,
        APP.clientSecret,
      );
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("Connection saved: Tailspin reads Microsoft Graph as app");
      expect(first.stdout).toContain("(not tested yet)");

      const withoutCaFile = connectArgs("Tailspin").filter((arg) => arg !== "--ca-file" && arg !== caFile);
      const kept = await runCli([...withoutCaFile, "--test"], env);
      expect(kept.code).toBe(0);
      expect(kept.stdout).toContain("Connection replaced: Tailspin reads Microsoft Graph");
      expect(kept.stdout).toContain("Keeps the stored CA certificate for these hosts (--no-ca removes it)");

      const cleared = await runCli([...withoutCaFile, "--no-ca", "--test"], env);
      expect(cleared.code).toBe(1);
      expect(cleared.stdout.split("\n")[0]).toBe(
        "Saved, but the connection test failed: The sign-in endpoint's TLS certificate is not trusted by this server. Add its CA certificate to the connection. Pass it to tenants connect with --ca-file <pem>. The tenant cannot be read until this is fixed.",
      );
      expect(cleared.stdout).not.toContain("CA certificate for these hosts");

      const both = await runCli([...connectArgs("Tailspin"), "--no-ca"], env);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("Use --ca-file or --no-ca, not both.");

      const help = await runCli(["tenants", "connect", "--help"], env);
      expect(help.stdout).toContain("--no-ca");
      expect(help.stdout).toContain("without --ca-file, the stored");
    },
  );

  dbTest.for([
    ["a secret as a plain argument", ["--client-secret", "hunter2hunter2"]],
    ["two credential sources", ["--client-secret-env", "A", "--certificate-file", "/etc/hostname"]],
    ["an unset variable", ["--client-secret-env", "TP_SURELY_UNSET_VARIABLE"]],
    ["a tenant id that is not a GUID", ["--client-secret-env", "HOME", "--entra-tenant-id", "contoso.onmicrosoft.com"]],
  ] as const)("refuses %s with exit 2", async ([_name, extra], { databaseUrl }) => {
    const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
    const result = await runCli([...connectArgs("Northwind"), "--create", ...extra], env);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain("hunter2hunter2");
  });

  dbTest(
    "test-connection on a tenant without a Graph connection prints only operator copy",
    async ({ databaseUrl }) => {
      const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
      expect((await runCli(["tenants", "add", "--name", "Folder only", "--export-dir", REPO], env)).code).toBe(0);
      const result = await runCli(["tenants", "test-connection", "Folder only"], env);
      expect(result.code).toBe(2);
      // The catalog sentence alone: not the internal "tenant <uuid> has no Graph connection".
      expect(result.stderr).toBe("Error: The tenant is not connected to Microsoft Graph with an app registration.\n");
      const json = await runCli(["tenants", "test-connection", "Folder only", "--json"], env);
      expect(JSON.parse(json.stdout)).toEqual({
        error: {
          code: "graph_not_connected",
          message: "The tenant is not connected to Microsoft Graph with an app registration.",
        },
      });
    },
  );

  dbTest("an unknown tenant without --create is not found", async ({ databaseUrl }) => {
    const env = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
    const result = await runCli([...connectArgs("Nobody"), "--client-secret-stdin"], env, APP.clientSecret);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No tenant named "Nobody" in this workspace.');
  });

  dbTest(
    "admin rotate-secret-key moves every credential to the new key; the old key can then be removed",
    async ({ databaseUrl }) => {
      const old = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: OLD_KEY };
      for (const name of ["A", "B"]) {
        const connected = await runCli(
          [...connectArgs(name), "--client-secret-stdin", "--create"],
          old,
          APP.clientSecret,
        );
        expect(connected.code).toBe(0);
      }
      const newOnly = { DATABASE_URL: databaseUrl, TENANTPILOT_SECRET_KEYS: NEW_KEY };
      const before = await runCli(["tenants", "test-connection", "A"], newOnly);
      expect(before.stdout).toContain("The stored credential could not be decrypted.");

      const rotated = await runCli(["admin", "rotate-secret-key", "--json"], {
        DATABASE_URL: databaseUrl,
        TENANTPILOT_SECRET_KEYS: `${NEW_KEY},${OLD_KEY}`,
      });
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.stdout)).toEqual({ currentKeyId: "new", rotatedCount: 2, previousKeyIds: { old: 2 } });
      for (const name of ["A", "B"]) {
        const tested = await runCli(["tenants", "test-connection", name], newOnly);
        expect(tested.code).toBe(0);
      }
      expect(rotated.stdout + rotated.stderr).not.toContain(OLD_KEY.split(":")[1]);
    },
  );
});
