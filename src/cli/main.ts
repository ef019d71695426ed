#!/usr/bin/env node
/**
 * The `tenantpilot` command line: the same work as the web app, `--json` everywhere, live
 * `runs watch`, and `diff`, which needs no database at all. Errors print the operator-safe
 * sentence (plus the internal detail with --verbose) and exit 2 for bad input, 1 for failures.
 * @module
 */
import { Command, CommanderError } from "commander";
import { coerceError, OperatorError, type OperatorErrorCode } from "../shared/operator-error.js";
import { type GlobalOptions, withCliContext } from "./cli-context.js";
import { demoCommand } from "./commands/demo-command.js";
import { diffCommand } from "./commands/diff-command.js";
import {
  baselinesCapture,
  baselinesCompare,
  baselinesCreate,
  baselinesList,
  findingsList,
  runsCancel,
  runsList,
  runsShow,
  runsWatch,
  tenantsAdd,
  tenantsList,
} from "./commands/operations-commands.js";
import { workerCommand } from "./commands/worker-command.js";
import { EXIT_BAD_INPUT, EXIT_CODE_BY_ERROR, EXIT_FAILED } from "./exit-codes.js";
import { installShutdownHandlers, requestShutdown } from "./shutdown.js";

/**
 * Codes whose internal message we wrote about the caller's own input or machine (which tenant,
 * which folder, which port), so it is shown without --verbose.
 */
const DETAILED_ERROR_CODES = new Set<OperatorErrorCode>([
  "not_found",
  "invalid_input",
  "no_baseline_snapshot",
  "export_folder_missing",
  "export_folder_empty",
  "evidence_source_unreachable",
  "database_unavailable",
]);

