/**
 * "Test connection": sign in with the tenant's app registration and make the one cheap Graph call
 * capture depends on, then say what happened in an operator-safe sentence (a catalog key of
 * graph-connections.ts). Raw transport and Entra detail goes only to the debug log, without secrets.
 * @module
 */

import type { Agent } from "node:https";
import { request } from "node:https";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { OperatorError } from "../shared/operator-error.js";
import type { KeyRing } from "./credential-encryption.js";
import {
  GRAPH_CONNECTION_TEST_RESULTS,
  type GraphConnectionTestResult,
  type GraphCredentialMaterial,
  getGraphConnection,
  loadGraphCredentialMaterial,
  recordGraphConnectionTest,
} from "./graph-connections.js";
import { createGraphHttpsAgent, createTokenCredential, toGraphScope } from "./graph-credentials.js";

/** The Graph call of the test: one device configuration id, which needs DeviceManagementConfiguration.Read.All. */
export const TEST_GRAPH_PATH = "/beta/deviceManagement/deviceConfigurations?$top=1&$select=id";

/** How long the whole test may take before Entra or Graph counts as unreachable, ms. (Default: 20000) */
const DEFAULT_TIMEOUT_MS = 20_000;

/** What a test found. */
export interface GraphConnectionTestOutcome {
  result: GraphConnectionTestResult;
  ok: boolean;
  /** The operator sentence for {@link GraphConnectionTestOutcome.result}. */
  message: string;
  testedAt: Date;
}

/** What {@link testGraphConnection} needs. */
export interface GraphConnectionTestDeps {
  db: Db;
  keyRing: KeyRing;
  logger: Pick<Logger, "debug">;
  now: () => Date;
  /** (Default: 20000) */
  timeoutMs?: number;
}

/**
 * Test a tenant's stored connection and record the result on it.
 * @throws {OperatorError} graph_not_connected – the tenant has no Graph connection
 */
export async function testGraphConnection(
  deps: GraphConnectionTestDeps,
  tenantId: string,
): Promise<GraphConnectionTestOutcome> {
  const connection = await getGraphConnection(deps.db, tenantId);
  let result: GraphConnectionTestResult;
  try {
    const material = await loadGraphCredentialMaterial(deps.db, deps.keyRing, tenantId);
    result = await probeGraphConnection(material, deps);
  } catch (error) {
    if (
      !(error instanceof OperatorError) ||
      (error.code !== "credential_undecryptable" && error.code !== "credential_key_missing")
    ) {
      throw error;
    }
    deps.logger.debug(
      { tenantId, code: error.code, detail: error.message },
      "graph connection test: credential unusable",
    );
    result = "credential_unreadable";
  }
  const testedAt = deps.now();
  await recordGraphConnectionTest(deps.db, tenantId, result, testedAt, connection.updatedAt);
  return { result, ok: result === "ok", message: GRAPH_CONNECTION_TEST_RESULTS[result], testedAt };
}

/**
 * Sign in with `material` and GET {@link TEST_GRAPH_PATH}. Never throws for what Entra or Graph
 * answer, or for transport failures: they become result keys.
 */
export async function probeGraphConnection(
  material: GraphCredentialMaterial,
  options: { logger: Pick<Logger, "debug">; timeoutMs?: number },
): Promise<GraphConnectionTestResult> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const agent = createGraphHttpsAgent(material);
  const log = (detail: Record<string, unknown>, message: string) =>
    options.logger.debug({ tenantId: material.tenantId, ...detail }, message);
  try {
    let token: string;
    try {
      const credential = createTokenCredential(material, agent ? { agent } : {});
      const accessToken = await credential.getToken(toGraphScope(material.graphBaseUrl), { abortSignal: signal });
      if (!accessToken) throw new Error("getToken returned no token");
      token = accessToken.token;
    } catch (error) {
      const { result, detail } = await diagnoseSignInFailure(
        error,
        {
          authorityHost: material.authorityHost,
          entraTenantId: material.entraTenantId,
          credentialKind: material.credential.kind,
        },
        agent,
        signal,
      );
      log({ phase: "token", result, ...detail }, "graph connection test: sign-in failed");
      return result;
    }
    try {
      const response = await getOnce(`${material.graphBaseUrl}${TEST_GRAPH_PATH}`, token, agent, signal);
      const result = classifyGraphStatus(response.status);
      if (result !== "ok") {
        log(
          { phase: "graph", result, status: response.status, graphError: findGraphErrorCode(response.body) },
          "graph connection test: Graph refused",
        );
      }
      return result;
    } catch (error) {
      const detail = describeError(error);
      const result = isTlsTrustFailure(detail) ? "graph_tls_untrusted" : "graph_unreachable";
      log({ phase: "graph", result, ...detail }, "graph connection test: Graph unreachable");
      return result;
    }
  } finally {
    agent?.destroy();
  }
}

