/**
 * The simulator serving a real export (../shared/corpus, OpenIntuneBaseline v3.7): every readable
 * policy is listed exactly once through the Graph SDK's PageIterator, with its settings and
 * assignments behind the sub-resources. Skipped with a message when the corpus is absent.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
  type PageCollection,
  PageIterator,
} from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readExportFolder } from "../../inventory/export-folder-source.js";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator.js";
import { createCaFetch, type FetchFunction } from "./simulator-fetch.js";

const corpusRoot = path.resolve(import.meta.dirname, "../../..", "../shared/corpus/openintunebaseline");
const snapshot = path.join(corpusRoot, "oib-win-v3.7-75c4825");
const corpusPresent = existsSync(snapshot);
if (!corpusPresent) {
  console.warn(`shared corpus not found at ${snapshot}; Graph simulator corpus tests skipped`);
}

const TENANT = "c0a1b2c3-d4e5-4f60-8a1b-2c3d4e5f6a7b";
const CLIENT = "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6";
const SECRET = "corpus-secret";

class CaFetchHandler implements Middleware {
  readonly #send: FetchFunction;
  constructor(send: FetchFunction) {
    this.#send = send;
  }
  async execute(context: Context): Promise<void> {
    context.response = await this.#send(context.request as string, context.options as RequestInit);
  }
}

let sim: GraphSimulator;
let client: Client;

async function readAll(url: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const first = (await client.api(url).get()) as PageCollection;
  await new PageIterator(client, first, (item: Record<string, unknown>) => {
    items.push(item);
    return true;
  }).iterate();
  return items;
}

describe.skipIf(!corpusPresent)("Graph simulator on the shared corpus", () => {
  beforeAll(async () => {
    sim = await startGraphSimulator({
      pageSize: 10,
      tenants: [
        {
          tenantId: TENANT,
          apps: [
            {
              clientId: CLIENT,
              clientSecret: SECRET,
              permissions: ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"],
            },
          ],
          policies: { exportFolder: snapshot },
        },
      ],
    });
    const send = createCaFetch(sim.caCertPem);
    const tokenResponse = await send(`${sim.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: CLIENT,
        client_secret: SECRET,
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
    const auth = new AuthenticationHandler({ getAccessToken: async () => accessToken });
    auth.setNext(new CaFetchHandler(send));
    client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: sim.baseUrl,
      defaultVersion: "beta",
      customHosts: new Set(["127.0.0.1"]),
    });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it("lists every readable export exactly once across the policy collections", async () => {
    const exported = new Map<string, Record<string, unknown>>();
    for await (const entry of readExportFolder(snapshot)) {
      if (entry.result.ok) exported.set(String(entry.result.raw["id"]), entry.result.raw);
    }
    const collections = [
      "deviceManagement/configurationPolicies",
      "deviceManagement/deviceCompliancePolicies",
      "deviceManagement/deviceConfigurations",
      "deviceManagement/windowsDriverUpdateProfiles",
      "deviceAppManagement/iosManagedAppProtections",
      "deviceAppManagement/androidManagedAppProtections",
    ];
    const listed: string[] = [];
    for (const collection of collections) {
      for (const item of await readAll(`/${collection}`)) listed.push(String(item["id"]));
    }
    expect(listed.sort()).toEqual([...exported.keys()].sort());
    expect(sim.stats().graphRequests).toBeGreaterThan(collections.length); // settings catalog policies span pages
  });

  it("serves each settings catalog policy's settings and assignments as the export holds them", async () => {
    const expected = new Map<string, Record<string, unknown>>();
    for await (const entry of readExportFolder(snapshot)) {
      if (
        entry.result.ok &&
        entry.result.raw["@odata.type"] === "#microsoft.graph.deviceManagementConfigurationPolicy"
      ) {
        expected.set(String(entry.result.raw["id"]), entry.result.raw);
      }
    }
    for (const [id, raw] of expected) {
      const settings = await readAll(`/deviceManagement/configurationPolicies/${id}/settings`);
      expect(settings.map((s) => s["settingInstance"])).toEqual(
        (raw["settings"] as Record<string, unknown>[]).map((s) => s["settingInstance"]),
      );
      const assignments = (await client.api(`/deviceManagement/configurationPolicies/${id}/assignments`).get()) as {
        value: unknown[];
      };
      expect(assignments.value).toHaveLength(Array.isArray(raw["assignments"]) ? raw["assignments"].length : 0);
    }
  });
});
