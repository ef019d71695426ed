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

async function rawGet(pathAndQuery: string, accessToken: string | null = token): Promise<Response> {
  return simFetch(`${sim.baseUrl}${pathAndQuery}`, {
    headers: accessToken === null ? {} : { authorization: `Bearer ${accessToken}` },
  });
}

async function batch(requests: unknown[]): Promise<Response> {
  return simFetch(`${sim.baseUrl}/beta/$batch`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ requests }),
  });
}

type BatchBody = { responses: { id: string; status: number; headers: Record<string, string>; body: unknown }[] };

function settingsCatalogPolicy(): { id: string; settings: number } {
  const policy = sim
    .servedPolicies(TENANT)
    .find((p) => p.kind === "deviceManagementConfigurationPolicy" && (p.navigationCounts["settings"] ?? 0) > 7);
  if (policy === undefined)
    throw new Error("the sample baseline has no settings catalog policy with more than 7 settings");
  return { id: policy.id, settings: policy.navigationCounts["settings"] ?? 0 };
}

describe("navigation properties and query options", () => {
  it("pages a settings catalog policy's settings and expands them inline", async () => {
    const client = graphClient(sim, token);
    const { id, settings } = settingsCatalogPolicy();
    const paged = await readAll(client, `/deviceManagement/configurationPolicies/${id}/settings`);
    expect(paged).toHaveLength(settings);
    expect(paged[0]).toHaveProperty("settingInstance");
    const expanded = (await client.api(`/deviceManagement/configurationPolicies/${id}`).expand("settings").get()) as {
      settings: unknown[];
    };
    expect(expanded.settings).toHaveLength(settings);
    const listExpanded = (await client.api("/deviceManagement/configurationPolicies").expand("settings").get()) as {
      value: { settings?: unknown[] }[];
    };
    expect(listExpanded.value.every((p) => Array.isArray(p.settings))).toBe(true);
  });

  it("serves assignments from the sub-resource, empty when the export had none", async () => {
    const client = graphClient(sim, token);
    for (const policy of sim.servedPolicies(TENANT).slice(0, 5)) {
      const collection = policy.collections[0];
      const body = (await client.api(`/${collection}/${policy.id}/assignments`).get()) as { value: unknown[] };
      expect(body.value).toHaveLength(policy.navigationCounts["assignments"] ?? 0);
    }
  });

  it("honours $top and $count and keeps other query options in an absolute nextLink", async () => {
    const response = await rawGet("/beta/deviceManagement/configurationPolicies?$top=3&$count=true&$select=name");
    const body = (await response.json()) as Record<string, unknown> & { value: Record<string, unknown>[] };
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body["@odata.context"]).toBe(`${sim.baseUrl}/beta/$metadata#deviceManagement/configurationPolicies`);
    expect(body["@odata.count"]).toBe(
      sim.servedPolicies(TENANT).filter((p) => p.kind === "deviceManagementConfigurationPolicy").length,
    );
    expect(body.value).toHaveLength(3);
    expect(Object.keys(body.value[0] ?? {}).sort()).toEqual(["@odata.type", "id", "name"]);
    const nextLink = String(body["@odata.nextLink"]);
    expect(nextLink.startsWith(`${sim.baseUrl}/beta/deviceManagement/configurationPolicies?`)).toBe(true);
    expect(nextLink).toContain("$top=3");
    expect(nextLink).toContain("$select=name");
    expect(nextLink).toContain("$skiptoken=");
  });

  it("answers beta-only collections on v1.0 with Graph's 400", async () => {
    const response = await rawGet("/v1.0/deviceManagement/configurationPolicies");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "BadRequest", message: "Resource not found for the segment 'configurationPolicies'." },
    });
    expect((await rawGet("/v1.0/deviceManagement/deviceCompliancePolicies")).status).toBe(200);
  });
});

