import { randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  createTestKeyRing,
  findTablesContaining,
  generateTestClientCertificate,
  newTestClientSecret,
  seedGraphTenant,
  seedTenant,
  seedWorkspace,
} from "../../test/factories.js";
import { toSecretKeyConfig } from "../config/config.js";
import { getTenant } from "../inventory/tenants.js";
import { OperatorError } from "../shared/operator-error.js";
import { KeyRing } from "./credential-encryption.js";
import {
  addGraphTenant,
  connectTenantToGraph,
  getGraphConnection,
  loadGraphCredentialMaterial,
  rotateCredentialKeys,
} from "./graph-connections.js";

async function codeOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return error instanceof OperatorError ? error.code : `not an OperatorError: ${String(error)}`;
  }
  return undefined;
}

describe("connectTenantToGraph", () => {
  dbTest("stores the secret only encrypted and switches an export-folder tenant to Graph", async ({ database }) => {
    const keyRing = createTestKeyRing();
    const { workspace } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id, { exportDir: "/srv/exports/contoso" });
    const clientSecret = newTestClientSecret();
    const entraTenantId = randomUUID().toUpperCase();
    const { connection, created } = await connectTenantToGraph(database.db, keyRing, {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      entraTenantId,
      clientId: randomUUID(),
      credential: { kind: "client_secret", clientSecret },
    });
    expect(created).toBe(true);
    expect(connection).toMatchObject({
      entraTenantId: entraTenantId.toLowerCase(),
      credentialKind: "client_secret",
      certificate: null,
      authorityHost: "https://login.microsoftonline.com",
      graphBaseUrl: "https://graph.microsoft.com",
      trustsCustomCa: false,
      lastTest: null,
    });
    expect(JSON.stringify(connection)).not.toContain(clientSecret);
    expect(JSON.stringify(await getGraphConnection(database.db, tenant.id))).not.toContain(clientSecret);
    const stored = await getTenant(database.db, workspace.id, tenant.id);
    expect(stored.evidenceSource).toEqual({ kind: "graph" });
    expect(stored.entraTenantId).toBe(entraTenantId.toLowerCase());
    expect(await findTablesContaining(database, clientSecret)).toEqual([]);

    const material = await loadGraphCredentialMaterial(database.db, keyRing, tenant.id);
    expect(material.credential).toEqual({ kind: "client_secret", clientSecret });
    expect(JSON.stringify(material)).not.toContain(clientSecret);
  });

  dbTest(
    "stores a certificate's private key only encrypted, with SHA-1 and SHA-256 thumbprints",
    async ({ database }) => {
      const keyRing = createTestKeyRing();
      const { workspace } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id);
      const certificate = await generateTestClientCertificate();
      const { connection } = await connectTenantToGraph(database.db, keyRing, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        entraTenantId: randomUUID(),
        clientId: randomUUID(),
        credential: { kind: "client_certificate", certificatePem: certificate.pem },
      });
      const x509 = new X509Certificate(certificate.certPem);
      expect(connection.certificate).toEqual({
        thumbprintSha1: x509.fingerprint.replaceAll(":", ""),
        thumbprintSha256: x509.fingerprint256.replaceAll(":", ""),
        expiresAt: new Date(x509.validTo),
      });
      // The base64 body of the private key (a line of it is enough to recognise it).
      const keyLine = certificate.keyPem.split("\n")[3] ?? "";
      expect(keyLine.length).toBeGreaterThan(40);
      expect(await findTablesContaining(database, keyLine)).toEqual([]);
      const material = await loadGraphCredentialMaterial(database.db, keyRing, tenant.id);
      expect(material.credential.kind === "client_certificate" && material.credential.certificatePem).toContain(
        keyLine,
      );
    },
  );

  dbTest("replacing keeps the stored credential only for the same app registration", async ({ database }) => {
    const keyRing = createTestKeyRing();
    const { workspace } = await seedWorkspace(database);
    const { tenant, connection, clientSecret } = await seedGraphTenant(database, workspace.id, keyRing);
    const same = { workspaceId: workspace.id, tenantId: tenant.id, entraTenantId: connection.entraTenantId };
    const replaced = await connectTenantToGraph(database.db, keyRing, {
      ...same,
      clientId: connection.clientId,
      graphBaseUrl: "https://graph.microsoft.us/",
      authorityHost: "https://login.microsoftonline.us",
    });
    expect(replaced.created).toBe(false);
    expect(replaced.connection.graphBaseUrl).toBe("https://graph.microsoft.us");
    const material = await loadGraphCredentialMaterial(database.db, keyRing, tenant.id);
    expect(material.credential).toEqual({ kind: "client_secret", clientSecret });
    expect(await codeOf(() => connectTenantToGraph(database.db, keyRing, { ...same, clientId: randomUUID() }))).toBe(
      "invalid_input",
    );
  });

  const GUID = "7d1e0b3c-5a5e-4c3a-9a51-2f1f8a0b6c11";
  dbTest.for([
    ["a tenant id that is not a GUID", { entraTenantId: "contoso.onmicrosoft.com" }],
    ["a client id with SQL", { clientId: `${GUID}'; drop table tenants; --` }],
    ["an empty secret", { credential: { kind: "client_secret", clientSecret: "" } }],
    ["a secret with a newline", { credential: { kind: "client_secret", clientSecret: "abcdefgh\nijkl" } }],
    ["a very long secret", { credential: { kind: "client_secret", clientSecret: "x".repeat(5_000) } }],
    ["an unknown credential kind", { credential: { kind: "password", password: "hunter22" } }],
    [
      "a PEM without a key",
      {
        credential: {
          kind: "client_certificate",
          certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        },
      },
    ],
    ["garbage as a certificate", { credential: { kind: "client_certificate", certificatePem: "not a pem" } }],
    ["an http authority host", { authorityHost: "http://login.microsoftonline.com" }],
    ["an authority host with credentials", { authorityHost: "https://user:pw@login.example.com" }],
    ["a Graph URL with a query", { graphBaseUrl: "https://graph.microsoft.com/?x=1" }],
    ["a javascript: URL", { graphBaseUrl: "javascript:alert(1)" }],
    [
      "a CA that is a private key",
      { caCertificatePem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" },
    ],
    ["a number as the client id", { clientId: 42 }],
  ] as const)("refuses %s as invalid_input and stores nothing", async ([_name, bad], { database }) => {
    const keyRing = createTestKeyRing();
    const { workspace } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id);
    const input = {
      workspaceId: workspace.id,
      tenantId: tenant.id,
      entraTenantId: GUID,
      clientId: GUID,
      credential: { kind: "client_secret", clientSecret: newTestClientSecret() },
      ...bad,
    };
    expect(await codeOf(() => connectTenantToGraph(database.db, keyRing, input as never))).toBe("invalid_input");
    expect((await database.pool.query("select 1 from tenant_graph_connections")).rowCount).toBe(0);
    expect((await getTenant(database.db, workspace.id, tenant.id)).evidenceSource?.kind).toBe("export_folder");
  });

  dbTest(
    "refuses a password-protected private key and a key that does not match the certificate",
    async ({ database }) => {
      const keyRing = createTestKeyRing();
      const { workspace } = await seedWorkspace(database);
      const tenant = await seedTenant(database, workspace.id);
      const one = await generateTestClientCertificate("one");
      const two = await generateTestClientCertificate("two");
      const connect = (certificatePem: string) =>
        connectTenantToGraph(database.db, keyRing, {
          workspaceId: workspace.id,
          tenantId: tenant.id,
          entraTenantId: randomUUID(),
          clientId: randomUUID(),
          credential: { kind: "client_certificate", certificatePem },
        });
      expect(await codeOf(() => connect(`${one.keyPem}\n${two.certPem}`))).toBe("invalid_input");
      expect(
        await codeOf(() =>
          connect("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n" + one.certPem),
        ),
      ).toBe("invalid_input");
    },
  );

  dbTest("a tenant of another workspace is not found, and nothing is stored", async ({ database }) => {
    const keyRing = createTestKeyRing();
    const { workspace } = await seedWorkspace(database);
    const { workspace: other } = await seedWorkspace(database);
    const tenant = await seedTenant(database, other.id);
    const code = await codeOf(() =>
      connectTenantToGraph(database.db, keyRing, {
        workspaceId: workspace.id,
        tenantId: tenant.id,
        entraTenantId: randomUUID(),
        clientId: randomUUID(),
        credential: { kind: "client_secret", clientSecret: newTestClientSecret() },
      }),
    );
    expect(code).toBe("not_found");
  });

  dbTest(
    "addGraphTenant adds and connects in one transaction: a bad connection adds no tenant",
    async ({ database }) => {
      const keyRing = createTestKeyRing();
      const { workspace } = await seedWorkspace(database);
      const base = { workspaceId: workspace.id, entraTenantId: randomUUID(), clientId: randomUUID() };
      const bad = await codeOf(() =>
        addGraphTenant(database.db, keyRing, {
          ...base,
          name: "Fabrikam",
          credential: { kind: "client_secret", clientSecret: "short" },
        }),
      );
      expect(bad).toBe("invalid_input");
      expect((await database.pool.query("select 1 from tenants where name = 'Fabrikam'")).rowCount).toBe(0);
      const { tenant } = await addGraphTenant(database.db, keyRing, {
        ...base,
        name: "Fabrikam",
        credential: { kind: "client_secret", clientSecret: newTestClientSecret() },
      });
      expect(tenant.evidenceSource).toEqual({ kind: "graph" });
    },
  );
});

