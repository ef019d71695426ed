/**
 * CLI commands of tenant reviews and evidence snapshots (issue 4, point 4): `reviews compose | list
 * | show | export` and `evidence generate`, on the local database (with an in-process worker, like
 * `baselines compare`) or, with `--server`, through the JSON API and its live stream. Both modes
 * print the same lines and the same `--json` shapes (the API's).
 * @module
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { startEvidenceSnapshot } from "../../evidence/evidence-runs.js";
import { getTenantByName, listTenants } from "../../inventory/tenants.js";
import { describeQueuedToast, describeTerminalNotification } from "../../operations/run-presenter.js";
import type { OperationRun } from "../../operations/run-record.js";
import { renderReviewMarkdown } from "../../reviews/render/index.js";
import type { TenantReviewDocument } from "../../reviews/review-content.js";
import { findReviewPeriodProblem, parseReviewPeriod, REVIEW_PERIOD_PROBLEMS } from "../../reviews/review-period.js";
import { startReviewCompose } from "../../reviews/review-runs.js";
import { getTenantReview, listTenantReviews } from "../../reviews/tenant-reviews.js";
import { OperatorError } from "../../shared/operator-error.js";
import { toApiReviewSummary } from "../../web/api/api-schemas.js";
import { type ReviewExportFormat, toReviewExport } from "../../web/review-export.js";
import type { ApiReview, ApiReviewSummary, ApiRun, ApiStartResponse } from "../api-client.js";
import type { CliContext } from "../cli-context.js";
import { EXIT_OK } from "../exit-codes.js";
import { describeRunSubject, type RunNames } from "../render.js";
import { shutdownSignal } from "../shutdown.js";
import { watchRuns } from "../watch.js";
import {
  exitCodeForRuns,
  joinNotification,
  type StartOptions,
  sayQueued,
  startLocalWorker,
  stopLocalWorker,
  toPublicRun,
} from "./operations-commands.js";
import { fromApiRun, type RemoteContext, resolveTenant, watchRemoteRuns } from "./remote-commands.js";

/** Options of `reviews compose` and `evidence generate`. */
export interface PeriodStartOptions extends StartOptions {
  tenant: string;
  period: string;
  /** Print the run's progress live (the composite summary of a compose) while waiting. */
  watch?: boolean;
}

/** Options of `reviews export`. */
export interface ReviewExportOptions {
  format: ReviewExportFormat;
  output?: string;
}

/**
 * The canonical period key, checked before anything starts.
 * @throws {OperatorError} invalid_input – with the specific reason as its message (printed under
 *   the catalog sentence, and as `error.detail` with --json)
 */
function toPeriodKeyInput(period: string, now: Date): string {
  try {
    return parseReviewPeriod(period, now).key;
  } catch (error) {
    if (!(error instanceof OperatorError)) throw error;
    const problem = findReviewPeriodProblem(period, now) ?? "unknown_spelling";
    throw new OperatorError("invalid_input", `--period: ${REVIEW_PERIOD_PROBLEMS[problem]}`, { cause: error });
  }
}

// ---- copy shared by both modes ----

function describeReviewStatus(status: string): string {
  return status === "ready" ? "Ready" : "Draft";
}

/** "November 2026\tReady\tcreated 2026-12-01T…\t<id>". */
function renderReviewLine(review: ApiReviewSummary): string {
  const ready = review.readyAt === null ? "" : `\tready ${review.readyAt}`;
  return `${review.periodLabel}\t${describeReviewStatus(review.status)}\tcreated ${review.createdAt}${ready}\t${review.id}`;
}

/**
 * What `reviews show` prints: the review's reference line, then for a ready review the whole review
 * as the Markdown export renders it (every section with its sentences, tables and figures — the
 * same text `reviews export --format md` writes), then how to export it. A draft says where its
 * compose is. C1 control characters are dropped so stored text cannot drive the terminal (the
 * Markdown escaper already drops C0 ones).
 */
