/**
 * The OpenAPI 3.1 document of `/api/v1`, written from the same zod schemas the routes parse with
 * (`z.toJSONSchema`), served at `/api/v1/openapi.json`.
 * @see https://spec.openapis.org/oas/v3.1.0
 * @module
 */
import { z } from "zod";
import {
  baselineProfileSchema,
  captureBodySchema,
  compareBodySchema,
  createdTokenSchema,
  createTokenBodySchema,
  errorResponseSchema,
  findingListQuerySchema,
  findingSchema,
  reviewExportQuerySchema,
  reviewPeriodBodySchema,
  runListQuerySchema,
  runListSchema,
  runSchema,
  startRunResponseSchema,
  tenantReviewSchema,
  tenantReviewSummarySchema,
  tenantSchema,
  tokenInfoSchema,
  workspaceSchema,
} from "./api-schemas.js";
import {
  graphConnectionBodySchema,
  graphConnectionResponseSchema,
  graphConnectionTestResponseSchema,
} from "./graph-connection-schemas.js";

type Method = "get" | "post" | "put" | "delete";

/** One documented operation. `path` uses OpenAPI's `{param}` form, relative to /api/v1. */
export interface ApiOperation {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  /** Capability the caller needs in the workspace (documentation only; the policy decides). */
  capability?: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /**
   * Success responses by status. `null` schema: no body (or, with `media`, a non-JSON body).
   * `media`: the response's media types and their JSON schemas, instead of application/json.
   */
  responses: Record<
    number,
    { description: string; schema: z.ZodType | null; media?: Record<string, Record<string, unknown>> }
  >;
  /** Error statuses this operation can answer besides 401 and 500. */
  errors: number[];
  /** False only for the document itself. (Default: true) */
  authenticated?: boolean;
}

const SLUG_DESCRIPTION = "The workspace's slug.";
const list = <T extends z.ZodType>(key: string, item: T) => z.object({ [key]: z.array(item) });

