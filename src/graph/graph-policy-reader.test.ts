/**
 * The Graph policy reader against the local Graph simulator over real HTTPS, with the real
 * credential class (ClientSecretCredential against the simulator's token endpoint): paging, $batch,
 * item faults, malformed bodies, origin checks, and parity with the export-folder source.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { corpusPresent, corpusSnapshot } from "../../test/factories.js";
import { normalizePolicy } from "../baselines/drift/normalize-policy.js";
import { readExportFolder } from "../inventory/export-folder-source.js";
import { createGraphClient, type GraphClient } from "./graph-client.js";
import { createTokenCredential } from "./graph-credentials.js";
import { type GraphEntry, type GraphReadEvent, type GraphReadState, readGraphPolicies } from "./graph-policy-reader.js";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator/graph-simulator.js";
import { TenantRequestLimiter, WaitTracker } from "./graph-throttle.js";

const TENANT = "3b9c6c0e-7f6a-4c1e-9d55-0f1e2d3c4b5a";
const CLIENT = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const SECRET = "reader-test-secret-value";
const PERMISSIONS = ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"];
const V32 = corpusSnapshot("oib-win-v3.2-b1d23fb");
/** Fast retries: the behaviour is the same, the test just does not sit through real backoff. */
const FAST_RETRIES = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 2_000 };

let sim: GraphSimulator;

