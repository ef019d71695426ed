/**
 * Fan-out of run changes to connected /events streams (DESIGN.md §7). The process's one
 * RunChangeListener feeds it; changes that arrive together are read in one query and rendered once,
 * then sent only to streams whose operator may see them (canSeeRunChange, access computed at
 * connect time). Batches are processed in order, so event ids never go backwards on a stream.
 * @module
 */
import type { Logger } from "pino";
import { canSeeRunChange, type WorkspaceAccess } from "../access/access-policy.js";
import type { Db } from "../db/database.js";
import type { RunChange, RunChangeListener } from "../operations/run-events.js";
import { listFeedRunsByIds } from "../operations/run-feed-queries.js";
import { type RunEvent, toRunEvent } from "./run-event.js";

/** One connected stream. */
export interface HubClient {
  userId: string;
  /** The operator's accesses keyed by workspace id. */
  access: ReadonlyMap<string, WorkspaceAccess>;
  /** Deliver an event (must not throw; write errors end only this client). */
  send(event: RunEvent): void;
}

/** Dependencies of {@link RunEventHub}. */
export interface RunEventHubDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  staleAfterMs: number;
}

/** Connected streams and the changes pending for them. */
export class RunEventHub {
  readonly #deps: RunEventHubDeps;
  readonly #clients = new Set<HubClient>();
  readonly #pending = new Map<string, RunChange>();
  #scheduled = false;
  #processing: Promise<void> = Promise.resolve();

  constructor(deps: RunEventHubDeps) {
    this.#deps = deps;
  }

  /** Feed the hub from a listener; returns the unsubscribe function. */
  attach(listener: RunChangeListener): () => void {
    return listener.subscribe((change) => this.publish(change));
  }

  /** Number of connected streams. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Add a stream; returns the function that removes it. */
  add(client: HubClient): () => void {
    this.#clients.add(client);
    return () => this.#clients.delete(client);
  }

  /** Announce a change; changes queued in the same tick are read together. */
  publish(change: RunChange): void {
    if (![...this.#clients].some((client) => canSeeRunChange(client.access, change))) return; // nobody to tell
    this.#pending.set(change.runId, change);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const batch = [...this.#pending.keys()];
      this.#pending.clear();
      this.#processing = this.#processing.then(() => this.#send(batch));
    });
  }

  /** Resolves when every change published so far has been sent (tests, shutdown). */
  async idle(): Promise<void> {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.#processing;
  }

  async #send(runIds: string[]): Promise<void> {
    try {
      const now = this.#deps.now();
      const feedRuns = await listFeedRunsByIds(this.#deps.db, runIds);
      for (const feedRun of feedRuns) {
        // Access is decided on the row as read, not on the announced ids.
        const recipients = [...this.#clients].filter((client) => canSeeRunChange(client.access, feedRun.run));
        if (recipients.length === 0) continue;
        const event = await toRunEvent(feedRun, { now, staleAfterMs: this.#deps.staleAfterMs });
        for (const client of recipients) client.send(event);
      }
    } catch (error) {
      // The stream stays up; clients catch up from their last event id when they reconnect.
      this.#deps.logger.error({ err: error }, "live run events could not be sent");
    }
  }
}
