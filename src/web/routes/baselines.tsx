/**
 * Baselines pages (issue 3, points 3 and 4; DESIGN.md §4–§6): baseline profiles with their latest
 * snapshot and a create form, capture and compare (each behind a confirmation step), the start UX
 * (the presenter's queued toast with View operation and the `run-enqueued` browser event), and the
 * drift findings browser. Every decision goes through the access policy: non-members get 404,
 * members without the capability 403.
 * @module
 */

import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { z } from "zod";
import {
  assertCan,
  getVisibleProfile,
  getVisibleRun,
  listWorkspaceAccess,
  requiredCapabilityForRunType,
  type WorkspaceAccess,
} from "../../access/access-policy.js";
import {
  type BaselineProfile,
  createBaselineProfile,
  listBaselineProfiles,
} from "../../baselines/baseline-profiles.js";
import { startBaselineCapture, startBaselineCompare } from "../../baselines/baseline-runs.js";
import { FINDING_KIND_LABELS, listFindings } from "../../baselines/drift-findings.js";
import type { Db } from "../../db/database.js";
import { describePolicyKind, POLICY_KINDS } from "../../inventory/policy-kinds.js";
import { listTenants, type Tenant } from "../../inventory/tenants.js";
import { formatCount } from "../../operations/progress-contract.js";
import { findLatestChangeSeq, listActiveFeedRuns } from "../../operations/run-feed-queries.js";
import { describeQueuedToast, type QueuedToast } from "../../operations/run-presenter.js";
import type { OperationRun } from "../../operations/run-record.js";
import { toSettingLabel } from "../../reviews/review-section-factory.js";
import { OperatorError } from "../../shared/operator-error.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import { requireOperator } from "../require-operator.js";
import { toActivityEntry } from "../run-event.js";
import { WorkspaceActivity } from "../views/activity.js";
import { FilterSelect } from "../views/filter-select.js";
import { Layout } from "../views/layout.js";
import { HtmxSwapClientErrors, StartToast } from "../views/start-toast.js";
import { Time } from "../views/time.js";
import type { AppEnv, WebDeps } from "../web-env.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** URL of a workspace's baselines page. */
export function baselinesUrl(workspaceSlug: string): string {
  return `/w/${encodeURIComponent(workspaceSlug)}/baselines`;
}

/** URL of a workspace's findings page. */
export function findingsUrl(workspaceSlug: string): string {
  return `/w/${encodeURIComponent(workspaceSlug)}/findings`;
}

/** Finding statuses by their stored value, with operator copy. */
const FINDING_STATUS_LABELS = {
  active: "Open or reopened",
  open: "Open",
  reopened: "Reopened",
  resolved: "Resolved",
} as const;

const FINDING_KIND_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FINDING_KIND_LABELS).map(([kind, label]) => [
    kind,
    label.one.charAt(0).toUpperCase() + label.one.slice(1),
  ]),
);

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);
const checkbox = z.preprocess(
  emptyToUndefined,
  z.literal("on", { error: "A checkbox value is not valid." }).optional(),
);

/** The create-profile form. Messages name the field, never echo the value. */
const createProfileSchema = z.object({
  name: z
    .string({ error: "Enter a name." })
    .trim()
    .min(1, { error: "Enter a name." })
    .max(200, { error: "The name can be at most 200 characters." }),
  sourceTenant: z.string({ error: "Choose a source tenant." }).regex(UUID, { error: "Choose a source tenant." }),
  policyKinds: z
    .array(z.enum(Object.keys(POLICY_KINDS) as [string, ...string[]], { error: "Choose policy kinds from the list." }))
    .max(Object.keys(POLICY_KINDS).length, { error: "Choose policy kinds from the list." })
    .default([]),
  ignoreVersionSuffix: checkbox,
  reportUnexpected: checkbox,
});