/** Build the command tree. `setExit` receives each action's exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("tenantpilot")
    .description("Baseline capture, drift detection and truthful operation runs for Intune tenants.")
    .option("--json", "print one JSON document instead of text")
    .option("--workspace <slug>", "workspace to act in (default: the local workspace)")
    .option("--verbose", "print internal error detail")
    .showHelpAfterError()
    .exitOverride();

  const act =
    <A extends unknown[]>(body: (global: GlobalOptions, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExit(await body(program.opts<GlobalOptions>(), ...args));
    };
  const db = <O>(fn: (ctx: Parameters<Parameters<typeof withCliContext>[1]>[0], options: O) => Promise<number>) =>
    act(async (global, options: O) => withCliContext(global, (ctx) => fn(ctx, options)));

  program
    .command("demo")
    .description("start the embedded database, create sample tenants, capture a baseline, compare the others live")
    .action(act((global) => demoCommand(global)));

  program
    .command("worker")
    .description("run a worker until Ctrl+C (logs JSON to stderr at LOG_LEVEL, default info)")
    .action(act((global) => withCliContext(global, workerCommand, { defaultLogLevel: "info" })));

  program
    .command("diff")
    .description("compare two export folders with the drift engine; needs no database")
    .argument("<baselineDir>")
    .argument("<currentDir>")
    .option("--ignore-version-suffix", 'match names with a trailing version suffix (" - v3.5") ignored')
    .option("--fail-on-drift", "exit 1 when findings exist")
    .action(
      act(
        (
          global,
          baselineDir: string,
          currentDir: string,
          options: { ignoreVersionSuffix?: boolean; failOnDrift?: boolean },
        ) => diffCommand(baselineDir, currentDir, { ...options, json: global.json === true }),
      ),
    );

  const tenants = program.command("tenants").description("managed tenants");
  tenants
    .command("add")
    .requiredOption("--name <name>", "tenant display name")
    .requiredOption("--export-dir <dir>", "Intune Management export folder of the tenant")
    .action(db(tenantsAdd));
  tenants.command("list").action(db(tenantsList));

  const baselines = program.command("baselines").description("baseline profiles, captures and compares");
  baselines
    .command("create")
    .requiredOption("--name <name>", "profile name")
    .requiredOption("--source-tenant <tenant>", "tenant the baseline is captured from")
    .option("--kinds <kinds>", "comma-separated policy kinds in scope (default: all)")
    .option("--ignore-version-suffix", "match policy names with a trailing version suffix ignored")
    .option("--report-unexpected", "report tenant policies the baseline does not have")
    .action(db(baselinesCreate));
  baselines.command("list").action(db(baselinesList));
  baselines
    .command("capture")
    .requiredOption("--profile <profile>", "profile name or id")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(baselinesCapture));
  baselines
    .command("compare")
    .requiredOption("--profile <profile>", "profile name or id")
    .requiredOption("--tenant <tenant>", "tenant name or id")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(baselinesCompare));

  const runs = program.command("runs").description("operation runs");
  runs
    .command("list")
    .option("--type <type>")
    .option("--status <status>", "queued, running, completed, or an outcome (succeeded, failed, …)")
    .option("--tenant <tenant>")
    .option("--limit <n>")
    .action(db(runsList));
  runs
    .command("show")
    .argument("<runId>")
    .option("--diagnostics", "include raw failure diagnostics")
    .action(
      act((global, runId: string, options: { diagnostics?: boolean }) =>
        withCliContext(global, (ctx) => runsShow(ctx, runId, options)),
      ),
    );
  runs
    .command("watch")
    .argument("[runIds...]")
    .description("follow runs live until they complete (default: every active run)")
    .action(act((global, runIds: string[]) => withCliContext(global, (ctx) => runsWatch(ctx, runIds))));
  runs
    .command("cancel")
    .argument("<runId>")
    .action(act((global, runId: string) => withCliContext(global, (ctx) => runsCancel(ctx, runId))));

  const findings = program.command("findings").description("drift findings");
  findings
    .command("list")
    .option("--tenant <tenant>")
    .option("--profile <profile>")
    .option("--status <status>", "open, reopened, resolved or active (default: active)")
    .option("--kind <kind>")
    .option("--policy <text>")
    .option("--path <prefix>")
    .action(db(findingsList));
  return program;
}

/** Run the CLI with `argv` (process.argv shape); resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  installShutdownHandlers();
  // `tenantpilot … | head`: the reader went away. Stop like Ctrl+C (a running operation records its
  // interruption, never left orphaned) and drop further output.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") requestShutdown("stdout closed");
  });
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      return thrown.exitCode === 0 ? 0 : EXIT_BAD_INPUT; // help/version print and exit 0; usage errors are bad input
    }
    const { verbose, json } = program.opts<{ verbose?: boolean; json?: boolean }>();
    const error = coerceError(thrown);
    const operatorError = error instanceof OperatorError ? error : undefined;
    const code = operatorError?.code ?? "internal_error";
    const message = operatorError?.operatorMessage ?? "The command failed unexpectedly.";
    const detail =
      operatorError && (verbose || DETAILED_ERROR_CODES.has(operatorError.code)) ? operatorError.message : undefined;
    if (json) {
      // Scripts parse stdout: an error is a JSON document too.
      process.stdout.write(`${JSON.stringify({ error: { code, message, ...(detail ? { detail } : {}) } }, null, 2)}\n`);
    }
    process.stderr.write(`Error: ${message}\n`);
    if (detail) process.stderr.write(`${detail}\n`);
    if (!operatorError) {
      process.stderr.write(verbose ? `${error.stack ?? error.message}\n` : "Run again with --verbose for details.\n");
    }
    return operatorError ? EXIT_CODE_BY_ERROR[operatorError.code] : EXIT_FAILED;
  }
}

if (
  import.meta.url === `file://${process.argv[1]}` ||
  process.argv[1]?.endsWith("/cli/main.ts") ||
  process.argv[1]?.endsWith("/cli/main.js")
) {
  runCli(process.argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(EXIT_FAILED);
    },
  );
}
