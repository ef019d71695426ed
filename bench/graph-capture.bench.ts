/**
 * Graph capture benchmark: reading 500 policies from the local Graph simulator with 50 ms latency
 * per request, TenantPilot's Graph source (collections in parallel, the next page read ahead,
 * settings fetched with `$batch`, at most the per-tenant budget in flight) against a naive reader
 * doing one request at a time (every page, then every policy's settings, sequentially), in the same
 * process against the same server. Both must read identical content; the simulator's count of
 * in-flight requests proves the budget was never exceeded.
 * Run: `npm run bench -- graph-capture`.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { normalizePolicy } from "../src/baselines/drift/normalize-policy.js";
import { createGraphClient, type GraphClient } from "../src/graph/graph-client.js";
import { createTokenCredential } from "../src/graph/graph-credentials.js";
import { toCollectionReads, toFirstPagePath } from "../src/graph/graph-endpoints.js";
import { readGraphPolicies } from "../src/graph/graph-policy-reader.js";
import { type GraphSimulator, startGraphSimulator } from "../src/graph/graph-simulator/graph-simulator.js";
import { DEFAULT_TENANT_REQUEST_LIMITS, TenantRequestLimiter } from "../src/graph/graph-throttle.js";
import { readExportFolder } from "../src/inventory/export-folder-source.js";
import { generateSampleBaseline } from "../src/inventory/sample-tenant-generator.js";

/** Policies served. */
const POLICY_COUNT = 500;
/** Delay before every simulator answer, ms. */
const LATENCY_MS = 50;
/** The per-tenant budget under test: the configured default (GRAPH_MAX_IN_FLIGHT_PER_TENANT). */
const BUDGET = DEFAULT_TENANT_REQUEST_LIMITS.maxInFlightPerTenant;
const TENANT = "b3c4d5e6-0000-4000-8000-0000000000b1";
const CLIENT = "b3c4d5e6-1111-4000-8000-0000000000c1";
const SECRET = "graph-capture-bench-secret";
const CORPUS = path.resolve(import.meta.dirname, "..", "../shared/corpus/openintunebaseline/oib-win-v3.7-75c4825");

/** 500 distinct policy objects: the corpus snapshot (or the sample generator) replicated under new names and ids. */
async function loadPolicies(): Promise<Record<string, unknown>[]> {
  const base: Record<string, unknown>[] = [];
  if (existsSync(CORPUS)) {
    for await (const entry of readExportFolder(CORPUS)) if (entry.result.ok) base.push(entry.result.raw);
  } else {
    base.push(...(generateSampleBaseline(20240829) as Record<string, unknown>[]));
  }
  return Array.from({ length: POLICY_COUNT }, (_, index) => {
    const raw = structuredClone(base[index % base.length] ?? {});
    const copy = Math.floor(index / base.length);
    const nameKey = typeof raw["name"] === "string" ? "name" : "displayName";
    raw[nameKey] = `${String(raw[nameKey])} #${copy}`;
    raw["id"] = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
    return raw;
  });
}

function client(sim: GraphSimulator, maxInFlightPerTenant: number): GraphClient {
  const credential = createTokenCredential({
    tenantId: "bench",
    entraTenantId: TENANT,
    clientId: CLIENT,
    credential: { kind: "client_secret", clientSecret: SECRET },
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.baseUrl,
    caCertificatePem: sim.caCertPem,
  });
  return createGraphClient({
    tenantKey: "bench",
    credential,
    graphBaseUrl: sim.baseUrl,
    caCertPem: sim.caCertPem,
    limiter: new TenantRequestLimiter({ maxInFlightPerTenant, maxInFlightTotal: 16 }),
    retryPolicy: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 10_000 },
  });
}

/** TenantPilot's reader: returns the normalised hashes of what it read. */
async function readWithSource(graph: GraphClient): Promise<string[]> {
  const hashes: string[] = [];
  for await (const event of readGraphPolicies(graph, { policyKinds: [], manageAssignments: false })) {
    if (event.type !== "entry") continue;
    if (!event.entry.result.ok) throw new Error(`unreadable ${event.entry.key}: ${event.entry.result.detail}`);
    hashes.push(normalizePolicy(event.entry.result.raw).hash);
  }
  return hashes.sort();
}

