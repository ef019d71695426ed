/**
 * Operations pages (DESIGN.md §1, §4, §6): the workspace-wide list with filters and keyset
 * pagination, the run detail page (works without tenant context: `/operations/{id}`, the target of
 * every toast and notification) and cancel. Copy comes only from the presenter, the progress
 * contract and the normalizer; diagnostics only with `operations.diagnostics`.
 * @module
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import { z } from "zod";
import {
  assertCan,
  getVisibleRun,
  listWorkspaceAccess,
  requiredCapabilityForRunType,
  type WorkspaceAccess,
} from "../../access/access-policy.js";
import { findMemberDisplayName, listMemberNames } from "../../access/workspaces.js";
import { listBaselineProfiles } from "../../baselines/baseline-profiles.js";
import { listTenants } from "../../inventory/tenants.js";
import { describeProgress, type ProgressOptions } from "../../operations/progress-contract.js";
import { describeFailure } from "../../operations/run-failure.js";
import {
  describeRunHeadline,
  describeRunResult,
  describeSummaryCounts,
  describeTimelineEvent,
  reviewComposeResultSchema,
  runUrl,
} from "../../operations/run-presenter.js";
import { listRunEvents, listRuns, type RunListFilter } from "../../operations/run-queries.js";
import { findContextValue, type OperationRun } from "../../operations/run-record.js";
import { getRunTypeInfo, RUN_TYPES } from "../../operations/run-types.js";
import { DISPLAY_STATUS_CATALOG, normalizeStatus } from "../../operations/status-normalizer.js";
import { getTenantReview } from "../../reviews/tenant-reviews.js";
import { OperatorError } from "../../shared/operator-error.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import { requireOperator } from "../require-operator.js";
import { FilterSelect } from "../views/filter-select.js";
import { Layout } from "../views/layout.js";
import { PROGRESS_STYLES, ProgressViewElement } from "../views/progress-view.js";
import { Time } from "../views/time.js";
import type { AppEnv, WebDeps } from "../web-env.js";
import { reviewUrl } from "./reviews.js";

/** Runs per page of the Operations list. (Default: 50) */
export const OPERATIONS_PAGE_SIZE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Status filter values: stored statuses and outcomes, labelled by the normalizer's catalog. */
const STATUS_FILTERS = {
  queued: DISPLAY_STATUS_CATALOG.queued.label,
  running: DISPLAY_STATUS_CATALOG.running.label,
  completed: "Completed",
  succeeded: DISPLAY_STATUS_CATALOG.succeeded.label,
  partially_succeeded: DISPLAY_STATUS_CATALOG.partially_succeeded.label,
  failed: DISPLAY_STATUS_CATALOG.failed.label,
  blocked: DISPLAY_STATUS_CATALOG.blocked.label,
  cancelled: DISPLAY_STATUS_CATALOG.cancelled.label,
} as const;

/** Initiators without a user, by their stored label, with operator copy. */
const INITIATOR_LABELS: Readonly<Record<string, string>> = {
  cli: "Command line",
  demo: "Demo",
  system: "System",
};

const DATE_OR_DATETIME = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** "2025-01-07" or an ISO-8601 date-time with offset, and a real calendar date. */
function isDateOrDateTime(value: string): boolean {
  return DATE_OR_DATETIME.safeParse(value).success && !Number.isNaN(toFilterTime(value, false)?.getTime());
}
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)_([0-9a-f-]{36})$/i;

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);

