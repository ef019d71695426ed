/**
 * PDF export of a tenant review: the printable document (review-document.tsx) printed to A4 by
 * Debian's Chromium through playwright-core. Each export launches its own headless browser and
 * always closes it; at most {@link MAX_CONCURRENT_PDF_RENDERS} run at once per process, so a burst
 * of exports queues instead of starting a browser per request. The page can load nothing: every
 * request it makes is aborted and JavaScript is off, because the document is self-contained.
 * @module
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { html } from "hono/html";
import { type Browser, chromium } from "playwright-core";
import { coerceError, OperatorError } from "../../shared/operator-error.js";
import type { TenantReviewDocument } from "../review-content.js";
import { describeReviewTitle } from "./review-copy.js";
import { renderReviewHtml } from "./review-document.js";

/** Flags for headless Chromium as root in a container, with no calls home (STACK.md §4). */
export const PDF_CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Time one export may take, launch to last byte, ms. (Default: 30_000) */
export const DEFAULT_PDF_TIMEOUT_MS = 30_000;

/** Exports rendering at the same time in one process; later ones wait for a slot. (Default: 2) */
export const MAX_CONCURRENT_PDF_RENDERS = 2;

/** Options of {@link renderReviewPdf}. */
export interface ReviewPdfOptions {
  /** Chromium executable, e.g. Debian's `/usr/bin/chromium`. */
  chromiumPath: string;
  /** Upper bound for launch, layout and printing, ms; waiting for a slot is not counted. (Default: 30_000) */
  timeoutMs?: number | undefined;
  /** Shown as "Generated" in the document's header. (Default: not shown) */
  generatedAt?: Date | undefined;
}

let activeRenders = 0;
const waitingRenders: (() => void)[] = [];

async function withRenderSlot<T>(work: () => Promise<T>): Promise<T> {
  if (activeRenders >= MAX_CONCURRENT_PDF_RENDERS) {
    await new Promise<void>((resolve) => waitingRenders.push(resolve));
  } else {
    activeRenders++;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter (the count stays), or free it.
    const next = waitingRenders.shift();
    if (next) next();
    else activeRenders--;
  }
}

async function launchChromium(chromiumPath: string, timeoutMs: number): Promise<Browser> {
  try {
    await access(chromiumPath, constants.X_OK);
  } catch (error) {
    throw new OperatorError(
      "pdf_export_unavailable",
      `no executable Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or configure its path`,
      { cause: error },
    );
  }
  try {
    return await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [...PDF_CHROMIUM_ARGS],
      timeout: timeoutMs,
    });
  } catch (error) {
    throw new OperatorError(
      "pdf_export_unavailable",
      `Chromium at ${chromiumPath} could not be started: ${coerceError(error).message}`,
      { cause: error },
    );
  }
}

/** The running footer: tenant, period and page numbers (Chromium fills `pageNumber`/`totalPages`). */
function toFooterTemplate(review: TenantReviewDocument): string {
  // hono's html`` escapes every interpolated value, as JSX would.
  const footer = html`<div style="font-size:7.5pt;font-family:system-ui,'DejaVu Sans',sans-serif;color:#5b6672;width:100%;margin:0 16mm;display:flex;justify-content:space-between"><span>${describeReviewTitle(review)} · ${review.periodLabel}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
  return String(footer);
}

async function printToPdf(review: TenantReviewDocument, documentHtml: string, chromiumPath: string, timeoutMs: number) {
  const startedMs = Date.now();
  const browser = await launchChromium(chromiumPath, timeoutMs);
  const remainingMs = () => Math.max(1, timeoutMs - (Date.now() - startedMs));
  const work = (async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, serviceWorkers: "block" });
    const page = await context.newPage();
    page.setDefaultTimeout(remainingMs());
    // The document is self-contained: anything it tries to fetch is a bug or an injection; refuse it.
    await page.route("**/*", (route) => route.abort("blockedbyclient"));
    await page.setContent(documentHtml, { waitUntil: "load", timeout: remainingMs() });
    return page.pdf({
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: toFooterTemplate(review),
      margin: { top: "16mm", bottom: "18mm", left: "16mm", right: "16mm" },
    });
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`PDF export of review ${review.id} timed out after ${timeoutMs} ms`)),
      remainingMs(),
    );
  });
  try {
    return new Uint8Array(await Promise.race([work, timeout]));
  } finally {
    clearTimeout(timer);
    // After a timeout the work fails once the browser closes; that rejection is already reported.
    work.catch(() => undefined);
    await browser.close().catch(() => undefined); // a browser that already died has nothing to close
  }
}

/**
 * Render a review as an A4 PDF (bytes of `application/pdf`).
 * @param options - the Chromium executable, and optionally the time limit and the generated time
 * @throws {OperatorError} pdf_export_unavailable – Chromium is missing, not executable or does not start
 * @throws {Error} when rendering exceeds `timeoutMs` or the browser fails mid-render (the browser is closed either way)
 */
export async function renderReviewPdf(review: TenantReviewDocument, options: ReviewPdfOptions): Promise<Uint8Array> {
  const documentHtml = renderReviewHtml(review, { generatedAt: options.generatedAt });
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDF_TIMEOUT_MS;
  return withRenderSlot(() => printToPdf(review, documentHtml, options.chromiumPath, timeoutMs));
}
