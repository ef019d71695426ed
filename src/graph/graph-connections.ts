/**
 * Graph connections: a tenant connected to Microsoft Graph with an app registration (Entra tenant
 * id, client id, a client secret or a certificate). The secret or private key is stored encrypted
 * and bound to its tenant (credential-encryption.ts); {@link getGraphConnection} returns only public
 * details, and only {@link loadGraphCredentialMaterial} decrypts, for building a token credential.
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { inspect } from "node:util";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/database.js";
import { tenantGraphConnections, tenants } from "../db/schema.js";
import { addTenant, getTenant, type Tenant } from "../inventory/tenants.js";
import { OperatorError } from "../shared/operator-error.js";
import {
  type CredentialBinding,
  type CredentialPurpose,
  decryptCredential,
  encryptCredential,
  findCredentialKeyId,
  type KeyRing,
} from "./credential-encryption.js";

/** Entra's public-cloud authority host. */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
/** Microsoft Graph's public-cloud base URL. */
export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com";

/**
 * Microsoft Graph application permissions the app registration needs, with why, for the CLI help
 * and the web form. Read-only; granted with admin consent.
 * @see https://learn.microsoft.com/graph/permissions-reference
 */
export const REQUIRED_GRAPH_PERMISSIONS = [
  {
    name: "DeviceManagementConfiguration.Read.All",
    reason:
      "settings catalog, compliance policies, device configurations, driver and update profiles, and their assignments",
  },
  { name: "DeviceManagementApps.Read.All", reason: "app protection policies" },
  // DeviceManagementServiceConfig.Read.All is not needed: no policy kind in scope (policy-kinds.ts)
  // lives under enrollment or Autopilot; driver update profiles need only DeviceManagementConfiguration.Read.All.
] as const;

/** How the app registration proves itself. */
export const GRAPH_CREDENTIAL_KINDS = ["client_secret", "client_certificate"] as const;
export type GraphCredentialKind = (typeof GRAPH_CREDENTIAL_KINDS)[number];

/** Outcomes of "Test connection", with the only sentence an operator sees for each. */
export const GRAPH_CONNECTION_TEST_RESULTS = {
  ok: "Connected: the app registration signed in and read Intune device configurations.",
  missing_permission:
    "The app registration lacks DeviceManagementConfiguration.Read.All. Add it as an application permission and grant admin consent.",
  invalid_client_secret: "The client secret is not valid or has expired.",
  invalid_certificate:
    "The certificate was not accepted: upload it to the app registration, or replace it if it has expired.",
  app_not_found: "The app registration (client id) was not found in this Entra tenant.",
  entra_tenant_not_found: "The Entra tenant was not found.",
  sign_in_failed: "The app registration could not sign in to Microsoft Entra ID.",
  identity_unreachable: "Microsoft Entra ID (the sign-in endpoint) could not be reached.",
  tls_untrusted:
    "The sign-in endpoint's TLS certificate is not trusted by this server. Add its CA certificate to the connection.",
  token_rejected: "Microsoft Graph did not accept the app registration's token.",
  graph_busy: "Microsoft Graph is busy or failing right now. Try again in a few minutes.",
  graph_unreachable: "Microsoft Graph could not be reached.",
  graph_tls_untrusted:
    "Microsoft Graph's TLS certificate is not trusted by this server. Add its CA certificate to the connection.",
  credential_unreadable: "The stored credential could not be decrypted. Enter the client secret or certificate again.",
} as const;
export type GraphConnectionTestResult = keyof typeof GRAPH_CONNECTION_TEST_RESULTS;

/** Where a test result is read: each surface names its own control for what to change. */
export type GraphConnectionSurface = "web" | "cli";

/**
 * Where each surface takes a connection's CA certificate: the only surface-specific words of a test
 * result, added after the catalog sentence (which the API returns as it is).
 */
const CA_CERTIFICATE_HINTS: Readonly<Record<GraphConnectionSurface, string>> = {
  web: "Paste it under Advanced settings: CA certificate.",
  cli: "Pass it to tenants connect with --ca-file <pem>.",
};

/**
 * The sentence for a test result on one surface: the catalog sentence, plus where that surface
 * takes a CA certificate when the result asks for one.
 */
export function describeGraphConnectionTestResult(
  result: GraphConnectionTestResult,
  surface: GraphConnectionSurface,
): string {
  const sentence = GRAPH_CONNECTION_TEST_RESULTS[result];
  return result === "tls_untrusted" || result === "graph_tls_untrusted"
    ? `${sentence} ${CA_CERTIFICATE_HINTS[surface]}`
    : sentence;
}