/** The list's query string. Each field's message names the filter, never the value sent. */
const listQuerySchema = z.object({
  workspace: z.preprocess(emptyToUndefined, z.string().max(100).optional()),
  type: z.preprocess(
    emptyToUndefined,
    z
      .enum(Object.keys(RUN_TYPES) as [string, ...string[]], { error: "Choose an operation type from the list." })
      .optional(),
  ),
  status: z.preprocess(
    emptyToUndefined,
    z
      .enum(Object.keys(STATUS_FILTERS) as [keyof typeof STATUS_FILTERS], { error: "Choose a status from the list." })
      .optional(),
  ),
  tenant: z.preprocess(
    emptyToUndefined,
    z.string().regex(UUID, { error: "Choose a tenant from the list." }).optional(),
  ),
  initiator: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .max(100, { error: "The initiator is too long." })
      .regex(/^[\w.@-]+$/, { error: "The initiator must be a user id or a label such as cli." })
      .optional(),
  ),
  createdFrom: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isDateOrDateTime, { error: "The created-from date is not a valid date (use YYYY-MM-DD)." })
      .optional(),
  ),
  createdTo: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isDateOrDateTime, { error: "The created-to date is not a valid date (use YYYY-MM-DD)." })
      .optional(),
  ),
  before: z.preprocess(
    emptyToUndefined,
    z.string().regex(CURSOR, { error: "The page link is not valid. Start again from the first page." }).optional(),
  ),
  limit: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "The page size must be a number from 1 to 200." })
      .int({ error: "The page size must be a number from 1 to 200." })
      .min(1, { error: "The page size must be a number from 1 to 200." })
      .max(200, { error: "The page size must be a number from 1 to 200." })
      .optional(),
  ),
});
type ListQuery = z.infer<typeof listQuerySchema>;

/** Parse the list's query; an invalid value gives the first problem's operator message. */
function parseListQuery(
  query: Record<string, string>,
): { ok: true; value: ListQuery } | { ok: false; message: string } {
  const parsed = listQuerySchema.safeParse(query);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues[0]?.message ?? "A filter value is not valid." };
}

/** A day ("2025-01-07") starts at 00:00 UTC; the "to" day is included, so it ends a day later. */
function toFilterTime(value: string | undefined, endOfDay: boolean): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = new Date(`${value}T00:00:00Z`);
    return endOfDay ? new Date(start.getTime() + 24 * 60 * 60 * 1000) : start;
  }
  return new Date(value);
}

/** The cursor of the page after `run`: `<createdAt ISO>_<id>`. */
export function toRunCursor(run: Pick<OperationRun, "createdAt" | "id">): string {
  return `${run.createdAt.toISOString()}_${run.id}`;
}

/**
 * Who started the run: "You", the colleague's display name ("Local operator (CLI)" for the CLI's
 * user), "A former member", or the copy for a system label ("Command line", "Demo", "System").
 */
function describeInitiator(run: OperationRun, operatorUserId: string, memberName: string | undefined): string {
  if (run.initiatorUserId !== null) {
    if (run.initiatorUserId === operatorUserId) return "You";
    return memberName ?? "A former member";
  }
  const label = run.initiatorLabel ?? "";
  return Object.hasOwn(INITIATOR_LABELS, label) ? INITIATOR_LABELS[label]! : "Unknown";
}

function describeTenantName(run: OperationRun, tenants: ReadonlyMap<string, string>): string {
  if (run.tenantId === null) return "Workspace";
  return tenants.get(run.tenantId) ?? "Unknown tenant";
}

function findProfileId(run: OperationRun): string | undefined {
  const inputs = findContextValue(run.context, "inputs");
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) return undefined;
  const profileId = (inputs as { profileId?: unknown }).profileId;
  return typeof profileId === "string" ? profileId : undefined;
}

const CANCEL_MESSAGES = {
  cancelled: "The operation was cancelled before it started.",
  requested: "Cancellation requested: the operation stops at its next checkpoint and keeps the work it finished.",
  not_active: "The operation had already finished.",
} as const;

const PAGE_STYLES = `${PROGRESS_STYLES}
.ops-filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}
.ops-filters label{display:grid;font-size:.85em}
.ops-table{width:100%;border-collapse:collapse}
.ops-table th,.ops-table td{text-align:left;padding:.4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.notice{padding:.5rem .75rem;border-radius:.25rem;background:#fef3c7}
.run-detail dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
.run-detail pre{white-space:pre-wrap;max-height:30rem;overflow:auto;background:#f3f4f6;padding:.5rem}
.followup{margin:.75rem 0}
.followup a{display:inline-block;padding:.45rem 1rem;border-radius:6px;background:var(--accent,#1f5fbf);color:#fff;font-weight:600;text-decoration:none}
`;

