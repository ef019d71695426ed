/**
 * The shell's activity feedback area (DESIGN.md §1 "shell"): active runs as {@link RunItem}s, for one
 * tenant or, in workspace context, grouped by tenant. Each entry carries `data-run-id` and
 * `data-version` so /assets/app.js can apply live events and drop frames older than what it shows.
 * @module
 */
import type { ShellItem } from "../../operations/run-presenter.js";
import { RunItem } from "./progress-view.js";

/** One shown run: its presenter item plus what the client needs to apply live events. */
export interface ActivityEntry {
  runId: string;
  version: number;
  /** Null for workspace-level runs. */
  tenantId: string | null;
  item: ShellItem;
}

/** Group key of workspace-level runs (no tenant) in the grouped area. */
export const WORKSPACE_GROUP = "workspace";

/** One run in the activity area. Live events replace it as a whole (its outer HTML). */
export function RunEntry({ entry }: { entry: ActivityEntry }) {
  return (
    <div class="run-entry" data-run-id={entry.runId} data-version={String(entry.version)}>
      <RunItem item={entry.item} />
    </div>
  );
}

function EmptyNote({ shown }: { shown: boolean }) {
  return (
    <p class="muted activity-empty" hidden={!shown}>
      Nothing is running.
    </p>
  );
}

/** The activity area of a tenant shell: that tenant's active runs, oldest first. */
export function TenantActivity({
  workspaceId,
  tenantId,
  entries,
}: {
  workspaceId: string;
  tenantId: string;
  entries: ActivityEntry[];
}) {
  return (
    <section
      class="activity"
      aria-label="Activity"
      data-activity
      data-workspace-id={workspaceId}
      data-tenant-id={tenantId}
    >
      <h2>Activity</h2>
      <EmptyNote shown={entries.length === 0} />
      <div class="run-list" aria-live="polite">
        {entries.map((entry) => (
          <RunEntry entry={entry} />
        ))}
      </div>
    </section>
  );
}

/**
 * The activity area of a workspace in global context: every active run the operator may see,
 * grouped by tenant (group heading = the tenant's name, "Workspace" for workspace-level runs).
 */
export function WorkspaceActivity({ workspaceId, entries }: { workspaceId: string; entries: ActivityEntry[] }) {
  const groups = new Map<string, ActivityEntry[]>();
  for (const entry of entries) {
    const key = entry.tenantId ?? WORKSPACE_GROUP;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return (
    <section class="activity" aria-label="Activity" data-activity data-workspace-id={workspaceId}>
      <h3>Activity</h3>
      <EmptyNote shown={entries.length === 0} />
      <div class="run-groups" aria-live="polite">
        {[...groups].map(([key, group]) => (
          <ActivityGroup groupKey={key} label={group[0]?.item.subtitle ?? ""} entries={group} />
        ))}
      </div>
    </section>
  );
}

/** One tenant's group in the workspace area. app.js builds the same markup for a new group. */
function ActivityGroup({ groupKey, label, entries }: { groupKey: string; label: string; entries: ActivityEntry[] }) {
  return (
    <div class="activity-group" data-group={groupKey}>
      <h4 class="group-label">{label}</h4>
      <div class="run-list">
        {entries.map((entry) => (
          <RunEntry entry={entry} />
        ))}
      </div>
    </div>
  );
}
