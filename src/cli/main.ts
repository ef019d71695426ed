#!/usr/bin/env node
/**
 * The `tenantpilot` command line: the same work as the web app, `--json` everywhere, live
 * `runs watch`, and `diff`, which needs no database at all. Errors print the operator-safe
 * sentence (plus the internal detail with --verbose) and exit 2 for bad input, 1 for failures.
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { FIRST_ADMIN_EMAIL, resetPassword } from "../access/authentication.js";
import { DRIFT_FINDING_KINDS } from "../baselines/drift/compare-policies.js";
import { RUN_OUTCOMES, RUN_STATUSES } from "../operations/run-record.js";
import { RUN_TYPES } from "../operations/run-types.js";
import { coerceError, OperatorError, type OperatorErrorCode } from "../shared/operator-error.js";
import { type GlobalOptions, withCliContext } from "./cli-context.js";
import { CliError } from "./cli-error.js";
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
import {
  assertLocalCommand,
  type RemoteContext,
  remoteBaselinesCapture,
  remoteBaselinesCompare,
  remoteBaselinesList,
  remoteFindingsList,
  remoteRunsList,
  remoteRunsShow,
  remoteRunsWatch,
  remoteTenantsList,
  resolveServer,
  withRemoteContext,
} from "./commands/remote-commands.js";
import {
  evidenceGenerate,
  remoteEvidenceGenerate,
  remoteReviewsCompose,
  remoteReviewsExport,
  remoteReviewsList,
  remoteReviewsShow,
  reviewsCompose,
  reviewsExport,
  reviewsList,
  reviewsShow,
} from "./commands/review-commands.js";
import { serveCommand } from "./commands/serve-command.js";
import { addTenantConnectCommands } from "./commands/tenant-connect-commands.js";
import { tokensCreate } from "./commands/token-commands.js";
import { workerCommand } from "./commands/worker-command.js";
import { EXIT_BAD_INPUT, EXIT_CODE_BY_ERROR, EXIT_FAILED, EXIT_OK } from "./exit-codes.js";
import { installShutdownHandlers, requestShutdown } from "./shutdown.js";

/**
 * Codes whose every internal message the CLI can meet is written about the caller's own input or
 * machine (which tenant name, which folder, which port), so it is shown without --verbose. Codes
 * whose internal messages name internal ids (graph_not_connected: "tenant <uuid> has no Graph
 * connection"; credential_key_missing) are not listed: where they have operator copy, the thrower
 * passes it as `detail` (OperatorErrorOptions), which is shown for every code.
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

/** `--limit`: an integer 1–500. */
function parseLimit(value: string): string {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new InvalidArgumentError("Use a whole number from 1 to 500.");
  return String(limit);
}