function Styles() {
  return <style>{raw(PAGE_STYLES)}</style>;
}

/**
 * The page a finished run produced, for its detail page's one follow-up link: a compose's review
 * (`context.result.reviewId`), when the review exists under the run's tenant. The caller has
 * already passed the run's access check, which is the review page's (operations.view in the
 * run's workspace). Evidence snapshots have no page of their own, so they get no link.
 * @returns undefined for other run types, a missing or malformed result, or a review that is gone
 */
async function findRunFollowUp(
  deps: WebDeps,
  run: OperationRun,
  workspaceSlug: string | undefined,
): Promise<{ label: string; url: string } | undefined> {
  if (run.type !== "tenant.review.compose" || run.tenantId === null || workspaceSlug === undefined) return undefined;
  const parsed = reviewComposeResultSchema.safeParse(findContextValue(run.context, "result"));
  const reviewId = parsed.success ? parsed.data.reviewId : undefined;
  if (reviewId === undefined) return undefined;
  const review = await getTenantReview(deps.db, run.workspaceId, reviewId).catch((error: unknown) => {
    if (error instanceof OperatorError && error.code === "not_found") return undefined; // deleted or never stored
    throw error;
  });
  if (review === undefined || review.tenantId !== run.tenantId) return undefined;
  return { label: "Open review", url: reviewUrl(workspaceSlug, run.tenantId, review.id) };
}

