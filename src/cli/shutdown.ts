/**
 * Process-wide shutdown for the CLI: the first SIGINT/SIGTERM aborts {@link shutdownSignal} so
 * long-running commands (worker, watch, demo) stop taking work, let running operations finish or
 * record their interruption, and close the database; a second signal exits at once.
 * @module
 */
const controller = new AbortController();

/** Copies of one signal relayed by a parent process arrive within this window, ms. */
const RELAYED_SIGNAL_WINDOW_MS = 1_000;

/** Aborted on the first SIGINT or SIGTERM. */
export const shutdownSignal: AbortSignal = controller.signal;

let installed = false;

/** Install the handlers (idempotent). */
export function installShutdownHandlers(): void {
  if (installed) return;
  installed = true;
  let firstAtMs = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // `npm start` / `npx` relay the terminal's Ctrl+C to us, which also gets it from the process
    // group: two copies of one key press arrive within milliseconds. Only a later one is a second press.
    if (controller.signal.aborted && Date.now() - firstAtMs < RELAYED_SIGNAL_WINDOW_MS) return;
    if (controller.signal.aborted) {
      process.stderr.write(`Received ${signal} again; exiting now.\n`);
      process.exit(130);
    }
    firstAtMs = Date.now();
    controller.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** Request shutdown as the first signal would (e.g. stdout's reader went away). */
export function requestShutdown(reason: string): void {
  if (!controller.signal.aborted) controller.abort(new Error(reason));
}

/** Resolves when shutdown is requested. */
export function untilShutdown(): Promise<void> {
  if (shutdownSignal.aborted) return Promise.resolve();
  return new Promise((resolve) => shutdownSignal.addEventListener("abort", () => resolve(), { once: true }));
}
