/**
 * Tenant reviews pages (issue 4, point 3; DESIGN.md §1 "tenant review", §4, §6): a tenant's reviews
 * with a compose form (a period picker behind a confirmation step, `tenant_review.manage`), a
 * review's printable view, and its exports (Markdown, PDF, JSON). Every member with
 * `operations.view` may read and export; non-members get 404, members without the capability 403.
 * The page is a tenant shell: its activity area shows the running compose (composite summary) live.
 * @module
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import { z } from "zod";
import { assertCan, getVisibleRun, getVisibleTenant, listWorkspaceAccess } from "../../access/access-policy.js";
import type { Tenant } from "../../inventory/tenants.js";
import { findLatestChangeSeq, listActiveFeedRuns } from "../../operations/run-feed-queries.js";
import { describeQueuedToast, type QueuedToast, runUrl } from "../../operations/run-presenter.js";
import { findRun } from "../../operations/run-queries.js";
import type { OperationRun } from "../../operations/run-record.js";
import { normalizeStatus } from "../../operations/status-normalizer.js";
import { ReviewDocumentView, ReviewStyles } from "../../reviews/render/index.js";
import {
  currentMonthPeriod,
  findReviewPeriodProblem,
  MAX_PERIOD_DAYS,
  parseReviewPeriod,
  previousMonthPeriod,
  type ReviewPeriod,
  type ReviewPeriodProblem,
} from "../../reviews/review-period.js";
import { startReviewCompose } from "../../reviews/review-runs.js";
import { getTenantReview, listTenantReviews } from "../../reviews/tenant-reviews.js";
import { OperatorError } from "../../shared/operator-error.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import { requireOperator } from "../require-operator.js";
import { DEFAULT_CHROMIUM_PATH, type ReviewExportFormat, respondWithExport, toReviewExport } from "../review-export.js";
import { toActivityEntry } from "../run-event.js";
import { TenantActivity } from "../views/activity.js";
import { Layout } from "../views/layout.js";
import { HtmxSwapClientErrors, StartToast } from "../views/start-toast.js";
import { Time } from "../views/time.js";
import type { AppEnv, WebDeps } from "../web-env.js";
import { tenantShellUrl } from "./home.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** URL of a tenant's reviews page. */
export function reviewsUrl(workspaceSlug: string, tenantId: string): string {
  return `${tenantShellUrl(workspaceSlug, tenantId)}/reviews`;
}

/** URL of one review's page. */
export function reviewUrl(workspaceSlug: string, tenantId: string, reviewId: string): string {
  return `${reviewsUrl(workspaceSlug, tenantId)}/${encodeURIComponent(reviewId)}`;
}

// ---- the compose form ----

/** How the period is chosen in the picker. */
const PERIOD_KINDS = ["month", "quarter", "custom"] as const;
type PeriodKind = (typeof PERIOD_KINDS)[number];
type PeriodField = "periodKind" | "month" | "quarter" | "from" | "to";

/** What the form sent, kept only when it has a harmless shape (re-shown in the form). */
interface ComposeFormValues {
  periodKind: PeriodKind;
  month?: string;
  quarter?: string;
  from?: string;
  to?: string;
}

/** A form error next to a field; the message names the field and never repeats the value sent. */
interface FieldError {
  field: PeriodField;
  message: string;
}

const MONTH_SHAPE = /^\d{4}-\d{2}$/;
const QUARTER_SHAPE = /^\d{4}-Q[1-4]$/i;
const DAY_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

const shortText = z.string().max(40).optional();
const composeFormSchema = z.object({
  confirm: z.literal("yes").optional(),
  periodKind: z.string().max(20).optional(),
  month: shortText,
  quarter: shortText,
  from: shortText,
  to: shortText,
});

/** Keep a sent value for re-display only when it has the field's shape. */
function keepIf(value: string | undefined, shape: RegExp): string | undefined {
  return value !== undefined && shape.test(value) ? value : undefined;
}

/**
 * The period of a compose form, or the error to show next to one field.
 * Messages are fixed sentences: hostile input is never echoed.
 */
