/**
 * The simulator's Microsoft Entra side: OpenID discovery, the v2.0 token endpoint for the
 * client credentials grant (client secret or certificate-signed client assertion), and the
 * opaque access tokens Graph calls carry. Error bodies follow Entra's `AADSTS` shape.
 * @module
 */
import {
  createHash,
  createPublicKey,
  constants as cryptoConstants,
  randomBytes,
  randomUUID,
  verify,
  X509Certificate,
} from "node:crypto";

/** An app registration in a simulated tenant. */
export interface SimulatedAppOptions {
  /** Application (client) id. */
  clientId: string;
  /** A client secret value the app may authenticate with. */
  clientSecret?: string;
  /**
   * A certificate (PEM; a private key in the same PEM is ignored) whose key signs client
   * assertions. Matched by its SHA-1 (`x5t`) or SHA-256 (`x5t#S256`) thumbprint.
   */
  certificatePem?: string;
  /** Application permissions granted with admin consent, e.g. `DeviceManagementConfiguration.Read.All`. */
  permissions: readonly string[];
}

/** What an access token stands for. */
export interface AccessTokenGrant {
  tenantId: string;
  clientId: string;
  permissions: ReadonlySet<string>;
  /** Epoch ms after which Graph answers 401. */
  expiresAtMs: number;
}

/** An HTTP answer from the identity side. */
export interface IdentityResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Scopes the token endpoint accepts: Graph's `.default` scope, by URL or by app id. */
const GRAPH_SCOPES = new Set([
  "https://graph.microsoft.com/.default",
  "https://graph.microsoft.com//.default",
  "00000003-0000-0000-c000-000000000000/.default",
]);

