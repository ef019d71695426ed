/**
 * CLI: connect a tenant to Microsoft Graph with an app registration (`tenants connect --graph`),
 * test the connection (`tenants test-connection`), and re-encrypt stored credentials with the
 * current key (`admin rotate-secret-key`). Secrets are read from stdin, a named environment
 * variable or a file — never from an argument value, which `ps` and shell history would show.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { readNamedVariable } from "../../config/config.js";
import { testGraphConnection } from "../../graph/graph-connection-test.js";
import {
  addGraphTenant,
  connectTenantToGraph,
  describeGraphConnectionTestResult,
  type GraphConnection,
  type GraphConnectionInput,
  getGraphConnection,
  REQUIRED_GRAPH_PERMISSIONS,
  rotateCredentialKeys,
} from "../../graph/graph-connections.js";
import { getTenantByName, type Tenant } from "../../inventory/tenants.js";
import { OperatorError } from "../../shared/operator-error.js";
import { type CliContext, type GlobalOptions, withCliContext } from "../cli-context.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";

/** Options of `tenants connect`. */
export interface TenantConnectOptions {
  graph?: boolean;
  entraTenantId: string;
  clientId: string;
  clientSecretStdin?: boolean;
  clientSecretEnv?: string;
  certificateFile?: string;
  authorityHost?: string;
  graphBaseUrl?: string;
  caFile?: string;
  /** False with --no-ca: trust no extra CA certificate any more (commander's negated option). */
  ca?: boolean;
  test?: boolean;
  create?: boolean;
}

/** Largest file read for --certificate-file / --ca-file, bytes. */
const MAX_PEM_FILE_BYTES = 64 * 1024;

