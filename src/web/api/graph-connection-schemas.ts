/**
 * JSON API shapes of a tenant's Graph connection: the PUT body (the secret is write-only) and the
 * public view every answer returns (never secret material).
 * @module
 */
import { z } from "zod";
import { GRAPH_CONNECTION_TEST_RESULTS, type GraphConnectionInput } from "../../graph/graph-connections.js";
import { ApiInputError } from "./api-input.js";

/** PUT /tenants/{tenantId}/graph-connection. Without clientSecret and certificatePem the stored credential is kept. */
export const graphConnectionBodySchema = z
  .object({
    entraTenantId: z.string().max(100).describe("Microsoft Entra tenant (directory) id, a GUID."),
    clientId: z.string().max(100).describe("Application (client) id of the app registration, a GUID."),
    clientSecret: z
      .string()
      .max(1_000)
      .optional()
      .describe(
        "Write-only: stored encrypted, never returned. Omit (with certificatePem) to keep the stored credential.",
      ),
    certificatePem: z
      .string()
      .max(32_000)
      .optional()
      .describe("Write-only: PEM with the unencrypted private key and its certificate. Stored encrypted."),
    authorityHost: z.string().max(500).optional().describe("Default: https://login.microsoftonline.com"),
    graphBaseUrl: z.string().max(500).optional().describe("Default: https://graph.microsoft.com"),
    caCertificatePem: z
      .string()
      .max(32_000)
      .optional()
      .describe("A CA certificate (PEM) trusted for the two hosts; for self-hosted or simulated endpoints."),
  })
  .strict();

/**
 * The PUT body as graph-connections.ts's input (which validates GUIDs, PEM and URLs).
 * @throws {ApiInputError} both a secret and a certificate
 */
export function toGraphConnectionInput(body: z.output<typeof graphConnectionBodySchema>): GraphConnectionInput {
  if (body.clientSecret !== undefined && body.certificatePem !== undefined) {
    throw new ApiInputError("both credentials sent", [
      { path: "body.certificatePem", message: "Send clientSecret or certificatePem, not both." },
    ]);
  }
  const credential: GraphConnectionInput["credential"] =
    body.clientSecret !== undefined
      ? { kind: "client_secret", clientSecret: body.clientSecret }
      : body.certificatePem !== undefined
        ? { kind: "client_certificate", certificatePem: body.certificatePem }
        : undefined;
  return {
    entraTenantId: body.entraTenantId,
    clientId: body.clientId,
    ...(credential ? { credential } : {}),
    ...(body.authorityHost === undefined ? {} : { authorityHost: body.authorityHost }),
    ...(body.graphBaseUrl === undefined ? {} : { graphBaseUrl: body.graphBaseUrl }),
    ...(body.caCertificatePem === undefined ? {} : { caCertificatePem: body.caCertificatePem }),
  };
}

const testResultKeys = Object.keys(GRAPH_CONNECTION_TEST_RESULTS) as [string, ...string[]];

/** A test outcome: the result key (data) and its operator sentence. */
export const graphConnectionTestSchema = z.object({
  result: z.enum(testResultKeys),
  ok: z.boolean(),
  message: z.string(),
  testedAt: z.string().describe("ISO-8601"),
});

/** The public view of a connection. */
export const graphConnectionSchema = z.object({
  tenantId: z.string(),
  workspaceId: z.string(),
  entraTenantId: z.string(),
  clientId: z.string(),
  credentialKind: z.enum(["client_secret", "client_certificate"]),
  certificate: z
    .object({
      thumbprintSha1: z.string(),
      thumbprintSha256: z.string(),
      expiresAt: z.string().nullable(),
    })
    .nullable(),
  authorityHost: z.string(),
  graphBaseUrl: z.string(),
  trustsCustomCa: z.boolean(),
  lastTest: z.object({ result: z.enum(testResultKeys), message: z.string(), testedAt: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** GET and PUT answers. */
export const graphConnectionResponseSchema = z.object({ connection: graphConnectionSchema });
/** POST …/test answers. */
export const graphConnectionTestResponseSchema = z.object({ test: graphConnectionTestSchema });
