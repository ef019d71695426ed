/**
 * What every database-backed CLI command gets: the runtime, the local operator and the workspace
 * it acts in, and output helpers that honour `--json`.
 * @module
 */
import { ensureLocalOperator, ensureWorkspace, getWorkspaceForUser, type Workspace } from "../access/workspaces.js";
import { loadConfig } from "../config/config.js";
import { openRuntime, type Runtime } from "../main.js";
import { OperatorError } from "../shared/operator-error.js";

/** Context of one CLI command. */
export interface CliContext {
  runtime: Runtime;
  userId: string;
  workspace: Workspace;
  json: boolean;
  /** Print a human line (suppressed with --json). */
  say(line: string): void;
  /** Print the command's JSON result (only with --json). */
  emit(value: unknown): void;
}

/** Global options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  workspace?: string;
}

/** Options of {@link withCliContext}. */
export interface CliContextOptions {
  /** Log level when LOG_LEVEL is not set: a long-running service logs, an interactive command stays quiet. (Default: "fatal") */
  defaultLogLevel?: string;
}

/** The workspace the local operator gets on first use. */
export const DEFAULT_WORKSPACE = { name: "Local workspace", slug: "local" } as const;

/**
 * Open the runtime and resolve operator and workspace, run `body`, and always close the runtime.
 * @returns the command's exit code
 */
export async function withCliContext(
  options: GlobalOptions,
  body: (ctx: CliContext) => Promise<number>,
  contextOptions: CliContextOptions = {},
): Promise<number> {
  let runtime: Runtime;
  try {
    runtime = await openRuntime(loadConfig(), { defaultLogLevel: contextOptions.defaultLogLevel ?? "fatal" });
  } catch (error) {
    // Configuration, a port in use, an unreachable DATABASE_URL: say so plainly (the message names the port or host).
    throw new OperatorError("database_unavailable", (error as Error).message, { cause: error });
  }
  try {
    const userId = await ensureLocalOperator(runtime.database.db);
    if (options.workspace === undefined) {
      await ensureWorkspace(runtime.database.db, { ...DEFAULT_WORKSPACE, memberUserId: userId });
    }
    const workspace = await getWorkspaceForUser(
      runtime.database.db,
      userId,
      options.workspace ?? DEFAULT_WORKSPACE.slug,
    );
    const json = options.json === true;
    return await body({
      runtime,
      userId,
      workspace,
      json,
      say: (line) => {
        if (!json) process.stdout.write(`${line}\n`);
      },
      emit: (value) => {
        if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      },
    });
  } finally {
    await runtime.close();
  }
}