/** Where a connection signs in: what {@link diagnoseSignInFailure} needs to ask Entra itself. */
export interface SignInTarget {
  /** `https://login.microsoftonline.com` or the connection's own authority host. */
  authorityHost: string;
  entraTenantId: string;
  credentialKind: GraphCredentialMaterial["credential"]["kind"];
}

/**
 * Which result a failed token acquisition gets (a key of GRAPH_CONNECTION_TEST_RESULTS), and the
 * loggable facts behind it (no credential). Shared by "Test connection" and the Graph reader, so
 * both name the same cause. Asks the tenant's OpenID discovery document itself when MSAL folded
 * the cause into `endpoints_resolution_error` (only with a `target`: without one, the chain alone decides).
 * @param agent - the connection's https.Agent (its CA certificate), undefined for the default agent
 */
export async function diagnoseSignInFailure(
  thrown: unknown,
  target: SignInTarget | undefined,
  agent: Agent | undefined,
  signal: AbortSignal,
): Promise<{ result: GraphConnectionTestResult; detail: Record<string, unknown> }> {
  const detail = describeError(thrown);
  let result = classifySignInFailure(detail, target?.credentialKind ?? "client_secret");
  let discovery: Record<string, unknown> | undefined;
  if (
    target !== undefined &&
    result === "sign_in_failed" &&
    detail.messages.some((text) => text.includes("endpoints_resolution_error"))
  ) {
    // MSAL folds every failure of its OpenID discovery (unknown tenant, TLS trust, refused) into one
    // code: ask the discovery document ourselves to tell them apart.
    const probed = await probeDiscovery(target, agent, signal);
    discovery = probed.detail;
    result = probed.result;
  }
  return { result, detail: { ...detail, ...(discovery ? { discovery } : {}) } };
}

/** Loggable facts about an error chain: names, codes, AADSTS codes, status; never a credential. */
interface ErrorDetail {
  names: string[];
  codes: string[];
  aadsts: string[];
  statusCode?: number;
  /** Messages, each cut to 300 characters (Entra descriptions carry trace ids, not secrets). */
  messages: string[];
}

function describeError(thrown: unknown): ErrorDetail {
  const detail: ErrorDetail = { names: [], codes: [], aadsts: [], messages: [] };
  let at: unknown = thrown;
  for (let depth = 0; depth < 5 && at !== null && typeof at === "object"; depth++) {
    const error = at as {
      name?: unknown;
      code?: unknown;
      errorCode?: unknown;
      statusCode?: unknown;
      message?: unknown;
      errorResponse?: { error?: unknown; errorDescription?: unknown };
      cause?: unknown;
    };
    if (typeof error.name === "string") detail.names.push(error.name);
    for (const code of [error.code, error.errorCode, error.errorResponse?.error]) {
      if (typeof code === "string" && code !== "") detail.codes.push(code);
    }
    if (typeof error.statusCode === "number") detail.statusCode ??= error.statusCode;
    for (const text of [error.message, error.errorResponse?.errorDescription]) {
      if (typeof text !== "string") continue;
      detail.messages.push(text.slice(0, 300));
      for (const match of text.matchAll(/AADSTS(\d+)/g)) detail.aadsts.push(match[1] ?? "");
    }
    at = error.cause;
  }
  return detail;
}

/** Sign-in results that say Entra refused the stored app registration itself (retrying cannot help). */
const CREDENTIAL_REJECTIONS: ReadonlySet<GraphConnectionTestResult> = new Set([
  "entra_tenant_not_found",
  "app_not_found",
  "invalid_client_secret",
  "invalid_certificate",
]);

/**
 * The run failure code for a sign-in result that no request of the run can get past: Entra refused
 * the app registration, the sign-in endpoint's certificate is not trusted, or it cannot be reached.
 * Undefined for `sign_in_failed` (cause unknown) and for results that are not about signing in.
 */
export function toSignInFailureCode(
  result: GraphConnectionTestResult,
): "graph_sign_in_failed" | "graph_tls_untrusted" | "graph_sign_in_unreachable" | undefined {
  if (CREDENTIAL_REJECTIONS.has(result)) return "graph_sign_in_failed";
  if (result === "tls_untrusted") return "graph_tls_untrusted";
  if (result === "identity_unreachable") return "graph_sign_in_unreachable";
  return undefined;
}

/**
 * True when `thrown` (a request to Graph or the sign-in endpoint) failed because the server's TLS
 * certificate is not trusted here: deterministic, so retrying the request cannot help.
 */
