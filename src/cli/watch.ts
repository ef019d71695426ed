/**
 * Live watching of runs in the terminal: LISTEN/NOTIFY change events (operations/run-events.ts),
 * the same presenter copy as the web app. On a TTY each run's line is redrawn in place; otherwise a
 * line is printed whenever what it says changes.
 * @module
 */
import type { Db } from "../db/database.js";
import { RunChangeListener } from "../operations/run-events.js";
import { findRun } from "../operations/run-queries.js";
import type { OperationRun } from "../operations/run-record.js";
import { describeRunSubject, type RunNames, renderRunLine } from "./render.js";

/** Options of {@link watchRuns}. */
export interface WatchOptions {
  db: Db;
  connectionString: string;
  workspaceId: string;
  runIds: string[];
  names: RunNames;
  staleAfterMs: number;
  /** Receives each rendered line (one per visible change); defaults to stdout. */
  write?: (line: string) => void;
  /** Stop watching early (e.g. on Ctrl+C); the runs go on in the background. */
  signal?: AbortSignal;
  /** Re-render interval for time-based copy ("Running for 3 min", staleness), ms. (Default: 1000) */
  tickMs?: number;
}

/**
 * Watch runs until every one has completed (or `signal` aborts); returns them in their latest state.
 * @throws {Error} when the LISTEN connection cannot be opened
 */
export async function watchRuns(options: WatchOptions): Promise<OperationRun[]> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const latest = new Map<string, OperationRun>();
  const printed = new Map<string, string>();
  const listener = new RunChangeListener(options.connectionString);
  let wake: () => void = () => undefined;
  const pendingIds = new Set<string>(options.runIds);

  const render = (run: OperationRun) => {
    const line = renderRunLine(run, describeRunSubject(run, options.names), new Date(), options.staleAfterMs);
    if (printed.get(run.id) !== line) {
      printed.set(run.id, line);
      write(line);
    }
  };
  const refresh = async (runId: string) => {
    const run = await findRun(options.db, options.workspaceId, runId);
    if (run === undefined) return;
    const previous = latest.get(runId);
    if (previous !== undefined && previous.version > run.version) return; // drop frames older than what we showed
    latest.set(runId, run);
    render(run);
    if (run.status === "completed") pendingIds.delete(runId);
    if (pendingIds.size === 0) wake();
  };

  await listener.start();
  const unsubscribe = listener.subscribe((change) => {
    if (options.runIds.includes(change.runId)) void refresh(change.runId);
  });
  try {
    // Subscribed first, then read: no change between the two can be missed.
    for (const id of options.runIds) await refresh(id);
    const tick = setInterval(() => {
      for (const run of latest.values()) if (run.status !== "completed") render(run);
    }, options.tickMs ?? 1_000);
    if (pendingIds.size > 0 && !options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        options.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    clearInterval(tick);
  } finally {
    unsubscribe();
    await listener.stop();
  }
  return options.runIds.map((id) => latest.get(id)).filter((run): run is OperationRun => run !== undefined);
}