beforeAll(async () => {
  sim = await startGraphSimulator({
    tenants: [
      {
        tenantId: TENANT,
        apps: [{ clientId: CLIENT, clientSecret: SECRET, permissions: PERMISSIONS }],
        policies: { exportFolder: V32 },
      },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

function client(
  options: { limiter?: TenantRequestLimiter; waits?: WaitTracker; signal?: AbortSignal } = {},
): GraphClient {
  const credential = createTokenCredential({
    tenantId: "tp-tenant",
    entraTenantId: TENANT,
    clientId: CLIENT,
    credential: { kind: "client_secret", clientSecret: SECRET },
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.baseUrl,
    caCertificatePem: sim.caCertPem,
  });
  return createGraphClient({
    tenantKey: "tp-tenant",
    credential,
    graphBaseUrl: sim.baseUrl,
    caCertPem: sim.caCertPem,
    limiter: options.limiter ?? new TenantRequestLimiter({ maxInFlightPerTenant: 4 }),
    retryPolicy: FAST_RETRIES,
    ...(options.waits ? { waits: options.waits } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function collect(
  events: AsyncIterable<GraphReadEvent>,
): Promise<{ entries: GraphEntry[]; events: GraphReadEvent[] }> {
  const all: GraphReadEvent[] = [];
  for await (const event of events) all.push(event);
  return { entries: all.flatMap((e) => (e.type === "entry" ? [e.entry] : [])), events: all };
}

async function exportHashes(folder: string): Promise<string[]> {
  const hashes: string[] = [];
  for await (const entry of readExportFolder(folder)) {
    if (entry.result.ok) hashes.push(normalizePolicy(entry.result.raw).hash);
  }
  return hashes.sort();
}

describe.skipIf(!corpusPresent)("readGraphPolicies", () => {
  it("reads every policy of a corpus snapshot with the same normalised content as the export folder", async () => {
    const graph = client();
    const { entries, events } = await collect(readGraphPolicies(graph, { policyKinds: [], manageAssignments: false }));
    graph.close();
    expect(entries.every((entry) => entry.result.ok)).toBe(true);
    const hashes = entries.flatMap((e) => (e.result.ok ? [normalizePolicy(e.result.raw).hash] : [])).sort();
    expect(hashes).toEqual(await exportHashes(V32));
    expect(entries.every((entry) => /^graph:[A-Za-z0-9]+\/\S+$/.test(entry.key))).toBe(true);
    // Graph sent @odata.count on every first page: the total was known before the end, and is exact.
    const totals = events.flatMap((e) => (e.type === "total" ? [e.totalCount] : []));
    expect(totals.at(-1)).toBe(entries.length);
    const stats = sim.stats();
    expect(stats.batchRequests).toBeGreaterThan(0);
    expect(stats.byTenant[TENANT]?.maxInFlight ?? 99).toBeLessThanOrEqual(4);
  });

  it("retries a 429 inside a $batch as that item's failure, never as its answer", async () => {
    sim.injectFaults([
      {
        match: { pathPattern: "/settings", batchItem: true, times: 3 },
        response: { status: 429, retryAfterSeconds: 0 },
      },
    ]);
    const graph = client();
    const { entries } = await collect(
      readGraphPolicies(graph, { policyKinds: ["deviceManagementConfigurationPolicy"], manageAssignments: false }),
    );
    graph.close();
    expect(entries).toHaveLength(51);
    expect(entries.every((entry) => entry.result.ok && Array.isArray(entry.result.raw["settings"]))).toBe(true);
    expect(entries.every((entry) => entry.result.ok && (entry.result.raw["settings"] as unknown[]).length > 0)).toBe(
      true,
    );
    expect(sim.requestLog().filter((r) => r.batchItem && r.status === 429)).toHaveLength(3);
  });

  it("makes an item unreadable (graph_unavailable) when its $batch 5xx outlasts the retry budget; the rest is read", async () => {
    const victim = sim.servedPolicies(TENANT).find((p) => p.kind === "deviceManagementConfigurationPolicy");
    // The first try and all 3 retries of one policy's settings get 503.
    sim.injectFaults([
      { match: { pathPattern: `${victim?.id}/settings`, batchItem: true, times: 4 }, response: { status: 503 } },
    ]);
    const graph = client();
    const { entries } = await collect(
      readGraphPolicies(graph, { policyKinds: ["deviceManagementConfigurationPolicy"], manageAssignments: false }),
    );
    graph.close();
    const unreadable = entries.filter((entry) => !entry.result.ok);
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]?.result).toMatchObject({
      ok: false,
      reason: "graph_unavailable",
      policyKind: "deviceManagementConfigurationPolicy",
    });
    expect(entries.filter((entry) => entry.result.ok)).toHaveLength(50);
  });

  it("turns a malformed page into an unreadable kind, not a crash, and keeps reading other kinds", async () => {
    sim.injectFaults([
      { match: { pathPattern: "/deviceCompliancePolicies", batchItem: false }, response: { kind: "malformed" } },
    ]);
    const graph = client();
    const { entries } = await collect(
      readGraphPolicies(graph, {
        policyKinds: ["windows10CompliancePolicy", "windowsDriverUpdateProfile"],
        manageAssignments: false,
      }),
    );
    graph.close();
    const kindEntry = entries.find((entry) => entry.key === "graph:windows10CompliancePolicy");
    expect(kindEntry?.result).toMatchObject({
      ok: false,
      reason: "graph_malformed",
      policyKind: "windows10CompliancePolicy",
    });
    expect(
      entries.filter((entry) => entry.result.ok && entry.key.startsWith("graph:windowsDriverUpdateProfile/")),
    ).toHaveLength(3);
  });

  it("marks a malformed $batch item unreadable with a diagnostics excerpt", async () => {
    sim.injectFaults([
      { match: { pathPattern: "/settings", batchItem: true, times: 1 }, response: { kind: "malformed" } },
    ]);
    const graph = client();
    const { entries } = await collect(
      readGraphPolicies(graph, { policyKinds: ["deviceManagementConfigurationPolicy"], manageAssignments: false }),
    );
    graph.close();
    const unreadable = entries.filter((entry) => !entry.result.ok);
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]?.result).toMatchObject({ reason: "graph_malformed" });
    expect(unreadable[0]?.result.ok === false && typeof unreadable[0].result.policyName).toBe("string");
  });

  it("gives up a kind after the retry budget of a throttled page, reporting the wait while it lasts", async () => {
    sim.injectFaults([
      {
        match: { pathPattern: "/windowsDriverUpdateProfiles", batchItem: false, times: 10 },
        response: { status: 429, retryAfterSeconds: 0 },
      },
    ]);
    const changes: (Date | null)[] = [];
    const graph = client({ waits: new WaitTracker((at) => changes.push(at)) });
    const { entries } = await collect(
      readGraphPolicies(graph, { policyKinds: ["windowsDriverUpdateProfile"], manageAssignments: false }),
    );
    graph.close();
    expect(entries).toEqual([
      expect.objectContaining({
        key: "graph:windowsDriverUpdateProfile",
        result: expect.objectContaining({ ok: false, reason: "graph_throttled" }),
      }),
    ]);
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changes.at(0)).toBeInstanceOf(Date);
    expect(changes.at(-1)).toBeNull();
  });

  it("resumes from the page it reached: finished pages are not requested again", async () => {
    const graph = client();
    const abort = new AbortController();
    const first: GraphReadEvent[] = [];
    let checkpoints = 0;
    let state: GraphReadState | undefined;
    await expect(async () => {
      for await (const event of readGraphPolicies(graph, {
        policyKinds: ["deviceManagementConfigurationPolicy"],
        manageAssignments: false,
        signal: abort.signal,
      })) {
        first.push(event);
        if (event.type === "checkpoint") {
          state = event.state;
          if (++checkpoints === 2) {
            abort.abort(new Error("worker killed")); // what the worker had recorded when it died
            throw new Error("worker killed");
          }
        }
      }
    }).rejects.toThrow("worker killed");
    graph.close();
    const pagesRead = state?.collections["deviceManagement/configurationPolicies"]?.pagesRead;
    expect(pagesRead).toBe(2);
    const recorded = new Set(first.flatMap((e) => (e.type === "entry" ? [e.entry.key] : [])));
    const listLog = () => sim.requestLog().filter((r) => !r.batchItem && r.path.includes("/configurationPolicies?"));
    const beforeResume = listLog().map((r) => r.path);
    sim.resetStats();

    const second = client();
    const { entries } = await collect(
      readGraphPolicies(second, {
        policyKinds: ["deviceManagementConfigurationPolicy"],
        manageAssignments: false,
        resume: state,
        skip: recorded,
      }),
    );
    second.close();
    const afterResume = listLog().map((r) => r.path);
    // The resumed read starts at page 3: neither the first page nor the second is requested again.
    expect(afterResume.some((p) => !p.includes("skiptoken"))).toBe(false);
    expect(afterResume.filter((p) => beforeResume.slice(0, 2).includes(p))).toEqual([]);
    expect(new Set([...recorded, ...entries.map((e) => e.key)]).size).toBe(51);
    expect(entries.filter((e) => recorded.has(e.key))).toEqual([]);
  });

  it("refuses a nextLink on a foreign origin instead of sending the token there", async () => {
    const graph = client();
    expect(graph.toCanonicalUrl("https://evil.example/beta/deviceManagement/configurationPolicies")).toBeUndefined();
    await expect(graph.get("https://evil.example/beta/x")).rejects.toThrow(/outside the connection's origin/);
    graph.close();
  });
});
