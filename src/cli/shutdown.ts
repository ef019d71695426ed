/**
 * Process-wide shutdown for the CLI: the first SIGINT/SIGTERM aborts {@link shutdownSignal} so
 * long-running commands (worker, watch, demo) stop taking work, let running operations finish or
 * record their interruption, and close the database; a second signal exits at once.
 * @module
 */
const controller = new AbortController();

/** Aborted on the first SIGINT or SIGTERM. */
export const shutdownSignal: AbortSignal = controller.signal;

let installed = false;

/** Install the handlers (idempotent). */
export function installShutdownHandlers(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`Received ${signal} again; exiting now.\n`);
      process.exit(130);
    }
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
