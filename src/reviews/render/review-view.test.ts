import { describe, expect, it } from "vitest";
import { buildReviewFixture, buildReviewSections, FIXTURE_IDS, SECRET_MARKER } from "../../../test/review-fixture.js";
import { REVIEW_SECTION_KINDS, REVIEW_SECTION_TITLES, reviewSectionsSchema } from "../review-content.js";
import { renderReviewHtml } from "./review-document.js";
import { REVIEW_CSS } from "./review-styles.js";
import { ReviewDocumentView } from "./review-view.js";

const render = (review = buildReviewFixture()) => String(ReviewDocumentView({ review }));
/** What a reader sees: tags, styles and attributes removed, entities decoded. */
const visibleText = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
const RAW_KEYS =
  /setting_changed|missing_policy|setting_added|partially_succeeded|baseline_compare|baseline_capture|evidence_snapshot|tenant\.review|not_compared|executive_summary|notable_drift|deviceManagementConfigurationPolicy|windows10CompliancePolicy|someFutureKind/;

describe("the review fixture", () => {
  it("validates against reviewSectionsSchema", () => {
    expect(reviewSectionsSchema.safeParse(buildReviewSections()).success).toBe(true);
  });
});

describe("ReviewDocumentView", () => {
  it("renders an h2 per section with the exact titles, in canonical order", () => {
    const headings = [...render().matchAll(/<h2[^>]*>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual(REVIEW_SECTION_KINDS.map((k) => REVIEW_SECTION_TITLES[k]));
  });

  it("escapes every stored string", () => {
    const html = render();
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Contoso &lt;Ltd&gt; | #1");
  });

  it("shows no raw keys of sections, finding kinds, outcomes, run types or policy kinds", () => {
    expect(visibleText(render())).not.toMatch(RAW_KEYS);
  });

  it("maps kinds, outcomes and run types through their catalogs", () => {
    const text = visibleText(render());
    for (const label of [
      "Missing policy",
      "Changed setting",
      "Added setting",
      "Partially succeeded",
      "Blocked",
      "Baseline compare",
      "Settings catalog policy",
      "Some future kind",
      "Changed settings: 2",
    ]) {
      expect(text).toContain(label);
    }
  });

  it("shows placeholders for secret and absent values, never a smuggled secret", () => {
    const review = buildReviewFixture();
    const drift = review.sections.find((s) => s.kind === "notable_drift");
    if (drift?.kind !== "notable_drift") throw new Error("fixture has a notable_drift section");
    drift.findings[0] = { ...drift.findings[0]!, actual: { kind: "redacted", text: SECRET_MARKER } as never };
    const text = visibleText(render(review));
    expect(text).toContain("Secret (hidden)");
    expect(text).toContain("Not present");
    expect(render(review)).not.toContain(SECRET_MARKER);
  });

  it("gives postures a text label and a symbol, not colour alone", () => {
    const html = render();
    expect(html).toMatch(/<span class="rv-badge rv-tone-warning"><span aria-hidden="true">!<\/span> Drifted<\/span>/);
    expect(html).toMatch(/rv-tone-success"><span aria-hidden="true">✓<\/span> Aligned/);
  });

  it("shows the change since the previous review with its sign, and failures with their reasons", () => {
    const text = visibleText(render());
    expect(text).toContain("−2");
    expect(text).toContain("No previous figure");
    expect(text).toContain("The tenant's evidence source could not be read.");
  });

  it("shows the evidence basis with its ids and counts", () => {
    const text = visibleText(render());
    expect(text).toContain("3f6c2a1e-8b4d-4c2e-9f1a-000000000005");
    expect(text).toContain("The operation figures of this review count 14 operations:");
    expect(text).toContain("87 policies, 2 policy entries unreadable");
  });

  it("shows a draft banner only for drafts", () => {
    expect(render()).not.toContain('class="rv-draft"');
    expect(visibleText(render(buildReviewFixture({ status: "draft", readyAt: null })))).toContain(
      "Draft review. Its content may still change until it is marked ready.",
    );
  });

  it("brings its stylesheet, once, unless told not to", () => {
    expect(render().match(/<style>/g)).toHaveLength(1);
    expect(String(ReviewDocumentView({ review: buildReviewFixture(), withStyles: false }))).not.toContain("<style>");
    expect(renderReviewHtml(buildReviewFixture()).match(/<style>/g)).toHaveLength(1);
  });

  it("uses captioned tables with column headers", () => {
    const html = render();
    const tables = html.match(/<table[\s\S]*?<\/table>/g) ?? [];
    expect(tables.length).toBeGreaterThan(4);
    for (const table of tables) {
      expect(table).toMatch(/<caption>[^<]+<\/caption>/);
      expect(table).toContain('<th scope="col"');
    }
  });
});

describe("ReviewDocumentView with runHref", () => {
  const runHref = (id: string) => `/operations/${id}`;
  const linked = String(ReviewDocumentView({ review: buildReviewFixture(), runHref }));

  it("links every run id to its operation, short form shown and the full id in the title", () => {
    const runIds = [
      FIXTURE_IDS.failedRun,
      FIXTURE_IDS.partialRun,
      FIXTURE_IDS.blockedRun,
      FIXTURE_IDS.snapshotRun,
      FIXTURE_IDS.captureRun,
      ...FIXTURE_IDS.countedRuns,
    ];
    for (const id of runIds) {
      expect(linked).toContain(`<a href="/operations/${id}" title="${id}" data-run-ref="${id}">${id.slice(0, 8)}</a>`);
    }
  });

  it("shows no run or snapshot id as bare text, and the snapshot id in short form with the full id on hover", () => {
    const text = visibleText(linked);
    for (const id of [FIXTURE_IDS.snapshot, FIXTURE_IDS.snapshotRun, FIXTURE_IDS.captureRun, FIXTURE_IDS.failedRun]) {
      expect(text).not.toContain(id);
    }
    expect(linked).toContain(`<span title="${FIXTURE_IDS.snapshot}">${FIXTURE_IDS.snapshot.slice(0, 8)}</span>`);
  });

  it("keeps ids as full plain text without runHref (print, PDF)", () => {
    const plain = render();
    expect(plain).not.toContain('href="/operations/');
    expect(visibleText(plain)).toContain(FIXTURE_IDS.captureRun);
    expect(visibleText(plain)).toContain(FIXTURE_IDS.countedRuns[13]);
  });
});

describe("review layout", () => {
  it("puts every data table in a labelled box that scrolls sideways, so a phone's page never does", () => {
    const html = render();
    const boxes = html.match(/<section class="rv-table-scroll" aria-label="[^"]+" tabindex="0"><table/g) ?? [];
    const visibleTables = html.match(/<table class="rv-table/g) ?? [];
    expect(boxes.length).toBe(visibleTables.length);
    expect(REVIEW_CSS).toMatch(/\.rv-table-scroll \{[^}]*overflow-x: auto/);
  });

  it("gives the drift table fixed column shares, the policy the widest, so names do not wrap letter by letter", () => {
    const html = render();
    expect(html).toMatch(/<table class="rv-table rv-table-drift">[\s\S]*?<colgroup><col class="rv-col-policy"\/>/);
    expect(REVIEW_CSS).toMatch(/\.rv-table-drift \{ table-layout: fixed;/);
    const share = (col: string) => Number(new RegExp(`\\.${col} \\{ width: (\\d+)%`).exec(REVIEW_CSS)?.[1]);
    expect(share("rv-col-policy")).toBeGreaterThanOrEqual(20);
    expect(share("rv-col-policy")).toBeGreaterThan(share("rv-col-value"));
  });

  it("aligns the change since the previous review as text, not as a number", () => {
    expect(render()).toContain('<th scope="col">Change since previous review</th>');
  });
});

describe("renderReviewHtml", () => {
  const html = renderReviewHtml(buildReviewFixture(), { generatedAt: new Date("2026-12-02T10:00:00Z") });

  it("is a complete, self-contained page with A4 print styles", () => {
    expect(html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(html).toContain("@page { size: A4;");
    expect(html).toContain("break-inside: avoid");
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|src="http|url\(http/);
  });

  it("has a header with tenant, period, status and generated time", () => {
    const text = visibleText(html);
    expect(text).toContain("Tenant review: Contoso <Ltd> | #1");
    expect(text).toContain("Period November 2026 (UTC)");
    expect(text).toContain("Status Ready");
    expect(text).toContain("Generated 2 Dec 2026 10:00 UTC");
  });

  it("is the same for the same input", () => {
    expect(renderReviewHtml(buildReviewFixture(), { generatedAt: new Date("2026-12-02T10:00:00Z") })).toBe(html);
  });
});
