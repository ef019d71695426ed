/**
 * The Graph connection page and API against the local Graph simulator: connect with a secret or a
 * certificate, test it over htmx and JSON, and the secret never comes back — not in pages, API
 * answers, logs (captured at debug) or the database.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import {
  createTestKeyRing,
  createTestRunService,
  findTablesContaining,
  generateTestClientCertificate,
  newTestClientSecret,
  seedTenant,
} from "../../test/factories.js";
import { ORIGIN, signInAs } from "../../test/web-fixture.js";
import type { Database } from "../db/database.js";
import { tenants } from "../db/schema.js";
import { type GraphSimulator, startGraphSimulator } from "../graph/graph-simulator/graph-simulator.js";
import { createApp } from "./app.js";

const WORKSPACE = { name: "Contoso MSP", slug: "contoso-graph" };
const ENTRA_TENANT = randomUUID();
const APP = { clientId: randomUUID(), clientSecret: newTestClientSecret() };
const CERT_APP = { clientId: randomUUID() };
let certificate: Awaited<ReturnType<typeof generateTestClientCertificate>>;
let sim: GraphSimulator;

beforeAll(async () => {
  certificate = await generateTestClientCertificate();
  sim = await startGraphSimulator({
    tenants: [
      {
        tenantId: ENTRA_TENANT,
        apps: [
          { ...APP, permissions: ["DeviceManagementConfiguration.Read.All"] },
          { clientId: CERT_APP.clientId, certificatePem: certificate.certPem, permissions: [] },
        ],
        policies: { objects: [] },
      },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

/** The app with a key ring and a debug logger whose output is kept. */
async function world(database: Database) {
  const lines: string[] = [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const { runs } = createTestRunService(database);
  const app = createApp({
    db: database.db,
    runs,
    logger,
    now: () => new Date(),
    runMaxAttempts: 3,
    staleAfterMs: 300_000,
    keyRing: createTestKeyRing(),
  });
  const manager = await signInAs(database, app, WORKSPACE, "manager");
  const operator = await signInAs(database, app, WORKSPACE, "operator");
  const workspaceId = String(
    (await database.pool.query("select id from workspaces where slug = $1", [WORKSPACE.slug])).rows[0]?.id,
  );
  const tenant = await seedTenant(database, workspaceId, { name: "Fabrikam", exportDir: "/srv/exports/fabrikam" });
  const page = `/w/${WORKSPACE.slug}/tenants/${tenant.id}/graph-connection`;
  const api = `/api/v1/tenants/${tenant.id}/graph-connection`;
  /** A POST with the manager's cookie, Origin and CSRF header, plus `body` (FormData) if given. */
  const postAsManager = (url: string, headers: Record<string, string> = {}, body?: FormData) =>
    app.request(`${ORIGIN}${url}`, {
      method: "POST",
      headers: { cookie: manager.cookie, origin: ORIGIN, "x-csrf-token": manager.csrf, ...headers },
      ...(body ? { body } : {}),
    });
  return { app, manager, operator, tenant, page, api, postAsManager, logs: () => lines.join("") };
}

const simulatorFields = () => ({
  entraTenantId: ENTRA_TENANT,
  clientId: APP.clientId,
  authorityHost: sim.authorityHost,
  graphBaseUrl: sim.baseUrl,
  caCertificatePem: sim.caCertPem,
});

/** The inner HTML of the page's `#test-result` region (what the htmx test answer replaces). */
function testResultRegion(html: string): string {
  const start = html.indexOf('<div id="test-result"');
  expect(start).toBeGreaterThanOrEqual(0);
  const open = html.indexOf(">", start) + 1;
  let depth = 1;
  const tags = /<(\/?)div\b[^>]*>/g;
  tags.lastIndex = open;
  for (let match = tags.exec(html); match !== null; match = tags.exec(html)) {
    depth += match[1] === "/" ? -1 : 1;
    if (depth === 0) return html.slice(open, match.index);
  }
  throw new Error("#test-result is not closed");
}

describe("Connect with an app registration (web)", () => {
  dbTest("saves a secret, never renders it back, and tests the connection over htmx", async ({ database }) => {
    const { manager, tenant, page, postAsManager, logs } = await world(database);
    const shell = await (await manager.get(`/w/${WORKSPACE.slug}/tenants/${tenant.id}`)).text();
    expect(shell).toContain("Connect with an app registration");

    const empty = await manager.get(page);
    expect(empty.status).toBe(200);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain("DeviceManagementConfiguration.Read.All");
    expect(emptyHtml).toContain("DeviceManagementApps.Read.All");
    expect(emptyHtml).toContain("saving a connection switches it to Microsoft Graph");

    const saved = await manager.post(page, {
      _csrf: manager.csrf,
      ...simulatorFields(),
      credentialKind: "client_secret",
      clientSecret: APP.clientSecret,
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`${page}?saved=1`);
    const html = await (await manager.get(`${page}?saved=1`)).text();
    expect(html).toContain("Connection saved. It has not been tested yet");
    expect(html).toContain("A client secret is stored; enter a new one to replace it.");
    expect(html).not.toContain(APP.clientSecret);

    const tested = await manager.get(page); // warm: the page has the Test connection form
    expect(await tested.text()).toContain("Test connection");
    const fragment = await postAsManager(`${page}/test`, { "hx-request": "true" });
    expect(fragment.status).toBe(200);
    const fragmentHtml = await fragment.text();
    expect(fragmentHtml).toContain("Connected: the app registration signed in and read Intune device configurations.");
    expect(fragmentHtml).toContain('data-ok="true"');
    expect(await (await manager.get(page)).text()).toContain('data-ok="true"');
    // The "not tested yet" note sits in the region the htmx answer replaces, so it goes when the
    // result arrives instead of standing next to "Connection works".
    expect(html).toContain('hx-target="#test-result"');
    expect(testResultRegion(html)).toContain("Connection saved. It has not been tested yet");
    expect(html.match(/It has not been tested yet/g)).toHaveLength(1);

    // A wrong secret is saved all the same; the test result says so instead of "Connection failed".
    const wrong = await manager.post(page, {
      _csrf: manager.csrf,
      ...simulatorFields(),
      credentialKind: "client_secret",
      clientSecret: newTestClientSecret(),
    });
    expect(wrong.status).toBe(303);
    const failedHtml = await (await postAsManager(`${page}/test`, { "hx-request": "true" })).text();
    expect(failedHtml).toContain('data-ok="false"');
    expect(failedHtml).toContain("Saved, but the connection test failed");
    expect(failedHtml).toContain("The client secret is not valid or has expired.");
    expect(failedHtml).toContain("The tenant cannot be read until this is fixed.");

    expect(logs()).not.toContain(APP.clientSecret);
    expect(await findTablesContaining(database, APP.clientSecret)).toEqual([]);
  });

  dbTest("an untrusted certificate points to the form's CA certificate field, not a CLI flag", async ({ database }) => {
    const { manager, page, postAsManager } = await world(database);
    const saved = await manager.post(page, {
      _csrf: manager.csrf,
      ...simulatorFields(),
      caCertificatePem: "",
      credentialKind: "client_secret",
      clientSecret: APP.clientSecret,
    });
    expect(saved.status).toBe(303);
    const fragment = await (await postAsManager(`${page}/test`, { "hx-request": "true" })).text();
    expect(fragment).toContain(
      "The sign-in endpoint&#39;s TLS certificate is not trusted by this server. Add its CA certificate to the connection. Paste it under Advanced settings: CA certificate.",
    );
    expect(fragment).not.toContain("--ca-file");
    expect(await (await manager.get(page)).text()).not.toContain("--ca-file");
  });

  dbTest(
    "refuses a bad form with a sentence naming the field, echoing neither the secret nor a 500",
    async ({ database }) => {
      const { manager, page } = await world(database);
      const secret = newTestClientSecret();
      const response = await manager.post(page, {
        _csrf: manager.csrf,
        ...simulatorFields(),
        entraTenantId: "contoso.onmicrosoft.com",
        credentialKind: "client_secret",
        clientSecret: secret,
      });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("The Entra tenant id must be a GUID");
      expect(html).not.toContain(secret);
      expect(html).toContain('value="contoso.onmicrosoft.com"'); // the non-secret fields are kept
    },
  );

  dbTest(
    "uploads a certificate file and shows its thumbprints; a missing permission is named",
    async ({ database }) => {
      const { manager, page, postAsManager } = await world(database);
      const form = new FormData();
      for (const [key, value] of Object.entries({ ...simulatorFields(), clientId: CERT_APP.clientId })) {
        form.set(key, value);
      }
      form.set("_csrf", manager.csrf);
      form.set("credentialKind", "client_certificate");
      form.set("certificateFile", new File([certificate.pem], "app.pem", { type: "application/x-pem-file" }));
      const saved = await postAsManager(page, {}, form);
      expect(saved.status).toBe(303);
      const html = await (await manager.get(page)).text();
      const { X509Certificate } = await import("node:crypto");
      expect(html).toContain(new X509Certificate(certificate.certPem).fingerprint.replaceAll(":", ""));
      expect(html).toContain("A certificate is stored; upload a new one to replace it.");
      expect(html).not.toContain(certificate.keyPem.split("\n")[3]);
      const fragment = await postAsManager(`${page}/test`, { "hx-request": "true" });
      expect(await fragment.text()).toContain("The app registration lacks DeviceManagementConfiguration.Read.All.");
    },
  );
});

describe("the tenant page's evidence source summary and links", () => {
  dbTest(
    "says export folder, Graph not connected, or Graph with its app and last test; the connection link is named for what it does",
    async ({ database }) => {
      const { manager, operator, tenant, api } = await world(database);
      const shell = `/w/${WORKSPACE.slug}/tenants/${tenant.id}`;
      const summary = async (as: typeof manager) => {
        const html = await (await as.get(shell)).text();
        return { html, source: /<dd data-evidence-source[^>]*>(.*?)<\/dd>/s.exec(html)?.[1] ?? "" };
      };

      const exportFolder = await summary(manager);
      expect(exportFolder.source).toBe("Export folder");
      expect(exportFolder.html).not.toContain("/srv/exports/fabrikam"); // the path is not the operator's business here
      expect(exportFolder.html).toContain(`href="/w/${WORKSPACE.slug}/findings?tenant=${tenant.id}"`);
      expect(exportFolder.html).toContain(`href="${shell}/reviews"`);
      expect(exportFolder.html).toContain(`href="/w/${WORKSPACE.slug}/baselines"`);
      expect(exportFolder.html).toMatch(/data-graph-connection-link[^>]*>Connect with an app registration</);
      expect((await summary(operator)).html).not.toContain("data-graph-connection-link"); // no tenants.manage

      await database.db
        .update(tenants)
        .set({ evidenceSource: { kind: "graph" } })
        .where(eq(tenants.id, tenant.id));
      const unconnected = await summary(manager);
      expect(unconnected.source).toBe("Microsoft Graph · not connected");
      expect(unconnected.html).toMatch(/data-graph-connection-link[^>]*>Connect with an app registration</);

      expect((await manager.send("PUT", api, { ...simulatorFields(), clientSecret: APP.clientSecret })).status).toBe(
        201,
      );
      expect((await summary(manager)).source).toContain("not tested yet");
      await manager.send("POST", `${api}/test`, {});
      const connected = await summary(manager);
      expect(connected.source).toMatch(
        new RegExp(
          `^Microsoft Graph · app <code>${APP.clientId}</code> · last test passed <time datetime="[^"]+">.+ UTC</time>$`,
        ),
      );
      expect(connected.html).toMatch(/data-graph-connection-link[^>]*>Microsoft Graph connection</);
      expect(connected.html).not.toContain(APP.clientSecret);
    },
  );
});

describe("/api/v1/tenants/{id}/graph-connection", () => {
  dbTest(
    "PUT stores a write-only secret, GET and test answer without it; an operator gets 403",
    async ({ database }) => {
      const { manager, operator, api, logs } = await world(database);
      expect((await manager.get(api)).status).toBe(409); // not connected yet
      const put = await manager.send("PUT", api, { ...simulatorFields(), clientSecret: APP.clientSecret });
      expect(put.status).toBe(201);
      const putText = await put.text();
      expect(putText).not.toContain(APP.clientSecret);
      expect(JSON.parse(putText)).toMatchObject({
        connection: { credentialKind: "client_secret", trustsCustomCa: true, lastTest: null },
      });
      const again = await manager.send("PUT", api, { ...simulatorFields() }); // no secret: the stored one is kept
      expect(again.status).toBe(200);

      const test = await manager.send("POST", `${api}/test`, {});
      expect(await test.json()).toMatchObject({ test: { result: "ok", ok: true } });
      const got = await manager.get(api);
      const gotText = await got.text();
      expect(gotText).not.toContain(APP.clientSecret);
      expect(JSON.parse(gotText)).toMatchObject({ connection: { lastTest: { result: "ok" } } });

      const both = await manager.send("PUT", api, {
        ...simulatorFields(),
        clientSecret: APP.clientSecret,
        certificatePem: certificate.pem,
      });
      expect(both.status).toBe(400);
      const bothText = await both.text();
      expect(bothText).not.toContain(APP.clientSecret);

      // Field-specific detail, the same sentence the CLI prints, on the field the body named.
      const badTenantId = await manager.send("PUT", api, { ...simulatorFields(), entraTenantId: "x" });
      expect(badTenantId.status).toBe(400);
      expect(await badTenantId.json()).toEqual({
        error: {
          code: "invalid_input",
          message: "The request is not valid. Check the values and try again.",
          issues: [
            {
              path: "body.entraTenantId",
              message: "The Entra tenant id must be a GUID like 00000000-0000-0000-0000-000000000000.",
            },
          ],
        },
      });
      const badCa = await manager.send("PUT", api, { ...simulatorFields(), caCertificatePem: "not a pem" });
      expect(badCa.status).toBe(400);
      expect(await badCa.json()).toMatchObject({
        error: {
          issues: [
            {
              path: "body.caCertificatePem",
              message: "The CA certificate must be one or more PEM certificates (no keys).",
            },
          ],
        },
      });

      const unknownField = await manager.send("PUT", api, { ...simulatorFields(), password: "x" });
      expect(unknownField.status).toBe(400);

      expect(
        (await operator.send("PUT", api, { ...simulatorFields(), clientSecret: "operator-secret-1" })).status,
      ).toBe(403);
      expect((await operator.get(api)).status).toBe(403);
      expect(logs()).not.toContain(APP.clientSecret);
      expect(await findTablesContaining(database, APP.clientSecret)).toEqual([]);
    },
  );
});
