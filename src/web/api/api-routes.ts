/**
 * The JSON API `/api/v1` (DESIGN.md §10): tenants, baseline profiles, runs (list, get, start capture
 * and compare), findings and the caller's API tokens. Every route authenticates (session or Bearer
 * token) and asks the access policy (DESIGN.md §6); errors are `{ error: { code, message } }`.
 * Mounted at /api/v1 by app.tsx.
 * @module
 */

import type { Context } from "hono";
import { Hono } from "hono";
import {
  assertCan,
  getVisibleProfile,
  getVisibleRun,
  getVisibleTenant,
  listWorkspaceAccess,
  requiredCapabilityForRunType,
  type WorkspaceAccess,
} from "../../access/access-policy.js";
import { createApiToken, listApiTokens, revokeApiToken } from "../../access/authentication.js";
import { CAPABILITIES } from "../../access/capabilities.js";
import { listBaselineProfiles } from "../../baselines/baseline-profiles.js";
import { startBaselineCapture, startBaselineCompare } from "../../baselines/baseline-runs.js";
import { listFindings } from "../../baselines/drift-findings.js";
import { startPeriodRun } from "../../evidence/evidence-runs.js";
import { listTenants } from "../../inventory/tenants.js";
import { describeProgress } from "../../operations/progress-contract.js";
import { describeQueuedToast, describeRunHeadline } from "../../operations/run-presenter.js";
import { listRuns } from "../../operations/run-queries.js";
import { findContextValue, type OperationRun } from "../../operations/run-record.js";
import { findReviewPeriodProblem, parseReviewPeriod, REVIEW_PERIOD_PROBLEMS } from "../../reviews/review-period.js";
import { getTenantReview, listTenantReviews } from "../../reviews/tenant-reviews.js";
import { OPERATOR_ERRORS, OperatorError } from "../../shared/operator-error.js";
import { requireOperator } from "../require-operator.js";
import { DEFAULT_CHROMIUM_PATH, respondWithExport, toReviewExport } from "../review-export.js";
import { addGraphConnectionApiRoutes } from "../routes/tenant-connections.js";
import type { AppEnv, WebDeps } from "../web-env.js";
import { ApiInputError, parseInput, parseJsonBody } from "./api-input.js";
import {
  captureBodySchema,
  compareBodySchema,
  createTokenBodySchema,
  findingListQuerySchema,
  reviewExportQuerySchema,
  reviewPeriodBodySchema,
  runListQuerySchema,
  toApiReviewSummary,
  workspaceSlugSchema,
} from "./api-schemas.js";
import { buildOpenApiDocument } from "./openapi.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run as the API shows it: diagnostics only when allowed, no worker or resume internals. */
export function toApiRun(
  run: OperationRun,
  options: { diagnostics: boolean; now: Date; staleAfterMs: number },
): Record<string, unknown> {
  const failure =
    run.failure === null
      ? null
      : options.diagnostics
        ? run.failure
        : { code: run.failure.code, message: run.failure.message };
  const context: Record<string, unknown> = {};
  for (const namespace of ["inputs", "progress", "result"] as const) {
    const value = findContextValue(run.context, namespace);
    if (value !== undefined) context[namespace] = value;
  }
  const progressOptions = { staleAfterMs: options.staleAfterMs };
  return {
    id: run.id,
    workspaceId: run.workspaceId,
    tenantId: run.tenantId,
    type: run.type,
    initiatorUserId: run.initiatorUserId,
    initiatorLabel: run.initiatorLabel,
    status: run.status,
    outcome: run.outcome,
    context,
    summaryCounts: run.summaryCounts ?? {},
    failure,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    completedAt: run.completedAt?.toISOString() ?? null,
    heartbeatAt: run.heartbeatAt?.toISOString() ?? null,
    attempt: run.attempt,
    version: run.version,
    headline: describeRunHeadline(run, options.now, progressOptions),
    progress: describeProgress(run, options.now, progressOptions),
  };
}

/** Keyset cursor of the run list: base64url of "createdAt|id". */
export function toRunCursor(run: Pick<OperationRun, "createdAt" | "id">): string {
  return Buffer.from(`${run.createdAt.toISOString()}|${run.id}`).toString("base64url");
}

function parseRunCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (rest.length > 0 || id === undefined || !UUID.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new ApiInputError("bad run cursor", [{ path: "query.before", message: "Not a cursor from `next`." }]);
  }
  return { createdAt, id };
}

/**
 * The caller's access to the workspace with `slug`, optionally requiring a capability.
 * @throws {OperatorError} not_found – not a member (or no such workspace); forbidden – lacks `capability`
 */