/** Every route of the JSON API. The test compares this list with the app's routes. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document.",
    responses: { 200: { description: "The OpenAPI document.", schema: null } },
    errors: [],
    authenticated: false,
  },
  {
    method: "get",
    path: "/workspaces",
    operationId: "listWorkspaces",
    summary: "The caller's workspaces with their role and capabilities.",
    responses: { 200: { description: "Workspaces.", schema: list("workspaces", workspaceSchema) } },
    errors: [],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/tenants",
    operationId: "listTenants",
    summary: "Tenants of a workspace.",
    capability: "operations.view",
    responses: { 200: { description: "Tenants by name.", schema: list("tenants", tenantSchema) } },
    errors: [403, 404],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/baseline-profiles",
    operationId: "listBaselineProfiles",
    summary: "Baseline profiles of a workspace.",
    capability: "operations.view",
    responses: {
      200: { description: "Baseline profiles.", schema: list("baselineProfiles", baselineProfileSchema) },
    },
    errors: [403, 404],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/runs",
    operationId: "listRuns",
    summary: "Operation runs of a workspace, newest first, keyset-paginated (`next` → `before`).",
    capability: "operations.view",
    query: runListQuerySchema,
    responses: { 200: { description: "One page of runs.", schema: runListSchema } },
    errors: [400, 403, 404],
  },
  {
    method: "get",
    path: "/runs/{id}",
    operationId: "getRun",
    summary: "One operation run with its progress view and headline.",
    capability: "operations.view",
    responses: { 200: { description: "The run.", schema: runSchema } },
    errors: [403, 404],
  },
  {
    method: "post",
    path: "/workspaces/{slug}/baseline-profiles/{profileId}/capture",
    operationId: "startBaselineCapture",
    summary: "Queue a baseline capture of the profile's source tenant.",
    capability: "baseline.capture",
    body: captureBodySchema,
    responses: {
      202: { description: "Queued.", schema: startRunResponseSchema },
      200: { description: "The same capture was already active; `run` is that run.", schema: startRunResponseSchema },
    },
    errors: [400, 403, 404, 409, 413],
  },
  {
    method: "post",
    path: "/workspaces/{slug}/baseline-profiles/{profileId}/compare",
    operationId: "startBaselineCompare",
    summary: "Queue a compare of a tenant against the profile's latest snapshot.",
    capability: "baseline.compare",
    body: compareBodySchema,
    responses: {
      202: { description: "Queued.", schema: startRunResponseSchema },
      200: { description: "The same compare was already active; `run` is that run.", schema: startRunResponseSchema },
    },
    errors: [400, 403, 404, 409, 413],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/findings",
    operationId: "listFindings",
    summary: "Drift findings of a workspace (up to 500), by tenant, policy and path.",
    capability: "operations.view",
    query: findingListQuerySchema,
    responses: { 200: { description: "Findings.", schema: list("findings", findingSchema) } },
    errors: [400, 403, 404],
  },
  {
    method: "post",
    path: "/workspaces/{slug}/tenants/{tenantId}/reviews",
    operationId: "startTenantReviewCompose",
    summary:
      "Queue the composition of a tenant review for a period. It generates the period's evidence snapshot first when none exists; while it runs, its progress is a composite summary of the operations the review is based on.",
    capability: "tenant_review.manage",
    body: reviewPeriodBodySchema,
    responses: {
      202: { description: "Queued.", schema: startRunResponseSchema },
      200: {
        description: "The same compose (tenant and period) was already active; `run` is that run.",
        schema: startRunResponseSchema,
      },
    },
    errors: [400, 403, 404, 409, 413],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/tenants/{tenantId}/reviews",
    operationId: "listTenantReviews",
    summary: "A tenant's reviews, newest period first (no sections).",
    capability: "operations.view",
    responses: { 200: { description: "Reviews.", schema: list("reviews", tenantReviewSummarySchema) } },
    errors: [403, 404],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/reviews/{reviewId}",
    operationId: "getTenantReview",
    summary: "One tenant review with its sections (a draft has none or some; a ready review never changes).",
    capability: "operations.view",
    responses: { 200: { description: "The review.", schema: tenantReviewSchema } },
    errors: [403, 404],
  },
  {
    method: "get",
    path: "/workspaces/{slug}/reviews/{reviewId}/export",
    operationId: "exportTenantReview",
    summary:
      'A ready review as a download: Markdown, PDF or JSON, with `Content-Disposition: attachment; filename="<tenant>-review-<period>-<first 8 of id>.<ext>"`. A draft answers 409 review_not_ready.',
    capability: "operations.view",
    query: reviewExportQuerySchema,
    responses: {
      200: {
        description: "The export, in the media type of `format`.",
        schema: null,
        media: {
          "text/markdown": { type: "string" },
          "application/pdf": { type: "string", format: "binary" },
          "application/json": { type: "object", description: "The review's integration JSON." },
        },
      },
    },
    errors: [400, 403, 404, 409],
  },
  {
    method: "post",
    path: "/workspaces/{slug}/tenants/{tenantId}/evidence-snapshots",
    operationId: "startEvidenceSnapshot",
    summary:
      "Queue an evidence snapshot of a tenant for a period: inventory coverage, drift per baseline profile and counts of the period's operation runs (a counted run: one step per evidence source).",
    capability: "tenant_review.manage",
    body: reviewPeriodBodySchema,
    responses: {
      202: { description: "Queued.", schema: startRunResponseSchema },
      200: {
        description: "The same snapshot (tenant and period) was already being generated; `run` is that run.",
        schema: startRunResponseSchema,
      },
    },
    errors: [400, 403, 404, 409, 413],
  },
  {
    method: "get",
    path: "/tenants/{tenantId}/graph-connection",
    operationId: "getGraphConnection",
    summary: "The tenant's Microsoft Graph connection (app registration), without any secret material.",
    capability: "tenants.manage",
    responses: { 200: { description: "The connection.", schema: graphConnectionResponseSchema } },
    errors: [403, 404, 409],
  },
  {
    method: "put",
    path: "/tenants/{tenantId}/graph-connection",
    operationId: "putGraphConnection",
    summary:
      "Connect the tenant to Microsoft Graph with an app registration, or replace its connection; the tenant's evidence source becomes Graph. The client secret or private key is write-only (stored encrypted, never returned); without one, the stored credential of the same app registration is kept.",
    capability: "tenants.manage",
    body: graphConnectionBodySchema,
    responses: {
      200: { description: "Replaced.", schema: graphConnectionResponseSchema },
      201: { description: "Connected.", schema: graphConnectionResponseSchema },
    },
    errors: [400, 403, 404, 413],
  },
  {
    method: "post",
    path: "/tenants/{tenantId}/graph-connection/test",
    operationId: "testGraphConnection",
    summary:
      "Sign in with the app registration and read one device configuration; the operator-safe result is stored on the connection.",
    capability: "tenants.manage",
    responses: {
      200: { description: "The outcome (ok false is still a 200).", schema: graphConnectionTestResponseSchema },
    },
    errors: [403, 404, 409],
  },
  {
    method: "get",
    path: "/tokens",
    operationId: "listApiTokens",
    summary: "The caller's API tokens (never the token itself).",
    responses: { 200: { description: "Tokens, newest first.", schema: list("tokens", tokenInfoSchema) } },
    errors: [],
  },
  {
    method: "post",
    path: "/tokens",
    operationId: "createApiToken",
    summary: "Create an API token for the signed-in user (session only). The token is shown once.",
    body: createTokenBodySchema,
    responses: { 201: { description: "The new token.", schema: createdTokenSchema } },
    errors: [400, 403, 413],
  },
  {
    method: "delete",
    path: "/tokens/{id}",
    operationId: "revokeApiToken",
    summary: "Revoke one of the caller's API tokens.",
    responses: { 204: { description: "Revoked (also when it already was).", schema: null } },
    errors: [404],
  },
];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "invalid_input: the body, query or a parameter is malformed; `issues` names the fields.",
  401: "unauthenticated: no session and no valid API token.",
  403: "forbidden: a member of the workspace without the capability.",
  404: "not_found: no such item, or not a member of its workspace (indistinguishable).",
  409: "A precondition does not hold (no_baseline_snapshot, tenant_not_connected, graph_not_connected, review_not_ready).",
  413: "payload_too_large: the body is over 64 KiB.",
  500: "internal_error.",
};

function toJsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

function toParameters(operation: ApiOperation): unknown[] {
  const parameters: unknown[] = [];
  for (const [, name] of operation.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({
      name,
      in: "path",
      required: true,
      schema: name === "slug" ? { type: "string" } : { type: "string", format: "uuid" },
      ...(name === "slug" ? { description: SLUG_DESCRIPTION } : {}),
    });
  }
  if (operation.query) {
    const schema = toJsonSchema(operation.query, "input") as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({ name, in: "query", required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  return parameters;
}

function toOperationObject(operation: ApiOperation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.media
        ? {
            content: Object.fromEntries(Object.entries(response.media).map(([type, schema]) => [type, { schema }])),
          }
        : response.schema
          ? { content: { "application/json": { schema: toJsonSchema(response.schema, "output") } } }
          : {}),
    };
  }
  const authenticated = operation.authenticated ?? true;
  for (const status of [...operation.errors, ...(authenticated ? [401] : []), 500]) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? "Error.",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.capability ? { description: `Requires the capability \`${operation.capability}\`.` } : {}),
    parameters: toParameters(operation),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.method !== "post" || !operation.path.endsWith("/capture"),
            content: { "application/json": { schema: toJsonSchema(operation.body, "input") } },
          },
        }
      : {}),
    responses,
    security: authenticated ? [{ bearerToken: [] }, { sessionCookie: [] }] : [],
  };
}

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document of every operation in {@link API_OPERATIONS}. Built once. */
export function buildOpenApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of API_OPERATIONS) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = toOperationObject(operation);
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "TenantPilot API",
      version: "1.0.0",
      description:
        "Tenants, baseline profiles, operation runs, drift findings, evidence snapshots and tenant reviews. Authenticate with " +
        "`Authorization: Bearer tp_…` (create a token with POST /tokens from a signed-in session). " +
        "Requests that use the browser session cookie instead must send the session's CSRF token in " +
        "`X-CSRF-Token` on POST and DELETE (the web pages carry it in `hx-headers`); Bearer requests need none. " +
        "Errors are `{ error: { code, message } }`.",
    },
    servers: [{ url: "/api/v1" }],
    paths,
    components: {
      schemas: { Error: toJsonSchema(errorResponseSchema, "output") },
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "A per-user API token (tp_…)." },
        sessionCookie: { type: "apiKey", in: "cookie", name: "tp_session" },
      },
    },
  };
  return cached;
}
