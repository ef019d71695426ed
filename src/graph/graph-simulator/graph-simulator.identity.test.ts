import { Agent } from "node:https";
import { ClientCertificateCredential, ClientSecretCredential } from "@azure/identity";
import { AuthenticationHandler, Client, type Context, type Middleware } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator.js";
import { createCaFetch, type FetchFunction } from "./simulator-fetch.js";

const TENANT = "3f0c6a1e-4b7d-4c1e-9a55-0d6f1b2c3a01";
const CLIENT = "8a1d2c3b-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const SECRET = "sim-secret~value";
const CERT_CLIENT = "0b2c4d6e-8f0a-4b2c-9d4e-6f8a0b2c4d6e";

let sim: GraphSimulator;
let appCert: { cert: string; private: string };
let otherCert: { cert: string; private: string };

/** Trust exactly the simulator's certificate: an agent set on every request of the credential's pipeline. */
function credentialOptions(s: GraphSimulator) {
  const agent = new Agent({ ca: s.caCertPem });
  return {
    authorityHost: s.authorityHost,
    disableInstanceDiscovery: true,
    additionalPolicies: [
      {
        position: "perCall" as const,
        policy: {
          name: "trust-graph-simulator",
          sendRequest: (request: { agent?: unknown }, next: (r: never) => Promise<unknown>) => {
            request.agent = agent;
            return next(request as never);
          },
        },
      },
    ],
  };
}

/** The last middleware: sends through a fetch that trusts the simulator's CA. */
class CaFetchHandler implements Middleware {
  readonly #send: FetchFunction;
  constructor(send: FetchFunction) {
    this.#send = send;
  }
  async execute(context: Context): Promise<void> {
    context.response = await this.#send(context.request as string, context.options as RequestInit);
  }
}

beforeAll(async () => {
  const rsa = { keyType: "rsa" as const, keySize: 2048, algorithm: "sha256" };
  appCert = await generate([{ name: "commonName", value: "tenantpilot-app" }], rsa);
  otherCert = await generate([{ name: "commonName", value: "someone-else" }], rsa);
  sim = await startGraphSimulator({
    tenants: [
      {
        tenantId: TENANT,
        apps: [
          {
            clientId: CLIENT,
            clientSecret: SECRET,
            permissions: ["DeviceManagementConfiguration.Read.All", "Organization.Read.All"],
          },
          {
            clientId: CERT_CLIENT,
            certificatePem: appCert.cert,
            permissions: ["DeviceManagementConfiguration.Read.All"],
          },
        ],
        policies: { objects: [] },
      },
    ],
  });
});

afterAll(async () => {
  await sim.close();
});

describe("identity endpoints", () => {
  it("runs ClientSecretCredential end to end: discovery, token, then a Graph call carrying the bearer", async () => {
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, credentialOptions(sim) as never);
    const auth = new TokenCredentialAuthenticationProvider(credential, {
      scopes: ["https://graph.microsoft.com/.default"],
    });
    const client = Client.initWithMiddleware({
      middleware: [new AuthenticationHandler(auth), new CaFetchHandler(createCaFetch(sim.caCertPem))],
      baseUrl: sim.baseUrl,
      customHosts: new Set(["127.0.0.1"]),
    });
    sim.resetStats();
    const organization = (await client.api("/organization").get()) as { value: { id: string }[] };
    expect(organization.value[0]?.id).toBe(TENANT);
    expect(sim.requestLog().map((e) => `${e.method} ${e.path.split("?")[0]} ${e.status}`)).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration 200`,
      `POST /${TENANT}/oauth2/v2.0/token 200`,
      "GET /v1.0/organization 200",
    ]);
    expect(sim.stats()).toMatchObject({ tokenRequests: 1, graphRequests: 1 });
  });

  it("issues a token to ClientCertificateCredential signing with the registered certificate", async () => {
    const credential = new ClientCertificateCredential(
      TENANT,
      CERT_CLIENT,
      { certificate: `${appCert.cert}\n${appCert.private}` },
      credentialOptions(sim) as never,
    );
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    expect(token.token).toMatch(/^sim\./);
  });

  it("refuses a certificate that is not registered on the app (AADSTS700027)", async () => {
    const credential = new ClientCertificateCredential(
      TENANT,
      CERT_CLIENT,
      { certificate: `${otherCert.cert}\n${otherCert.private}` },
      credentialOptions(sim) as never,
    );
    await expect(credential.getToken("https://graph.microsoft.com/.default")).rejects.toThrow(/AADSTS700027/);
  });

  it("refuses a wrong client secret with 401 invalid_client (AADSTS7000215)", async () => {
    const credential = new ClientSecretCredential(TENANT, CLIENT, "wrong", credentialOptions(sim) as never);
    await expect(credential.getToken("https://graph.microsoft.com/.default")).rejects.toThrow(/AADSTS7000215/);
    expect(sim.requestLog().at(-1)).toMatchObject({ method: "POST", status: 401 });
  });

  it("refuses an unknown tenant (AADSTS90002)", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    // Entra answers discovery for an unknown tenant with 400 invalid_tenant; msal-node reports that as
    // endpoints_resolution_error before it ever posts to the token endpoint, as against the real service.
    const credential = new ClientSecretCredential(unknown, CLIENT, SECRET, credentialOptions(sim) as never);
    await expect(credential.getToken("https://graph.microsoft.com/.default")).rejects.toThrow(
      /endpoints_resolution_error/,
    );
    const response = await createCaFetch(sim.caCertPem)(`${sim.baseUrl}/${unknown}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: CLIENT,
        client_secret: SECRET,
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_tenant", error_codes: [90002] });
  });

  it("refuses a scope without /.default (AADSTS1002012)", async () => {
    const response = await createCaFetch(sim.caCertPem)(`${sim.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: CLIENT,
        client_secret: SECRET,
        scope: "User.Read",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_scope", error_codes: [1002012] });
  });
});
