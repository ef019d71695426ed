/**
 * Drift engine benchmark: settings compared per second by `comparePolicies` against a
 * straightforward jsondiffpatch diff of the same normalised policy pairs, in the same process,
 * interleaved over several rounds. Inputs: the shared corpus (../shared/corpus) replicated to
 * {@link TENANT_COUNT} tenants in memory, each with a few settings changed so there is drift.
 * Run: `npx tsx bench/drift-engine.bench.ts`.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as jsondiffpatch from "jsondiffpatch";
import { type CompareOptions, comparePolicies } from "../src/baselines/drift/compare-policies.js";
import { type NormalizedPolicy, normalizePolicy } from "../src/baselines/drift/normalize-policy.js";
import { readExportFolder } from "../src/inventory/export-folder-source.js";

/** Tenants simulated (Default: 240, 60 per corpus snapshot). */
const TENANT_COUNT = 240;
/** Measured rounds after one warm-up round. */
const ROUNDS = 6;
/** Settings catalog policies changed per tenant. */
const DRIFTED_POLICIES_PER_TENANT = 3;

const corpusRoot = path.resolve(import.meta.dirname, "..", "../shared/corpus/openintunebaseline");
const SNAPSHOTS = ["oib-win-v3.2-b1d23fb", "oib-win-v3.3-f44f081", "oib-win-v3.5-193226e", "oib-win-v3.7-75c4825"];
const OPTIONS: CompareOptions = { ignoreVersionSuffix: false, reportUnexpected: true, manageAssignments: true };

interface Tenant {
  baseline: NormalizedPolicy[];
  current: NormalizedPolicy[];
}

/** Deterministic PRNG (mulberry32), so every run drifts the same settings. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Change one choice value (or integer) somewhere in a raw settings catalog policy. */
function driftOne(raw: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const text = JSON.stringify(raw);
  const choices = [...text.matchAll(/"value":\s*"([a-z0-9_.~-]+_)(\d+)"/gi)];
  const pick = choices[Math.floor(next() * choices.length)];
  if (pick?.index === undefined) {
    return { ...raw, description: `drifted ${next()}` };
  }
  const replacement = `"value":"${pick[1]}${Number(pick[2]) + 1}"`;
  return JSON.parse(text.slice(0, pick.index) + replacement + text.slice(pick.index + pick[0].length)) as Record<
    string,
    unknown
  >;
}

async function loadSnapshot(snapshot: string): Promise<Record<string, unknown>[]> {
  const raws: Record<string, unknown>[] = [];
  for await (const entry of readExportFolder(path.join(corpusRoot, snapshot))) {
    if (entry.result.ok) {
      raws.push(entry.result.raw);
    }
  }
  return raws;
}

async function buildTenants(): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  const snapshots = await Promise.all(SNAPSHOTS.map(loadSnapshot));
  const baselines = snapshots.map((raws) => raws.map(normalizePolicy));
  // Current sides are normalised separately from the baseline (distinct objects, as after a capture).
  const currents = snapshots.map((raws) => raws.map(normalizePolicy));
  for (let t = 0; t < TENANT_COUNT; t += 1) {
    const s = t % SNAPSHOTS.length;
    const raws = snapshots[s] ?? [];
    const next = random(t + 1);
    const current = [...(currents[s] ?? [])];
    for (let d = 0; d < DRIFTED_POLICIES_PER_TENANT; d += 1) {
      const index = Math.floor(next() * raws.length);
      const raw = raws[index];
      if (raw !== undefined) {
        current[index] = normalizePolicy(driftOne(raw, next));
      }
    }
    tenants.push({ baseline: baselines[s] ?? [], current });
  }
  return tenants;
}

/** Matched pairs for the peer: the obvious name + kind join, computed before timing. */
function pairsOf(tenant: Tenant): [NormalizedPolicy, NormalizedPolicy][] {
  const byName = new Map(
    tenant.current.map((policy) => [`${policy.policyKind}|${policy.name.trim().toLowerCase()}`, policy]),
  );
  return tenant.baseline.flatMap((policy): [NormalizedPolicy, NormalizedPolicy][] => {
    const other = byName.get(`${policy.policyKind}|${policy.name.trim().toLowerCase()}`);
    return other === undefined ? [] : [[policy, other]];
  });
}