function toComposePeriod(
  fields: Record<string, unknown>,
  now: Date,
): { values: ComposeFormValues; period?: ReviewPeriod; error?: FieldError } {
  const parsed = composeFormSchema.safeParse(fields);
  const data = parsed.success ? parsed.data : {};
  const kind = (PERIOD_KINDS as readonly string[]).includes(data.periodKind ?? "")
    ? (data.periodKind as PeriodKind)
    : "month";
  const values: ComposeFormValues = {
    periodKind: kind,
    ...optional("month", keepIf(data.month, MONTH_SHAPE)),
    ...optional("quarter", keepIf(data.quarter, QUARTER_SHAPE)),
    ...optional("from", keepIf(data.from, DAY_SHAPE)),
    ...optional("to", keepIf(data.to, DAY_SHAPE)),
  };
  if (!parsed.success) {
    return { values, error: { field: "periodKind", message: "Period: one of the values is too long." } };
  }
  if (data.confirm !== "yes") {
    return { values, error: { field: "periodKind", message: "Period: confirm the compose." } };
  }
  if (!(PERIOD_KINDS as readonly string[]).includes(data.periodKind ?? "")) {
    return { values, error: { field: "periodKind", message: "Period: choose a month, a quarter or a date range." } };
  }
  const attempt = (input: string, describe: (problem: ReviewPeriodProblem) => FieldError) => {
    const problem = findReviewPeriodProblem(input, now);
    return problem === undefined
      ? { values, period: parseReviewPeriod(input, now) }
      : { values, error: describe(problem) };
  };
  if (kind === "month") {
    if (values.month === undefined) {
      return { values, error: { field: "month", message: "Month: choose a month (YYYY-MM)." } };
    }
    return attempt(values.month, (problem) => ({
      field: "month",
      message:
        problem === "not_started"
          ? "Month: this month has not started yet. Choose one that has."
          : problem === "month_out_of_range"
            ? "Month: choose a real month (YYYY-MM, months 01 to 12)."
            : "Month: choose a month (YYYY-MM).",
    }));
  }
  if (kind === "quarter") {
    if (values.quarter === undefined) {
      return { values, error: { field: "quarter", message: "Quarter: choose a quarter from the list." } };
    }
    return attempt(values.quarter, (problem) => ({
      field: "quarter",
      message:
        problem === "not_started"
          ? "Quarter: this quarter has not started yet. Choose one that has."
          : "Quarter: choose a quarter from the list.",
    }));
  }
  if (values.from === undefined) {
    return { values, error: { field: "from", message: "From: enter the first day of the range (YYYY-MM-DD)." } };
  }
  if (values.to === undefined) {
    return { values, error: { field: "to", message: "To: enter the last day of the range (YYYY-MM-DD)." } };
  }
  return attempt(`${values.from}..${values.to}`, (problem) => RANGE_ERRORS[problem]);
}

/** The error of a date range, next to the field it is about (the value is never repeated). */
const RANGE_ERRORS: Readonly<Record<ReviewPeriodProblem, FieldError>> = {
  unknown_spelling: { field: "from", message: "From: enter the first day of the range (YYYY-MM-DD)." },
  month_out_of_range: { field: "from", message: "From: enter the first day of the range (YYYY-MM-DD)." },
  impossible_first_day: { field: "from", message: "From: this is not a calendar date. Choose a real day." },
  impossible_last_day: { field: "to", message: "To: this is not a calendar date. Choose a real day." },
  inverted_range: { field: "to", message: "To: the last day must be on or after the first." },
  too_long: { field: "to", message: `To: a range may cover at most ${MAX_PERIOD_DAYS} days.` },
  not_started: { field: "from", message: "From: the range has not started yet. Choose a first day up to today." },
};

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** The last `count` quarters up to the one containing `now`, newest first: ["2026-Q4", …]. */
function recentQuarters(now: Date, count = 8): { key: string; label: string }[] {
  const quarters: { key: string; label: string }[] = [];
  let year = now.getUTCFullYear();
  let quarter = Math.floor(now.getUTCMonth() / 3) + 1;
  for (let i = 0; i < count; i++) {
    quarters.push({ key: `${year}-Q${quarter}`, label: `Q${quarter} ${year}` });
    quarter -= 1;
    if (quarter === 0) {
      quarter = 4;
      year -= 1;
    }
  }
  return quarters;
}

