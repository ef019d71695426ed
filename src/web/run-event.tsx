/**
 * Live run events (DESIGN.md §7): what one `run` event of /events carries, built once per change and
 * shaped per recipient (only a run's initiator gets its terminal notification).
 * @module
 */
import type { FeedRun } from "../operations/run-feed-queries.js";
import { describeShellItem, describeTerminalNotification } from "../operations/run-presenter.js";
import { type ActivityEntry, RunEntry, WORKSPACE_GROUP } from "./views/activity.js";

/** A run change as every recipient could see it. */
export interface RunEvent {
  /** SSE event id: the run's change cursor. */
  id: string;
  runId: string;
  version: number;
  workspaceId: string;
  tenantId: string | null;
  initiatorUserId: string | null;
  /** Set for an active run: the rendered entry, and the heading of its tenant group. */
  active?: { html: string; group: string; groupLabel: string };
  /** Set for a completed run: the initiator's terminal notification. */
  notification?: { title: string; body: string; url: string };
}

/** Options for rendering shell items. */
export interface RunEventOptions {
  now: Date;
  staleAfterMs: number;
}

/** The activity entry of a run (presenter copy only). */
export function toActivityEntry(feedRun: FeedRun, options: RunEventOptions): ActivityEntry {
  const { run, tenantName } = feedRun;
  return {
    runId: run.id,
    version: run.version,
    tenantId: run.tenantId,
    item: describeShellItem(run, tenantName, options.now, { staleAfterMs: options.staleAfterMs }),
  };
}

/** Build the event of a run as read now. */
export async function toRunEvent(feedRun: FeedRun, options: RunEventOptions): Promise<RunEvent> {
  const { run } = feedRun;
  const base = {
    id: String(feedRun.changeSeq),
    runId: run.id,
    version: run.version,
    workspaceId: run.workspaceId,
    tenantId: run.tenantId,
    initiatorUserId: run.initiatorUserId,
  };
  if (run.status !== "queued" && run.status !== "running") {
    return { ...base, notification: describeTerminalNotification(run, { tenantName: feedRun.tenantName }) };
  }
  const entry = toActivityEntry(feedRun, options);
  const html = await (<RunEntry entry={entry} />).toString();
  return { ...base, active: { html, group: run.tenantId ?? WORKSPACE_GROUP, groupLabel: entry.item.subtitle } };
}

/**
 * The JSON data of an event for one recipient: `{ runId, version, workspaceId, tenantId, html,
 * group, groupLabel }` for an active run, `{ runId, version, workspaceId, tenantId, completed: true }`
 * for a completed one, plus `notification` when the recipient initiated it.
 */
export function toRunEventData(event: RunEvent, userId: string): string {
  const common = {
    runId: event.runId,
    version: event.version,
    workspaceId: event.workspaceId,
    tenantId: event.tenantId,
  };
  if (event.active !== undefined) return JSON.stringify({ ...common, ...event.active });
  const notification = event.initiatorUserId === userId ? event.notification : undefined;
  return JSON.stringify({ ...common, completed: true, ...(notification ? { notification } : {}) });
}