describe("stored credentials", () => {
  dbTest("a ciphertext copied to another tenant's row does not decrypt", async ({ database }) => {
    const keyRing = createTestKeyRing();
    const { workspace } = await seedWorkspace(database);
    const a = await seedGraphTenant(database, workspace.id, keyRing);
    const b = await seedGraphTenant(database, workspace.id, keyRing);
    await database.pool.query(
      `update tenant_graph_connections set encrypted_credential =
        (select encrypted_credential from tenant_graph_connections where tenant_id = $1) where tenant_id = $2`,
      [a.tenant.id, b.tenant.id],
    );
    expect(await codeOf(() => loadGraphCredentialMaterial(database.db, keyRing, b.tenant.id))).toBe(
      "credential_undecryptable",
    );
    expect((await loadGraphCredentialMaterial(database.db, keyRing, a.tenant.id)).credential).toEqual({
      kind: "client_secret",
      clientSecret: a.clientSecret,
    });
  });

  dbTest("loading a tenant without a connection says graph_not_connected", async ({ database }) => {
    const { workspace } = await seedWorkspace(database);
    const tenant = await seedTenant(database, workspace.id);
    expect(await codeOf(() => loadGraphCredentialMaterial(database.db, createTestKeyRing(), tenant.id))).toBe(
      "graph_not_connected",
    );
    expect(await codeOf(() => getGraphConnection(database.db, tenant.id))).toBe("graph_not_connected");
  });
});

