/**
 * The standalone printable tenant review: a complete HTML page (doctype, inline CSS for A4 print,
 * no scripts, no external URLs) used for the "Print" view and as the PDF's source.
 * @module
 */
import { raw } from "hono/html";
import type { TenantReviewDocument } from "../review-content.js";
import { describeReviewStatus, describeReviewTitle } from "./review-copy.js";
import { REVIEW_CSS, REVIEW_PRINT_CSS } from "./review-styles.js";
import { ReviewDocumentView } from "./review-view.js";

/** Options of {@link renderReviewHtml}. */
export interface ReviewHtmlOptions {
  /** When this document was generated, shown in its header. (Default: not shown) */
  generatedAt?: Date | undefined;
}

/** The page as a JSX element (for a route that returns `c.html(...)`). */
export function ReviewPrintPage({
  review,
  generatedAt,
}: {
  review: TenantReviewDocument;
  generatedAt?: Date | undefined;
}) {
  const title = `${describeReviewTitle(review)} · ${review.periodLabel} · ${describeReviewStatus(review.status)}`;
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {/* Nothing in this page may load anything: the PDF renderer blocks every request. */}
          <link rel="icon" href="data:," />
          <title>{title}</title>
          <style>{raw(REVIEW_PRINT_CSS + REVIEW_CSS)}</style>
        </head>
        <body>
          <main class="rv-page">
            <ReviewDocumentView review={review} generatedAt={generatedAt} withStyles={false} />
          </main>
        </body>
      </html>
    </>
  );
}

/**
 * Render the printable document as an HTML string (UTF-8; serve as `text/html; charset=utf-8`).
 * Pure: the same review and options give the same bytes.
 */
export function renderReviewHtml(review: TenantReviewDocument, options: ReviewHtmlOptions = {}): string {
  const html = (<ReviewPrintPage review={review} generatedAt={options.generatedAt} />).toString();
  if (typeof html !== "string") {
    // Only async components render to a promise, and this tree has none.
    throw new Error("review document rendered asynchronously; renderReviewHtml expects a synchronous tree");
  }
  return html;
}