const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The OpenID configuration Entra publishes for a tenant, pointing at this server. */
export function toOpenIdConfiguration(
  baseUrl: string,
  tenantSegment: string,
  tenantId: string,
): Record<string, unknown> {
  const root = `${baseUrl}/${tenantSegment}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${baseUrl}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${baseUrl}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "oid"],
    kerberos_endpoint: `${root}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/**
 * An Entra error body: `error`, `error_description` ("AADSTS…: … Trace ID … Correlation ID …
 * Timestamp …"), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
 */
export function toEntraError(
  status: number,
  error: string,
  code: number,
  message: string,
  now: Date,
  correlationId: string = randomUUID(),
): IdentityResponse {
  const traceId = randomUUID();
  const timestamp = now
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** Entra's answer for a tenant id or domain it does not know (discovery and token endpoint alike). */
export function toUnknownTenantError(tenantSegment: string, now: Date): IdentityResponse {
  return toEntraError(
    400,
    "invalid_tenant",
    90002,
    `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    now,
  );
}

/** Inputs of {@link redeemClientCredentials}. */
export interface TokenRequest {
  tenantId: string;
  apps: readonly SimulatedAppOptions[];
  /** The form fields of the POST (`application/x-www-form-urlencoded`). */
  form: URLSearchParams;
  /** `Authorization: Basic` credentials, when the client used client_secret_basic. */
  basic?: { clientId: string; clientSecret: string };
  /** The token endpoint URL as the client addressed it (a client assertion's `aud`). */
  tokenEndpoint: string;
  now: Date;
}

/** The app and permissions a successful token request was for. */
export type TokenRedemption = { ok: true; app: SimulatedAppOptions } | { ok: false; response: IdentityResponse };

/**
 * Check a client credentials token request like Entra does: grant type, scope, the app, then its
 * secret or client assertion. Pure apart from reading the request.
 */
export function redeemClientCredentials(request: TokenRequest): TokenRedemption {
  const { form, now } = request;
  const fail = (status: number, error: string, code: number, message: string): TokenRedemption => ({
    ok: false,
    response: toEntraError(status, error, code, message, now, form.get("client-request-id") ?? undefined),
  });
  const grantType = form.get("grant_type");
  if (grantType === null) {
    return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
  }
  if (grantType !== "client_credentials") {
    return fail(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
  const scope = form.get("scope");
  if (scope === null) {
    return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
  }
  const scopes = scope.split(" ").filter((s) => s !== "");
  if (scopes.length !== 1 || !GRAPH_SCOPES.has(scopes[0] ?? "")) {
    return fail(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const clientId = form.get("client_id") ?? request.basic?.clientId;
  if (clientId === undefined || clientId === "") {
    return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  const app = request.apps.find((candidate) => candidate.clientId.toLowerCase() === clientId.toLowerCase());
  if (app === undefined) {
    return fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${request.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const secret = form.get("client_secret") ?? request.basic?.clientSecret;
  const assertion = form.get("client_assertion");
  if (secret !== undefined && secret !== null) {
    if (app.clientSecret === undefined || secret !== app.clientSecret) {
      return fail(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    return { ok: true, app };
  }
  if (assertion !== null) {
    if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE) {
      return fail(400, "invalid_request", 50027, "Invalid client_assertion_type: expected jwt-bearer.");
    }
    const problem = findClientAssertionProblem(assertion, app, request.tokenEndpoint, now);
    if (problem !== undefined) {
      return fail(401, "invalid_client", problem.code, problem.message);
    }
    return { ok: true, app };
  }
  return fail(
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
}

/**
 * Verify a client assertion (RFC 7523) as Entra does: a JWT signed (RS256 or PS256) by the key of
 * a certificate registered on the app, named by its `x5t` or `x5t#S256` header; `iss` and `sub`
 * are the client id, `aud` the token endpoint, `exp`/`nbf` bracket now (5 min skew).
 * @returns the Entra error code and message, or undefined when the assertion is valid
 */
export function findClientAssertionProblem(
  assertion: string,
  app: SimulatedAppOptions,
  tokenEndpoint: string,
  now: Date,
): { code: number; message: string } | undefined {
  const parts = assertion.split(".");
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined || signaturePart === undefined) {
    return { code: 50027, message: "JWT token is invalid or malformed." };
  }
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8")) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return { code: 50027, message: "JWT token is invalid or malformed." };
  }
  if (app.certificatePem === undefined) {
    return {
      code: 700027,
      message: `Client assertion failed signature validation: no certificate is registered on app '${app.clientId}'.`,
    };
  }
  const certificate = new X509Certificate(toCertificateBlock(app.certificatePem));
  const x5t = header["x5t"];
  const x5tS256 = header["x5t#S256"];
  const matchesSha1 = typeof x5t === "string" && x5t === toThumbprint(certificate, "sha1");
  const matchesSha256 = typeof x5tS256 === "string" && x5tS256 === toThumbprint(certificate, "sha256");
  if (!matchesSha1 && !matchesSha256) {
    return {
      code: 700027,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(x5tS256 ?? x5t)}']`,
    };
  }
  const signed = Buffer.from(`${headerPart}.${payloadPart}`, "utf8");
  const signature = Buffer.from(signaturePart, "base64url");
  const publicKey = createPublicKey(certificate.publicKey.export({ type: "spki", format: "pem" }));
  const alg = header["alg"];
  let valid: boolean;
  if (alg === "RS256") {
    valid = verify("sha256", signed, { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PADDING }, signature);
  } else if (alg === "PS256") {
    valid = verify(
      "sha256",
      signed,
      {
        key: publicKey,
        padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
        saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
      },
      signature,
    );
  } else {
    return { code: 5002738, message: `Client assertion algorithm '${String(alg)}' is not supported.` };
  }
  if (!valid) {
    return { code: 7000274, message: "Client assertion contains an invalid signature." };
  }
  if (payload["iss"] !== app.clientId || payload["sub"] !== app.clientId) {
    return { code: 700021, message: "Client assertion application identifier doesn't match 'client_id' parameter." };
  }
  if (payload["aud"] !== tokenEndpoint) {
    return {
      code: 700212,
      message: `No matching federated identity record found for presented assertion audience '${String(payload["aud"])}'.`,
    };
  }
  const nowSeconds = now.getTime() / 1000;
  const skewSeconds = 300;
  const exp = payload["exp"];
  const nbf = payload["nbf"];
  if (
    typeof exp !== "number" ||
    exp + skewSeconds < nowSeconds ||
    (typeof nbf === "number" && nbf - skewSeconds > nowSeconds)
  ) {
    return { code: 700024, message: "Client assertion is not within its valid time range." };
  }
  return undefined;
}

/** A certificate's thumbprint as JWT `x5t` / `x5t#S256` carry it: base64url of the DER hash. */
export function toThumbprint(certificate: X509Certificate, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(certificate.raw).digest("base64url");
}

/** The first `CERTIFICATE` block of a PEM that may also hold a private key. */
export function toCertificateBlock(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (match === null) {
    throw new Error("certificatePem holds no -----BEGIN CERTIFICATE----- block");
  }
  return match[0];
}

/** A new opaque access token: random, not a JWT (Graph clients must treat tokens as opaque). */
export function newAccessToken(): string {
  return `sim.${randomBytes(32).toString("base64url")}`;
}