/** True when `value` is a known test result key (guards the stored column). */
export function isGraphConnectionTestResult(value: unknown): value is GraphConnectionTestResult {
  return typeof value === "string" && Object.hasOwn(GRAPH_CONNECTION_TEST_RESULTS, value);
}

/** A tenant's Graph connection as operators and the API see it: no secret material. */
export interface GraphConnection {
  tenantId: string;
  workspaceId: string;
  entraTenantId: string;
  clientId: string;
  credentialKind: GraphCredentialKind;
  /** The certificate's public details, for client_certificate. */
  certificate: { thumbprintSha1: string; thumbprintSha256: string; expiresAt: Date | null } | null;
  authorityHost: string;
  graphBaseUrl: string;
  /** True when a CA certificate is trusted for the two hosts (self-hosted or simulated endpoints). */
  trustsCustomCa: boolean;
  /** The latest "Test connection", with its operator sentence. */
  lastTest: { result: GraphConnectionTestResult; message: string; testedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What a token credential and a Graph client are built from (graph-credentials.ts). Holds the
 * decrypted secret or private key: never log it, store it or send it anywhere but Entra ID —
 * `credential` serialises and inspects as "(secret)".
 */
export interface GraphCredentialMaterial {
  /** TenantPilot's tenant id. */
  tenantId: string;
  entraTenantId: string;
  clientId: string;
  credential:
    | { kind: "client_secret"; clientSecret: string }
    /** `certificatePem`: the private key and the certificate (chain), as @azure/identity takes it. */
    | { kind: "client_certificate"; certificatePem: string };
  authorityHost: string;
  graphBaseUrl: string;
  /** A CA certificate (PEM) to trust, besides the system roots, for authorityHost and graphBaseUrl. */
  caCertificatePem: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Largest PEM accepted (a certificate with its chain and key), characters. */
const MAX_PEM_CHARS = 32_000;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----/g;

const guid = (field: string) =>
  z
    .string({ error: `Enter the ${field} (a GUID).` })
    .trim()
    .regex(GUID, { error: `The ${field} must be a GUID like 00000000-0000-0000-0000-000000000000.` })
    .transform((value) => value.toLowerCase());

const httpsBase = (field: string) =>
  z
    .string({ error: `The ${field} must be an https:// URL.` })
    .trim()
    .max(500, { error: `The ${field} can be at most 500 characters.` })
    .transform((value, ctx) => {
      const url = URL.canParse(value) ? new URL(value) : undefined;
      if (url?.protocol !== "https:" || url.username || url.password || url.search || url.hash) {
        ctx.addIssue({
          code: "custom",
          message: `The ${field} must be an https:// URL without credentials, query or fragment.`,
        });
        return z.NEVER;
      }
      return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    });

const pem = (field: string) =>
  z
    .string({ error: `Paste the ${field} in PEM form.` })
    .max(MAX_PEM_CHARS, { error: `The ${field} can be at most ${MAX_PEM_CHARS} characters.` })
    .transform((value) => value.replaceAll("\r\n", "\n").trim());

/** The connect form, API body and CLI options, validated. Error messages name the field, never echo the value. */
export const graphConnectionInputSchema = z.object({
  entraTenantId: guid("Entra tenant id"),
  clientId: guid("client id"),
  /** Absent: keep the stored credential (only for the same app registration). */
  credential: z
    .discriminatedUnion(
      "kind",
      [
        z.object({
          kind: z.literal("client_secret"),
          clientSecret: z
            .string({ error: "Enter the client secret." })
            .min(8, { error: "The client secret is too short." })
            .max(1_000, { error: "The client secret can be at most 1,000 characters." })
            // Printable ASCII: what Entra issues; a pasted newline or control character is a mistake.
            .regex(/^[\x21-\x7e]+$/, { error: "The client secret contains spaces or characters Entra never issues." }),
        }),
        z.object({ kind: z.literal("client_certificate"), certificatePem: pem("certificate") }),
      ],
      { error: "Choose a client secret or a certificate." },
    )
    .optional(),
  authorityHost: httpsBase("authority host").optional(),
  graphBaseUrl: httpsBase("Graph base URL").optional(),
  /** Absent: keep the stored one; empty: trust no extra CA. */
  caCertificatePem: pem("CA certificate").optional(),
});
export type GraphConnectionInput = z.input<typeof graphConnectionInputSchema>;

/** A connect field as the API body and the web form name it (the credential's two forms apart). */
export type GraphConnectionField =
  | "entraTenantId"
  | "clientId"
  | "clientSecret"
  | "certificatePem"
  | "authorityHost"
  | "graphBaseUrl"
  | "caCertificatePem";

/**
 * `invalid_input` about connect input, with the fields at fault. Every message names its field and
 * never echoes the value, so surfaces show it as it is: the CLI prints the first, the API returns
 * all of them as `issues`, the web form shows the first beside the form.
 */
export class GraphConnectionInputError extends OperatorError {
  override name = "GraphConnectionInputError";
  readonly issues: readonly { field: GraphConnectionField; message: string }[];

  constructor(issues: readonly { field: GraphConnectionField; message: string }[]) {
    super("invalid_input", issues[0]?.message ?? "The connection details are not valid.");
    this.issues = issues;
  }
}

function invalidField(field: GraphConnectionField, message: string): GraphConnectionInputError {
  return new GraphConnectionInputError([{ field, message }]);
}

/** The field a schema issue is about: `credential.certificatePem` is certificatePem; the rest of credential, clientSecret. */
function toConnectionField(path: readonly PropertyKey[]): GraphConnectionField {
  const [first, second] = path;
  if (first === "credential") return second === "certificatePem" ? "certificatePem" : "clientSecret";
  const fields: readonly GraphConnectionField[] = [
    "entraTenantId",
    "clientId",
    "authorityHost",
    "graphBaseUrl",
    "caCertificatePem",
  ];
  return fields.find((field) => field === first) ?? "entraTenantId";
}

/**
 * Validate connect input from any surface.
 * @throws {GraphConnectionInputError} invalid_input – with every problem by field; the first is the
 *   internal message (safe to show: it names a field)
 */
export function parseGraphConnectionInput(input: unknown): z.output<typeof graphConnectionInputSchema> {
  const parsed = graphConnectionInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new GraphConnectionInputError(
      parsed.error.issues
        .slice(0, 10)
        .map((issue) => ({ field: toConnectionField(issue.path), message: issue.message })),
    );
  }
  return parsed.data;
}

/** Public details of a certificate and the private key to store, from a PEM with both. */
interface ParsedCertificate {
  privateKeyPem: string;
  certificatePem: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  expiresAt: Date;
}

/**
 * Split a certificate PEM (private key + certificate, as Entra's docs and @azure/identity expect)
 * into the private key and the public certificate, checking that they belong together.
 * @throws {OperatorError} invalid_input
 */
function parseCertificatePem(text: string): ParsedCertificate {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] ?? "", pem: match[0] }));
  const keys = blocks.filter((block) => block.label.endsWith("PRIVATE KEY"));
  const certificates = blocks.filter((block) => block.label === "CERTIFICATE");
  const invalid = (message: string) => invalidField("certificatePem", message);
  if (keys.some((block) => block.label === "ENCRYPTED PRIVATE KEY")) {
    throw invalid("The private key is protected with a password. Export it without a password (PEM).");
  }
  if (keys.length !== 1 || certificates.length === 0) {
    throw invalid("The certificate PEM must contain one private key and its certificate.");
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]?.pem ?? "");
    const key = createPrivateKey(keys[0]?.pem ?? "");
    if (!certificate.checkPrivateKey(key)) throw invalid("The private key does not belong to the certificate.");
  } catch (error) {
    if (error instanceof OperatorError) throw error;
    throw invalid("The certificate or its private key could not be read.");
  }
  const hex = (fingerprint: string) => fingerprint.replaceAll(":", "").toUpperCase();
  return {
    privateKeyPem: keys[0]?.pem ?? "",
    certificatePem: certificates.map((block) => block.pem).join("\n"),
    thumbprintSha1: hex(certificate.fingerprint),
    thumbprintSha256: hex(certificate.fingerprint256),
    expiresAt: new Date(certificate.validTo),
  };
}