describe("authorization", () => {
  it("answers 401 InvalidAuthenticationToken without a bearer token or with an unknown one", async () => {
    const missing = await rawGet("/beta/deviceManagement/deviceConfigurations", null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await missing.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken" } });
    expect((await rawGet("/beta/deviceManagement/deviceConfigurations", "not-a-token")).status).toBe(401);
  });

  it("answers 403 Forbidden with Graph's error shape when the app lacks the permission", async () => {
    const appsOnly = await getToken(APPS_ONLY_CLIENT);
    const response = await rawGet("/beta/deviceManagement/configurationPolicies", appsOnly);
    expect(response.status).toBe(403);
    const body = (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe("Forbidden");
    expect(body.error.message).toContain("DeviceManagementConfiguration.Read.All");
    expect(Object.keys(body.error.innerError).sort()).toEqual(["client-request-id", "date", "request-id"]);
    expect((await rawGet("/beta/deviceAppManagement/iosManagedAppProtections", appsOnly)).status).toBe(200);
  });

  it("answers 401 once tokens expire", async () => {
    const own = await getToken();
    sim.expireAccessTokens();
    const response = await rawGet("/beta/deviceManagement/deviceConfigurations", own);
    expect(response.status).toBe(401);
    token = await getToken();
  });
});

describe("$batch", () => {
  it("answers each item with its own status, headers and body, and a 429 only in the faulted item", async () => {
    const { id } = settingsCatalogPolicy();
    sim.injectFaults([
      {
        match: { pathPattern: `/configurationPolicies/${id}/settings`, batchItem: true },
        response: { status: 429, retryAfterSeconds: 7 },
      },
      { match: { pathPattern: "/deviceCompliancePolicies", batchItem: true }, response: { status: 503 } },
    ]);
    const response = await batch([
      { id: "1", method: "GET", url: `/deviceManagement/configurationPolicies/${id}/settings` },
      { id: "2", method: "GET", url: "/deviceManagement/deviceCompliancePolicies" },
      { id: "3", method: "GET", url: "deviceManagement/deviceConfigurations?$top=2" },
      { id: "4", method: "GET", url: `/deviceManagement/configurationPolicies/${id}/assignments`, dependsOn: ["3"] },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as BatchBody;
    const byId = new Map(body.responses.map((r) => [r.id, r]));
    expect(byId.get("1")?.status).toBe(429);
    expect(byId.get("1")?.headers["Retry-After"]).toBe("7");
    expect(byId.get("1")?.body).toMatchObject({ error: { code: "TooManyRequests" } });
    expect(byId.get("2")?.status).toBe(503);
    expect(byId.get("3")?.status).toBe(200);
    const third = byId.get("3")?.body as { value: unknown[]; "@odata.nextLink": string };
    expect(third.value).toHaveLength(2);
    expect(third["@odata.nextLink"]).toMatch(
      new RegExp(`^${sim.baseUrl.replaceAll(".", "\\.")}/beta/deviceManagement/deviceConfigurations\\?`),
    );
    expect(byId.get("4")?.status).toBe(200);
    expect(sim.pendingFaults()).toHaveLength(0);
  });

  it("fails a dependent item with 424 when its dependency failed", async () => {
    sim.injectFaults([{ match: { pathPattern: "/deviceConfigurations", batchItem: true }, response: { status: 500 } }]);
    const body = (await (
      await batch([
        { id: "a", method: "GET", url: "/deviceManagement/deviceConfigurations" },
        { id: "b", method: "GET", url: "/deviceManagement/deviceCompliancePolicies", dependsOn: ["a"] },
      ])
    ).json()) as BatchBody;
    expect(body.responses.map((r) => r.status)).toEqual([500, 424]);
  });

  it("sends a malformed item body as truncated JSON text, and a reset item drops the whole connection", async () => {
    sim.injectFaults([
      { match: { pathPattern: "/deviceConfigurations", batchItem: true }, response: { kind: "malformed" } },
    ]);
    const body = (await (
      await batch([{ id: "1", method: "GET", url: "/deviceManagement/deviceConfigurations" }])
    ).json()) as BatchBody;
    expect(body.responses[0]?.status).toBe(200);
    expect(typeof body.responses[0]?.body).toBe("string");
    expect(() => JSON.parse(String(body.responses[0]?.body))).toThrow();
    sim.injectFaults([
      { match: { pathPattern: "/deviceConfigurations", batchItem: true }, response: { kind: "reset" } },
    ]);
    await expect(batch([{ id: "1", method: "GET", url: "/deviceManagement/deviceConfigurations" }])).rejects.toThrow(
      /fetch failed/,
    );
  });

  it("rejects more than 20 requests with 400", async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/organization" }));
    const response = await batch(requests);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "BadRequest" } });
  });

  it("counts the envelope and its items in the stats", async () => {
    sim.resetStats();
    await batch([
      { id: "1", method: "GET", url: "/deviceManagement/deviceConfigurations" },
      { id: "2", method: "GET", url: "/deviceManagement/deviceCompliancePolicies" },
    ]);
    const stats = sim.stats();
    expect(stats).toMatchObject({ requests: 1, graphRequests: 1, batchRequests: 1, batchItems: 2 });
    expect(stats.byTenant[TENANT]).toMatchObject({ requests: 1, batchItems: 2 });
    expect(stats.byPath["GET /beta/deviceManagement/deviceConfigurations"]).toBe(1);
    expect(sim.requestLog().filter((e) => e.batchItem)).toHaveLength(2);
  });
});