/** Routes `/operations`, `/operations/:runId` and `POST /operations/:runId/cancel`. */
export function operationsRoutes(deps: WebDeps) {
  const progressOptions: ProgressOptions = { staleAfterMs: deps.staleAfterMs };

  async function listPage(c: Context<AppEnv>) {
    const operator = requireOperator(c.var.operator);
    const workspaces = await listWorkspaceAccess(deps.db, operator.userId);
    const parsed = parseListQuery(c.req.query());
    const requestedSlug = parsed.ok ? parsed.value.workspace : c.req.query("workspace");
    let workspace: (WorkspaceAccess & { name: string; slug: string }) | undefined = workspaces[0];
    if (requestedSlug !== undefined && requestedSlug !== "") {
      workspace = workspaces.find((candidate) => candidate.slug === requestedSlug);
      if (workspace === undefined) {
        // The policy listed every membership: not a member and no such workspace look the same.
        throw new OperatorError(
          "not_found",
          `No workspace ${JSON.stringify(requestedSlug.slice(0, 100))} for this user.`,
        );
      }
    }
    if (workspace === undefined) {
      return c.html(
        <Layout title="Operations" operator={operator} csrfToken={c.var.csrfToken}>
          <h1>Operations</h1>
          <p class="muted">You are not a member of any workspace yet.</p>
        </Layout>,
      );
    }
    assertCan(workspace, "operations.view");
    const [tenants, members] = await Promise.all([
      listTenants(deps.db, workspace.workspaceId),
      listMemberNames(deps.db, workspace.workspaceId),
    ]);
    const tenantNames = new Map(tenants.map((tenant) => [tenant.id, tenant.name]));
    const query = parsed.ok ? parsed.value : {};
    const form = (
      <FilterForm
        workspaces={workspaces}
        workspaceSlug={workspace.slug}
        tenants={tenants}
        members={members}
        query={parsed.ok ? parsed.value : {}}
      />
    );
    if (!parsed.ok) {
      return c.html(
        <Layout title="Operations" operator={operator} csrfToken={c.var.csrfToken}>
          <Styles />
          <h1>Operations</h1>
          {form}
          <p class="notice" role="alert">
            {parsed.message}
          </p>
        </Layout>,
        400,
      );
    }
    const pageSize = parsed.value.limit ?? OPERATIONS_PAGE_SIZE;
    const cursor = parsed.value.before === undefined ? undefined : CURSOR.exec(parsed.value.before);
    const filter: RunListFilter = { limit: pageSize + 1 };
    if (parsed.value.type !== undefined) filter.type = parsed.value.type;
    if (parsed.value.status !== undefined) filter.status = parsed.value.status;
    if (parsed.value.tenant !== undefined) filter.tenantId = parsed.value.tenant;
    if (parsed.value.initiator !== undefined) {
      if (UUID.test(parsed.value.initiator)) filter.initiatorUserId = parsed.value.initiator;
      else filter.initiatorLabel = parsed.value.initiator;
    }
    const from = toFilterTime(parsed.value.createdFrom, false);
    const until = toFilterTime(parsed.value.createdTo, true);
    if (from !== undefined) filter.createdFrom = from;
    if (until !== undefined) filter.createdUntil = until;
    if (cursor?.[1] !== undefined && cursor[2] !== undefined) {
      filter.before = { createdAt: new Date(cursor[1]), id: cursor[2].toLowerCase() };
    }
    const fetched = await listRuns(deps.db, workspace.workspaceId, filter);
    const runs = fetched.slice(0, pageSize);
    const last = runs.at(-1);
    const olderUrl =
      fetched.length > pageSize && last !== undefined
        ? `/operations?${new URLSearchParams({ ...toQueryParams(query), workspace: workspace.slug, before: toRunCursor(last) }).toString()}`
        : undefined;
    const now = deps.now();
    return c.html(
      <Layout title="Operations" operator={operator} csrfToken={c.var.csrfToken}>
        <Styles />
        <h1>Operations</h1>
        <p class="muted">{workspace.name}</p>
        {form}
        {runs.length === 0 ? (
          <p class="muted">No operations match.</p>
        ) : (
          <table class="ops-table">
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <th scope="col">Tenant</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Summary</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const status = normalizeStatus(run, now, progressOptions);
                return (
                  <tr data-run-id={run.id}>
                    <td>{getRunTypeInfo(run.type).label}</td>
                    <td>{describeTenantName(run, tenantNames)}</td>
                    <td>
                      <span class="pill" data-tone={status.tone}>
                        {status.label}
                      </span>
                    </td>
                    <td>
                      <Time seconds at={run.createdAt} />
                    </td>
                    <td>{describeRunHeadline(run, now, progressOptions)}</td>
                    <td>
                      <a href={runUrl(run.id)}>View operation</a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {olderUrl === undefined ? null : (
          <p>
            <a href={olderUrl} rel="next">
              Older
            </a>
          </p>
        )}
      </Layout>,
    );
  }

  async function detailPage(c: Context<AppEnv>) {
    const operator = requireOperator(c.var.operator);
    const { run, access } = await getVisibleRun(deps.db, operator.userId, c.req.param("runId") ?? "");
    const [events, tenants, profiles, workspaces, initiatorName] = await Promise.all([
      listRunEvents(deps.db, run.id),
      listTenants(deps.db, run.workspaceId),
      listBaselineProfiles(deps.db, run.workspaceId),
      listWorkspaceAccess(deps.db, operator.userId),
      // The viewer is a member (getVisibleRun): a colleague's name is theirs to see.
      run.initiatorUserId === null ? undefined : findMemberDisplayName(deps.db, run.workspaceId, run.initiatorUserId),
    ]);
    const now = deps.now();
    const status = normalizeStatus(run, now, progressOptions);
    const progress = describeProgress(run, now, progressOptions);
    const tenantName = describeTenantName(run, new Map(tenants.map((tenant) => [tenant.id, tenant.name])));
    const profileId = findProfileId(run);
    const profileName =
      profileId === undefined
        ? undefined
        : (profiles.find((profile) => profile.id === profileId)?.name ?? "Unknown baseline profile");
    const counts = describeSummaryCounts(run.type, run.summaryCounts);
    const resultLines = describeRunResult(run);
    const failure = run.failure === null ? undefined : describeFailure(run.failure);
    const diagnostics =
      access.can("operations.diagnostics") && run.failure !== null && typeof run.failure.diagnostics === "string"
        ? run.failure.diagnostics
        : undefined;
    const active = run.status === "queued" || run.status === "running";
    const canCancel = active && access.can(requiredCapabilityForRunType(run.type));
    const slug = workspaces.find((workspace) => workspace.workspaceId === run.workspaceId)?.slug;
    const cancelResult = c.req.query("cancel");
    const timeline = toTimeline(run, events);
    const followUp = access.can("operations.view") ? await findRunFollowUp(deps, run, slug) : undefined;
    return c.html(
      <Layout title={getRunTypeInfo(run.type).label} operator={operator} csrfToken={c.var.csrfToken}>
        <Styles />
        <article class="run-detail" data-run-id={run.id} data-status={status.status} data-version={String(run.version)}>
          <p>
            <a href={slug === undefined ? "/operations" : `/operations?workspace=${encodeURIComponent(slug)}`}>
              ← Operations
            </a>
          </p>
          <h1>{describeRunHeadline(run, now, progressOptions)}</h1>
          <p>
            <span class="pill" data-tone={status.tone}>
              {status.label}
            </span>{" "}
            {tenantName}
            {profileName === undefined ? "" : ` · ${profileName}`}
          </p>
          {followUp === undefined ? null : (
            <p class="followup">
              <a href={followUp.url} data-followup>{`${followUp.label} →`}</a>
            </p>
          )}
          {cancelResult !== undefined && Object.hasOwn(CANCEL_MESSAGES, cancelResult) ? (
            <p class="notice" role="status">
              {CANCEL_MESSAGES[cancelResult as keyof typeof CANCEL_MESSAGES]}
            </p>
          ) : null}
          <section>
            <h2>Progress</h2>
            <ProgressViewElement view={progress} />
          </section>
          {canCancel ? (
            <details class="cancel">
              <summary>Cancel operation</summary>
              <form method="post" action={`${runUrl(run.id)}/cancel`}>
                <input type="hidden" name={CSRF_FIELD} value={c.var.csrfToken ?? ""} />
                <p>Cancel this operation? Work it already finished is kept.</p>
                <button type="submit">Yes, cancel the operation</button>
              </form>
            </details>
          ) : null}
          <section>
            <h2>Inputs</h2>
            <dl>
              <dt>Operation</dt>
              <dd>{getRunTypeInfo(run.type).label}</dd>
              <dt>Tenant</dt>
              <dd>{tenantName}</dd>
              {profileName === undefined ? null : (
                <>
                  <dt>Baseline profile</dt>
                  <dd>{profileName}</dd>
                </>
              )}
              <dt>Started by</dt>
              <dd>{describeInitiator(run, operator.userId, initiatorName)}</dd>
              <dt>Created</dt>
              <dd>
                <Time seconds at={run.createdAt} />
              </dd>
              {run.startedAt === null ? null : (
                <>
                  <dt>Started</dt>
                  <dd>
                    <Time seconds at={run.startedAt} />
                  </dd>
                </>
              )}
              {run.completedAt === null ? null : (
                <>
                  <dt>Completed</dt>
                  <dd>
                    <Time seconds at={run.completedAt} />
                  </dd>
                </>
              )}
              <dt>Reference</dt>
              <dd>
                <code>{run.id}</code>
              </dd>
            </dl>
          </section>
          <section>
            <h2>Timeline</h2>
            {timeline.length === 0 ? (
              <p class="muted">No changes recorded yet.</p>
            ) : (
              <ol class="timeline">
                {timeline.map((entry) => (
                  <li>
                    <Time seconds at={entry.at} /> · {entry.label}
                  </li>
                ))}
              </ol>
            )}
          </section>
          {counts === undefined && resultLines.length === 0 ? null : (
            <section>
              <h2>Result</h2>
              {counts === undefined ? null : <p>{`Counts: ${counts}`}</p>}
              {resultLines.map((line) => (
                <p>{line}</p>
              ))}
            </section>
          )}
          {failure === undefined ? null : (
            <section>
              <h2>{run.outcome === "partially_succeeded" ? "Why partially" : "Reason"}</h2>
              <p>{failure.message}</p>
              {diagnostics === undefined ? null : (
                <details class="diagnostics" data-diagnostics="true">
                  <summary>Diagnostics</summary>
                  <pre>{diagnostics}</pre>
                </details>
              )}
            </section>
          )}
        </article>
      </Layout>,
    );
  }

  return new Hono<AppEnv>()
    .get("/operations", listPage)
    .get("/operations/:runId", detailPage)
    .post("/operations/:runId/cancel", async (c) => {
      const operator = requireOperator(c.var.operator);
      const { run, access } = await getVisibleRun(deps.db, operator.userId, c.req.param("runId"));
      assertCan(access, requiredCapabilityForRunType(run.type));
      const result = await deps.runs.requestCancel(run.id);
      return c.redirect(`${runUrl(run.id)}?cancel=${result}`, 303);
    });
}

/** Timeline entries as copy; a resumed attempt repeats its phases, so those show again. */
function toTimeline(
  run: OperationRun,
  events: Awaited<ReturnType<typeof listRunEvents>>,
): { at: Date; label: string }[] {
  const entries: { at: Date; label: string }[] = [];
  let previous = "";
  for (const event of events) {
    const label = describeTimelineEvent(run.type, event);
    const key = `${event.attempt}:${label}`;
    if (key !== previous) entries.push({ at: event.at, label });
    previous = key;
  }
  return entries;
}

/** The active filters as query parameters (for the Older link). */
function toQueryParams(query: Partial<ListQuery>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of ["type", "status", "tenant", "initiator", "createdFrom", "createdTo", "limit"] as const) {
    const value = query[key];
    if (value !== undefined) params[key] = String(value);
  }
  return params;
}

function FilterForm({
  workspaces,
  workspaceSlug,
  tenants,
  members,
  query,
}: {
  workspaces: { slug: string; name: string }[];
  workspaceSlug: string;
  tenants: { id: string; name: string }[];
  /** Who may have started runs: the workspace's members (system labels are added). */
  members: { userId: string; displayName: string }[];
  query: Partial<ListQuery>;
}) {
  return (
    <form method="get" action="/operations" class="ops-filters">
      {workspaces.length > 1 ? (
        <label>
          Workspace
          <select name="workspace">
            {workspaces.map((workspace) => (
              <option value={workspace.slug} selected={workspace.slug === workspaceSlug}>
                {workspace.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <input type="hidden" name="workspace" value={workspaceSlug} />
      )}
      <FilterSelect
        label="Type"
        name="type"
        anyLabel="Any type"
        options={Object.values(RUN_TYPES).map((info) => [info.type, info.label] as const)}
        selected={query.type}
      />
      <FilterSelect
        label="Status"
        name="status"
        anyLabel="Any status"
        options={Object.entries(STATUS_FILTERS)}
        selected={query.status}
      />
      <FilterSelect
        label="Tenant"
        name="tenant"
        anyLabel="Any tenant"
        options={tenants.map((tenant) => [tenant.id, tenant.name] as const)}
        selected={query.tenant}
      />
      <FilterSelect
        label="Started by"
        name="initiator"
        anyLabel="Anyone"
        options={[
          ...members.map((member) => [member.userId, member.displayName] as const),
          // Runs started without a user: the demo's own capture. (CLI runs belong to the CLI's user,
          // listed above, so "Command line" would only repeat it.)
          ["demo", INITIATOR_LABELS.demo ?? "Demo"] as const,
        ]}
        selected={query.initiator}
      />
      <label>
        Created from
        <input type="date" name="createdFrom" value={query.createdFrom ?? ""} />
      </label>
      <label>
        Created to
        <input type="date" name="createdTo" value={query.createdTo ?? ""} />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}
