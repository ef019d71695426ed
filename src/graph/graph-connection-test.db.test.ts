/**
 * "Test connection" end to end: the real @azure/identity credentials sign in at the local Graph
 * simulator's Entra-like token endpoint over HTTPS (its self-signed certificate trusted per
 * connection) and read Graph, and every outcome is an operator sentence with nothing secret logged.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  createTestKeyRing,
  generateTestClientCertificate,
  newTestClientSecret,
  seedGraphTenant,
  seedWorkspace,
} from "../../test/factories.js";
import type { Database } from "../db/database.js";
import { type GraphConnectionTestOutcome, testGraphConnection } from "./graph-connection-test.js";
import { type GraphConnectionInput, getGraphConnection } from "./graph-connections.js";
import { type GraphSimulator, generateSimulatorTls, startGraphSimulator } from "./graph-simulator/graph-simulator.js";

const ENTRA_TENANT = randomUUID();
const APP = { clientId: randomUUID(), clientSecret: newTestClientSecret() };
const APP_WITHOUT_PERMISSION = { clientId: randomUUID(), clientSecret: newTestClientSecret() };
const CERT_APP = { clientId: randomUUID() };
const READ_ALL = ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"];

let sim: GraphSimulator;
let certificate: Awaited<ReturnType<typeof generateTestClientCertificate>>;

beforeAll(async () => {
  certificate = await generateTestClientCertificate();
  sim = await startGraphSimulator({
    tenants: [
      {
        tenantId: ENTRA_TENANT,
        apps: [
          { ...APP, permissions: READ_ALL },
          { ...APP_WITHOUT_PERMISSION, permissions: ["DeviceManagementApps.Read.All"] },
          { clientId: CERT_APP.clientId, certificatePem: certificate.certPem, permissions: READ_ALL },
        ],
        policies: { objects: [] },
      },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

/** A pino logger at debug whose output is kept, to prove nothing secret is logged. */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), text: () => lines.join("") };
}

async function connectAndTest(
  database: Database,
  input: Partial<GraphConnectionInput>,
): Promise<{ outcome: GraphConnectionTestOutcome; logs: string; tenantId: string; secret: string }> {
  const keyRing = createTestKeyRing();
  const { workspace } = await seedWorkspace(database);
  const { tenant, clientSecret } = await seedGraphTenant(database, workspace.id, keyRing, {
    entraTenantId: ENTRA_TENANT,
    clientId: APP.clientId,
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.baseUrl,
    caCertificatePem: sim.caCertPem,
    ...input,
  });
  const { logger, text } = captureLogs();
  const outcome = await testGraphConnection({ db: database.db, keyRing, logger, now: () => new Date() }, tenant.id);
  const credential = input.credential;
  const secret = credential?.kind === "client_secret" ? credential.clientSecret : clientSecret;
  return { outcome, logs: text(), tenantId: tenant.id, secret };
}