/** @throws {GraphConnectionInputError} invalid_input – not one or more PEM certificates */
function parseCaCertificatePem(text: string): string {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0 || blocks.some((match) => match[1] !== "CERTIFICATE")) {
    throw invalidField("caCertificatePem", "The CA certificate must be one or more PEM certificates (no keys).");
  }
  try {
    for (const match of blocks) new X509Certificate(match[0]);
  } catch {
    throw invalidField("caCertificatePem", "The CA certificate could not be read.");
  }
  return blocks.map((match) => match[0]).join("\n");
}

const PURPOSE: Readonly<Record<GraphCredentialKind, CredentialPurpose>> = {
  client_secret: "graph_client_secret",
  client_certificate: "graph_certificate_private_key",
};

function toBinding(tenantId: string, kind: GraphCredentialKind): CredentialBinding {
  return { tenantId, purpose: PURPOSE[kind] };
}

type Row = typeof tenantGraphConnections.$inferSelect;

function toGraphConnection(row: Row): GraphConnection {
  const lastTest =
    isGraphConnectionTestResult(row.lastTestResult) && row.lastTestedAt
      ? {
          result: row.lastTestResult,
          message: GRAPH_CONNECTION_TEST_RESULTS[row.lastTestResult],
          testedAt: row.lastTestedAt,
        }
      : null;
  return {
    tenantId: row.tenantId,
    workspaceId: row.workspaceId,
    entraTenantId: row.entraTenantId,
    clientId: row.clientId,
    credentialKind: row.credentialKind === "client_certificate" ? "client_certificate" : "client_secret",
    certificate:
      row.certificateThumbprintSha1 && row.certificateThumbprintSha256
        ? {
            thumbprintSha1: row.certificateThumbprintSha1,
            thumbprintSha256: row.certificateThumbprintSha256,
            expiresAt: row.certificateExpiresAt,
          }
        : null,
    authorityHost: row.authorityHost,
    graphBaseUrl: row.graphBaseUrl,
    trustsCustomCa: row.caCertificatePem !== null,
    lastTest,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A tenant's Graph connection (public view), or undefined when it has none. */
export async function findGraphConnection(db: Db, tenantId: string): Promise<GraphConnection | undefined> {
  const [row] = await db.select().from(tenantGraphConnections).where(eq(tenantGraphConnections.tenantId, tenantId));
  return row ? toGraphConnection(row) : undefined;
}

/**
 * A tenant's Graph connection (public view, no secret material).
 * @throws {OperatorError} graph_not_connected – the tenant has no Graph connection
 */
export async function getGraphConnection(db: Db, tenantId: string): Promise<GraphConnection> {
  const connection = await findGraphConnection(db, tenantId);
  if (!connection) throw new OperatorError("graph_not_connected", `tenant ${tenantId} has no Graph connection`);
  return connection;
}

/** What {@link connectTenantToGraph} stores. */
export interface ConnectTenantInput extends GraphConnectionInput {
  workspaceId: string;
  /** The tenant to connect (id). */
  tenantId: string;
}

/**
 * Create or replace a tenant's Graph connection and make Graph its evidence source (an export-folder
 * tenant is switched). One transaction. Without `credential`, the stored one is kept — only for the
 * same app registration.
 * @returns the public view and whether the connection is new
 * @throws {GraphConnectionInputError} invalid_input – hostile or inconsistent input, by field
 * @throws {OperatorError} not_found – no such tenant in the workspace; credential_key_missing – no
 *   encryption key configured
 */
export async function connectTenantToGraph(
  db: Db,
  keyRing: KeyRing,
  input: ConnectTenantInput,
): Promise<{ connection: GraphConnection; created: boolean; tenant: Tenant }> {
  const parsed = parseGraphConnectionInput(input);
  const certificate =
    parsed.credential?.kind === "client_certificate"
      ? parseCertificatePem(parsed.credential.certificatePem)
      : undefined;
  const newCaCertificatePem =
    parsed.caCertificatePem === undefined || parsed.caCertificatePem === ""
      ? null
      : parseCaCertificatePem(parsed.caCertificatePem);
  return db.transaction(async (tx) => {
    const tenant = await getTenant(tx, input.workspaceId, input.tenantId);
    const [existing] = await tx
      .select()
      .from(tenantGraphConnections)
      .where(eq(tenantGraphConnections.tenantId, tenant.id))
      .for("update");
    let secretColumns: Pick<
      Row,
      | "credentialKind"
      | "encryptedCredential"
      | "certificatePem"
      | "certificateThumbprintSha1"
      | "certificateThumbprintSha256"
      | "certificateExpiresAt"
    >;
    if (parsed.credential === undefined) {
      if (!existing) throw invalidField("clientSecret", "Enter a client secret or a certificate.");
      if (existing.clientId !== parsed.clientId || existing.entraTenantId !== parsed.entraTenantId) {
        throw invalidField(
          "clientSecret",
          "Enter the client secret or certificate of the new app registration: the stored one belongs to another.",
        );
      }
      secretColumns = existing;
    } else if (parsed.credential.kind === "client_secret") {
      secretColumns = {
        credentialKind: "client_secret",
        encryptedCredential: encryptCredential(
          keyRing,
          parsed.credential.clientSecret,
          toBinding(tenant.id, "client_secret"),
        ),
        certificatePem: null,
        certificateThumbprintSha1: null,
        certificateThumbprintSha256: null,
        certificateExpiresAt: null,
      };
    } else {
      const parsedCertificate = certificate as ParsedCertificate;
      secretColumns = {
        credentialKind: "client_certificate",
        encryptedCredential: encryptCredential(
          keyRing,
          parsedCertificate.privateKeyPem,
          toBinding(tenant.id, "client_certificate"),
        ),
        certificatePem: parsedCertificate.certificatePem,
        certificateThumbprintSha1: parsedCertificate.thumbprintSha1,
        certificateThumbprintSha256: parsedCertificate.thumbprintSha256,
        certificateExpiresAt: parsedCertificate.expiresAt,
      };
    }
    const values = {
      tenantId: tenant.id,
      workspaceId: tenant.workspaceId,
      entraTenantId: parsed.entraTenantId,
      clientId: parsed.clientId,
      credentialKind: secretColumns.credentialKind,
      encryptedCredential: secretColumns.encryptedCredential,
      certificatePem: secretColumns.certificatePem,
      certificateThumbprintSha1: secretColumns.certificateThumbprintSha1,
      certificateThumbprintSha256: secretColumns.certificateThumbprintSha256,
      certificateExpiresAt: secretColumns.certificateExpiresAt,
      authorityHost: parsed.authorityHost ?? DEFAULT_AUTHORITY_HOST,
      graphBaseUrl: parsed.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL,
      // Absent: keep the stored CA certificate; "": trust none.
      caCertificatePem:
        parsed.caCertificatePem === undefined ? (existing?.caCertificatePem ?? null) : newCaCertificatePem,
      // A changed connection has not been tested yet.
      lastTestResult: null,
      lastTestedAt: null,
      // Millisecond precision (not now()'s microseconds), so recordGraphConnectionTest can compare it with a JS Date.
      updatedAt: new Date(),
    };
    const [row] = await tx
      .insert(tenantGraphConnections)
      .values(values)
      .onConflictDoUpdate({ target: tenantGraphConnections.tenantId, set: values })
      .returning();
    const [updatedTenant] = await tx
      .update(tenants)
      .set({ evidenceSource: { kind: "graph" }, entraTenantId: parsed.entraTenantId })
      .where(and(eq(tenants.id, tenant.id), eq(tenants.workspaceId, tenant.workspaceId)))
      .returning();
    if (!row || !updatedTenant) throw new Error(`connecting tenant ${tenant.id} wrote no row`);
    return {
      connection: toGraphConnection(row),
      created: existing === undefined,
      tenant: await getTenant(tx, tenant.workspaceId, tenant.id),
    };
  });
}

/**
 * Add a tenant read through Microsoft Graph and connect it, in one transaction (a failed connect
 * adds no tenant).
 * @throws {OperatorError} invalid_input – a tenant with this name exists already, or bad input
 */
export async function addGraphTenant(
  db: Db,
  keyRing: KeyRing,
  input: Omit<ConnectTenantInput, "tenantId"> & { name: string },
): Promise<{ connection: GraphConnection; tenant: Tenant }> {
  return db.transaction(async (tx) => {
    const { tenant, created } = await addTenant(tx, {
      workspaceId: input.workspaceId,
      name: input.name,
      evidenceSource: { kind: "graph" },
    });
    if (!created) throw new OperatorError("invalid_input", `A tenant named "${tenant.name}" already exists.`);
    const { name: _name, ...connect } = input;
    const result = await connectTenantToGraph(tx, keyRing, { ...connect, tenantId: tenant.id });
    return { connection: result.connection, tenant: result.tenant };
  });
}

/**
 * The decrypted credential material of a tenant's connection, for graph-credentials.ts's
 * `createTokenCredential`. Internal: never return it from a route or command.
 * @throws {OperatorError} graph_not_connected – no connection; credential_key_missing – its key is
 *   not configured; credential_undecryptable – tampered or copied from another tenant
 */
export async function loadGraphCredentialMaterial(
  db: Db,
  keyRing: KeyRing,
  tenantId: string,
): Promise<GraphCredentialMaterial> {
  const [row] = await db.select().from(tenantGraphConnections).where(eq(tenantGraphConnections.tenantId, tenantId));
  if (!row) throw new OperatorError("graph_not_connected", `tenant ${tenantId} has no Graph connection`);
  const kind: GraphCredentialKind =
    row.credentialKind === "client_certificate" ? "client_certificate" : "client_secret";
  const plaintext = decryptCredential(keyRing, row.encryptedCredential, toBinding(row.tenantId, kind));
  const credential: GraphCredentialMaterial["credential"] =
    kind === "client_secret"
      ? { kind, clientSecret: plaintext }
      : { kind, certificatePem: `${plaintext}\n${row.certificatePem ?? ""}` };
  return {
    tenantId: row.tenantId,
    entraTenantId: row.entraTenantId,
    clientId: row.clientId,
    credential: hideFromLogs(credential),
    authorityHost: row.authorityHost,
    graphBaseUrl: row.graphBaseUrl,
    caCertificatePem: row.caCertificatePem,
  };
}

/** Make `value` serialise (JSON, pino) and inspect (console, util.inspect) as "(secret)". */
function hideFromLogs<T extends object>(value: T): T {
  Object.defineProperty(value, "toJSON", { value: () => "(secret)", enumerable: false });
  Object.defineProperty(value, inspect.custom, { value: () => "(secret)", enumerable: false });
  return value;
}

/**
 * Store the outcome of a "Test connection". Does nothing when the connection was replaced (or
 * removed) after `testedConnectionUpdatedAt`: a result about an old secret must not describe a new one.
 */
export async function recordGraphConnectionTest(
  db: Db,
  tenantId: string,
  result: GraphConnectionTestResult,
  testedAt: Date,
  testedConnectionUpdatedAt: Date,
): Promise<void> {
  await db
    .update(tenantGraphConnections)
    .set({ lastTestResult: result, lastTestedAt: testedAt })
    .where(
      and(
        eq(tenantGraphConnections.tenantId, tenantId),
        eq(tenantGraphConnections.updatedAt, testedConnectionUpdatedAt),
      ),
    );
}

/** What {@link rotateCredentialKeys} did. */
export interface KeyRotationReport {
  /** The key every credential is encrypted with now. */
  currentKeyId: string;
  /** Credentials re-encrypted (all of them). */
  rotatedCount: number;
  /** How many credentials each key had encrypted before. */
  previousKeyIds: Record<string, number>;
}

/**
 * Re-encrypt every stored credential with the key ring's current key, in one transaction (all or
 * nothing). Afterwards the other keys can be removed from TENANTPILOT_SECRET_KEYS.
 * @throws {OperatorError} credential_key_missing – no current key, or a credential's key is not in
 *   the ring; credential_undecryptable – a credential fails authentication (nothing is changed)
 */
export async function rotateCredentialKeys(db: Db, keyRing: KeyRing): Promise<KeyRotationReport> {
  const { keyId: currentKeyId } = keyRing.currentKey();
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({
        tenantId: tenantGraphConnections.tenantId,
        credentialKind: tenantGraphConnections.credentialKind,
        encryptedCredential: tenantGraphConnections.encryptedCredential,
      })
      .from(tenantGraphConnections)
      .for("update");
    const previousKeyIds: Record<string, number> = {};
    for (const row of rows) {
      const previous = findCredentialKeyId(row.encryptedCredential) ?? "(unknown)";
      previousKeyIds[previous] = (previousKeyIds[previous] ?? 0) + 1;
      const binding = toBinding(
        row.tenantId,
        row.credentialKind === "client_certificate" ? "client_certificate" : "client_secret",
      );
      const reencrypted = encryptCredential(
        keyRing,
        decryptCredential(keyRing, row.encryptedCredential, binding),
        binding,
      );
      // updated_at is left alone: the connection did not change, only how its secret is stored.
      await tx
        .update(tenantGraphConnections)
        .set({ encryptedCredential: reencrypted })
        .where(eq(tenantGraphConnections.tenantId, row.tenantId));
    }
    return { currentKeyId, rotatedCount: rows.length, previousKeyIds };
  });
}