function runEngine(tenants: Tenant[]): { ms: number; settings: number; findings: number } {
  const start = performance.now();
  let settings = 0;
  let findings = 0;
  for (const tenant of tenants) {
    const result = comparePolicies(tenant.baseline, tenant.current, OPTIONS);
    settings += result.comparedSettingCount;
    findings += result.findings.length;
  }
  return { ms: performance.now() - start, settings, findings };
}

function runPeer(pairs: [NormalizedPolicy, NormalizedPolicy][][]): { ms: number; deltas: number } {
  const differ = jsondiffpatch.create();
  const start = performance.now();
  let deltas = 0;
  for (const tenantPairs of pairs) {
    for (const [a, b] of tenantPairs) {
      if (differ.diff(a.content, b.content) !== undefined) {
        deltas += 1;
      }
    }
  }
  return { ms: performance.now() - start, deltas };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const format = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * Run the benchmark and describe it. `lines` is a small table for two workloads (all matched
 * pairs; only pairs whose content differs): per contender the median round time (ms) and
 * settings compared per second, then the ratio engine ÷ jsondiffpatch (> 1 means the engine is
 * faster). Settings per second uses the engine's `comparedSettingCount` for both, so the rates
 * describe the same work. Returns a single "skipped" line when the corpus is absent.
 */
export async function runDriftEngineBench(): Promise<{ name: string; lines: string[] }> {
  const name = "drift engine: comparePolicies vs jsondiffpatch";
  if (!existsSync(corpusRoot)) {
    return { name, lines: [`shared corpus not found at ${corpusRoot}; benchmark skipped`] };
  }
  const tenants = await buildTenants();
  const lines = [
    `${TENANT_COUNT} tenants (corpus snapshots replicated, ${DRIFTED_POLICIES_PER_TENANT} policies drifted each), ` +
      `${ROUNDS} interleaved rounds after one warm-up, median per round`,
    "workload                     contender            median ms   settings/s",
  ];
  // All matched pairs: most are unchanged, which the engine settles by content hash.
  lines.push(...measure("all pairs", tenants));
  // Only the pairs whose content differs: the engine walks every setting of both sides.
  const changed = tenants.map((tenant) => {
    const pairs = pairsOf(tenant).filter(([a, b]) => a.hash !== b.hash);
    return { baseline: pairs.map(([a]) => a), current: pairs.map(([, b]) => b) };
  });
  lines.push(...measure("changed pairs only", changed));
  return { name, lines };
}

function measure(label: string, tenants: Tenant[]): string[] {
  const pairs = tenants.map(pairsOf);
  const engineMs: number[] = [];
  const peerMs: number[] = [];
  let settings = 0;
  let findings = 0;
  let deltas = 0;
  for (let round = 0; round <= ROUNDS; round += 1) {
    // Interleaved, alternating who goes first, so warm-up and GC pressure hit both alike.
    const order = round % 2 === 0 ? (["engine", "peer"] as const) : (["peer", "engine"] as const);
    for (const who of order) {
      if (who === "engine") {
        const result = runEngine(tenants);
        settings = result.settings;
        findings = result.findings;
        if (round > 0) engineMs.push(result.ms);
      } else {
        const result = runPeer(pairs);
        deltas = result.deltas;
        if (round > 0) peerMs.push(result.ms);
      }
    }
  }
  const engine = median(engineMs);
  const peer = median(peerMs);
  const policyPairs = pairs.reduce((sum, list) => sum + list.length, 0);
  const row = (contender: string, ms: number) =>
    `${label.padEnd(28)} ${contender.padEnd(20)} ${ms.toFixed(1).padStart(9)}   ${format((settings / ms) * 1000).padStart(10)}`;
  return [
    row("comparePolicies", engine),
    row("jsondiffpatch.diff", peer),
    `${"".padEnd(28)} ${format(policyPairs)} pairs, ${format(settings)} settings, ${format(findings)} findings, ` +
      `${format(deltas)} non-empty deltas; ratio engine ÷ jsondiffpatch speed: ${(peer / engine).toFixed(2)}×`,
  ];
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { name, lines } = await runDriftEngineBench();
  console.log(name);
  for (const line of lines) {
    console.log(`  ${line}`);
  }
}
