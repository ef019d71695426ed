/**
 * The CLI's client of a TenantPilot server (`--server URL --token …`): the JSON API `/api/v1`
 * with a Bearer token, answers checked with the API's own zod schemas, and the live `/events`
 * stream (text/event-stream over node:http, STACK.md G25). Errors become what a local command
 * would throw: the operator error of the answer's code, or a {@link CliError} for an unreachable
 * server and a refused token.
 * @module
 */
import http from "node:http";
import https from "node:https";
import { z } from "zod";
import { isOperatorErrorCode, OperatorError } from "../shared/operator-error.js";
import {
  baselineProfileSchema,
  errorResponseSchema,
  findingSchema,
  runListSchema,
  runSchema,
  startRunResponseSchema,
  tenantReviewSchema,
  tenantReviewSummarySchema,
  tenantSchema,
  workspaceSchema,
} from "../web/api/api-schemas.js";
import { CliError } from "./cli-error.js";
import { EXIT_BAD_INPUT, EXIT_FAILED } from "./exit-codes.js";

export type ApiRun = z.infer<typeof runSchema>;
export type ApiTenant = z.infer<typeof tenantSchema>;
export type ApiBaselineProfile = z.infer<typeof baselineProfileSchema>;
export type ApiFinding = z.infer<typeof findingSchema>;
export type ApiWorkspace = z.infer<typeof workspaceSchema>;
export type ApiStartResponse = z.infer<typeof startRunResponseSchema>;
export type ApiReviewSummary = z.infer<typeof tenantReviewSummarySchema>;
export type ApiReview = z.infer<typeof tenantReviewSchema>;

const workspacesSchema = z.object({ workspaces: z.array(workspaceSchema) });
const tenantsSchema = z.object({ tenants: z.array(tenantSchema) });
const profilesSchema = z.object({ baselineProfiles: z.array(baselineProfileSchema) });
const findingsSchema = z.object({ findings: z.array(findingSchema) });
const reviewsSchema = z.object({ reviews: z.array(tenantReviewSummarySchema) });

/** How long one API request may take, ms. */
const REQUEST_TIMEOUT_MS = 30_000;

/** One server-sent event. */
export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/** An open `/events` stream. */
export interface EventStream {
  /** Resolves when the stream ends (server closed it, network lost, or {@link EventStream.close}). */
  readonly ended: Promise<void>;
  close(): void;
}

/** The refused-token failure (401). */
function tokenRefused(): CliError {
  return new CliError(
    "unauthenticated",
    "The token was not accepted by the server. Check --token (or TENANTPILOT_TOKEN): it may be mistyped or revoked.",
    EXIT_BAD_INPUT,
  );
}

