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

describe("startEmbeddedPostgres", () => {
  test("starts again after the process that ran it was SIGKILLed, with its data intact", async () => {
    // A child process starts the cluster, writes a row, reports ready, and is then killed -9.
    const script = `
      import { startEmbeddedPostgres } from "./src/db/embedded-postgres.ts";
      import pg from "pg";
      const handle = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
      const client = new pg.Client({ connectionString: handle.adminUrl });
      await client.connect();
      await client.query("create table survivor (note text); insert into survivor values ('still here')");
      await client.end();
      process.stdout.write("ready\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const orphan = Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
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