// ---- views ----

const PAGE_STYLES = `
.tenant-nav{margin:.25rem 0 1rem}
.reviews-scroll{max-width:100%;overflow-x:auto;margin:.5rem 0 1rem}
.reviews-table{width:100%;border-collapse:collapse}
.reviews-table th,.reviews-table td{text-align:left;padding:.4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.review-status{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.85em;background:#e5e7eb}
.review-status[data-status="ready"]{background:#dcfce7}
.review-status[data-status="draft"]{background:#fef9c3}
.compose{border:1px solid #e5e7eb;border-radius:.375rem;padding:.75rem 1rem;margin:1rem 0}
.compose summary{cursor:pointer;font-weight:600}
.compose fieldset{border:0;padding:0;margin:.5rem 0}
.compose .period-option{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.35rem 0}
.field-error{color:#991b1b;margin:.15rem 0 .35rem;font-size:.9em}
.start-toasts:empty{display:none}
.toast{border:1px solid #bfdbfe;background:#eff6ff;border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0}
.toast p{margin:.25rem 0}
.review-toolbar{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:.5rem 0 1rem}
.review-draft{border:1px solid #fde68a;background:#fffbeb;border-radius:.375rem;padding:.75rem 1rem}
@media print{.topbar,.crumbs,.review-toolbar,.tenant-nav,.activity,.notices{display:none !important}}
`;

function Styles() {
  return (
    <>
      <style>{raw(PAGE_STYLES)}</style>
      <HtmxSwapClientErrors />
    </>
  );
}

function ErrorLine({ error, field }: { error: FieldError | undefined; field: PeriodField }) {
  if (error?.field !== field) return null;
  return (
    <p class="field-error" role="alert" id={`error-${field}`} data-field-error={field}>
      {error.message}
    </p>
  );
}

/** The compose panel: the toast region and the period picker behind a confirmation step. */
function ComposePanel({
  action,
  tenantName,
  csrfToken,
  now,
  values,
  error,
  toast,
}: {
  action: string;
  tenantName: string;
  csrfToken: string;
  now: Date;
  values: ComposeFormValues | undefined;
  error: FieldError | undefined;
  toast: { toast: QueuedToast; runId: string } | undefined;
}) {
  const kind = values?.periodKind ?? "month";
  const previous = previousMonthPeriod(now);
  const quarters = recentQuarters(now);
  const describedBy = (field: PeriodField) => (error?.field === field ? `error-${field}` : undefined);
  return (
    <section class="compose" id="compose-review" aria-label="Compose a review">
      <div id="start-toasts" class="start-toasts" aria-live="polite">
        {toast ? <StartToast toast={toast.toast} runId={toast.runId} /> : null}
      </div>
      <details open={error !== undefined}>
        <summary>Compose a review</summary>
        <form method="post" action={action} hx-post={action} hx-target="#compose-review" hx-swap="outerHTML">
          <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
          <input type="hidden" name="confirm" value="yes" />
          <fieldset>
            <legend>Period</legend>
            <ErrorLine error={error} field="periodKind" />
            <label class="period-option">
              <input type="radio" name="periodKind" value="month" checked={kind === "month"} /> Month
              <input
                type="month"
                name="month"
                aria-label="Month"
                value={values?.month ?? previous.key}
                max={currentMonthPeriod(now).key}
                aria-invalid={error?.field === "month" ? "true" : undefined}
                aria-describedby={describedBy("month")}
              />
            </label>
            <ErrorLine error={error} field="month" />
            <label class="period-option">
              <input type="radio" name="periodKind" value="quarter" checked={kind === "quarter"} /> Quarter
              <select
                name="quarter"
                aria-label="Quarter"
                aria-invalid={error?.field === "quarter" ? "true" : undefined}
                aria-describedby={describedBy("quarter")}
              >
                {quarters.map((quarter, index) => (
                  <option
                    value={quarter.key}
                    selected={
                      values?.quarter === undefined ? index === 1 : values.quarter.toUpperCase() === quarter.key
                    }
                  >
                    {quarter.label}
                  </option>
                ))}
              </select>
            </label>
            <ErrorLine error={error} field="quarter" />
            <div class="period-option">
              <label>
                <input type="radio" name="periodKind" value="custom" checked={kind === "custom"} /> Date range
              </label>
              <label>
                From{" "}
                <input
                  type="date"
                  name="from"
                  value={values?.from ?? ""}
                  aria-invalid={error?.field === "from" ? "true" : undefined}
                  aria-describedby={describedBy("from")}
                />
              </label>
              <label>
                To{" "}
                <input
                  type="date"
                  name="to"
                  value={values?.to ?? ""}
                  aria-invalid={error?.field === "to" ? "true" : undefined}
                  aria-describedby={describedBy("to")}
                />
              </label>
            </div>
            <ErrorLine error={error} field="from" />
            <ErrorLine error={error} field="to" />
          </fieldset>
          <p>{`Compose a review of ${tenantName} for the chosen period? It runs in the background.`}</p>
          <button type="submit">Yes, compose review</button>
        </form>
      </details>
    </section>
  );
}