/** The confirmation step of capture and compare. */
/** A start refused because the tenant reads Microsoft Graph without an app registration yet. */
const GRAPH_NOT_CONNECTED_START =
  "The tenant is not connected to Microsoft Graph yet: connect it with an app registration on the tenant's page.";

const captureSchema = z.object({ confirm: z.literal("yes", { error: "Confirm the capture." }) });
const compareSchema = z.object({
  confirm: z.literal("yes", { error: "Confirm the compare." }),
  tenant: z.string({ error: "Choose a tenant to compare." }).regex(UUID, { error: "Choose a tenant to compare." }),
});

/** The findings page's query string. */
const findingsQuerySchema = z.object({
  tenant: z.preprocess(
    emptyToUndefined,
    z.string().regex(UUID, { error: "Choose a tenant from the list." }).optional(),
  ),
  profile: z.preprocess(
    emptyToUndefined,
    z.string().regex(UUID, { error: "Choose a baseline profile from the list." }).optional(),
  ),
  kind: z.preprocess(
    emptyToUndefined,
    z
      .enum(Object.keys(FINDING_KIND_LABELS) as [string, ...string[]], {
        error: "Choose a finding kind from the list.",
      })
      .optional(),
  ),
  status: z.preprocess(
    emptyToUndefined,
    z
      .enum(Object.keys(FINDING_STATUS_LABELS) as [keyof typeof FINDING_STATUS_LABELS], {
        error: "Choose a status from the list.",
      })
      .optional(),
  ),
  policy: z.preprocess(
    emptyToUndefined,
    z.string().trim().max(200, { error: "The policy text can be at most 200 characters." }).optional(),
  ),
  path: z.preprocess(
    emptyToUndefined,
    z.string().trim().max(500, { error: "The setting path can be at most 500 characters." }).optional(),
  ),
});
type FindingsQuery = z.infer<typeof findingsQuerySchema>;

const PAGE_STYLES = `
.profile{border:1px solid #e5e7eb;border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem}
.profile h3{margin:0 0 .25rem}
.profile dl,.finding-values{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
.profile dt{color:#4b5563}
.profile-actions{display:flex;flex-wrap:wrap;gap:1rem;align-items:start}
.profile-actions details{border:1px solid #e5e7eb;border-radius:.25rem;padding:.25rem .5rem}
.profile-actions summary{cursor:pointer;font-weight:600}
.create-profile{border:1px solid #e5e7eb;border-radius:.375rem;padding:.75rem 1rem;margin:1rem 0}
.create-profile label{display:block;margin:.35rem 0}
.create-profile fieldset{border:0;padding:0;margin:.5rem 0}
.form-error{padding:.5rem .75rem;border-radius:.25rem;background:#fee2e2}
.start-toasts:empty{display:none}
.toast{border:1px solid #bfdbfe;background:#eff6ff;border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0}
.toast p{margin:.25rem 0}
.findings-filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}
.findings-filters label{display:grid;font-size:.85em}
.findings-table{width:100%;border-collapse:collapse}
.findings-table th,.findings-table td{text-align:left;padding:.4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.findings-table code{white-space:pre-wrap;word-break:break-word}
`;

function Styles() {
  return (
    <>
      <style>{raw(PAGE_STYLES)}</style>
      <HtmxSwapClientErrors />
    </>
  );
}

/** An operator-safe sentence in the toast region (a start that could not be made). */
function StartError({ message }: { message: string }) {
  return (
    <div class="form-error" role="alert" data-start-error>
      {message}
    </div>
  );
}

type Access = WorkspaceAccess & { name: string; slug: string };

/** The operator's workspace with this slug; not a member and no such workspace look the same (404). */
async function findWorkspace(db: Db, userId: string, slug: string): Promise<Access> {
  const workspace = (await listWorkspaceAccess(db, userId)).find((candidate) => candidate.slug === slug);
  if (workspace === undefined) {
    throw new OperatorError("not_found", `No workspace ${JSON.stringify(slug.slice(0, 100))} for this user.`);
  }
  return workspace;
}