/** Client of one server with one token. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;

  /** @param baseUrl - e.g. `http://127.0.0.1:3000` (a trailing slash is ignored) */
  constructor(baseUrl: string, token: string) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      url = new URL("invalid:");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new CliError(
        "invalid_input",
        `--server must be an http:// or https:// URL, not "${baseUrl.slice(0, 200)}".`,
        EXIT_BAD_INPUT,
      );
    }
    this.baseUrl = url.toString().replace(/\/+$/, "");
    this.#token = token;
  }

  listWorkspaces(): Promise<ApiWorkspace[]> {
    return this.#request("GET", "/api/v1/workspaces", workspacesSchema).then((body) => body.workspaces);
  }

  listTenants(slug: string): Promise<ApiTenant[]> {
    return this.#request("GET", `/api/v1/workspaces/${enc(slug)}/tenants`, tenantsSchema).then((b) => b.tenants);
  }

  listProfiles(slug: string): Promise<ApiBaselineProfile[]> {
    return this.#request("GET", `/api/v1/workspaces/${enc(slug)}/baseline-profiles`, profilesSchema).then(
      (body) => body.baselineProfiles,
    );
  }

  listRuns(
    slug: string,
    query: { type?: string; status?: string; tenantId?: string; limit?: number; before?: string },
  ): Promise<z.infer<typeof runListSchema>> {
    return this.#request("GET", `/api/v1/workspaces/${enc(slug)}/runs${toQuery(query)}`, runListSchema);
  }

  getRun(runId: string): Promise<ApiRun> {
    return this.#request("GET", `/api/v1/runs/${enc(runId)}`, runSchema);
  }

  startCapture(slug: string, profileId: string): Promise<ApiStartResponse> {
    const path = `/api/v1/workspaces/${enc(slug)}/baseline-profiles/${enc(profileId)}/capture`;
    return this.#request("POST", path, startRunResponseSchema, {});
  }

  startCompare(slug: string, profileId: string, tenantId: string): Promise<ApiStartResponse> {
    const path = `/api/v1/workspaces/${enc(slug)}/baseline-profiles/${enc(profileId)}/compare`;
    return this.#request("POST", path, startRunResponseSchema, { tenantId });
  }

  listFindings(
    slug: string,
    query: { tenantId?: string; profileId?: string; status?: string; kind?: string; policy?: string; path?: string },
  ): Promise<ApiFinding[]> {
    return this.#request("GET", `/api/v1/workspaces/${enc(slug)}/findings${toQuery(query)}`, findingsSchema).then(
      (body) => body.findings,
    );
  }

  startReviewCompose(slug: string, tenantId: string, period: string): Promise<ApiStartResponse> {
    const path = `/api/v1/workspaces/${enc(slug)}/tenants/${enc(tenantId)}/reviews`;
    return this.#request("POST", path, startRunResponseSchema, { period });
  }

  startEvidenceSnapshot(slug: string, tenantId: string, period: string): Promise<ApiStartResponse> {
    const path = `/api/v1/workspaces/${enc(slug)}/tenants/${enc(tenantId)}/evidence-snapshots`;
    return this.#request("POST", path, startRunResponseSchema, { period });
  }

  listReviews(slug: string, tenantId: string): Promise<ApiReviewSummary[]> {
    const path = `/api/v1/workspaces/${enc(slug)}/tenants/${enc(tenantId)}/reviews`;
    return this.#request("GET", path, reviewsSchema).then((body) => body.reviews);
  }

  getReview(slug: string, reviewId: string): Promise<ApiReview> {
    return this.#request("GET", `/api/v1/workspaces/${enc(slug)}/reviews/${enc(reviewId)}`, tenantReviewSchema);
  }

  /** A ready review's export: its bytes (Markdown and JSON are UTF-8). */
  async exportReview(slug: string, reviewId: string, format: "md" | "pdf" | "json"): Promise<Uint8Array> {
    const path = `/api/v1/workspaces/${enc(slug)}/reviews/${enc(reviewId)}/export${toQuery({ format })}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${this.#token}`, accept: "*/*" },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 4), // a PDF renders in a browser on the server
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (!response.ok) {
      let parsed: unknown;
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
      throw toResponseError(response.status, parsed, `GET ${path}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  async #request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.output<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      if (!response.ok) throw toResponseError(response.status, undefined, `${method} ${path}`);
      throw notUnderstood(`${method} ${path}: the answer is not JSON`, error);
    }
    if (!response.ok) throw toResponseError(response.status, parsed, `${method} ${path}`);
    const result = schema.safeParse(parsed);
    if (!result.success) throw notUnderstood(`${method} ${path}: ${result.error.message}`, result.error);
    return result.data;
  }

  /**
   * Open the live event stream `/events`; resolves once the server has registered it (its `ready`
   * event), so no change after that is missed. `onEvent` receives every later event.
   */
  openEvents(onEvent: (event: ServerEvent) => void): Promise<EventStream> {
    const url = new URL(`${this.baseUrl}/events`);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      let endStream: () => void = () => undefined;
      const ended = new Promise<void>((done) => {
        endStream = done;
      });
      const request = transport.get(
        url,
        {
          headers: {
            authorization: `Bearer ${this.#token}`,
            accept: "text/event-stream, application/json",
            "cache-control": "no-cache",
          },
        },
        (response) => {
          if (response.statusCode !== 200) {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
              if (text.length < 100_000) text += chunk;
            });
            response.on("end", () => {
              let parsed: unknown;
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = undefined;
              }
              settled = true;
              reject(toResponseError(response.statusCode ?? 0, parsed, "GET /events"));
              endStream();
            });
            return;
          }
          response.setEncoding("utf8");
          const parser = new EventStreamParser((event) => {
            if (!settled && event.event === "ready") {
              settled = true;
              resolve({ ended, close: () => request.destroy() });
              return;
            }
            if (settled) onEvent(event);
          });
          response.on("data", (chunk: string) => parser.push(chunk));
          response.on("close", () => {
            endStream();
            if (!settled) {
              settled = true;
              reject(this.#unreachable(new Error("the event stream closed before it was ready")));
            }
          });
        },
      );
      request.on("error", (error) => {
        endStream();
        if (!settled) {
          settled = true;
          reject(this.#unreachable(error));
        }
      });
    });
  }

  #unreachable(error: unknown): CliError {
    const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
    const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
    const reason = code ? ` (${code})` : (error as Error)?.name === "TimeoutError" ? " (timed out)" : "";
    return new CliError(
      "server_unreachable",
      `The server could not be reached at ${this.baseUrl}${reason}.`,
      EXIT_FAILED,
      { cause: error },
    );
  }
}

/** Parser of text/event-stream: lines `event:`, `data:`, `id:`; a blank line dispatches. */
export class EventStreamParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #id: string | undefined;
  readonly #dispatch: (event: ServerEvent) => void;

  constructor(dispatch: (event: ServerEvent) => void) {
    this.#dispatch = dispatch;
  }

  push(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (match === null || (match[0] === "\r" && match.index === this.#buffer.length - 1)) return;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === "") {
      if (this.#data.length > 0 || this.#event !== "") {
        this.#dispatch({
          event: this.#event || "message",
          data: this.#data.join("\n"),
          ...(this.#id === undefined ? {} : { id: this.#id }),
        });
      }
      this.#event = "";
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id") this.#id = value;
  }
}

/** The error a non-2xx answer means for the CLI. */
function toResponseError(status: number, body: unknown, what: string): Error {
  if (status === 401) return tokenRefused();
  const parsed = errorResponseSchema.safeParse(body);
  if (parsed.success && isOperatorErrorCode(parsed.data.error.code)) {
    const issues = parsed.data.error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    return new OperatorError(
      parsed.data.error.code,
      `The server answered ${status} to ${what}${issues ? `: ${issues}` : ""}.`,
    );
  }
  return new CliError(
    "internal_error",
    `The server answered ${what} with an unexpected error (HTTP ${status}).`,
    EXIT_FAILED,
  );
}

function notUnderstood(detail: string, cause: unknown): CliError {
  return new CliError(
    "internal_error",
    `The server's answer was not understood; is it a TenantPilot server of the same version? (${detail.slice(0, 300)})`,
    EXIT_FAILED,
    { cause },
  );
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

function toQuery(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
