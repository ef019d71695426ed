/**
 * `npm run bench`: run every bench in turn and print its lines. Pass names to run only some:
 * `npm run bench -- run-lifecycle`. A failing bench is reported and makes the exit code 1; the
 * others still run.
 * @module
 */
import { runDriftEngineBench } from "./drift-engine.bench.js";
import { runGraphCaptureBench } from "./graph-capture.bench.js";
import { runRunLifecycleBench } from "./run-lifecycle.bench.js";
import { runShellQueryBench } from "./shell-query.bench.js";
import { runSseDeliveryBench } from "./sse-delivery.bench.js";

/** A bench: runs to completion, releases everything it started, and returns its printable lines. */
type Bench = () => Promise<{ name: string; lines: string[] }>;

const BENCHES: Record<string, Bench> = {
  "drift-engine": runDriftEngineBench,
  "run-lifecycle": runRunLifecycleBench,
  "sse-delivery": runSseDeliveryBench,
  "shell-query": runShellQueryBench,
  "graph-capture": runGraphCaptureBench,
};

async function main(selected: string[]): Promise<void> {
  const unknown = selected.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown bench: ${unknown.join(", ")} (known: ${Object.keys(BENCHES).join(", ")})`);
    process.exitCode = 2;
    return;
  }
  const names = selected.length > 0 ? selected : Object.keys(BENCHES);
  for (const id of names) {
    const startedAt = performance.now();
    try {
      const { name, lines } = await BENCHES[id]!();
      console.log(`== ${name} (${((performance.now() - startedAt) / 1_000).toFixed(1)} s)`);
      for (const line of lines) console.log(line);
      console.log();
    } catch (error) {
      console.error(`== ${id} FAILED`, error);
      process.exitCode = 1;
    }
  }
}

await main(process.argv.slice(2));