function renderReviewShow(review: ApiReview): string[] {
  const lines = [
    `Review ${review.id} · period ${review.periodKey} · ${describeReviewStatus(review.status)} · created ${review.createdAt}${review.readyAt ? ` · ready ${review.readyAt}` : ""}`,
  ];
  if (review.status !== "ready") {
    lines.unshift(`${review.tenantName} · ${review.periodLabel} · ${describeReviewStatus(review.status)}`);
    lines.push(`Being composed (or its compose did not finish): tenantpilot runs show ${review.runId}`);
    return lines;
  }
  const markdown = renderReviewMarkdown(review).replace(/[\u0080-\u009f]/g, "");
  lines.push("", ...markdown.trimEnd().split("\n"));
  lines.push("", `Export: tenantpilot reviews export ${review.id} --format md|pdf|json [--output FILE]`);
  return lines;
}

/** After a compose: where the review is and how to export it. */
function sayReview(say: (line: string) => void, review: ApiReviewSummary | undefined): void {
  if (review === undefined) return;
  say(`Review ${review.id} · ${review.periodLabel} · ${describeReviewStatus(review.status)}`);
  if (review.status === "ready") {
    say(`Read it: tenantpilot reviews show ${review.id} · export: tenantpilot reviews export ${review.id} --format md`);
  }
}

/**
 * Write an export: to `--output`, else to stdout (a PDF only when stdout is not a terminal).
 * @throws {OperatorError} invalid_input – a PDF to a terminal
 */
function writeExport(
  say: (line: string) => void,
  emit: (value: unknown) => void,
  reviewId: string,
  options: ReviewExportOptions,
  body: string | Uint8Array,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  if (options.output !== undefined) {
    const file = path.resolve(options.output);
    writeFileSync(file, bytes);
    emit({ reviewId, format: options.format, output: file, bytes: bytes.length });
    say(`Wrote ${file} (${bytes.length.toLocaleString("en-US")} bytes)`);
    return;
  }
  if (options.format === "pdf" && process.stdout.isTTY) {
    throw new OperatorError(
      "invalid_input",
      "A PDF is binary: give --output FILE, or redirect stdout to a file or a pipe.",
    );
  }
  process.stdout.write(bytes);
}

// ---- local mode ----

function startDeps(ctx: CliContext) {
  return {
    db: ctx.runtime.database.db,
    runs: ctx.runtime.runs,
    maxAttempts: ctx.runtime.config.runMaxAttempts,
    now: ctx.runtime.now,
  };
}

async function loadTenantNames(ctx: CliContext): Promise<RunNames> {
  const tenants = await listTenants(ctx.runtime.database.db, ctx.workspace.id);
  return { tenants: new Map(tenants.map((tenant) => [tenant.id, tenant.name])), profiles: new Map() };
}

/**
 * Print the queued toast, then (unless detached) run a worker in this process and wait for the run
 * to end, printing its progress lines with --watch, then its terminal notification.
 */
async function followLocalRun(
  ctx: CliContext,
  started: { run: OperationRun; created: boolean },
  options: PeriodStartOptions,
): Promise<OperationRun | undefined> {
  sayQueued(ctx, started);
  if (options.detach) return undefined;
  const worker = options.worker === false ? undefined : await startLocalWorker(ctx);
  const names = await loadTenantNames(ctx);
  let finals: OperationRun[] = [];
  try {
    finals = await watchRuns({
      db: ctx.runtime.database.db,
      connectionString: ctx.runtime.database.connectionString,
      workspaceId: ctx.workspace.id,
      runIds: [started.run.id],
      names,
      staleAfterMs: ctx.runtime.config.staleAfterMs,
      write: options.watch ? (line) => ctx.say(`  ${line}`) : () => undefined,
      signal: shutdownSignal,
    });
  } finally {
    if (worker) await stopLocalWorker(ctx, worker, [started.run.id]);
  }
  const final = finals[0];
  if (shutdownSignal.aborted) {
    ctx.say("Stopped. Operations this process was running record their interruption; others go on in the background.");
  } else if (final !== undefined) {
    const note = describeTerminalNotification(final);
    const subject = describeRunSubject(final, names);
    ctx.say(`${subject ? `${subject}: ` : ""}${joinNotification(note.title, note.body)}`);
  }
  return final;
}

