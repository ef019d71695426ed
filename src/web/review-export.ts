/**
 * Tenant review exports (issue 4, points 3 and 4): Markdown, PDF and JSON of a ready review with
 * their media types and a safe `Content-Disposition` — one place for the web pages, the JSON API
 * and the CLI. A draft review cannot be exported.
 * @module
 */
import type { Context } from "hono";
import { renderReviewMarkdown, renderReviewPdf, toReviewExportJson } from "../reviews/render/index.js";
import type { TenantReviewDocument } from "../reviews/review-content.js";
import { toPeriodKey } from "../reviews/review-period.js";
import { OperatorError } from "../shared/operator-error.js";
import type { AppEnv } from "./web-env.js";

/** Debian's chromium, the PDF renderer's browser when the app is not told another. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Export formats of a ready review. */
export const REVIEW_EXPORT_FORMATS = ["md", "pdf", "json"] as const;
export type ReviewExportFormat = (typeof REVIEW_EXPORT_FORMATS)[number];

const EXPORT_CONTENT_TYPES: Readonly<Record<ReviewExportFormat, string>> = {
  md: "text/markdown; charset=utf-8",
  pdf: "application/pdf",
  json: "application/json",
};

/** One rendered export: the bytes or text, and the headers that go with it. */
export interface ReviewExport {
  body: string | Uint8Array;
  contentType: string;
  /** The `Content-Disposition` header: attachment with an ASCII filename and an RFC 5987 `filename*`. */
  contentDisposition: string;
}

/** An ASCII-only file name part without dots or separators: "Contoso Ltd." → "Contoso-Ltd". (Default: "tenant") */
function toAsciiFilePart(text: string): string {
  const ascii = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return ascii === "" ? "tenant" : ascii;
}

/** RFC 5987 `ext-value` characters: everything else is percent-encoded. */
function toRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Characters of the review id in a file name: enough to tell a period's reviews apart. */
const FILE_NAME_ID_LENGTH = 8;

/** The first {@link FILE_NAME_ID_LENGTH} hex digits of a review id ("" for anything else). */
function toShortReviewId(reviewId: string): string {
  const hex = reviewId.replace(/-/g, "").slice(0, FILE_NAME_ID_LENGTH);
  return /^[0-9a-fA-F]+$/.test(hex) ? hex.toLowerCase() : "";
}

/**
 * `attachment; filename="<tenant>-review-<period-key>-<short id>.<ext>"; filename*=UTF-8''…`:
 * the short id is the review id's first 8 hex digits, so two reviews of one period (a recompose)
 * download under different names. The plain filename is ASCII with anything unsafe replaced;
 * `filename*` keeps the tenant's name in UTF-8, without path separators, quotes or control
 * characters. Pure.
 */
export function toReviewContentDisposition(
  review: Pick<TenantReviewDocument, "id" | "tenantName" | "periodStart" | "periodEnd">,
  format: ReviewExportFormat,
): string {
  const key = toPeriodKey(new Date(review.periodStart), new Date(review.periodEnd));
  const shortId = toShortReviewId(review.id);
  const suffix = shortId === "" ? "" : `-${shortId}`;
  const ascii = `${toAsciiFilePart(review.tenantName)}-review-${key.replace("..", "_to_")}${suffix}.${format}`;
  const unicodeName = review.tenantName
    .replace(/[\p{Cc}\p{Cf}/\\"';:*?<>|]+/gu, "-")
    .trim()
    .slice(0, 120);
  const full = `${unicodeName === "" ? "tenant" : unicodeName}-review-${key}${suffix}.${format}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${toRfc5987(full)}`;
}

/**
 * Render a review for download.
 * @throws {OperatorError} review_not_ready – the review is a draft (still being composed);
 *   whatever {@link renderReviewPdf} throws when its browser is unavailable
 */
export async function toReviewExport(
  review: TenantReviewDocument,
  format: ReviewExportFormat,
  options: { chromiumPath: string },
): Promise<ReviewExport> {
  if (review.status !== "ready") {
    throw new OperatorError("review_not_ready", `review ${review.id} is ${review.status}; only ready reviews export`);
  }
  const body =
    format === "md"
      ? renderReviewMarkdown(review)
      : format === "json"
        ? `${JSON.stringify(toReviewExportJson(review), null, 2)}\n`
        : await renderReviewPdf(review, { chromiumPath: options.chromiumPath });
  return {
    body,
    contentType: EXPORT_CONTENT_TYPES[format],
    contentDisposition: toReviewContentDisposition(review, format),
  };
}

/** Send an export as an attachment. */
export function respondWithExport(c: Context<AppEnv>, exported: ReviewExport): Response {
  c.header("content-type", exported.contentType);
  c.header("content-disposition", exported.contentDisposition);
  c.header("x-content-type-options", "nosniff");
  c.header("cache-control", "private, no-store");
  const body = typeof exported.body === "string" ? exported.body : new Uint8Array(exported.body);
  return c.body(body as never, 200);
}
