/**
 * The embedded PostgreSQL survives a killed previous process: a SIGKILLed Node parent leaves its
 * postgres running and holding the data dir (STACK.md G9); the next start must stop it and start
 * cleanly, with the data intact.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";

const REPO = path.resolve(import.meta.dirname, "..");
const root = mkdtempSync(path.join(os.tmpdir(), "tenantpilot-embedded-"));
const dataDir = path.join(root, "pg");
const port = 20_000 + (process.pid % 12_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Running (not exited; a zombie that this machine's init never reaps counts as exited). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Start a child process that starts (or joins) the cluster and then idles; resolves once it is ready. */
async function spawnClusterUser(options: { detached: boolean; sql?: string }) {
  const script = `
    import { startEmbeddedPostgres } from "./src/db/embedded-postgres.ts";
    import pg from "pg";
    const handle = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
    const client = new pg.Client({ connectionString: handle.adminUrl });
    await client.connect();
    ${options.sql ? `await client.query(${JSON.stringify(options.sql)});` : ""}
    await client.end();
    process.stdout.write("ready\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO,
    detached: options.detached,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
  });
  return child;
}

function postmasterPid(): number {
  return Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
}

describe("startEmbeddedPostgres", () => {
  test("a Ctrl+C to the terminal's process group does not reach postgres (it runs in a session of its own)", async () => {
    const child = await spawnClusterUser({ detached: true });
    const postmaster = postmasterPid();
    process.kill(-child.pid!, "SIGINT"); // what a terminal does on Ctrl+C: signal the whole foreground group
    await new Promise((resolve) => child.once("exit", resolve));
    expect(isAlive(postmaster)).toBe(true);
    // The next user finds the server without users, stops it and starts a fresh one.
    const handle = await startEmbeddedPostgres({ dataDir, port });
    expect(isAlive(postmaster)).toBe(false);
    await handle.stop();
  });

  test("processes share one cluster; the last one out stops it", async () => {
    const other = await spawnClusterUser({ detached: false }); // another TenantPilot process started it
    const postmaster = postmasterPid();
    const joined = await startEmbeddedPostgres({ dataDir, port: port + 1 });
    expect(joined.adminUrl).toContain(`:${port}/`); // joined the running server, not a second one
    expect(postmasterPid()).toBe(postmaster);
    other.kill("SIGKILL"); // the first user goes away (abruptly: it can no longer say so)
    await new Promise((resolve) => other.once("exit", resolve));
    const client = new pg.Client({ connectionString: joined.adminUrl });
    await client.connect(); // still serving the remaining user
    await client.end();
    await joined.stop(); // the last one out stops it
    expect(isAlive(postmaster)).toBe(false);
  });

  test("starts again after the process that ran it was SIGKILLed, with its data intact", async () => {
    // A child process starts the cluster, writes a row, reports ready, and is then killed -9.
    const child = await spawnClusterUser({
      detached: false,
      sql: "create table survivor (note text); insert into survivor values ('still here')",
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const orphan = postmasterPid();
    expect(isAlive(orphan)).toBe(true); // postgres outlived its parent and still holds the data dir

    const handle = await startEmbeddedPostgres({ dataDir, port });
    try {
      const client = new pg.Client({ connectionString: handle.adminUrl });
      await client.connect();
      const { rows } = await client.query("select note from survivor");
      await client.end();
      expect(rows).toEqual([{ note: "still here" }]);
      expect(isAlive(orphan)).toBe(false);
      const encoding = new pg.Client({ connectionString: handle.adminUrl });
      await encoding.connect();
      expect((await encoding.query("show server_encoding")).rows[0]).toEqual({ server_encoding: "UTF8" });
      await encoding.end();
    } finally {
      await handle.stop();
    }
  });
});
