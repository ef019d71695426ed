/**
 * The shell's two contexts (DESIGN.md §1 "shell"): the workspace (global) context on `/` lists every
 * active run the operator may see, grouped by tenant, beside each workspace's tenants; the tenant
 * shell `/w/:workspaceSlug/tenants/:tenantId` lists that tenant's active runs. Both stay live through
 * /events (assets/app.js). The tenant shell also says where the tenant's evidence comes from and
 * links to its pages. Anonymous requests are sent to sign in. A constant number of queries per page,
 * whatever the number of runs.
 * @module
 */
import { Hono } from "hono";
import { getVisibleTenant, listWorkspaceAccess } from "../../access/access-policy.js";
import {
  describeGraphConnectionTestResult,
  findGraphConnection,
  type GraphConnection,
} from "../../graph/graph-connections.js";
import { getTenantOverview, type TenantOverview } from "../../inventory/tenant-overview.js";
import { listTenants, type Tenant } from "../../inventory/tenants.js";
import { formatCount } from "../../operations/progress-contract.js";
import { findLatestChangeSeq, listActiveFeedRuns } from "../../operations/run-feed-queries.js";
import { runUrl } from "../../operations/run-presenter.js";
import { DISPLAY_STATUS_CATALOG, isRunOutcome } from "../../operations/status-normalizer.js";
import { OperatorError } from "../../shared/operator-error.js";
import { requireOperator } from "../require-operator.js";
import { toActivityEntry } from "../run-event.js";
import { TenantActivity, WorkspaceActivity } from "../views/activity.js";
import { Layout } from "../views/layout.js";
import { Time } from "../views/time.js";
import type { AppEnv, WebDeps } from "../web-env.js";

/** URL of a tenant shell. */
export function tenantShellUrl(workspaceSlug: string, tenantId: string): string {
  return `/w/${encodeURIComponent(workspaceSlug)}/tenants/${encodeURIComponent(tenantId)}`;
}

/**
 * The tenant's evidence source in one line: "Export folder", "Microsoft Graph · app <client id> ·
 * last test passed <time>", "Microsoft Graph · not connected". Never a folder path or a secret.
 */
function EvidenceSourceSummary({ tenant, connection }: { tenant: Tenant; connection: GraphConnection | undefined }) {
  if (tenant.evidenceSource === null) return <>None connected</>;
  if (tenant.evidenceSource.kind === "export_folder") return <>Export folder</>;
  if (connection === undefined) return <>Microsoft Graph · not connected</>;
  const test = connection.lastTest;
  return (
    <>
      Microsoft Graph · app <code>{connection.clientId}</code> ·{" "}
      {test === null ? (
        "not tested yet"
      ) : (
        <>
          {test.result === "ok" ? "last test passed " : "last test failed "}
          <Time at={test.testedAt} />
          {test.result === "ok" ? null : `: ${describeGraphConnectionTestResult(test.result, "web")}`}
        </>
      )}
    </>
  );
}

/**
 * Unresolved drift and the latest compare in one line: "4 unresolved findings (1 baseline profile) ·
 * last compare Succeeded 30 Nov 2026 09:13 UTC"; "Never compared" before the first.
 */
function DriftSummary({ overview, findingsUrl }: { overview: TenantOverview; findingsUrl: string }) {
  const compare = overview.lastCompare;
  if (compare === null) return <span class="muted">Never compared with a baseline</span>;
  const count = overview.unresolvedFindingCount;
  const profiles = overview.driftedProfileCount;
  return (
    <>
      {count === 0 ? (
        "No unresolved findings"
      ) : (
        <a
          href={findingsUrl}
        >{`${formatCount(count)} unresolved ${count === 1 ? "finding" : "findings"} (${formatCount(profiles)} baseline ${profiles === 1 ? "profile" : "profiles"})`}</a>
      )}
      {" · last compare "}
      <a href={runUrl(compare.runId)}>{describeOutcomeLabel(compare.outcome)}</a> <Time at={compare.completedAt} />
    </>
  );
}

/** The display label of a stored outcome ("Succeeded"), safe for unknown values. */
function describeOutcomeLabel(outcome: string): string {
  return isRunOutcome(outcome) ? DISPLAY_STATUS_CATALOG[outcome].label : DISPLAY_STATUS_CATALOG.completed_unknown.label;
}

