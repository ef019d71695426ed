/**
 * The stylesheet of a rendered tenant review (classes `rv-*`): one source for the in-app view
 * (`<ReviewStyles />`) and the standalone printable document / PDF, which inlines it with
 * {@link REVIEW_PRINT_CSS}. Plain CSS with no URLs, so the document stays self-contained.
 * @module
 */

/** Component styles of the review view: screen and print. */
export const REVIEW_CSS = `
.rv { --rv-fg: #1d232b; --rv-muted: #5b6672; --rv-line: #d9dee4; --rv-soft: #f3f5f8; color: var(--rv-fg); min-width: 0; max-width: 100%; }
.rv-header { border-bottom: 2px solid var(--rv-fg); padding-bottom: 0.6rem; margin-bottom: 1rem; }
.rv-header h1 { font-size: 1.6rem; margin: 0 0 0.4rem; }
.rv-meta { display: flex; flex-wrap: wrap; gap: 0.2rem 1.4rem; margin: 0; }
.rv-meta div { display: flex; gap: 0.35rem; }
.rv-meta dt { color: var(--rv-muted); }
.rv-meta dd { margin: 0; font-weight: 600; }
.rv-draft { border: 2px dashed #a15c00; background: #fff6e5; color: #5c3400; padding: 0.5rem 0.8rem; border-radius: 6px; }
.rv-section { margin: 1.6rem 0; }
.rv-section h2 { font-size: 1.25rem; border-bottom: 1px solid var(--rv-line); padding-bottom: 0.2rem; margin: 0 0 0.6rem; }
.rv-section h3 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
.rv-headline { font-size: 1.05rem; font-weight: 600; }
.rv-figures { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.8rem 0; padding: 0; }
.rv-figures div { border: 1px solid var(--rv-line); border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 9rem; }
.rv-figures dt { color: var(--rv-muted); font-size: 0.85rem; }
.rv-figures dd { margin: 0; font-size: 1.3rem; font-weight: 700; }
.rv-badge { display: inline-block; border: 1px solid currentColor; border-radius: 999px; padding: 0 0.55rem; font-size: 0.85rem; font-weight: 600; white-space: nowrap; }
.rv-tone-success { color: #1a7f37; }
.rv-tone-warning { color: #8a4f00; }
.rv-tone-danger { color: #b42318; }
.rv-tone-neutral { color: #4a5561; }
.rv-tone-info { color: #1f5fbf; }
.rv-table { border-collapse: collapse; width: 100%; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
/* On a narrow screen a wide table scrolls inside this box; the page never scrolls sideways. */
.rv-table-scroll { max-width: 100%; overflow-x: auto; margin: 0.6rem 0 1rem; }
.rv-table-scroll > .rv-table { margin: 0; }
.rv-table-scroll:focus-visible { outline: 2px solid #1f5fbf; outline-offset: 2px; }
/* Fixed column shares: a long expected or actual value wraps in its own column instead of squeezing the policy name. */
.rv-table-drift { table-layout: fixed; min-width: 44rem; }
.rv-col-policy { width: 22%; }
.rv-col-kind { width: 13%; }
.rv-col-setting { width: 15%; }
.rv-col-value { width: 13%; }
.rv-col-status { width: 12%; }
.rv-col-date { width: 12%; }
.rv-table-drift th, .rv-table-drift td { padding: 0.3rem 0.4rem; }
.rv-table-drift .rv-value { overflow-wrap: anywhere; }
.rv-table-posture { table-layout: fixed; min-width: 40rem; }
.rv-table-posture .rv-col-profile { width: 19%; }
.rv-table-posture .rv-col-posture { width: 14%; }
.rv-table-posture .rv-col-count { width: 13%; }
.rv-table-posture .rv-col-change { width: 12%; }
.rv-table-posture .rv-col-kinds { width: 15%; }
.rv-table-posture .rv-col-date { width: 14%; }
.rv-table-posture th, .rv-table-posture td { padding: 0.3rem 0.4rem; }
.rv-table caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
.rv-table th, .rv-table td { border-bottom: 1px solid var(--rv-line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
.rv-table thead th { border-bottom: 2px solid var(--rv-fg); background: var(--rv-soft); }
.rv-num { text-align: right !important; font-variant-numeric: tabular-nums; }
td.rv-num { white-space: nowrap; }
td.rv-num .rv-muted { white-space: normal; }
.rv-value { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: 0.85rem; }
.rv-placeholder { font-style: italic; color: var(--rv-muted); }
.rv-ref { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: 0.8rem; overflow-wrap: anywhere; }
.rv-muted { color: var(--rv-muted); }
/* position + clip: a chart's visually hidden data table is wider than a phone and must not widen the page. */
.rv-chart { margin: 1rem 0; position: relative; overflow: clip; }
.rv-chart figcaption { font-weight: 600; margin-bottom: 0.4rem; }
.rv-chart-empty p { color: var(--rv-muted); border: 1px dashed var(--rv-line); padding: 0.6rem 0.8rem; border-radius: 6px; }
.rv-svg { display: block; max-width: 100%; height: auto; }
.rv-legend { list-style: none; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; padding: 0; margin: 0.4rem 0 0; font-size: 0.85rem; }
.rv-legend li { display: flex; align-items: center; gap: 0.35rem; }
.rv-swatch { flex: none; }
.rv-evidence { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.25rem 1rem; margin: 0.4rem 0 1rem; }
.rv-evidence dt { color: var(--rv-muted); }
.rv-evidence dd { margin: 0; }
.rv-run-ids { columns: 2 20rem; padding-left: 1.2rem; margin: 0.2rem 0; }
@media (max-width: 36rem) { .rv-evidence { grid-template-columns: minmax(0, 1fr); } .rv-evidence dd { margin-bottom: 0.3rem; } }
.rv-visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media print {
  .rv-table-scroll { overflow: visible; }
  .rv-table-drift, .rv-table-posture { min-width: 0; }
  /* A4 holds about 180 mm of text: seven columns need a smaller face than the body's to keep words whole. */
  .rv-table { font-size: 8.5pt; }
  .rv-value, .rv-ref { font-size: 8pt; }
  .rv-table, .rv-chart, .rv-figures, .rv-evidence, .rv-draft { break-inside: avoid; page-break-inside: avoid; }
  .rv-table tr { break-inside: avoid; page-break-inside: avoid; }
  .rv-section h2, .rv-section h3, .rv-chart figcaption { break-after: avoid; page-break-after: avoid; }
  .rv-table thead { display: table-header-group; }
}
`;

/** Page styles of the standalone document (print view and PDF): A4, margins, neutral body. */
export const REVIEW_PRINT_CSS = `
@page { size: A4; margin: 18mm 16mm 20mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d232b; background: #fff; }
.rv-page { max-width: 180mm; margin: 0 auto; padding: 12mm 0; }
@media print { .rv-page { max-width: none; padding: 0; } }
`;