/** The latest snapshot of every profile of a workspace, and how many each has. One query. */
async function listLatestSnapshots(
  db: Db,
  workspaceId: string,
): Promise<Map<string, { policyCount: number; capturedAt: Date; count: number }>> {
  const result = await db.execute(sql`select distinct on (profile_id) profile_id, policy_count, captured_at,
      count(*) over (partition by profile_id) as snapshot_count
    from baseline_snapshots where workspace_id = ${workspaceId}
    order by profile_id, captured_at desc`);
  return new Map(
    result.rows.map((raw) => {
      const row = raw as {
        profile_id: string;
        policy_count: number;
        captured_at: string | Date;
        snapshot_count: string;
      };
      return [
        row.profile_id,
        {
          policyCount: Number(row.policy_count),
          capturedAt: new Date(row.captured_at),
          count: Number(row.snapshot_count),
        },
      ];
    }),
  );
}

function isHtmx(c: Context<AppEnv>): boolean {
  return c.req.header("hx-request") === "true";
}

/** Form fields of a urlencoded or multipart body; repeated fields become arrays. */
async function readForm(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!contentType.includes("form")) {
    throw new OperatorError("invalid_input", `unexpected content type ${contentType.slice(0, 100)}`);
  }
  const body = await c.req.parseBody({ all: true });
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === CSRF_FIELD) continue;
    const values = (Array.isArray(value) ? value : [value]).map((item) => (typeof item === "string" ? item : null));
    if (values.includes(null)) throw new OperatorError("invalid_input", `file upload in field ${key.slice(0, 50)}`);
    fields[key] = key === "policyKinds" ? values : values.length === 1 ? values[0] : values;
  }
  return fields;
}

interface CreateFormValues {
  name?: string;
  sourceTenant?: string;
  policyKinds?: string[];
  ignoreVersionSuffix?: boolean;
  reportUnexpected?: boolean;
}