export function isTlsTrustError(thrown: unknown): boolean {
  return isTlsTrustFailure(describeError(thrown));
}

/** Transport failures: DNS, refused, reset, timeout. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ABORT_ERR",
  "network_error",
  "endpoints_resolution_error",
]);

/**
 * OpenSSL verification codes (as Node reports them on `error.code`) that say the server answered
 * but its certificate is not trusted here: self-signed, unknown issuer, expired, wrong host name.
 * The fix is a CA certificate, not a firewall rule, so they get their own sentence.
 * @see https://nodejs.org/api/tls.html#x509-certificate-error-codes
 */
const TLS_TRUST_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_CRL",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The same failures as {@link TLS_TRUST_CODES}, for error chains that kept only the message. */
const TLS_TRUST_TEXT =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|certificate signature failure|does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i;

/** True when an error chain says the server's TLS certificate is not trusted (not that it is unreachable). */
function isTlsTrustFailure(detail: ErrorDetail): boolean {
  return (
    detail.codes.some((code) => TLS_TRUST_CODES.has(code)) || detail.messages.some((text) => TLS_TRUST_TEXT.test(text))
  );
}

/**
 * Which sentence a failed sign-in gets. Entra's AADSTS codes first (they are precise), then an
 * untrusted TLS certificate, then transport failures.
 * @see https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export function classifySignInFailure(
  detail: ErrorDetail,
  kind: GraphCredentialMaterial["credential"]["kind"],
): GraphConnectionTestResult {
  const has = (...codes: string[]) => codes.some((code) => detail.aadsts.includes(code));
  if (has("90002", "900023", "90072")) return "entra_tenant_not_found";
  if (has("700016")) return "app_not_found";
  if (has("7000215", "7000222", "7000216")) return "invalid_client_secret";
  if (has("700027", "700024", "7000274", "7000277", "7000112")) return "invalid_certificate";
  if (detail.codes.includes("invalid_client")) {
    return kind === "client_secret" ? "invalid_client_secret" : "invalid_certificate";
  }
  if (isTlsTrustFailure(detail)) return "tls_untrusted";
  const text = detail.messages.join(" ");
  if (
    detail.codes.some((code) => NETWORK_CODES.has(code)) ||
    detail.names.includes("AbortError") ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|network_error|timed? ?out|aborted/i.test(text)
  ) {
    return "identity_unreachable";
  }
  return "sign_in_failed";
}

/**
 * GET the tenant's OpenID configuration at the authority host: unreachable (transport), its TLS
 * certificate not trusted, the tenant unknown (Entra answers 400 with AADSTS90002 and friends), or reachable.
 */
async function probeDiscovery(
  material: Pick<SignInTarget, "authorityHost" | "entraTenantId">,
  agent: Agent | undefined,
  signal: AbortSignal,
): Promise<{ result: GraphConnectionTestResult; detail: Record<string, unknown> }> {
  const url = `${material.authorityHost}/${encodeURIComponent(material.entraTenantId)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await getOnce(url, undefined, agent, signal);
    const aadsts = [...response.body.matchAll(/AADSTS(\d+)/g)].map((match) => match[1] ?? "");
    const detail = { status: response.status, aadsts };
    if (response.status >= 200 && response.status < 300) return { result: "sign_in_failed", detail };
    if (
      // Entra answers an unknown tenant with 400 and AADSTS90002; a 404 is a host that is not Entra.
      aadsts.some((code) => ["90002", "900023", "90072"].includes(code)) ||
      response.status === 400
    ) {
      return { result: "entra_tenant_not_found", detail };
    }
    return { result: "identity_unreachable", detail };
  } catch (error) {
    const detail = describeError(error);
    return {
      result: isTlsTrustFailure(detail) ? "tls_untrusted" : "identity_unreachable",
      detail: detail as unknown as Record<string, unknown>,
    };
  }
}

/** Which sentence Graph's answer to the test call gets. */
export function classifyGraphStatus(status: number): GraphConnectionTestResult {
  if (status >= 200 && status < 300) return "ok";
  if (status === 401) return "token_rejected";
  if (status === 403) return "missing_permission";
  if (status === 429 || status >= 500) return "graph_busy";
  return "graph_unreachable";
}

function findGraphErrorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code.slice(0, 100) : undefined;
  } catch {
    return undefined; // not JSON: the status says enough
  }
}

/** Largest test response body read, bytes (one id is tiny). */
const MAX_BODY_BYTES = 256 * 1024;

function getOnce(
  url: string,
  token: string | undefined,
  agent: Agent | undefined,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        signal,
        ...(agent ? { agent } : {}),
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), accept: "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
