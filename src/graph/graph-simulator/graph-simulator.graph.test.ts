import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
  type PageCollection,
  PageIterator,
  RetryHandler,
  RetryHandlerOptions,
} from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSampleBaseline, writeExportFolder } from "../../inventory/sample-tenant-generator.js";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator.js";
import { createCaFetch, type FetchFunction } from "./simulator-fetch.js";

const TENANT = "11111111-2222-4333-8444-555555555555";
const CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const SECRET = "graph-test-secret";
const APPS_ONLY_CLIENT = "99999999-8888-4777-8666-555555555555";

let tmpRoot = "";
let sim: GraphSimulator;
let simFetch: FetchFunction;
let token = "";
let policyCount = 0;

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

function graphClient(s: GraphSimulator, accessToken: string, retries = 0): Client {
  const auth = new AuthenticationHandler({ getAccessToken: async () => accessToken });
  const retry = new RetryHandler(new RetryHandlerOptions(0, retries));
  auth.setNext(retry);
  retry.setNext(new CaFetchHandler(createCaFetch(s.caCertPem)));
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: s.baseUrl,
    defaultVersion: "beta",
    customHosts: new Set(["127.0.0.1"]),
  });
}

async function getToken(clientId = CLIENT): Promise<string> {
  const response = await simFetch(`${sim.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: SECRET,
      scope: "https://graph.microsoft.com/.default",
    }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

async function readAll(client: Client, url: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const first = (await client.api(url).get()) as PageCollection;
  await new PageIterator(client, first, (item: Record<string, unknown>) => {
    items.push(item);
    return true;
  }).iterate();
  return items;
}

beforeAll(async () => {
  tmpRoot = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-graph-sim-"));
  const baseline = generateSampleBaseline(42);
  const written = await writeExportFolder(path.join(tmpRoot, "tenant"), baseline, {
    encoding: "mixed",
    malformedFiles: 1,
  });
  policyCount = written.policyFiles.length;
  sim = await startGraphSimulator({
    pageSize: 7,
    tenants: [
      {
        tenantId: TENANT,
        apps: [
          {
            clientId: CLIENT,
            clientSecret: SECRET,
            permissions: ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"],
          },
          { clientId: APPS_ONLY_CLIENT, clientSecret: SECRET, permissions: ["DeviceManagementApps.Read.All"] },
        ],
        policies: { exportFolder: path.join(tmpRoot, "tenant") },
      },
    ],
  });
  simFetch = createCaFetch(sim.caCertPem);
  token = await getToken();
});

afterAll(async () => {
  await sim?.close();
  if (tmpRoot !== "") await rm(tmpRoot, { recursive: true, force: true });
});

describe("Graph collections", () => {
  it("serves every policy of the export folder exactly once across pages", async () => {
    const client = graphClient(sim, token);
    const served = sim.servedPolicies(TENANT);
    expect(served).toHaveLength(policyCount);
    expect(sim.skippedFiles(TENANT)).toHaveLength(1);
    const collections = [...new Set(served.map((p) => p.collections[0]))];
    const seen: string[] = [];
    for (const collection of collections) {
      sim.resetStats();
      const items = await readAll(client, `/${collection}`);
      const expected = served.filter((p) => p.collections[0] === collection);
      expect(items.map((i) => i["id"]).sort()).toEqual(expected.map((p) => p.id).sort());
      expect(sim.stats().graphRequests).toBe(Math.max(1, Math.ceil(expected.length / 7)));
      for (const item of items) {
        expect(item).not.toHaveProperty("settings");
        expect(item).not.toHaveProperty("assignments");
        seen.push(String(item["id"]));
      }
    }
    expect(seen).toHaveLength(policyCount);
    expect(new Set(seen).size).toBe(policyCount);
  });
});