/** A list item of a tenant's reviews (the fields the list shows). */
interface ReviewListItem {
  id: string;
  periodLabel: string;
  status: string;
  createdAt: Date | string;
  readyAt: Date | string | null;
  runId: string;
}

function ReviewStatus({ status }: { status: string }) {
  const label = status === "ready" ? "Ready" : status === "draft" ? "Draft" : "Unknown status";
  return (
    <span class="review-status" data-status={status === "ready" || status === "draft" ? status : "unknown"}>
      {label}
    </span>
  );
}

function ReviewsTable({
  reviews,
  workspaceSlug,
  tenantId,
}: {
  reviews: readonly ReviewListItem[];
  workspaceSlug: string;
  tenantId: string;
}) {
  if (reviews.length === 0) return <p class="muted">No reviews yet.</p>;
  return (
    <div class="reviews-scroll">
      <table class="reviews-table">
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Ready</th>
            <th scope="col">Links</th>
          </tr>
        </thead>
        <tbody>
          {reviews.map((review) => {
            const url = reviewUrl(workspaceSlug, tenantId, review.id);
            return (
              <tr data-review-id={review.id}>
                <td>
                  <a href={url}>{review.periodLabel}</a>
                </td>
                <td>
                  <ReviewStatus status={review.status} />
                </td>
                <td>
                  <Time at={review.createdAt} />
                </td>
                <td>{review.readyAt === null ? <span class="muted">Not yet</span> : <Time at={review.readyAt} />}</td>
                <td>
                  {review.status === "ready" ? (
                    <>
                      <a href={`${url}/export.md`}>Markdown</a> · <a href={`${url}/export.pdf`}>PDF</a> ·{" "}
                      <a href={`${url}/export.json`}>JSON</a>
                    </>
                  ) : (
                    <a href={runUrl(review.runId)}>View operation →</a>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The list of a tenant's reviews, kept current without a reload: when a run of this tenant
 * completes while the page is open (a compose makes its review ready), app.js sends this element
 * `run-completed` from the one SSE stream, and htmx re-reads the table from `…/reviews/list`.
 */
function ReviewsList({
  reviews,
  workspaceSlug,
  workspaceId,
  tenantId,
}: {
  reviews: readonly ReviewListItem[];
  workspaceSlug: string;
  workspaceId: string;
  tenantId: string;
}) {
  return (
    <div
      id="reviews-list"
      data-reviews-list
      data-refresh-on-complete
      data-workspace-id={workspaceId}
      data-tenant-id={tenantId}
      hx-get={reviewsListUrl(workspaceSlug, tenantId)}
      hx-trigger="run-completed"
      hx-swap="innerHTML"
      aria-live="polite"
    >
      <ReviewsTable reviews={reviews} workspaceSlug={workspaceSlug} tenantId={tenantId} />
    </div>
  );
}

/** URL of the list fragment of a tenant's reviews (the table only, for htmx). */
function reviewsListUrl(workspaceSlug: string, tenantId: string): string {
  return `${reviewsUrl(workspaceSlug, tenantId)}/list`;
}

// ---- routes ----

type Workspace = Awaited<ReturnType<typeof listWorkspaceAccess>>[number];

function isHtmx(c: Context<AppEnv>): boolean {
  return c.req.header("hx-request") === "true";
}

/** Form fields of a urlencoded or multipart body (no files), without the CSRF token. */
async function readForm(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!contentType.includes("form")) {
    throw new OperatorError("invalid_input", `unexpected content type ${contentType.slice(0, 100)}`);
  }
  const body = await c.req.parseBody();
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === CSRF_FIELD) continue;
    if (typeof value !== "string") throw new OperatorError("invalid_input", `file upload in field ${key.slice(0, 50)}`);
    fields[key] = value;
  }
  return fields;
}

/** Routes `/w/:workspaceSlug/tenants/:tenantId/reviews` (+ compose, a review, its exports). */
export function reviewsRoutes(deps: WebDeps) {
  const startDeps = { db: deps.db, runs: deps.runs, maxAttempts: deps.runMaxAttempts, now: deps.now };
  const chromiumPath = deps.chromiumPath ?? DEFAULT_CHROMIUM_PATH;

  /**
   * The tenant of the URL, in the workspace of the URL, for a member with operations.view.
   * @throws {OperatorError} not_found – not a member, or the tenant is not in that workspace;
   *   forbidden – no operations.view
   */
  async function tenantOfUrl(c: Context<AppEnv>): Promise<{ tenant: Tenant; workspace: Workspace }> {
    const operator = requireOperator(c.var.operator);
    const { tenant, access } = await getVisibleTenant(deps.db, operator.userId, c.req.param("tenantId") ?? "");
    const workspace = (await listWorkspaceAccess(deps.db, operator.userId)).find(
      (candidate) => candidate.workspaceId === access.workspaceId,
    );
    if (workspace === undefined || workspace.slug !== c.req.param("workspaceSlug")) {
      // The tenant exists in one of the operator's workspaces, but not under this URL.
      throw new OperatorError("not_found", `tenant ${tenant.id} is not in workspace ${c.req.param("workspaceSlug")}`);
    }
    return { tenant, workspace };
  }

  /** A review of the URL's tenant. @throws {OperatorError} not_found – malformed id, or not this tenant's */
  async function reviewOfUrl(c: Context<AppEnv>) {
    const { tenant, workspace } = await tenantOfUrl(c);
    const reviewId = c.req.param("reviewId") ?? "";
    if (!UUID.test(reviewId)) throw new OperatorError("not_found", `malformed review id ${reviewId.slice(0, 60)}`);
    const review = await getTenantReview(deps.db, workspace.workspaceId, reviewId);
    if (review.tenantId !== tenant.id) {
      throw new OperatorError("not_found", `review ${review.id} is not of tenant ${tenant.id}`);
    }
    return { tenant, workspace, review };
  }

  async function renderReviewsPage(
    c: Context<AppEnv>,
    scope: { tenant: Tenant; workspace: Workspace },
    options: { values?: ComposeFormValues; error?: FieldError; toast?: { toast: QueuedToast; runId: string } } = {},
    status: 200 | 400 = 200,
  ) {
    const operator = requireOperator(c.var.operator);
    const { tenant, workspace } = scope;
    const eventCursor = await findLatestChangeSeq(deps.db);
    const [reviews, active] = await Promise.all([
      listTenantReviews(deps.db, workspace.workspaceId, tenant.id),
      listActiveFeedRuns(deps.db, [workspace.workspaceId], tenant.id),
    ]);
    const now = deps.now();
    return c.html(
      <Layout
        title={`Reviews · ${tenant.name}`}
        operator={operator}
        csrfToken={c.var.csrfToken}
        eventCursor={eventCursor}
      >
        <Styles />
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="/">{workspace.name}</a> › <a href={tenantShellUrl(workspace.slug, tenant.id)}>{tenant.name}</a> ›{" "}
          <span>Reviews</span>
        </nav>
        <h1>{`Reviews of ${tenant.name}`}</h1>
        {workspace.can("tenant_review.manage") ? (
          <ComposePanel
            action={reviewsUrl(workspace.slug, tenant.id)}
            tenantName={tenant.name}
            csrfToken={c.var.csrfToken ?? ""}
            now={now}
            values={options.values}
            error={options.error}
            toast={options.toast}
          />
        ) : null}
        <h2>Tenant reviews</h2>
        <ReviewsList
          reviews={reviews as readonly ReviewListItem[]}
          workspaceSlug={workspace.slug}
          workspaceId={workspace.workspaceId}
          tenantId={tenant.id}
        />
        <TenantActivity
          workspaceId={workspace.workspaceId}
          tenantId={tenant.id}
          entries={active.map((feedRun) => toActivityEntry(feedRun, { now, staleAfterMs: deps.staleAfterMs }))}
        />
      </Layout>,
      status,
    );
  }

  const exportRoute = (format: ReviewExportFormat) => async (c: Context<AppEnv>) => {
    const { review } = await reviewOfUrl(c);
    return respondWithExport(c, await toReviewExport(review, format, { chromiumPath }));
  };

  return (
    new Hono<AppEnv>()
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews", async (c) => {
        const operator = requireOperator(c.var.operator);
        const scope = await tenantOfUrl(c);
        let toast: { toast: QueuedToast; runId: string } | undefined;
        const startedId = c.req.query("started");
        if (startedId !== undefined && UUID.test(startedId)) {
          const found = await getVisibleRun(deps.db, operator.userId, startedId).catch(() => undefined);
          if (found !== undefined && found.run.tenantId === scope.tenant.id) {
            toast = {
              toast: describeQueuedToast(found.run, { created: c.req.query("again") !== "1" }),
              runId: found.run.id,
            };
          }
        }
        return renderReviewsPage(c, scope, toast ? { toast } : {});
      })
      .post("/w/:workspaceSlug/tenants/:tenantId/reviews", async (c) => {
        const operator = requireOperator(c.var.operator);
        const scope = await tenantOfUrl(c);
        const { tenant, workspace } = scope;
        assertCan(workspace, "tenant_review.manage");
        const now = deps.now();
        const { values, period, error } = toComposePeriod(await readForm(c), now);
        const csrfToken = c.var.csrfToken ?? "";
        const action = reviewsUrl(workspace.slug, tenant.id);
        if (period === undefined) {
          if (isHtmx(c)) {
            return c.html(
              <ComposePanel
                action={action}
                tenantName={tenant.name}
                csrfToken={csrfToken}
                now={now}
                values={values}
                error={error}
                toast={undefined}
              />,
              400,
            );
          }
          return renderReviewsPage(c, scope, { values, ...(error ? { error } : {}) }, 400);
        }
        const started = await startReviewCompose(startDeps, {
          workspaceId: workspace.workspaceId,
          tenant: tenant.id,
          period: period.key,
          initiator: { userId: operator.userId },
        });
        return respondStarted(c, scope, started, { action, csrfToken, now, values });
      })
      // Registered before /:reviewId: "list" is not a review id.
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews/list", async (c) => {
        const { tenant, workspace } = await tenantOfUrl(c);
        const reviews = await listTenantReviews(deps.db, workspace.workspaceId, tenant.id);
        c.header("cache-control", "private, no-store");
        return c.html(
          <ReviewsTable
            reviews={reviews as readonly ReviewListItem[]}
            workspaceSlug={workspace.slug}
            tenantId={tenant.id}
          />,
        );
      })
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId", async (c) => {
        const operator = requireOperator(c.var.operator);
        const { tenant, workspace, review } = await reviewOfUrl(c);
        const eventCursor = await findLatestChangeSeq(deps.db);
        const [active, run] = await Promise.all([
          listActiveFeedRuns(deps.db, [workspace.workspaceId], tenant.id),
          review.status === "ready" ? undefined : findRun(deps.db, workspace.workspaceId, review.runId),
        ]);
        const now = deps.now();
        const url = reviewUrl(workspace.slug, tenant.id, review.id);
        return c.html(
          <Layout
            title={`${tenant.name} review · ${review.periodLabel}`}
            operator={operator}
            csrfToken={c.var.csrfToken}
            eventCursor={eventCursor}
          >
            <Styles />
            <nav class="crumbs" aria-label="Breadcrumb">
              <a href="/">{workspace.name}</a> › <a href={tenantShellUrl(workspace.slug, tenant.id)}>{tenant.name}</a> ›{" "}
              <a href={reviewsUrl(workspace.slug, tenant.id)}>Reviews</a> › <span>{review.periodLabel}</span>
            </nav>
            {review.status === "ready" ? (
              <>
                <div class="review-toolbar" data-review-exports>
                  <span>Export:</span>
                  <a href={`${url}/export.md`} download>
                    Markdown
                  </a>
                  <a href={`${url}/export.pdf`} download>
                    PDF
                  </a>
                  <a href={`${url}/export.json`} download>
                    JSON
                  </a>
                  <button type="button" data-print onclick="window.print()">
                    Print
                  </button>
                </div>
                <ReviewStyles />
                <ReviewDocumentView review={review} runHref={runUrl} />
              </>
            ) : (
              <>
                <h1>{`${tenant.name} review · ${review.periodLabel}`}</h1>
                <DraftNotice run={run} now={now} staleAfterMs={deps.staleAfterMs} />
              </>
            )}
            <TenantActivity
              workspaceId={workspace.workspaceId}
              tenantId={tenant.id}
              entries={active.map((feedRun) => toActivityEntry(feedRun, { now, staleAfterMs: deps.staleAfterMs }))}
            />
          </Layout>,
        );
      })
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId/export.md", exportRoute("md"))
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId/export.pdf", exportRoute("pdf"))
      .get("/w/:workspaceSlug/tenants/:tenantId/reviews/:reviewId/export.json", exportRoute("json"))
  );

  /** Answer a compose: the panel with the toast and `run-enqueued` for htmx, else back to the page (303). */
  function respondStarted(
    c: Context<AppEnv>,
    scope: { tenant: Tenant; workspace: Workspace },
    started: { run: OperationRun; created: boolean },
    form: { action: string; csrfToken: string; now: Date; values: ComposeFormValues },
  ) {
    const { run, created } = started;
    if (!isHtmx(c)) {
      const query = new URLSearchParams({ started: run.id, ...(created ? {} : { again: "1" }) });
      return c.redirect(`${reviewsUrl(scope.workspace.slug, scope.tenant.id)}?${query.toString()}`, 303);
    }
    c.header("HX-Trigger", JSON.stringify({ "run-enqueued": { runId: run.id, version: run.version } }));
    return c.html(
      <ComposePanel
        action={form.action}
        tenantName={scope.tenant.name}
        csrfToken={form.csrfToken}
        now={form.now}
        values={form.values}
        error={undefined}
        toast={{ toast: describeQueuedToast(run, { created }), runId: run.id }}
      />,
    );
  }
}

/** What a draft review says: being composed (with its operation), or that its compose ended without it. */
function DraftNotice({ run, now, staleAfterMs }: { run: OperationRun | undefined; now: Date; staleAfterMs: number }) {
  const active = run !== undefined && (run.status === "queued" || run.status === "running");
  return (
    <section class="review-draft" data-review-draft>
      {run === undefined ? (
        <p>This review is a draft: it has not been composed.</p>
      ) : active ? (
        <p>This review is being composed. It can be read and exported once it is ready.</p>
      ) : (
        <p>{`This review was not completed. Its operation finished: ${normalizeStatus(run, now, { staleAfterMs }).label}. Compose it again to get a ready review.`}</p>
      )}
      {run === undefined ? null : <a href={runUrl(run.id)}>View operation →</a>}
    </section>
  );
}