describe("fault injection", () => {
  it("throttles with 429 and Retry-After, or without it, then answers normally", async () => {
    sim.injectFaults([
      { match: { pathPattern: "/deviceConfigurations", times: 1 }, response: { status: 429, retryAfterSeconds: 3 } },
      { match: { pathPattern: "/deviceConfigurations", times: 1 }, response: { status: 429 } },
    ]);
    const first = await rawGet("/beta/deviceManagement/deviceConfigurations");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    expect(await first.json()).toMatchObject({ error: { code: "TooManyRequests" } });
    const second = await rawGet("/beta/deviceManagement/deviceConfigurations");
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
    expect((await rawGet("/beta/deviceManagement/deviceConfigurations")).status).toBe(200);
  });

  it("lets the SDK's RetryHandler recover from a 429", async () => {
    sim.injectFaults([
      { match: { pathPattern: "/deviceCompliancePolicies" }, response: { status: 429, retryAfterSeconds: 0 } },
    ]);
    sim.resetStats();
    const body = (await graphClient(sim, token, 2).api("/deviceManagement/deviceCompliancePolicies").get()) as {
      value: unknown[];
    };
    expect(body.value.length).toBeGreaterThan(0);
    expect(sim.requestLog().map((e) => e.status)).toEqual([429, 200]);
  });

  it("answers 503 ServiceUnavailable", async () => {
    sim.injectFaults([{ match: { pathPattern: "/deviceConfigurations", method: "GET" }, response: { status: 503 } }]);
    const response = await rawGet("/beta/deviceManagement/deviceConfigurations");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "ServiceUnavailable" } });
  });

  it("sends a truncated JSON body with status 200", async () => {
    sim.injectFaults([{ match: { pathPattern: "/deviceConfigurations" }, response: { kind: "malformed" } }]);
    const response = await rawGet("/beta/deviceManagement/deviceConfigurations");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(sim.requestLog().at(-1)).toMatchObject({ status: 200, fault: "malformed" });
  });

  it("resets the connection", async () => {
    sim.injectFaults([{ match: { pathPattern: "/deviceConfigurations" }, response: { kind: "reset" } }]);
    await expect(rawGet("/beta/deviceManagement/deviceConfigurations")).rejects.toThrow(/fetch failed/);
    expect(sim.requestLog().at(-1)).toMatchObject({ status: 0, fault: "reset" });
  });

  it("delays a slow answer and counts concurrent requests", async () => {
    sim.resetStats();
    sim.injectFaults([
      { match: { pathPattern: "/deviceConfigurations", times: 3 }, response: { kind: "slow", delayMs: 150 } },
    ]);
    const responses = await Promise.all([1, 2, 3].map(() => rawGet("/beta/deviceManagement/deviceConfigurations")));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sim.stats().maxInFlight).toBe(3);
    expect(sim.stats().byTenant[TENANT]?.maxInFlight).toBe(3);
    expect(sim.stats().inFlight).toBe(0);
  });

  it("throttles every request and batch item of a tenant during a storm, then recovers", async () => {
    sim.startThrottlingStorm({ tenantId: TENANT, requests: 3, retryAfterSeconds: 2 });
    const first = await rawGet("/beta/deviceManagement/deviceConfigurations");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("2");
    const body = (await (
      await batch([
        { id: "1", method: "GET", url: "/deviceManagement/deviceConfigurations" },
        { id: "2", method: "GET", url: "/deviceManagement/deviceCompliancePolicies" },
      ])
    ).json()) as BatchBody;
    expect(body.responses.map((r) => r.status)).toEqual([429, 429]);
    expect((await rawGet("/beta/deviceManagement/deviceConfigurations")).status).toBe(200);
  });
});

describe("startGraphSimulator", () => {
  it("refuses a fixed port in the ephemeral range", async () => {
    await expect(startGraphSimulator({ port: 40000, tenants: [] })).rejects.toThrow(/ephemeral range/);
  });

  it("writes nextLinks on linkBaseUrl for clients that rewrite graph.microsoft.com to the simulator", async () => {
    const other = await startGraphSimulator({
      linkBaseUrl: "https://graph.microsoft.com",
      pageSize: 2,
      tenants: [
        {
          tenantId: TENANT,
          apps: [{ clientId: CLIENT, clientSecret: SECRET, permissions: ["DeviceManagementConfiguration.Read.All"] }],
          policies: {
            objects: [1, 2, 3].map((n) => ({
              "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
              displayName: `P${n}`,
            })),
          },
        },
      ],
    });
    try {
      const send = createCaFetch(other.caCertPem);
      const tokenResponse = await send(`${other.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: CLIENT,
          client_secret: SECRET,
          scope: "https://graph.microsoft.com/.default",
        }),
      });
      const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
      const page = (await (
        await send(`${other.baseUrl}/v1.0/deviceManagement/deviceCompliancePolicies`, {
          headers: { authorization: `Bearer ${accessToken}` },
        })
      ).json()) as Record<string, unknown> & { value: { id: string }[] };
      expect(String(page["@odata.nextLink"])).toMatch(
        /^https:\/\/graph\.microsoft\.com\/v1\.0\/deviceManagement\/deviceCompliancePolicies\?\$skiptoken=/,
      );
      // Objects without an id get a GUID derived from their position: stable across restarts.
      expect(page.value[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      await other.close();
    }
  });
});
