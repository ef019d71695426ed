/**
 * Token credentials for a tenant's Graph connection: @azure/identity's ClientSecretCredential or
 * ClientCertificateCredential (PEM in memory, never written to disk), pointed at the connection's
 * authority host, trusting its CA certificate (when it has one) through an https.Agent of its own —
 * never through process-wide TLS settings.
 * @module
 */
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";
import {
  ClientCertificateCredential,
  type ClientCertificateCredentialOptions,
  ClientSecretCredential,
  type TokenCredential,
} from "@azure/identity";
import type { GraphCredentialMaterial } from "./graph-connections.js";

/** Authority hosts of Microsoft's clouds, where MSAL's instance discovery works. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

/** Graph hosts of Microsoft's clouds: each is its own token audience. */
const MICROSOFT_GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "microsoftgraph.chinacloudapi.cn",
]);

/**
 * The client-credentials scope for a Graph base URL: `https://<cloud graph host>/.default` for
 * Microsoft's clouds; for any other host (a self-hosted or simulated Graph standing in for the public
 * one, which keeps Graph's URLs) the public cloud's `https://graph.microsoft.com/.default`.
 */
export function toGraphScope(graphBaseUrl: string): string {
  const host = URL.canParse(graphBaseUrl) ? new URL(graphBaseUrl).hostname.toLowerCase() : "";
  return `https://${MICROSOFT_GRAPH_HOSTS.has(host) ? host : "graph.microsoft.com"}/.default`;
}

/**
 * An https.Agent for requests to the connection's hosts: trusts the system roots plus the
 * connection's CA certificate. Undefined when the connection has no CA certificate (use the default
 * agent). keepAlive, so a capture reuses its TLS connections.
 */
export function createGraphHttpsAgent(material: Pick<GraphCredentialMaterial, "caCertificatePem">): Agent | undefined {
  if (material.caCertificatePem === null) return undefined;
  return new Agent({ keepAlive: true, ca: [...rootCertificates, material.caCertificatePem] });
}

/**
 * A TokenCredential for the connection. `authorityHost` is the connection's; instance discovery is
 * off for hosts outside Microsoft's clouds (it would ask login.microsoftonline.com about them); with
 * a CA certificate, token requests go through {@link createGraphHttpsAgent}'s agent (the identity
 * pipeline's `agent` option), or through `options.agent` when given (share one per connection).
 * @see STACK.md G34 (authorityHost must be https)
 */
export function createTokenCredential(
  material: GraphCredentialMaterial,
  options: { agent?: Agent } = {},
): TokenCredential {
  const host = new URL(material.authorityHost).hostname.toLowerCase();
  const agent = options.agent ?? createGraphHttpsAgent(material);
  const credentialOptions: ClientCertificateCredentialOptions = {
    authorityHost: material.authorityHost,
    ...(MICROSOFT_AUTHORITY_HOSTS.has(host) ? {} : { disableInstanceDiscovery: true }),
    ...(agent ? { agent } : {}),
    // The test connection and the reader retry on their own terms; identity's default is 3 retries.
    retryOptions: { maxRetries: 1 },
  };
  const credential = material.credential;
  if (credential.kind === "client_secret") {
    return new ClientSecretCredential(
      material.entraTenantId,
      material.clientId,
      credential.clientSecret,
      credentialOptions,
    );
  }
  return new ClientCertificateCredential(
    material.entraTenantId,
    material.clientId,
    { certificate: credential.certificatePem },
    // x5c lets Entra's subject name + issuer authentication accept a renewed certificate.
    { ...credentialOptions, sendCertificateChain: true },
  );
}
