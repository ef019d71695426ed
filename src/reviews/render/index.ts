/**
 * Rendering and export of tenant reviews (issue 4 point 3): the HTML view, the standalone
 * printable document, Markdown, JSON and PDF. Renderers only read a TenantReviewDocument.
 * @module
 */
export { type ReviewHtmlOptions, ReviewPrintPage, renderReviewHtml } from "./review-document.js";
export { REVIEW_EXPORT_SCHEMA_VERSION, type ReviewExportJson, toReviewExportJson } from "./review-json.js";
export { type ReviewMarkdownOptions, renderReviewMarkdown } from "./review-markdown.js";
export {
  DEFAULT_PDF_TIMEOUT_MS,
  MAX_CONCURRENT_PDF_RENDERS,
  PDF_CHROMIUM_ARGS,
  type ReviewPdfOptions,
  renderReviewPdf,
} from "./review-pdf.js";
export { ReviewDocumentView, type ReviewDocumentViewProps, ReviewStyles } from "./review-view.js";