/** Wraps a command body as a commander action (main.ts's `act`). */
type Act = <A extends unknown[]>(
  body: (global: GlobalOptions, ...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

const PERMISSIONS_HELP = [
  "",
  "The app registration needs these Microsoft Graph application permissions (with admin consent):",
  ...REQUIRED_GRAPH_PERMISSIONS.map((permission) => `  ${permission.name} — ${permission.reason}`),
  "",
  "The client secret is never accepted as an argument value: other users see arguments in `ps`,",
  "and shells keep them in history. Pipe it in (--client-secret-stdin), name an environment",
  "variable that holds it (--client-secret-env), or use a certificate (--certificate-file: a PEM",
  "with the private key, unencrypted, and its certificate). It is stored encrypted and never shown.",
  "",
  "Connecting a tenant again replaces its connection. What you leave out is kept: without a credential",
  "option, the stored secret or certificate (same app registration only); without --ca-file, the stored",
  "CA certificate (--no-ca removes it).",
  "",
  "Example:",
  '  printf %s "$SECRET" | tenantpilot tenants connect Contoso --graph \\',
  "    --entra-tenant-id 00000000-0000-0000-0000-000000000000 --client-id 11111111-1111-1111-1111-111111111111 \\",
  "    --client-secret-stdin --test",
].join("\n");

/** Register `tenants connect`, `tenants test-connection` and `admin rotate-secret-key`. */
export function addTenantConnectCommands(tenants: Command, admin: Command, act: Act): void {
  tenants
    .command("connect")
    .description("connect a tenant to Microsoft Graph with an app registration (creates or replaces the connection)")
    .argument("<tenant>", "tenant name or id")
    .requiredOption("--graph", "read the tenant through Microsoft Graph")
    .requiredOption("--entra-tenant-id <guid>", "Microsoft Entra tenant (directory) id")
    .requiredOption("--client-id <guid>", "application (client) id of the app registration")
    .option("--client-secret-stdin", "read the client secret from standard input")
    .option("--client-secret-env <variable>", "read the client secret from this environment variable")
    .option("--certificate-file <pem>", "a PEM file with the certificate and its unencrypted private key")
    .option("--authority-host <url>", "Entra authority host (default: https://login.microsoftonline.com)")
    .option("--graph-base-url <url>", "Microsoft Graph base URL (default: https://graph.microsoft.com)")
    .option(
      "--ca-file <pem>",
      "a CA certificate to trust for those two hosts (self-hosted or simulated endpoints); without it, a replaced connection keeps its stored CA certificate",
    )
    .option("--no-ca", "remove the stored CA certificate: trust only the system's roots (Microsoft's clouds)")
    .option("--create", "add the tenant when no tenant has this name")
    .option("--test", "test the connection after saving it (exit 1 when the test fails; it stays saved)")
    .addHelpText("after", PERMISSIONS_HELP)
    .action(
      act((global, tenant: string, options: TenantConnectOptions) =>
        withCliContext(global, (ctx) => tenantsConnect(ctx, tenant, options)),
      ),
    );
  tenants
    .command("test-connection")
    .description("sign in with the tenant's app registration and make one Graph call (exit 1 when it fails)")
    .argument("<tenant>", "tenant name or id")
    .action(act((global, tenant: string) => withCliContext(global, (ctx) => tenantsTestConnection(ctx, tenant))));
  admin
    .command("rotate-secret-key")
    .description(
      "re-encrypt every stored credential with the first key of TENANTPILOT_SECRET_KEYS; afterwards the other keys can be removed",
    )
    .action(act((global) => withCliContext(global, adminRotateSecretKey)));
}

/** `tenants connect <tenant> --graph …`. */
export async function tenantsConnect(
  ctx: CliContext,
  tenantName: string,
  options: TenantConnectOptions,
): Promise<number> {
  if (options.graph !== true) throw new OperatorError("invalid_input", "Only --graph connections exist.");
  const clearCa = options.ca === false;
  if (clearCa && options.caFile !== undefined) {
    throw new OperatorError("invalid_input", "Use --ca-file or --no-ca, not both.");
  }
  const input: GraphConnectionInput = {
    entraTenantId: options.entraTenantId,
    clientId: options.clientId,
    ...(await readCredential(options)),
    ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
    ...(options.graphBaseUrl === undefined ? {} : { graphBaseUrl: options.graphBaseUrl }),
    // Neither option: graph-connections keeps the stored CA certificate ("" trusts none).
    ...(options.caFile === undefined
      ? clearCa
        ? { caCertificatePem: "" }
        : {}
      : { caCertificatePem: await readPemFile(options.caFile, "--ca-file") }),
  };
  const db = ctx.runtime.database.db;
  const keyRing = ctx.runtime.keyRing;
  let tenant: Tenant | undefined = await getTenantByName(db, ctx.workspace.id, tenantName).catch((error: unknown) => {
    if (error instanceof OperatorError && error.code === "not_found" && options.create) return undefined;
    throw error;
  });
  let connection: GraphConnection;
  let created: boolean;
  if (tenant === undefined) {
    ({ tenant, connection } = await addGraphTenant(db, keyRing, {
      ...input,
      workspaceId: ctx.workspace.id,
      name: tenantName,
    }));
    created = true;
  } else {
    ({ connection, created } = await connectTenantToGraph(db, keyRing, {
      ...input,
      workspaceId: ctx.workspace.id,
      tenantId: tenant.id,
    }));
  }
  const keptCa = !created && options.caFile === undefined && !clearCa && connection.trustsCustomCa;
  const details = describeConnection(connection).map((line) =>
    keptCa && line === TRUSTS_CA_LINE ? "Keeps the stored CA certificate for these hosts (--no-ca removes it)" : line,
  );
  const testCommand = `tenantpilot tenants test-connection ${JSON.stringify(tenant.name)}`;
  if (!options.test) {
    // Saved, not tested: "Connected" would claim more than is known.
    ctx.emit({ tenant, connection, created, test: null });
    ctx.say(
      `${created ? "Connection saved" : "Connection replaced"}: ${tenant.name} reads Microsoft Graph as app ${connection.clientId} (not tested yet).`,
    );
    for (const line of details) ctx.say(`  ${line}`);
    ctx.say(`Test it with: ${testCommand}`);
    return EXIT_OK;
  }
  // Test before saying anything, so the headline is the truth: saved and working, or saved and not.
  const outcome = await testGraphConnection(testDeps(ctx), tenant.id);
  ctx.emit({ tenant, connection: await getGraphConnection(db, tenant.id), created, test: outcome });
  if (outcome.ok) {
    ctx.say(
      `${created ? "Connected" : "Connection replaced"}: ${tenant.name} reads Microsoft Graph as app ${connection.clientId}.`,
    );
    for (const line of details) ctx.say(`  ${line}`);
    ctx.say(`Test connection: ${describeGraphConnectionTestResult(outcome.result, "cli")}`);
    return EXIT_OK;
  }
  ctx.say(
    `Saved, but the connection test failed: ${describeGraphConnectionTestResult(outcome.result, "cli")} The tenant cannot be read until this is fixed.`,
  );
  for (const line of details) ctx.say(`  ${line}`);
  ctx.say(`Fix it and run this connect again, or test again with: ${testCommand}`);
  return EXIT_FAILED;
}

/** `tenants test-connection <tenant>`. */
export async function tenantsTestConnection(ctx: CliContext, tenantName: string): Promise<number> {
  const tenant = await getTenantByName(ctx.runtime.database.db, ctx.workspace.id, tenantName);
  const outcome = await testGraphConnection(testDeps(ctx), tenant.id);
  ctx.emit({ tenant: { id: tenant.id, name: tenant.name }, test: outcome });
  ctx.say(`${tenant.name}: ${describeGraphConnectionTestResult(outcome.result, "cli")}`);
  return outcome.ok ? EXIT_OK : EXIT_FAILED;
}

/** `admin rotate-secret-key`. */
export async function adminRotateSecretKey(ctx: CliContext): Promise<number> {
  const report = await rotateCredentialKeys(ctx.runtime.database.db, ctx.runtime.keyRing);
  ctx.emit(report);
  const previous = Object.entries(report.previousKeyIds)
    .map(([keyId, count]) => `${count} with key "${keyId}"`)
    .join(", ");
  ctx.say(
    `Re-encrypted ${report.rotatedCount} stored ${report.rotatedCount === 1 ? "credential" : "credentials"} with key "${report.currentKeyId}"${previous ? ` (before: ${previous})` : ""}.`,
  );
  const others = ctx.runtime.keyRing.keyIds.filter((keyId) => keyId !== report.currentKeyId);
  if (others.length > 0) {
    ctx.say(
      `No stored credential needs ${others.map((keyId) => `"${keyId}"`).join(", ")} any more: it can be removed.`,
    );
  }
  return EXIT_OK;
}

function testDeps(ctx: CliContext) {
  return {
    db: ctx.runtime.database.db,
    keyRing: ctx.runtime.keyRing,
    logger: ctx.runtime.logger,
    now: ctx.runtime.now,
  };
}

const TRUSTS_CA_LINE = "Trusts a custom CA certificate for these hosts";

/** Public lines about a connection: never secret material. */
function describeConnection(connection: GraphConnection): string[] {
  const lines = [
    `Entra tenant id: ${connection.entraTenantId}`,
    `Client id: ${connection.clientId}`,
    connection.credentialKind === "client_secret"
      ? "Credential: a client secret (stored encrypted)"
      : "Credential: a certificate (private key stored encrypted)",
  ];
  if (connection.certificate) {
    lines.push(`Certificate thumbprint (SHA-1): ${connection.certificate.thumbprintSha1}`);
    lines.push(`Certificate thumbprint (SHA-256): ${connection.certificate.thumbprintSha256}`);
    if (connection.certificate.expiresAt)
      lines.push(`Certificate expires: ${connection.certificate.expiresAt.toISOString()}`);
  }
  if (connection.authorityHost !== "https://login.microsoftonline.com")
    lines.push(`Authority host: ${connection.authorityHost}`);
  if (connection.graphBaseUrl !== "https://graph.microsoft.com")
    lines.push(`Graph base URL: ${connection.graphBaseUrl}`);
  if (connection.trustsCustomCa) lines.push(TRUSTS_CA_LINE);
  return lines;
}

/**
 * The credential from exactly one of --client-secret-stdin, --client-secret-env and
 * --certificate-file; none keeps the stored one (replacing the same app registration's details).
 * @throws {OperatorError} invalid_input
 */
async function readCredential(options: TenantConnectOptions): Promise<Pick<GraphConnectionInput, "credential">> {
  const chosen = [options.clientSecretStdin, options.clientSecretEnv, options.certificateFile].filter(
    (value) => value !== undefined && value !== false,
  );
  if (chosen.length > 1) {
    throw new OperatorError(
      "invalid_input",
      "Use one of --client-secret-stdin, --client-secret-env and --certificate-file.",
    );
  }
  if (options.clientSecretStdin) {
    if (process.stdin.isTTY) {
      throw new OperatorError(
        "invalid_input",
        '--client-secret-stdin reads a pipe: printf %s "$SECRET" | tenantpilot …',
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > 8_192) throw new OperatorError("invalid_input", "The client secret on standard input is too long.");
      chunks.push(chunk as Buffer);
    }
    // A trailing newline from `echo` or a file is not part of the secret.
    const clientSecret = Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
    return { credential: { kind: "client_secret", clientSecret } };
  }
  if (options.clientSecretEnv !== undefined) {
    const clientSecret = readNamedVariable(options.clientSecretEnv);
    if (clientSecret === undefined) {
      throw new OperatorError(
        "invalid_input",
        `The environment variable ${options.clientSecretEnv.slice(0, 100)} is not set.`,
      );
    }
    return { credential: { kind: "client_secret", clientSecret } };
  }
  if (options.certificateFile !== undefined) {
    return {
      credential: {
        kind: "client_certificate",
        certificatePem: await readPemFile(options.certificateFile, "--certificate-file"),
      },
    };
  }
  return {};
}

/** @throws {OperatorError} invalid_input – unreadable or too large */
async function readPemFile(file: string, option: string): Promise<string> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    throw new OperatorError("invalid_input", `${option}: ${file} cannot be read.`, { cause: error });
  }
  if (content.length > MAX_PEM_FILE_BYTES)
    throw new OperatorError("invalid_input", `${option}: ${file} is too large for a PEM file.`);
  return content.toString("utf8");
}
