/**
 * `tenantpilot worker`: run the worker alone until SIGINT/SIGTERM, then shut down gracefully
 * (running jobs finish or record their interruption; STACK.md G14/G15).
 * @module
 */
import type { CliContext } from "../cli-context.js";
import { EXIT_OK } from "../exit-codes.js";
import { untilShutdown } from "../shutdown.js";
import { startLocalWorker } from "./operations-commands.js";

/** Run a worker until a termination signal. */
export async function workerCommand(ctx: CliContext): Promise<number> {
  const worker = await startLocalWorker(ctx, { dedicated: true });
  ctx.say(`Worker started (concurrency ${ctx.runtime.config.workerConcurrency}). Press Ctrl+C to stop.`);
  await untilShutdown();
  ctx.say("Stopping worker: letting running operations finish or record their interruption…");
  await worker.stop();
  return EXIT_OK;
}