/** `reviews compose --tenant … --period …`. */
export async function reviewsCompose(ctx: CliContext, options: PeriodStartOptions): Promise<number> {
  const period = toPeriodKeyInput(options.period, ctx.runtime.now());
  const started = await startReviewCompose(startDeps(ctx), {
    workspaceId: ctx.workspace.id,
    tenant: options.tenant,
    period,
    initiator: { userId: ctx.userId, label: "cli" },
  });
  const final = await followLocalRun(ctx, started, options);
  const run = final ?? started.run;
  const reviews = await listTenantReviews(ctx.runtime.database.db, ctx.workspace.id, started.run.tenantId ?? "");
  const stored = reviews.find((review) => review.runId === run.id);
  const review = stored === undefined ? undefined : toApiReviewSummary(stored);
  if (!options.detach) sayReview(ctx.say, review);
  ctx.emit({ run: toPublicRun(run), created: started.created, review: review ?? null });
  return options.detach ? EXIT_OK : exitCodeForRuns(final ? [final] : []);
}

/** `evidence generate --tenant … --period …`. */
export async function evidenceGenerate(ctx: CliContext, options: PeriodStartOptions): Promise<number> {
  const period = toPeriodKeyInput(options.period, ctx.runtime.now());
  const started = await startEvidenceSnapshot(startDeps(ctx), {
    workspaceId: ctx.workspace.id,
    tenant: options.tenant,
    period,
    initiator: { userId: ctx.userId, label: "cli" },
  });
  const final = await followLocalRun(ctx, started, options);
  ctx.emit({ run: toPublicRun(final ?? started.run), created: started.created });
  return options.detach ? EXIT_OK : exitCodeForRuns(final ? [final] : []);
}

/** `reviews list --tenant …`. */
export async function reviewsList(ctx: CliContext, options: { tenant: string }): Promise<number> {
  const db = ctx.runtime.database.db;
  const tenant = await getTenantByName(db, ctx.workspace.id, options.tenant);
  const reviews = (await listTenantReviews(db, ctx.workspace.id, tenant.id)).map((review) =>
    toApiReviewSummary(review),
  );
  ctx.emit({ reviews });
  for (const review of reviews) ctx.say(renderReviewLine(review));
  if (reviews.length === 0) {
    ctx.say(`No reviews of ${tenant.name} yet. Compose one with: tenantpilot reviews compose --tenant … --period …`);
  }
  return EXIT_OK;
}

function toApiReview(review: TenantReviewDocument): ApiReview {
  return {
    ...toApiReviewSummary(review),
    workspaceId: review.workspaceId,
    tenantName: review.tenantName,
    entraTenantId: review.entraTenantId,
    sections: review.sections,
  };
}

/** `reviews show ID`. */
export async function reviewsShow(ctx: CliContext, reviewId: string): Promise<number> {
  const review = toApiReview(await getTenantReview(ctx.runtime.database.db, ctx.workspace.id, reviewId));
  ctx.emit({ review });
  for (const line of renderReviewShow(review)) ctx.say(line);
  return EXIT_OK;
}

/** `reviews export ID --format md|pdf|json [--output FILE]`. */
export async function reviewsExport(ctx: CliContext, reviewId: string, options: ReviewExportOptions): Promise<number> {
  const review = await getTenantReview(ctx.runtime.database.db, ctx.workspace.id, reviewId);
  if (options.format === "pdf" && options.output === undefined && process.stdout.isTTY) {
    writeExport(ctx.say, ctx.emit, review.id, options, ""); // refuses before rendering
  }
  const exported = await toReviewExport(review, options.format, { chromiumPath: ctx.runtime.config.chromiumPath });
  writeExport(ctx.say, ctx.emit, review.id, options, exported.body);
  return EXIT_OK;
}

// ---- --server mode ----

