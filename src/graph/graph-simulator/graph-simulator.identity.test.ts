import { Agent } from "node:https";
import { ClientCertificateCredential, ClientSecretCredential } from "@azure/identity";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator.js";

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
  it("issues a token to ClientSecretCredential", async () => {
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, credentialOptions(sim) as never);
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    expect(token.token).toMatch(/^sim\./);
  });
  it("issues a token to ClientCertificateCredential", async () => {
    const credential = new ClientCertificateCredential(
      TENANT,
      CERT_CLIENT,
      { certificate: `${appCert.cert}\n${appCert.private}` },
      credentialOptions(sim) as never,
    );
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    expect(token.token).toMatch(/^sim\./);
  });
});