async function getWorkspaceBySlug(
  deps: WebDeps,
  userId: string,
  slug: string,
  capability?: Parameters<typeof assertCan>[1],
): Promise<WorkspaceAccess & { slug: string; name: string }> {
  const valid = workspaceSlugSchema.safeParse(slug);
  const access = valid.success
    ? (await listWorkspaceAccess(deps.db, userId)).find((entry) => entry.slug === valid.data)
    : undefined;
  if (!access) throw new OperatorError("not_found", `No workspace "${slug.slice(0, 100)}" visible to this user.`);
  if (capability !== undefined) assertCan(access, capability);
  return access;
}

function queryOf(c: Context<AppEnv>): Record<string, string> {
  return c.req.query();
}

/** The `/api/v1` sub-app. */
export function apiRoutes(deps: WebDeps) {
  const api = new Hono<AppEnv>();

  // The document describes the API; it discloses no data, so integrations may fetch it unauthenticated.
  api.get("/openapi.json", (c) => c.json(buildOpenApiDocument()));

  api.use("*", async (c, next) => {
    requireOperator(c.var.operator);
    await next();
  });

  api.get("/workspaces", async (c) => {
    const operator = requireOperator(c.var.operator);
    const accesses = await listWorkspaceAccess(deps.db, operator.userId);
    return c.json({
      workspaces: accesses.map((access) => ({
        id: access.workspaceId,
        slug: access.slug,
        name: access.name,
        role: access.role,
        capabilities: CAPABILITIES.filter((capability) => access.can(capability)),
      })),
    });
  });

  api.get("/workspaces/:slug/tenants", async (c) => {
    const operator = requireOperator(c.var.operator);
    const access = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"), "operations.view");
    const tenants = await listTenants(deps.db, access.workspaceId);
    return c.json({
      tenants: tenants.map((tenant) => ({
        id: tenant.id,
        name: tenant.name,
        entraTenantId: tenant.entraTenantId,
        evidenceSource: tenant.evidenceSource ? { kind: tenant.evidenceSource.kind } : null,
        createdAt: tenant.createdAt.toISOString(),
      })),
    });
  });

  api.get("/workspaces/:slug/baseline-profiles", async (c) => {
    const operator = requireOperator(c.var.operator);
    const access = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"), "operations.view");
    const profiles = await listBaselineProfiles(deps.db, access.workspaceId);
    return c.json({
      baselineProfiles: profiles.map((profile) => ({
        id: profile.id,
        name: profile.name,
        sourceTenantId: profile.sourceTenantId,
        policyKinds: profile.policyKinds,
        ignoreVersionSuffix: profile.ignoreVersionSuffix,
        reportUnexpected: profile.reportUnexpected,
        createdAt: profile.createdAt.toISOString(),
      })),
    });
  });

  api.get("/workspaces/:slug/runs", async (c) => {
    const operator = requireOperator(c.var.operator);
    const access = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"), "operations.view");
    const query = parseInput(runListQuerySchema, queryOf(c), "query");
    const limit = query.limit ?? 50;
    const runs = await listRuns(deps.db, access.workspaceId, {
      ...(query.type ? { type: query.type } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.tenantId ? { tenantId: query.tenantId } : {}),
      ...(query.before ? { before: parseRunCursor(query.before) } : {}),
      limit: limit + 1, // one extra row tells whether another page exists
    });
    const page = runs.slice(0, limit);
    const last = page.at(-1);
    const now = deps.now();
    const diagnostics = access.can("operations.diagnostics");
    return c.json({
      runs: page.map((run) => toApiRun(run, { diagnostics, now, staleAfterMs: deps.staleAfterMs })),
      next: runs.length > limit && last ? toRunCursor(last) : null,
    });
  });

  api.get("/runs/:id", async (c) => {
    const operator = requireOperator(c.var.operator);
    const { run, access } = await getVisibleRun(deps.db, operator.userId, c.req.param("id"));
    const diagnostics = access.can("operations.diagnostics");
    return c.json(toApiRun(run, { diagnostics, now: deps.now(), staleAfterMs: deps.staleAfterMs }));
  });

  api.post("/workspaces/:slug/baseline-profiles/:profileId/capture", async (c) => {
    const operator = requireOperator(c.var.operator);
    const capability = requiredCapabilityForRunType("baseline_capture");
    const workspace = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"));
    const { profile } = await getVisibleProfile(deps.db, operator.userId, c.req.param("profileId"), capability);
    if (profile.workspaceId !== workspace.workspaceId) throw profileNotInWorkspace(profile.id);
    await parseJsonBody(c.req, captureBodySchema);
    const started = await startBaselineCapture(
      { db: deps.db, runs: deps.runs, maxAttempts: deps.runMaxAttempts },
      { workspaceId: workspace.workspaceId, profile: profile.id, initiator: { userId: operator.userId } },
    );
    return c.json(toStartResponse(deps, started, workspace), started.created ? 202 : 200);
  });

  api.post("/workspaces/:slug/baseline-profiles/:profileId/compare", async (c) => {
    const operator = requireOperator(c.var.operator);
    const capability = requiredCapabilityForRunType("baseline_compare");
    const workspace = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"));
    const { profile } = await getVisibleProfile(deps.db, operator.userId, c.req.param("profileId"), capability);
    if (profile.workspaceId !== workspace.workspaceId) throw profileNotInWorkspace(profile.id);
    const body = await parseJsonBody(c.req, compareBodySchema);
    const { tenant } = await getVisibleTenant(deps.db, operator.userId, body.tenantId, capability);
    if (tenant.workspaceId !== workspace.workspaceId) {
      throw new OperatorError("not_found", `Tenant ${tenant.id} is not in workspace ${workspace.slug}.`);
    }
    const started = await startBaselineCompare(
      { db: deps.db, runs: deps.runs, maxAttempts: deps.runMaxAttempts },
      {
        workspaceId: workspace.workspaceId,
        profile: profile.id,
        tenant: tenant.id,
        initiator: { userId: operator.userId },
      },
    );
    return c.json(toStartResponse(deps, started, workspace), started.created ? 202 : 200);
  });

  api.get("/workspaces/:slug/findings", async (c) => {
    const operator = requireOperator(c.var.operator);
    const access = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug"), "operations.view");
    const query = parseInput(findingListQuerySchema, queryOf(c), "query");
    const findings = await listFindings(deps.db, access.workspaceId, {
      ...(query.tenantId ? { tenantId: query.tenantId } : {}),
      ...(query.profileId ? { profileId: query.profileId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.policy ? { policy: query.policy } : {}),
      ...(query.path ? { path: query.path } : {}),
    });
    return c.json({
      findings: findings.map((finding) => ({
        ...finding,
        firstSeenAt: finding.firstSeenAt.toISOString(),
        lastSeenAt: finding.lastSeenAt.toISOString(),
        resolvedAt: finding.resolvedAt?.toISOString() ?? null,
      })),
    });
  });

  api.get("/tokens", async (c) => {
    const operator = requireOperator(c.var.operator);
    const tokens = await listApiTokens(deps.db, operator.userId);
    return c.json({
      tokens: tokens.map((token) => ({
        id: token.id,
        name: token.name,
        createdAt: token.createdAt.toISOString(),
        lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
        revokedAt: token.revokedAt?.toISOString() ?? null,
      })),
    });
  });

  api.post("/tokens", async (c) => {
    const operator = requireOperator(c.var.operator);
    // A leaked token must not be able to mint more tokens that outlive its revocation.
    if (c.var.authenticatedBy !== "session") {
      throw new OperatorError("forbidden", "API tokens are created from a signed-in session only.");
    }
    const body = await parseJsonBody(c.req, createTokenBodySchema);
    return c.json(await createApiToken(deps.db, operator.userId, body.name), 201);
  });

  api.delete("/tokens/:id", async (c) => {
    const operator = requireOperator(c.var.operator);
    const id = c.req.param("id");
    const owned = UUID.test(id) && (await listApiTokens(deps.db, operator.userId)).some((token) => token.id === id);
    if (!owned) throw new OperatorError("not_found", `No API token ${id.slice(0, 100)} of this user.`);
    await revokeApiToken(deps.db, operator.userId, id, deps.now()); // idempotent: revoked stays revoked
    return c.body(null, 204);
  });

  // ---- tenant reviews and evidence snapshots (issue 4) ----

  /** The tenant of `:tenantId` in the workspace of `:slug`, requiring `capability` of the caller. */
  async function tenantInWorkspace(c: Context<AppEnv>, capability: Parameters<typeof assertCan>[1]) {
    const operator = requireOperator(c.var.operator);
    const workspace = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug") ?? "");
    const { tenant } = await getVisibleTenant(deps.db, operator.userId, c.req.param("tenantId") ?? "", capability);
    if (tenant.workspaceId !== workspace.workspaceId) {
      throw new OperatorError("not_found", `Tenant ${tenant.id} is not in workspace ${workspace.slug}.`);
    }
    return { operator, workspace, tenant };
  }

  /** The canonical key of a period the caller sent; a bad one is an input error naming `body.period`. */
  function parsePeriodInput(period: string): string {
    try {
      return parseReviewPeriod(period, deps.now()).key;
    } catch (error) {
      if (!(error instanceof OperatorError)) throw error;
      const problem = REVIEW_PERIOD_PROBLEMS[findReviewPeriodProblem(period, deps.now()) ?? "unknown_spelling"];
      throw new ApiInputError(error.message, [
        { path: "body.period", message: `${problem.charAt(0).toUpperCase()}${problem.slice(1)}` },
      ]);
    }
  }

  /** A review of the workspace of `:slug`, for a member with operations.view. */
  async function reviewInWorkspace(c: Context<AppEnv>) {
    const operator = requireOperator(c.var.operator);
    const workspace = await getWorkspaceBySlug(deps, operator.userId, c.req.param("slug") ?? "", "operations.view");
    const reviewId = c.req.param("reviewId") ?? "";
    if (!UUID.test(reviewId)) throw new OperatorError("not_found", `No review ${reviewId.slice(0, 100)}.`);
    return getTenantReview(deps.db, workspace.workspaceId, reviewId);
  }

  /** Start a review-family run (compose or evidence) of the tenant for the period in the body. */
  function startPeriodRunRoute(type: "tenant.review.compose" | "evidence_snapshot.generate") {
    return async (c: Context<AppEnv>) => {
      const { operator, workspace, tenant } = await tenantInWorkspace(c, requiredCapabilityForRunType(type));
      const body = await parseJsonBody(c.req, reviewPeriodBodySchema);
      const started = await startPeriodRun(
        { db: deps.db, runs: deps.runs, maxAttempts: deps.runMaxAttempts, now: deps.now },
        type,
        {
          workspaceId: workspace.workspaceId,
          tenant: tenant.id,
          period: parsePeriodInput(body.period),
          initiator: { userId: operator.userId },
        },
      );
      return c.json(toStartResponse(deps, started, workspace), started.created ? 202 : 200);
    };
  }

  api.post("/workspaces/:slug/tenants/:tenantId/reviews", startPeriodRunRoute("tenant.review.compose"));

  api.get("/workspaces/:slug/tenants/:tenantId/reviews", async (c) => {
    const { workspace, tenant } = await tenantInWorkspace(c, "operations.view");
    const reviews = await listTenantReviews(deps.db, workspace.workspaceId, tenant.id);
    return c.json({ reviews: reviews.map((review) => toApiReviewSummary(review)) });
  });

  api.get("/workspaces/:slug/reviews/:reviewId", async (c) => {
    const review = await reviewInWorkspace(c);
    return c.json({
      ...toApiReviewSummary(review),
      workspaceId: review.workspaceId,
      tenantName: review.tenantName,
      entraTenantId: review.entraTenantId,
      sections: review.sections,
    });
  });

  api.get("/workspaces/:slug/reviews/:reviewId/export", async (c) => {
    const review = await reviewInWorkspace(c);
    const query = parseInput(reviewExportQuerySchema, queryOf(c), "query");
    const exported = await toReviewExport(review, query.format, {
      chromiumPath: deps.chromiumPath ?? DEFAULT_CHROMIUM_PATH,
    });
    return respondWithExport(c, exported);
  });

  api.post("/workspaces/:slug/tenants/:tenantId/evidence-snapshots", startPeriodRunRoute("evidence_snapshot.generate"));

  addGraphConnectionApiRoutes(api, deps);

  // Unknown API paths answer in JSON too, instead of falling through to the HTML 404 page.
  api.all("*", () => {
    throw new OperatorError("not_found", "no such API route");
  });

  // Input errors carry their issues; everything else is shaped by app.tsx's onError.
  api.onError((error, c) => {
    if (error instanceof ApiInputError) {
      return c.json({ error: { code: error.code, message: OPERATOR_ERRORS[error.code], issues: error.issues } }, 400);
    }
    throw error;
  });
  return api;
}

function profileNotInWorkspace(profileId: string): OperatorError {
  return new OperatorError("not_found", `Baseline profile ${profileId} is not in this workspace.`);
}

function toStartResponse(
  deps: WebDeps,
  started: { run: OperationRun; created: boolean },
  access: WorkspaceAccess,
): Record<string, unknown> {
  return {
    run: toApiRun(started.run, {
      diagnostics: access.can("operations.diagnostics"),
      now: deps.now(),
      staleAfterMs: deps.staleAfterMs,
    }),
    created: started.created,
    toast: describeQueuedToast(started.run, { created: started.created }),
  };
}