/** Routes `/w/:workspaceSlug/baselines` (+ create, capture, compare) and `/w/:workspaceSlug/findings`. */
export function baselinesRoutes(deps: WebDeps) {
  const startDeps = { db: deps.db, runs: deps.runs, maxAttempts: deps.runMaxAttempts };

  async function renderBaselinesPage(
    c: Context<AppEnv>,
    workspace: Access,
    options: { form?: { values: CreateFormValues; error: string }; toast?: { toast: QueuedToast; runId: string } } = {},
    status: 200 | 400 | 409 = 200,
  ) {
    const operator = requireOperator(c.var.operator);
    const eventCursor = await findLatestChangeSeq(deps.db);
    const [tenants, profiles, snapshots, active] = await Promise.all([
      listTenants(deps.db, workspace.workspaceId),
      listBaselineProfiles(deps.db, workspace.workspaceId),
      listLatestSnapshots(deps.db, workspace.workspaceId),
      listActiveFeedRuns(deps.db, [workspace.workspaceId]),
    ]);
    const tenantNames = new Map(tenants.map((tenant) => [tenant.id, tenant.name]));
    const now = deps.now();
    const csrfToken = c.var.csrfToken ?? "";
    const canCapture = workspace.can(requiredCapabilityForRunType("baseline_capture"));
    const canCompare = workspace.can(requiredCapabilityForRunType("baseline_compare"));
    return c.html(
      <Layout title="Baselines" operator={operator} csrfToken={c.var.csrfToken} eventCursor={eventCursor}>
        <Styles />
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="/">{workspace.name}</a> › <span>Baselines</span>
        </nav>
        <h1>Baselines</h1>
        <p>
          <a href={findingsUrl(workspace.slug)}>Drift findings</a>
        </p>
        <div id="start-toasts" class="start-toasts" aria-live="polite">
          {options.toast ? <StartToast toast={options.toast.toast} runId={options.toast.runId} /> : null}
        </div>
        <h2>Baseline profiles</h2>
        {profiles.length === 0 ? <p class="muted">No baseline profiles yet.</p> : null}
        {profiles.map((profile) => (
          <ProfileCard
            profile={profile}
            workspaceSlug={workspace.slug}
            sourceTenantName={tenantNames.get(profile.sourceTenantId) ?? "Unknown tenant"}
            snapshot={snapshots.get(profile.id)}
            tenants={tenants}
            csrfToken={csrfToken}
            canCapture={canCapture}
            canCompare={canCompare}
          />
        ))}
        {canCapture ? (
          <CreateProfileForm
            workspaceSlug={workspace.slug}
            tenants={tenants}
            csrfToken={csrfToken}
            values={options.form?.values ?? {}}
            error={options.form?.error}
          />
        ) : null}
        {workspace.can("operations.view") ? (
          <WorkspaceActivity
            workspaceId={workspace.workspaceId}
            entries={active.map((feedRun) => toActivityEntry(feedRun, { now, staleAfterMs: deps.staleAfterMs }))}
          />
        ) : null}
      </Layout>,
      status,
    );
  }

  /** Answer a start: the toast fragment and `run-enqueued` for htmx, else back to the page (303). */
  function respondStarted(c: Context<AppEnv>, workspace: Access, started: { run: OperationRun; created: boolean }) {
    const { run, created } = started;
    if (!isHtmx(c)) {
      const query = new URLSearchParams({ started: run.id, ...(created ? {} : { again: "1" }) });
      return c.redirect(`${baselinesUrl(workspace.slug)}?${query.toString()}`, 303);
    }
    c.header("HX-Trigger", JSON.stringify({ "run-enqueued": { runId: run.id, version: run.version } }));
    return c.html(<StartToast toast={describeQueuedToast(run, { created })} runId={run.id} />);
  }

  /** A start refused for a reason the operator can fix (no snapshot, no evidence source, bad form). */
  function respondStartError(c: Context<AppEnv>, error: OperatorError, message: string) {
    const status = error.code === "invalid_input" ? 400 : 409;
    if (isHtmx(c)) return c.html(<StartError message={message} />, status);
    throw error;
  }

  /** The profile a capture or compare is for, in the workspace of the URL, with the run type's capability. */
  async function profileForStart(c: Context<AppEnv>, type: "baseline_capture" | "baseline_compare") {
    const operator = requireOperator(c.var.operator);
    const { profile, access } = await getVisibleProfile(deps.db, operator.userId, c.req.param("profileId") ?? "");
    const workspace = await findWorkspace(deps.db, operator.userId, c.req.param("workspaceSlug") ?? "");
    if (workspace.workspaceId !== access.workspaceId) {
      throw new OperatorError("not_found", `profile ${profile.id} is not in workspace ${workspace.slug}`);
    }
    assertCan(access, requiredCapabilityForRunType(type));
    return { operator, profile, workspace };
  }

  return new Hono<AppEnv>()
    .get("/w/:workspaceSlug/baselines", async (c) => {
      const operator = requireOperator(c.var.operator);
      const workspace = await findWorkspace(deps.db, operator.userId, c.req.param("workspaceSlug"));
      assertCan(workspace, "operations.view");
      const startedId = c.req.query("started");
      let toast: { toast: QueuedToast; runId: string } | undefined;
      if (startedId !== undefined && UUID.test(startedId)) {
        const found = await getVisibleRun(deps.db, operator.userId, startedId).catch(() => undefined);
        if (found !== undefined && found.run.workspaceId === workspace.workspaceId) {
          toast = {
            toast: describeQueuedToast(found.run, { created: c.req.query("again") !== "1" }),
            runId: found.run.id,
          };
        }
      }
      return renderBaselinesPage(c, workspace, toast ? { toast } : {});
    })
    .post("/w/:workspaceSlug/baselines", async (c) => {
      const operator = requireOperator(c.var.operator);
      const workspace = await findWorkspace(deps.db, operator.userId, c.req.param("workspaceSlug"));
      assertCan(workspace, "baseline.capture");
      const fields = await readForm(c);
      const parsed = createProfileSchema.safeParse(fields);
      const values: CreateFormValues = {
        ...(typeof fields.name === "string" ? { name: fields.name.slice(0, 200) } : {}),
        ...(typeof fields.sourceTenant === "string" ? { sourceTenant: fields.sourceTenant } : {}),
        ...(Array.isArray(fields.policyKinds) ? { policyKinds: fields.policyKinds as string[] } : {}),
        ignoreVersionSuffix: fields.ignoreVersionSuffix === "on",
        reportUnexpected: fields.reportUnexpected === "on",
      };
      if (!parsed.success) {
        const error = parsed.error.issues[0]?.message ?? "A value is not valid.";
        return renderBaselinesPage(c, workspace, { form: { values, error } }, 400);
      }
      const tenants = await listTenants(deps.db, workspace.workspaceId);
      if (!tenants.some((tenant) => tenant.id === parsed.data.sourceTenant)) {
        return renderBaselinesPage(c, workspace, { form: { values, error: "Choose a source tenant." } }, 400);
      }
      try {
        const { profile } = await createBaselineProfile(deps.db, {
          workspaceId: workspace.workspaceId,
          name: parsed.data.name,
          sourceTenant: parsed.data.sourceTenant,
          policyKinds: parsed.data.policyKinds,
          ignoreVersionSuffix: parsed.data.ignoreVersionSuffix === "on",
          reportUnexpected: parsed.data.reportUnexpected === "on",
        });
        return c.redirect(`${baselinesUrl(workspace.slug)}#profile-${profile.id}`, 303);
      } catch (error) {
        if (error instanceof OperatorError && error.code === "invalid_input") {
          const message =
            "A baseline profile with this name already exists with another definition. Choose another name.";
          return renderBaselinesPage(c, workspace, { form: { values, error: message } }, 409);
        }
        throw error;
      }
    })
    .post("/w/:workspaceSlug/baselines/:profileId/capture", async (c) => {
      const { operator, profile, workspace } = await profileForStart(c, "baseline_capture");
      const parsed = captureSchema.safeParse(await readForm(c));
      if (!parsed.success) {
        const message = parsed.error.issues[0]?.message ?? "The request is not valid.";
        return respondStartError(c, new OperatorError("invalid_input", message), message);
      }
      try {
        const started = await startBaselineCapture(startDeps, {
          workspaceId: workspace.workspaceId,
          profile: profile.id,
          initiator: { userId: operator.userId },
        });
        return respondStarted(c, workspace, started);
      } catch (error) {
        if (error instanceof OperatorError && error.code === "tenant_not_connected") {
          return respondStartError(c, error, "The source tenant has no evidence source connected.");
        }
        if (error instanceof OperatorError && error.code === "graph_not_connected") {
          return respondStartError(c, error, GRAPH_NOT_CONNECTED_START);
        }
        throw error;
      }
    })
    .post("/w/:workspaceSlug/baselines/:profileId/compare", async (c) => {
      const { operator, profile, workspace } = await profileForStart(c, "baseline_compare");
      const parsed = compareSchema.safeParse(await readForm(c));
      if (!parsed.success) {
        const message = parsed.error.issues[0]?.message ?? "The request is not valid.";
        return respondStartError(c, new OperatorError("invalid_input", message), message);
      }
      try {
        const started = await startBaselineCompare(startDeps, {
          workspaceId: workspace.workspaceId,
          profile: profile.id,
          tenant: parsed.data.tenant,
          initiator: { userId: operator.userId },
        });
        return respondStarted(c, workspace, started);
      } catch (error) {
        if (error instanceof OperatorError && error.code === "no_baseline_snapshot") {
          return respondStartError(c, error, "This baseline profile has no snapshot yet. Capture a baseline first.");
        }
        if (error instanceof OperatorError && error.code === "tenant_not_connected") {
          return respondStartError(c, error, "The tenant has no evidence source connected.");
        }
        if (error instanceof OperatorError && error.code === "graph_not_connected") {
          return respondStartError(c, error, GRAPH_NOT_CONNECTED_START);
        }
        if (error instanceof OperatorError && error.code === "not_found") {
          // The tenant of the form is not in this workspace: a bad form value, not a hidden resource.
          const invalid = new OperatorError("invalid_input", `compare tenant not in workspace ${workspace.slug}`);
          return respondStartError(c, invalid, "Choose a tenant to compare.");
        }
        throw error;
      }
    })
    .get("/w/:workspaceSlug/findings", async (c) => {
      const operator = requireOperator(c.var.operator);
      const workspace = await findWorkspace(deps.db, operator.userId, c.req.param("workspaceSlug"));
      assertCan(workspace, "operations.view");
      const [tenants, profiles] = await Promise.all([
        listTenants(deps.db, workspace.workspaceId),
        listBaselineProfiles(deps.db, workspace.workspaceId),
      ]);
      const parsed = findingsQuerySchema.safeParse(c.req.query());
      const query: FindingsQuery = parsed.success ? parsed.data : {};
      const form = (
        <FindingsFilterForm workspaceSlug={workspace.slug} tenants={tenants} profiles={profiles} query={query} />
      );
      const frame = (children: Child, status: 200 | 400) =>
        c.html(
          <Layout title="Drift findings" operator={operator} csrfToken={c.var.csrfToken}>
            <Styles />
            <nav class="crumbs" aria-label="Breadcrumb">
              <a href="/">{workspace.name}</a> › <a href={baselinesUrl(workspace.slug)}>Baselines</a> ›{" "}
              <span>Drift findings</span>
            </nav>
            <h1>Drift findings</h1>
            {form}
            {children}
          </Layout>,
          status,
        );
      if (!parsed.success) {
        return frame(
          <p class="form-error" role="alert">
            {parsed.error.issues[0]?.message ?? "A filter value is not valid."}
          </p>,
          400,
        );
      }
      const findings = await listFindings(deps.db, workspace.workspaceId, {
        ...(query.tenant ? { tenantId: query.tenant } : {}),
        ...(query.profile ? { profileId: query.profile } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.policy ? { policy: query.policy } : {}),
        ...(query.path ? { path: query.path } : {}),
      });
      return frame(
        findings.length === 0 ? (
          <p class="muted">No drift findings match.</p>
        ) : (
          <>
            <p class="muted">{`${formatCount(findings.length)} ${findings.length === 1 ? "drift finding" : "drift findings"}`}</p>
            <table class="findings-table">
              <thead>
                <tr>
                  <th scope="col">Policy</th>
                  <th scope="col">Finding</th>
                  <th scope="col">Setting</th>
                  <th scope="col">Expected</th>
                  <th scope="col">Actual</th>
                  <th scope="col">Status</th>
                  <th scope="col">Seen</th>
                </tr>
              </thead>
              <tbody>
                {findings.map((finding) => (
                  <tr data-finding-id={finding.id}>
                    <td>
                      <strong>{finding.policyName}</strong>
                      <br />
                      <span class="muted">{`${describePolicyKind(finding.policyKind)} · ${finding.tenantName} · ${finding.profileName}`}</span>
                      {finding.probableRename === null ? null : (
                        <>
                          <br />
                          <span data-probable-rename>{`Probably renamed: ${finding.probableRename}`}</span>
                        </>
                      )}
                    </td>
                    <td>{FINDING_KIND_NAMES[finding.kind] ?? "Other finding"}</td>
                    <td>
                      {finding.path === null ? (
                        <span class="muted">Whole policy</span>
                      ) : (
                        <>
                          {toSettingLabel(finding.path)}
                          <br />
                          <code class="muted setting-path">{finding.path}</code>
                        </>
                      )}
                    </td>
                    <td>
                      <Value value={finding.expected} kind={finding.kind} side="expected" />
                    </td>
                    <td>
                      <Value value={finding.actual} kind={finding.kind} side="actual" />
                    </td>
                    <td>
                      {Object.hasOwn(FINDING_STATUS_LABELS, finding.status)
                        ? FINDING_STATUS_LABELS[finding.status as keyof typeof FINDING_STATUS_LABELS]
                        : "Unknown status"}
                    </td>
                    <td>
                      First <Time at={finding.firstSeenAt} />
                      <br />
                      Last <Time at={finding.lastSeenAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ),
        200,
      );
    });
}

/**
 * What a side of a policy-level finding means when it carries no value: a missing policy is in
 * the baseline and not in the tenant, an unexpected one the other way round.
 */
const POLICY_PRESENCE: Readonly<Record<string, { expected: string; actual: string }>> = {
  missing_policy: { expected: "In the baseline", actual: "Not in the tenant" },
  unexpected_policy: { expected: "Not in the baseline", actual: "In the tenant" },
};

/** An expected or actual value: what its absence means; secrets are stored as "(secret)" already. */
function Value({ value, kind, side }: { value: unknown; kind: string; side: "expected" | "actual" }) {
  if (value === undefined || value === null) {
    const presence = Object.hasOwn(POLICY_PRESENCE, kind) ? POLICY_PRESENCE[kind] : undefined;
    return <span class="muted">{presence ? presence[side] : "Not set"}</span>;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return <code>{text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text}</code>;
}

function ProfileCard({
  profile,
  workspaceSlug,
  sourceTenantName,
  snapshot,
  tenants,
  csrfToken,
  canCapture,
  canCompare,
}: {
  profile: BaselineProfile;
  workspaceSlug: string;
  sourceTenantName: string;
  snapshot: { policyCount: number; capturedAt: Date; count: number } | undefined;
  tenants: Tenant[];
  csrfToken: string;
  canCapture: boolean;
  canCompare: boolean;
}) {
  const base = `${baselinesUrl(workspaceSlug)}/${encodeURIComponent(profile.id)}`;
  const options = [
    profile.ignoreVersionSuffix ? "Names match with a trailing version suffix ignored" : undefined,
    profile.reportUnexpected ? "Unexpected policies are reported" : undefined,
    profile.manageAssignments ? "Assignments are compared" : undefined,
  ].filter((option): option is string => option !== undefined);
  return (
    <section class="profile" id={`profile-${profile.id}`} data-profile-id={profile.id}>
      <h3>{profile.name}</h3>
      <dl>
        <dt>Source tenant</dt>
        <dd>{sourceTenantName}</dd>
        <dt>Policy kinds</dt>
        <dd>
          {profile.policyKinds.length === 0
            ? "All policy kinds"
            : profile.policyKinds.map((kind) => describePolicyKind(kind)).join(", ")}
        </dd>
        <dt>Options</dt>
        <dd>{options.length === 0 ? "None" : options.join("; ")}</dd>
        <dt>Latest snapshot</dt>
        <dd data-latest-snapshot>
          {snapshot === undefined ? (
            "No snapshot yet"
          ) : (
            <>
              {`${formatCount(snapshot.policyCount)} ${snapshot.policyCount === 1 ? "policy" : "policies"} · captured `}
              <Time at={snapshot.capturedAt} />
              {snapshot.count > 1 ? ` · ${formatCount(snapshot.count)} snapshots in all` : ""}
            </>
          )}
        </dd>
      </dl>
      <div class="profile-actions">
        {canCapture ? (
          <details>
            <summary>Capture baseline</summary>
            <form method="post" action={`${base}/capture`} hx-post={`${base}/capture`} hx-target="#start-toasts">
              <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
              <input type="hidden" name="confirm" value="yes" />
              <p>{`Capture the policies of ${sourceTenantName} as a new snapshot of this baseline?`}</p>
              <button type="submit">Yes, capture baseline</button>
            </form>
          </details>
        ) : null}
        {canCompare ? (
          <details>
            <summary>Compare a tenant</summary>
            {snapshot === undefined ? (
              <p class="muted">Capture a baseline first.</p>
            ) : (
              <form method="post" action={`${base}/compare`} hx-post={`${base}/compare`} hx-target="#start-toasts">
                <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
                <input type="hidden" name="confirm" value="yes" />
                <label>
                  Tenant{" "}
                  <select name="tenant">
                    {tenants.map((tenant) => (
                      <option value={tenant.id}>{tenant.name}</option>
                    ))}
                  </select>
                </label>
                <p>Compare the chosen tenant against the latest snapshot of this baseline?</p>
                <button type="submit">Yes, compare tenant</button>
              </form>
            )}
          </details>
        ) : null}
      </div>
    </section>
  );
}

function CreateProfileForm({
  workspaceSlug,
  tenants,
  csrfToken,
  values,
  error,
}: {
  workspaceSlug: string;
  tenants: Tenant[];
  csrfToken: string;
  values: CreateFormValues;
  error: string | undefined;
}) {
  return (
    <section class="create-profile">
      <h2>New baseline profile</h2>
      {error === undefined ? null : (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {tenants.length === 0 ? (
        <p class="muted">Add a tenant first: a baseline is captured from a source tenant.</p>
      ) : (
        <form method="post" action={baselinesUrl(workspaceSlug)}>
          <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
          <label>
            Name <input type="text" name="name" required maxlength={200} value={values.name ?? ""} />
          </label>
          <label>
            Source tenant{" "}
            <select name="sourceTenant">
              {tenants.map((tenant) => (
                <option value={tenant.id} selected={values.sourceTenant === tenant.id}>
                  {tenant.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>Policy kinds in scope (none chosen: all)</legend>
            {Object.values(POLICY_KINDS).map((info) => (
              <label>
                <input
                  type="checkbox"
                  name="policyKinds"
                  value={info.kind}
                  checked={values.policyKinds?.includes(info.kind) ?? false}
                />{" "}
                {info.label}
              </label>
            ))}
          </fieldset>
          <label>
            <input type="checkbox" name="ignoreVersionSuffix" checked={values.ignoreVersionSuffix ?? false} /> Match
            names with a trailing version suffix ignored (“… - v3.5” matches “… - v3.7”)
          </label>
          <label>
            <input type="checkbox" name="reportUnexpected" checked={values.reportUnexpected ?? false} /> Report policies
            the baseline does not have
          </label>
          <button type="submit">Create profile</button>
        </form>
      )}
    </section>
  );
}

function FindingsFilterForm({
  workspaceSlug,
  tenants,
  profiles,
  query,
}: {
  workspaceSlug: string;
  tenants: Tenant[];
  profiles: BaselineProfile[];
  query: FindingsQuery;
}) {
  return (
    <form method="get" action={findingsUrl(workspaceSlug)} class="findings-filters">
      <FilterSelect
        label="Tenant"
        name="tenant"
        anyLabel="Any tenant"
        options={tenants.map((tenant) => [tenant.id, tenant.name] as const)}
        selected={query.tenant}
      />
      <FilterSelect
        label="Baseline profile"
        name="profile"
        anyLabel="Any profile"
        options={profiles.map((profile) => [profile.id, profile.name] as const)}
        selected={query.profile}
      />
      <FilterSelect
        label="Finding"
        name="kind"
        anyLabel="Any finding"
        options={Object.entries(FINDING_KIND_NAMES)}
        selected={query.kind}
      />
      <FilterSelect
        label="Status"
        name="status"
        anyLabel="Any status"
        options={Object.entries(FINDING_STATUS_LABELS)}
        selected={query.status}
      />
      <label>
        Policy name contains
        <input type="text" name="policy" value={query.policy ?? ""} maxlength={200} />
      </label>
      <label>
        Setting path starts with
        <input type="text" name="path" value={query.path ?? ""} maxlength={500} />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}