describe("testGraphConnection against the local Graph simulator", () => {
  dbTest("ok: a client secret with the permission signs in and reads; the result is stored", async ({ database }) => {
    const { outcome, tenantId, logs, secret } = await connectAndTest(database, {
      credential: { kind: "client_secret", clientSecret: APP.clientSecret },
    });
    expect(outcome).toMatchObject({ result: "ok", ok: true });
    const connection = await getGraphConnection(database.db, tenantId);
    expect(connection.lastTest).toMatchObject({ result: "ok", message: outcome.message });
    expect(logs).not.toContain(secret);
  });

  dbTest("ok: a certificate signs in (PEM in memory, client assertion)", async ({ database }) => {
    const { outcome, logs } = await connectAndTest(database, {
      clientId: CERT_APP.clientId,
      credential: { kind: "client_certificate", certificatePem: certificate.pem },
    });
    expect(outcome.result).toBe("ok");
    expect(logs).not.toContain(certificate.keyPem.split("\n")[3]);
  });

  dbTest("a wrong client secret says so, and the wrong secret is not logged", async ({ database }) => {
    const { outcome, logs, secret } = await connectAndTest(database, {
      credential: { kind: "client_secret", clientSecret: newTestClientSecret() },
    });
    expect(outcome.result).toBe("invalid_client_secret");
    expect(outcome.message).toBe("The client secret is not valid or has expired.");
    expect(logs).toContain("AADSTS"); // the raw detail is in the debug log…
    expect(logs).not.toContain(secret); // …without the secret
    expect(logs).not.toContain(APP.clientSecret);
  });

  dbTest("a missing Graph permission names it", async ({ database }) => {
    const { outcome } = await connectAndTest(database, {
      clientId: APP_WITHOUT_PERMISSION.clientId,
      credential: { kind: "client_secret", clientSecret: APP_WITHOUT_PERMISSION.clientSecret },
    });
    expect(outcome.result).toBe("missing_permission");
    expect(outcome.message).toContain("DeviceManagementConfiguration.Read.All");
  });

  dbTest("a certificate the app registration does not have is refused", async ({ database }) => {
    const other = await generateTestClientCertificate("someone else");
    const { outcome } = await connectAndTest(database, {
      clientId: CERT_APP.clientId,
      credential: { kind: "client_certificate", certificatePem: other.pem },
    });
    expect(outcome.result).toBe("invalid_certificate");
  });

  dbTest("an unknown Entra tenant and an unknown app registration are told apart", async ({ database }) => {
    const unknownTenant = await connectAndTest(database, {
      entraTenantId: randomUUID(),
      credential: { kind: "client_secret", clientSecret: APP.clientSecret },
    });
    expect(unknownTenant.outcome.result).toBe("entra_tenant_not_found");
    const unknownApp = await connectAndTest(database, {
      clientId: randomUUID(),
      credential: { kind: "client_secret", clientSecret: APP.clientSecret },
    });
    expect(unknownApp.outcome.result).toBe("app_not_found");
  });

  dbTest(
    "without the simulator's CA the sign-in endpoint's certificate is untrusted, not unreachable",
    async ({ database }) => {
      const { outcome } = await connectAndTest(database, {
        caCertificatePem: "",
        credential: { kind: "client_secret", clientSecret: APP.clientSecret },
      });
      expect(outcome.result).toBe("tls_untrusted");
      expect(outcome.message).toBe(
        "The sign-in endpoint's TLS certificate is not trusted by this server. Add its CA certificate to the connection.",
      );
      expect(outcome.message).not.toMatch(/127\.0\.0\.1|ECONN|SELF_SIGNED/i);
    },
  );

  dbTest("an expired certificate on the sign-in endpoint is untrusted, even with its CA", async ({ database }) => {
    const expired = await startGraphSimulator({
      tenants: [{ tenantId: ENTRA_TENANT, apps: [{ ...APP, permissions: READ_ALL }], policies: { objects: [] } }],
      // Valid from 31 days and 1 hour ago for 30 days: expired an hour ago.
      tls: await generateSimulatorTls(new Date(Date.now() - 31 * 24 * 60 * 60 * 1000)),
    });
    try {
      const { outcome } = await connectAndTest(database, {
        authorityHost: expired.authorityHost,
        graphBaseUrl: expired.baseUrl,
        caCertificatePem: expired.caCertPem,
        credential: { kind: "client_secret", clientSecret: APP.clientSecret },
      });
      expect(outcome.result).toBe("tls_untrusted");
    } finally {
      await expired.close();
    }
  });

  dbTest(
    "a Graph endpoint whose certificate is not trusted is named as such after a good sign-in",
    async ({ database }) => {
      // A second simulator has its own self-signed certificate, which the connection's CA does not cover.
      const otherGraph = await startGraphSimulator({
        tenants: [{ tenantId: ENTRA_TENANT, apps: [{ ...APP, permissions: READ_ALL }], policies: { objects: [] } }],
      });
      try {
        const { outcome } = await connectAndTest(database, {
          graphBaseUrl: otherGraph.baseUrl,
          credential: { kind: "client_secret", clientSecret: APP.clientSecret },
        });
        expect(outcome.result).toBe("graph_tls_untrusted");
        expect(outcome.message).toBe(
          "Microsoft Graph's TLS certificate is not trusted by this server. Add its CA certificate to the connection.",
        );
      } finally {
        await otherGraph.close();
      }
    },
  );

  dbTest("a Graph server error reads as busy, never as raw transport text", async ({ database }) => {
    sim.injectFaults([
      { match: { pathPattern: "/beta/deviceManagement/deviceConfigurations" }, response: { status: 503 } },
    ]);
    const { outcome } = await connectAndTest(database, {
      credential: { kind: "client_secret", clientSecret: APP.clientSecret },
    });
    sim.clearFaults();
    expect(outcome.result).toBe("graph_busy");
  });

  dbTest("a closed port is unreachable", async ({ database }) => {
    const { outcome } = await connectAndTest(database, {
      authorityHost: "https://127.0.0.1:9",
      graphBaseUrl: "https://127.0.0.1:9",
      credential: { kind: "client_secret", clientSecret: APP.clientSecret },
    });
    expect(outcome.result).toBe("identity_unreachable");
  });
});