describe("rotateCredentialKeys", () => {
  dbTest(
    "re-encrypts every credential with the current key; afterwards the old key can be removed",
    async ({ database }) => {
      const oldKey = toSecretKeyConfig("old", randomBytes(32));
      const newKey = toSecretKeyConfig("new", randomBytes(32));
      const old = new KeyRing([oldKey]);
      const { workspace } = await seedWorkspace(database);
      const seeded = [
        await seedGraphTenant(database, workspace.id, old),
        await seedGraphTenant(database, workspace.id, old),
        await seedGraphTenant(database, workspace.id, old),
      ];
      const certificate = await generateTestClientCertificate();
      const certTenant = await seedTenant(database, workspace.id);
      await connectTenantToGraph(database.db, old, {
        workspaceId: workspace.id,
        tenantId: certTenant.id,
        entraTenantId: randomUUID(),
        clientId: randomUUID(),
        credential: { kind: "client_certificate", certificatePem: certificate.pem },
      });
      // TENANTPILOT_SECRET_KEYS=new:…,old:… — the new key first, the old one still there to decrypt.
      const rotating = new KeyRing([newKey, oldKey]);

      const report = await rotateCredentialKeys(database.db, rotating);
      expect(report).toEqual({ currentKeyId: "new", rotatedCount: 4, previousKeyIds: { old: 4 } });
      const { rows } = await database.pool.query<{ encrypted_credential: string }>(
        "select encrypted_credential from tenant_graph_connections",
      );
      expect(rows.every((row) => row.encrypted_credential.startsWith("tpenc:v1:new:"))).toBe(true);

      const newOnly = new KeyRing([newKey]);
      for (const { tenant, clientSecret } of seeded) {
        expect((await loadGraphCredentialMaterial(database.db, newOnly, tenant.id)).credential).toEqual({
          kind: "client_secret",
          clientSecret,
        });
      }
      const material = await loadGraphCredentialMaterial(database.db, newOnly, certTenant.id);
      expect(material.credential.kind === "client_certificate" && material.credential.certificatePem).toContain(
        certificate.keyPem.trim(),
      );
      // The old ring alone can no longer read them: the old key is really out of use.
      expect(await codeOf(() => loadGraphCredentialMaterial(database.db, old, seeded[0]!.tenant.id))).toBe(
        "credential_key_missing",
      );
      expect((await rotateCredentialKeys(database.db, newOnly)).previousKeyIds).toEqual({ new: 4 });
    },
  );

  dbTest("changes nothing when one credential cannot be decrypted", async ({ database }) => {
    const old = createTestKeyRing("old");
    const { workspace } = await seedWorkspace(database);
    const a = await seedGraphTenant(database, workspace.id, old);
    const b = await seedGraphTenant(database, workspace.id, old);
    await database.pool.query(
      "update tenant_graph_connections set encrypted_credential = replace(encrypted_credential, ':old:', ':gone:') where tenant_id = $1",
      [b.tenant.id],
    );
    const before = await database.pool.query(
      "select tenant_id, encrypted_credential from tenant_graph_connections order by 1",
    );
    const rotating = createTestKeyRing("new", "unrelated");
    expect(await codeOf(() => rotateCredentialKeys(database.db, rotating))).toBe("credential_key_missing");
    const after = await database.pool.query(
      "select tenant_id, encrypted_credential from tenant_graph_connections order by 1",
    );
    expect(after.rows).toEqual(before.rows);
    expect((await loadGraphCredentialMaterial(database.db, old, a.tenant.id)).credential).toEqual({
      kind: "client_secret",
      clientSecret: a.clientSecret,
    });
  });
});