/** Routes `/` and `/w/:workspaceSlug/tenants/:tenantId`. */
export function homeRoutes(deps: WebDeps) {
  return new Hono<AppEnv>()
    .get("/", async (c) => {
      const operator = requireOperator(c.var.operator);
      const workspaces = await listWorkspaceAccess(deps.db, operator.userId);
      const viewable = workspaces.filter((workspace) => workspace.can("operations.view"));
      // The cursor is read before the snapshot: anything changed after it is replayed by /events.
      const eventCursor = await findLatestChangeSeq(deps.db);
      const [tenantLists, active] = await Promise.all([
        Promise.all(workspaces.map((workspace) => listTenants(deps.db, workspace.workspaceId))),
        listActiveFeedRuns(
          deps.db,
          viewable.map((workspace) => workspace.workspaceId),
        ),
      ]);
      const now = deps.now();
      const entries = active.map((feedRun) => ({
        workspaceId: feedRun.run.workspaceId,
        entry: toActivityEntry(feedRun, { now, staleAfterMs: deps.staleAfterMs }),
      }));
      return c.html(
        <Layout title="Home" operator={operator} csrfToken={c.var.csrfToken} eventCursor={eventCursor}>
          <h1>Workspaces</h1>
          {workspaces.length === 0 ? <p class="muted">You are not a member of any workspace yet.</p> : null}
          {workspaces.map((workspace, index) => {
            const tenants = tenantLists[index] ?? [];
            return (
              <section class="workspace">
                <h2>
                  {workspace.name} <span class="muted">· {workspace.role}</span>
                </h2>
                <nav class="workspace-nav" aria-label={`${workspace.name} pages`}>
                  <a href={`/w/${encodeURIComponent(workspace.slug)}/baselines`}>Baselines</a>
                  {" · "}
                  <a href={`/w/${encodeURIComponent(workspace.slug)}/findings`}>Findings</a>
                  {" · "}
                  <a href={`/operations?workspace=${encodeURIComponent(workspace.slug)}`}>Operations</a>
                </nav>
                <h3>Tenants</h3>
                {tenants.length === 0 ? (
                  <p class="muted">No tenants yet.</p>
                ) : (
                  <ul class="tenant-list">
                    {tenants.map((tenant) => (
                      <li>
                        <a href={tenantShellUrl(workspace.slug, tenant.id)}>{tenant.name}</a>
                        {" · "}
                        <a
                          href={`${tenantShellUrl(workspace.slug, tenant.id)}/reviews`}
                          aria-label={`Reviews of ${tenant.name}`}
                        >
                          Reviews
                        </a>
                      </li>
                    ))}
                  </ul>
                )}
                {workspace.can("operations.view") ? (
                  <WorkspaceActivity
                    workspaceId={workspace.workspaceId}
                    entries={entries.filter((e) => e.workspaceId === workspace.workspaceId).map((e) => e.entry)}
                  />
                ) : null}
              </section>
            );
          })}
        </Layout>,
      );
    })
    .get("/w/:workspaceSlug/tenants/:tenantId", async (c) => {
      const operator = requireOperator(c.var.operator);
      const { tenant, access } = await getVisibleTenant(deps.db, operator.userId, c.req.param("tenantId"));
      const workspace = (await listWorkspaceAccess(deps.db, operator.userId)).find(
        (candidate) => candidate.workspaceId === access.workspaceId,
      );
      if (workspace === undefined || workspace.slug !== c.req.param("workspaceSlug")) {
        // The tenant exists in one of the operator's workspaces, but not under this URL.
        throw new OperatorError("not_found", `tenant ${tenant.id} is not in workspace ${c.req.param("workspaceSlug")}`);
      }
      const eventCursor = await findLatestChangeSeq(deps.db);
      // The overview is one query; one more only for Graph tenants (the connection's app and last test).
      const [active, overview, connection] = await Promise.all([
        listActiveFeedRuns(deps.db, [workspace.workspaceId], tenant.id),
        getTenantOverview(deps.db, tenant.id),
        tenant.evidenceSource?.kind === "graph" ? findGraphConnection(deps.db, tenant.id) : undefined,
      ]);
      const now = deps.now();
      const shellUrl = tenantShellUrl(workspace.slug, tenant.id);
      const slug = encodeURIComponent(workspace.slug);
      return c.html(
        <Layout title={tenant.name} operator={operator} csrfToken={c.var.csrfToken} eventCursor={eventCursor}>
          <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">{workspace.name}</a> › <span>{tenant.name}</span>
          </nav>
          <h1>{tenant.name}</h1>
          <dl class="tenant-summary" data-tenant-summary>
            <dt>Evidence source</dt>
            <dd data-evidence-source>
              <EvidenceSourceSummary tenant={tenant} connection={connection} />
            </dd>
            <dt>Drift</dt>
            <dd data-drift-summary>
              <DriftSummary
                overview={overview}
                findingsUrl={`/w/${slug}/findings?tenant=${encodeURIComponent(tenant.id)}`}
              />
            </dd>
            <dt>Latest review</dt>
            <dd data-latest-review>
              {overview.latestReview === null ? (
                <span class="muted">None yet</span>
              ) : (
                <a href={`${shellUrl}/reviews/${encodeURIComponent(overview.latestReview.reviewId)}`}>
                  {`${overview.latestReview.periodLabel} · ${overview.latestReview.status === "ready" ? "Ready" : "Draft"}`}
                </a>
              )}
            </dd>
          </dl>
          <nav class="tenant-nav" aria-label={`${tenant.name} pages`}>
            <a href={`${shellUrl}/reviews`}>Reviews</a>
            {" · "}
            <a href={`/w/${slug}/findings?tenant=${encodeURIComponent(tenant.id)}`}>Findings</a>
            {" · "}
            <a href={`/w/${slug}/baselines`}>Baselines</a>
            {access.can("tenants.manage") ? (
              <>
                {" · "}
                {/* Named for what it does: connect when there is no connection yet, else show and replace it. */}
                <a href={`${shellUrl}/graph-connection`} data-graph-connection-link>
                  {connection === undefined ? "Connect with an app registration" : "Microsoft Graph connection"}
                </a>
              </>
            ) : null}
          </nav>
          <TenantActivity
            workspaceId={workspace.workspaceId}
            tenantId={tenant.id}
            entries={active.map((feedRun) => toActivityEntry(feedRun, { now, staleAfterMs: deps.staleAfterMs }))}
          />
        </Layout>,
      );
    });
}