/** `--kind`: a finding kind, as its key (`missing_policy`) or as printed (`missing policy`). */
function parseFindingKind(value: string): string {
  const kind = value
    .trim()
    .toLowerCase()
    .replaceAll(/[\s-]+/g, "_");
  if (!(DRIFT_FINDING_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(`Use one of: ${DRIFT_FINDING_KINDS.join(", ")}.`);
  }
  return kind;
}

/** Commands that work with --server (through the JSON API); the others need a local database, except `diff`. */
const REMOTE_COMMANDS = new Set([
  "tenants list",
  "baselines list",
  "baselines capture",
  "baselines compare",
  "runs list",
  "runs show",
  "runs watch",
  "findings list",
  "reviews compose",
  "reviews list",
  "reviews show",
  "reviews export",
  "evidence generate",
  "diff",
]);

/** "baselines compare": a command's path below the program. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

/** Build the command tree. `setExit` receives each action's exit code. */
export function buildProgram(setExit: (code: number) => void, options: { json?: boolean } = {}): Command {
  const program = new Command("tenantpilot")
    .description("Baseline capture, drift detection and truthful operation runs for Intune tenants.")
    .option("--json", "print one JSON document instead of text")
    .option("--workspace <slug>", "workspace to act in (default: the local workspace)")
    .option("--verbose", "print internal error detail")
    .option("--server <url>", "use a TenantPilot server's JSON API instead of a local database (or TENANTPILOT_SERVER)")
    .option("--token <token>", "API token for --server (or TENANTPILOT_TOKEN)")
    .showHelpAfterError()
    .exitOverride();
  // With --json, usage errors become a JSON document on stdout (runCli) instead of commander's text.
  // Set before the subcommands are added: they copy these settings when created.
  if (options.json) program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  // With --server, a command without a remote implementation says so instead of opening a local database.
  program.hook("preAction", (_program, actionCommand) => {
    const name = commandPath(actionCommand);
    if (!REMOTE_COMMANDS.has(name)) assertLocalCommand(program.opts(), name);
  });

  const act =
    <A extends unknown[]>(body: (global: GlobalOptions, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExit(await body(program.opts<GlobalOptions>(), ...args));
    };
  const db = <O>(
    fn: (ctx: Parameters<Parameters<typeof withCliContext>[1]>[0], options: O) => Promise<number>,
    remote?: (ctx: RemoteContext, options: O) => Promise<number>,
  ) =>
    act(async (global, options: O) =>
      remote && resolveServer(global)
        ? withRemoteContext(global, (ctx) => remote(ctx, options))
        : withCliContext(global, (ctx) => fn(ctx, options)),
    );

  program
    .command("demo")
    .description("start the embedded database, create sample tenants, capture a baseline, compare the others live")
    .action(act((global) => demoCommand(global)));

  program
    .command("worker")
    .description("run a worker until Ctrl+C (logs JSON to stderr at LOG_LEVEL, default info)")
    .action(act((global) => withCliContext(global, workerCommand, { defaultLogLevel: "info" })));

  program
    .command("serve")
    .description(
      "run the web app until Ctrl+C (WEB_HOST, WEB_PORT); the first start prints an administrator's password",
    )
    .option("--with-worker", "also run a worker in this process")
    .option("--demo-data", "add the demo's sample tenants and baseline profile (and capture it in the background)")
    .action(
      act((global, options: { withWorker?: boolean; demoData?: boolean }) =>
        // Warnings only by default: the terminal shows the URL and sign-in; LOG_LEVEL=info for a service.
        withCliContext(global, (ctx) => serveCommand(ctx, options), { defaultLogLevel: "warn" }),
      ),
    );

  const admin = program.command("admin").description("administration of the local installation");
  admin
    .command("reset-password")
    .description("give an account a new random password, print it once and end its sessions")
    .option("--email <email>", "the account (default: the first administrator)")
    .action(
      act((global, options: { email?: string }) =>
        withCliContext(global, async (ctx) => {
          const email = options.email ?? FIRST_ADMIN_EMAIL;
          const password = await resetPassword(ctx.runtime.database.db, email);
          ctx.emit({ email, password });
          ctx.say(`New password for ${email}: ${password}`);
          return EXIT_OK;
        }),
      ),
    );

  const tokens = program.command("tokens").description("API tokens for --server and the JSON API");
  tokens
    .command("create")
    .description("create an API token for an account on this installation's database and print it once")
    .option("--email <email>", "the account the token acts as (default: the first administrator)")
    .option("--name <name>", "a label for the token (default: CLI token)")
    .action(
      act((global, options: { email?: string; name?: string }) =>
        withCliContext(global, (ctx) => tokensCreate(ctx, options)),
      ),
    );

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
    .description("add a tenant read from an export folder (Intune Management layout)")
    .requiredOption("--name <name>", "tenant display name")
    .requiredOption("--export-dir <dir>", "Intune Management export folder of the tenant")
    .action(db(tenantsAdd));
  tenants.command("list").description("list the workspace's tenants").action(db(tenantsList, remoteTenantsList));
  addTenantConnectCommands(tenants, admin, act);

  const baselines = program.command("baselines").description("baseline profiles, captures and compares");
  baselines
    .command("create")
    .description("create a baseline profile (idempotent: the same profile again is fine)")
    .requiredOption("--name <name>", "profile name")
    .requiredOption("--source-tenant <tenant>", "tenant the baseline is captured from")
    .option(
      "--kinds <kinds>",
      "comma-separated policy kinds in scope, as Graph types (windows10CompliancePolicy) or export folders (SettingsCatalog); default: all",
    )
    .option("--ignore-version-suffix", "match policy names with a trailing version suffix ignored")
    .option("--report-unexpected", "report tenant policies the baseline does not have")
    .action(db(baselinesCreate));
  baselines
    .command("list")
    .description("list profiles and their latest snapshot")
    .action(db(baselinesList, remoteBaselinesList));
  baselines
    .command("capture")
    .description("capture a baseline snapshot from the profile's source tenant and watch it live")
    .requiredOption("--profile <profile>", "profile name or id")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(baselinesCapture, remoteBaselinesCapture));
  baselines
    .command("compare")
    .description("compare a tenant with the profile's latest snapshot and watch it live")
    .requiredOption("--profile <profile>", "profile name or id")
    .requiredOption("--tenant <tenant>", "tenant name or id")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(baselinesCompare, remoteBaselinesCompare));

  const runs = program.command("runs").description("operation runs");
  runs
    .command("list")
    .description("list operation runs, newest first")
    .addOption(new Option("--type <type>", "run type").choices(Object.keys(RUN_TYPES)))
    .addOption(new Option("--status <status>", "a status or an outcome").choices([...RUN_STATUSES, ...RUN_OUTCOMES]))
    .option("--tenant <tenant>", "tenant name or id")
    .option("--limit <n>", "how many (1-500, default 50)", parseLimit)
    .action(db(runsList, remoteRunsList));
  runs
    .command("show")
    .description("show one run: progress, timeline, counts, result and reason")
    .argument("<runId>")
    .option("--diagnostics", "include raw failure diagnostics")
    .action(
      act((global, runId: string, options: { diagnostics?: boolean }) =>
        resolveServer(global)
          ? withRemoteContext(global, (ctx) => remoteRunsShow(ctx, runId, options))
          : withCliContext(global, (ctx) => runsShow(ctx, runId, options)),
      ),
    );
  runs
    .command("watch")
    .argument("[runIds...]")
    .description("follow runs live until they complete (default: every active run)")
    .action(
      act((global, runIds: string[]) =>
        resolveServer(global)
          ? withRemoteContext(global, (ctx) => remoteRunsWatch(ctx, runIds))
          : withCliContext(global, (ctx) => runsWatch(ctx, runIds)),
      ),
    );
  runs
    .command("cancel")
    .description("cancel a queued run, or ask a running one to stop at its next checkpoint")
    .argument("<runId>")
    .action(act((global, runId: string) => withCliContext(global, (ctx) => runsCancel(ctx, runId))));

  const findings = program.command("findings").description("drift findings");
  findings
    .command("list")
    .description("list drift findings")
    .option("--tenant <tenant>", "tenant name or id")
    .option("--profile <profile>", "profile name or id")
    .addOption(
      new Option("--status <status>", "lifecycle status (default: active = open + reopened)").choices([
        "open",
        "reopened",
        "resolved",
        "active",
      ]),
    )
    .option("--kind <kind>", `finding kind: ${DRIFT_FINDING_KINDS.join(", ")}`, parseFindingKind)
    .option("--policy <text>", "part of the policy name")
    .option("--path <prefix>", "start of the setting path")
    .action(db(findingsList, remoteFindingsList));

  const periodHelp =
    "review period: 2026-11 (month), 2026-Q4 (quarter), 2026 (year), 2026-11-30 (day) or 2026-11-01..2026-11-15";
  const reviews = program.command("reviews").description("tenant reviews: compose, read and export");
  reviews
    .command("compose")
    .description("compose a tenant review for a period (generating its evidence snapshot first if needed)")
    .requiredOption("--tenant <tenant>", "tenant name or id")
    .requiredOption("--period <period>", periodHelp)
    .option("--watch", "show the composite summary live while it composes")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(reviewsCompose, remoteReviewsCompose));
  reviews
    .command("list")
    .description("list a tenant's reviews, newest period first")
    .requiredOption("--tenant <tenant>", "tenant name or id")
    .action(db(reviewsList, remoteReviewsList));
  reviews
    .command("show")
    .description("show a review: status, executive summary and sections")
    .argument("<reviewId>")
    .action(
      act((global, reviewId: string) =>
        resolveServer(global)
          ? withRemoteContext(global, (ctx) => remoteReviewsShow(ctx, reviewId))
          : withCliContext(global, (ctx) => reviewsShow(ctx, reviewId)),
      ),
    );
  reviews
    .command("export")
    .description(
      "export a ready review as Markdown, PDF or JSON (stdout unless --output; a PDF needs a file or a pipe)",
    )
    .argument("<reviewId>")
    .addOption(new Option("--format <format>", "export format").choices(["md", "pdf", "json"]).makeOptionMandatory())
    .option("--output <file>", "write to this file instead of stdout")
    .action(
      act((global, reviewId: string, options: { format: "md" | "pdf" | "json"; output?: string }) =>
        resolveServer(global)
          ? withRemoteContext(global, (ctx) => remoteReviewsExport(ctx, reviewId, options))
          : withCliContext(global, (ctx) => reviewsExport(ctx, reviewId, options)),
      ),
    );

  const evidence = program.command("evidence").description("evidence snapshots");
  evidence
    .command("generate")
    .description("generate a tenant's evidence snapshot for a period (counted: one step per evidence source)")
    .requiredOption("--tenant <tenant>", "tenant name or id")
    .requiredOption("--period <period>", periodHelp)
    .option("--watch", "show its progress live")
    .option("--detach", "only queue the run and print its id")
    .option("--no-worker", "do not run a worker in this process (dedicated workers exist)")
    .action(db(evidenceGenerate, remoteEvidenceGenerate));
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
  const wantsJson = argv.includes("--json");
  const program = buildProgram(
    (code) => {
      exitCode = code;
    },
    { json: wantsJson },
  );
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      if (thrown.exitCode === 0) return 0; // help and version
      if (wantsJson) {
        const message = thrown.message.replace(/^error: /, "");
        process.stdout.write(`${JSON.stringify({ error: { code: "invalid_input", message } }, null, 2)}\n`);
      }
      return EXIT_BAD_INPUT; // usage errors are bad input
    }
    const { verbose, json } = program.opts<{ verbose?: boolean; json?: boolean }>();
    if (thrown instanceof CliError) {
      // --server failures (unreachable, token refused, local-only command): the sentence is the message.
      if (json)
        process.stdout.write(`${JSON.stringify({ error: { code: thrown.code, message: thrown.message } }, null, 2)}\n`);
      else process.stderr.write(`Error: ${thrown.message}\n`);
      return thrown.exitCode;
    }
    const error = coerceError(thrown);
    const operatorError = error instanceof OperatorError ? error : undefined;
    const code = operatorError?.code ?? "internal_error";
    const message = operatorError?.operatorMessage ?? "The command failed unexpectedly.";
    const detail =
      operatorError === undefined
        ? undefined
        : verbose || (operatorError.detail === undefined && DETAILED_ERROR_CODES.has(operatorError.code))
          ? operatorError.message
          : operatorError.detail;
    if (json) {
      // Scripts parse stdout: an error is a JSON document too, and the only output.
      process.stdout.write(`${JSON.stringify({ error: { code, message, ...(detail ? { detail } : {}) } }, null, 2)}\n`);
      return operatorError ? EXIT_CODE_BY_ERROR[operatorError.code] : EXIT_FAILED;
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