async function followRemoteRun(
  ctx: RemoteContext,
  started: ApiStartResponse,
  options: PeriodStartOptions,
): Promise<ApiRun | undefined> {
  const run = fromApiRun(started.run);
  const toast = describeQueuedToast(run, { created: started.created });
  ctx.say(`${toast.title} · tenantpilot runs show ${run.id}`);
  if (options.detach) return undefined;
  const tenants = await ctx.api.listTenants(ctx.workspace.slug);
  const names: RunNames = { tenants: new Map(tenants.map((t) => [t.id, t.name])), profiles: new Map() };
  const finals = await watchRemoteRuns(ctx, [run.id], names, (line) => {
    if (options.watch) ctx.say(`  ${line}`);
  });
  const final = finals[0];
  if (shutdownSignal.aborted) {
    ctx.say("Stopped watching. The operations go on on the server.");
  } else if (final !== undefined) {
    const finalRun = fromApiRun(final);
    const note = describeTerminalNotification(finalRun);
    const subject = describeRunSubject(finalRun, names);
    ctx.say(`${subject ? `${subject}: ` : ""}${joinNotification(note.title, note.body)}`);
  }
  return final;
}

/** `reviews compose` with --server. */
export async function remoteReviewsCompose(ctx: RemoteContext, options: PeriodStartOptions): Promise<number> {
  const period = toPeriodKeyInput(options.period, new Date());
  const tenant = await resolveTenant(ctx, options.tenant);
  const started = await ctx.api.startReviewCompose(ctx.workspace.slug, tenant.id, period);
  const final = await followRemoteRun(ctx, started, options);
  const runId = started.run.id;
  const review = (await ctx.api.listReviews(ctx.workspace.slug, tenant.id)).find((item) => item.runId === runId);
  if (!options.detach) sayReview(ctx.say, review);
  ctx.emit({ run: final ?? started.run, created: started.created, review: review ?? null });
  return options.detach ? EXIT_OK : exitCodeForRuns(final ? [fromApiRun(final)] : []);
}

/** `evidence generate` with --server. */
export async function remoteEvidenceGenerate(ctx: RemoteContext, options: PeriodStartOptions): Promise<number> {
  const period = toPeriodKeyInput(options.period, new Date());
  const tenant = await resolveTenant(ctx, options.tenant);
  const started = await ctx.api.startEvidenceSnapshot(ctx.workspace.slug, tenant.id, period);
  const final = await followRemoteRun(ctx, started, options);
  ctx.emit({ run: final ?? started.run, created: started.created });
  return options.detach ? EXIT_OK : exitCodeForRuns(final ? [fromApiRun(final)] : []);
}

/** `reviews list` with --server. */
export async function remoteReviewsList(ctx: RemoteContext, options: { tenant: string }): Promise<number> {
  const tenant = await resolveTenant(ctx, options.tenant);
  const reviews = await ctx.api.listReviews(ctx.workspace.slug, tenant.id);
  ctx.emit({ reviews });
  for (const review of reviews) ctx.say(renderReviewLine(review));
  if (reviews.length === 0) {
    ctx.say(`No reviews of ${tenant.name} yet. Compose one with: tenantpilot reviews compose --tenant … --period …`);
  }
  return EXIT_OK;
}

/** `reviews show` with --server. */
export async function remoteReviewsShow(ctx: RemoteContext, reviewId: string): Promise<number> {
  const review = await ctx.api.getReview(ctx.workspace.slug, reviewId);
  ctx.emit({ review });
  for (const line of renderReviewShow(review)) ctx.say(line);
  return EXIT_OK;
}

/** `reviews export` with --server. */
export async function remoteReviewsExport(
  ctx: RemoteContext,
  reviewId: string,
  options: ReviewExportOptions,
): Promise<number> {
  if (options.format === "pdf" && options.output === undefined && process.stdout.isTTY) {
    writeExport(ctx.say, ctx.emit, reviewId, options, ""); // refuses before downloading
  }
  const body = await ctx.api.exportReview(ctx.workspace.slug, reviewId, options.format);
  writeExport(ctx.say, ctx.emit, reviewId, options, body);
  return EXIT_OK;
}
