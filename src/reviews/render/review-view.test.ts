import { describe, expect, it } from "vitest";
import { buildReviewFixture, buildReviewSections, SECRET_MARKER } from "../../../test/review-fixture.js";
import { REVIEW_SECTION_KINDS, REVIEW_SECTION_TITLES, reviewSectionsSchema } from "../review-content.js";
import { renderReviewHtml } from "./review-document.js";
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