/** The peer: one request at a time — each page, then each policy's settings — with the same client and endpoints. */
async function readNaively(graph: GraphClient): Promise<string[]> {
  const hashes: string[] = [];
  for (const read of toCollectionReads([], false)) {
    let url: string | undefined = toFirstPagePath(read.endpoint);
    while (url !== undefined) {
      const page = JSON.parse((await graph.get(url)).text) as {
        value: Record<string, unknown>[];
        "@odata.nextLink"?: string;
      };
      for (const item of page.value) {
        if (typeof item["@odata.type"] !== "string" && read.endpoint.defaultOdataType) {
          item["@odata.type"] = read.endpoint.defaultOdataType;
        }
        for (const nav of read.perItem) {
          const values: unknown[] = [];
          let navUrl: string | undefined =
            `/${read.endpoint.version}/${read.endpoint.path}/${String(item["id"])}/${nav.path}`;
          while (navUrl !== undefined) {
            const answer = JSON.parse((await graph.get(navUrl)).text) as {
              value: unknown[];
              "@odata.nextLink"?: string;
            };
            values.push(...answer.value);
            navUrl = answer["@odata.nextLink"];
          }
          item[nav.property] = values;
        }
        hashes.push(normalizePolicy(item).hash);
      }
      url = page["@odata.nextLink"];
    }
  }
  return hashes.sort();
}

/** Run the bench: one warm-up read each (tokens, TLS sessions), then one timed read each, alternating order. */
export async function runGraphCaptureBench(): Promise<{ name: string; lines: string[] }> {
  const objects = await loadPolicies();
  const sim = await startGraphSimulator({
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
        policies: { objects },
      },
    ],
  });
  try {
    const real = client(sim, BUDGET);
    const naive = client(sim, 1);
    await readWithSource(real);
    await readNaively(naive);
    sim.setLatencyMs(LATENCY_MS);

    sim.resetStats();
    let startedAt = performance.now();
    const sourceHashes = await readWithSource(real);
    const sourceMs = performance.now() - startedAt;
    const sourceStats = sim.stats();

    sim.resetStats();
    startedAt = performance.now();
    const naiveHashes = await readNaively(naive);
    const naiveMs = performance.now() - startedAt;
    const naiveStats = sim.stats();
    real.close();
    naive.close();

    if (sourceHashes.length !== POLICY_COUNT || JSON.stringify(sourceHashes) !== JSON.stringify(naiveHashes)) {
      throw new Error(`the readers disagree: ${sourceHashes.length} vs ${naiveHashes.length} policies`);
    }
    // The simulator's global count (from the first byte to the answer, latency included; one tenant
    // here): its per-tenant count starts after the latency and would understate concurrency.
    const maxInFlight = sourceStats.maxInFlight;
    if (maxInFlight > BUDGET) throw new Error(`budget exceeded: ${maxInFlight} requests in flight > ${BUDGET}`);
    return {
      name: `graph-capture (${POLICY_COUNT} policies, ${LATENCY_MS} ms latency, budget ${BUDGET} in flight per tenant)`,
      lines: [
        `tenantpilot source  ${(sourceMs / 1_000).toFixed(2)} s  ${sourceStats.graphRequests} HTTP requests (${sourceStats.batchRequests} $batch carrying ${sourceStats.batchItems})  max in flight ${maxInFlight}`,
        `naive sequential    ${(naiveMs / 1_000).toFixed(2)} s  ${naiveStats.graphRequests} HTTP requests  max in flight ${naiveStats.maxInFlight}`,
        `ratio               ${(naiveMs / sourceMs).toFixed(1)}x faster; identical content (${POLICY_COUNT} normalised hashes); budget never exceeded (${maxInFlight} ≤ ${BUDGET})`,
      ],
    };
  } finally {
    await sim.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { name, lines } = await runGraphCaptureBench();
  console.log(`== ${name}`);
  for (const line of lines) console.log(line);
}
