import { describe, expect, it } from "vitest";
import { buildReviewFixture, buildReviewSections, HOSTILE_TEXT, SECRET_MARKER } from "../../../test/review-fixture.js";
import { REVIEW_SECTION_KINDS, REVIEW_SECTION_TITLES, type ReviewSection } from "../review-content.js";
import { NOT_ENOUGH_COMPARES } from "./review-chart-data.js";
import { renderReviewMarkdown } from "./review-markdown.js";

const withSection = <K extends ReviewSection["kind"]>(kind: K, patch: Partial<Extract<ReviewSection, { kind: K }>>) =>
  buildReviewFixture({
    sections: buildReviewSections().map((s) => (s.kind === kind ? ({ ...s, ...patch } as ReviewSection) : s)),
  });

describe("renderReviewMarkdown", () => {
  const markdown = renderReviewMarkdown(buildReviewFixture());
  const lines = markdown.split("\n");

  it("has one H1 and an H2 per section with the exact titles, in canonical order", () => {
    expect(lines.filter((l) => /^# /.test(l))).toEqual(["# Tenant review: Contoso \\<Ltd\\> \\| \\#1"]);
    expect(lines.filter((l) => /^## /.test(l))).toEqual(
      REVIEW_SECTION_KINDS.map((k) => `## ${REVIEW_SECTION_TITLES[k]}`),
    );
  });

  it("shows the charts as tables with their titles", () => {
    expect(markdown).toContain(
      "### Drift findings over time\n\n| Compared (UTC) | Baseline profile | Unresolved findings |",
    );
    expect(markdown).toContain("| Baseline compare | 6 | 1 | 1 | 0 | 8 |");
  });

  it("never lets stored text add structure: no extra headings, quotes, list items, HTML or code", () => {
    // Hostile text occurs in names, settings, values, reasons and notes; every line it lands on is escaped.
    expect(lines.filter((l) => /^#{3,6} /.test(l))).toEqual([
      "### Drift findings over time",
      "### Top drift findings",
      "### Operation outcomes by type",
      "### Failures",
      "### Inventory coverage by policy kind",
      "### Counted operations",
      "### Notes on coverage",
    ]);
    expect(markdown).not.toMatch(/(^|[^\\])<(script|img|b)\b/m);
    expect(markdown).not.toMatch(/(^|[^\\])`tick/);
    expect(lines.filter((l) => l.startsWith(">"))).toEqual([]);
    expect(markdown).toContain("\\| \\# \\<script\\>alert(1)\\</script\\>");
    expect(markdown).not.toContain(HOSTILE_TEXT);
  });

  it("keeps every table row's cell count equal to its header's", () => {
    const tables = markdown.split("\n\n").filter((block) => block.startsWith("| "));
    for (const table of tables) {
      const counts = table.split("\n").map((row) => row.replace(/\\\|/g, "").split("|").length);
      expect(new Set(counts).size).toBe(1);
    }
  });

  it("prints placeholders for secret and absent values, never a smuggled secret", () => {
    const review = buildReviewFixture();
    const drift = review.sections.find((s) => s.kind === "notable_drift");
    if (drift?.kind !== "notable_drift") throw new Error("fixture has a notable_drift section");
    drift.findings[0] = { ...drift.findings[0]!, expected: { kind: "redacted", text: SECRET_MARKER } as never };
    const out = renderReviewMarkdown(review);
    expect(out).toContain("Secret (hidden)");
    expect(out).toContain("Not present");
    expect(out).not.toContain(SECRET_MARKER);
  });

  it("shows no raw keys of finding kinds, outcomes, run types or policy kinds", () => {
    expect(markdown).not.toMatch(
      /setting_changed|missing_policy|partially_succeeded|baseline_compare|baseline_capture|evidence_snapshot\.generate|not_compared|deviceManagementConfigurationPolicy|someFutureKind/,
    );
  });

  it("signs the change since the previous review", () => {
    expect(markdown).toContain("| −2 |");
    expect(
      renderReviewMarkdown(
        withSection("baseline_posture", {
          profiles: [
            {
              ...(buildReviewSections()[1] as Extract<ReviewSection, { kind: "baseline_posture" }>).profiles[0]!,
              changeSincePrevious: 3,
            },
          ],
        }),
      ),
    ).toContain("| +3 |");
  });

  it("aligns the change since the previous review left: it is text ('No previous figure'), not a number", () => {
    const rows = lines.filter((l) => l.startsWith("| Baseline profile | Posture |"));
    expect(rows).toHaveLength(1);
    const header = (lines[lines.indexOf(rows[0]!) + 1] ?? "").split("|").map((cell) => cell.trim());
    const column = rows[0]!
      .split("|")
      .map((cell) => cell.trim())
      .indexOf("Change since previous review");
    expect(header[column]).toBe("---");
  });

  it("adds the draft notice only to drafts", () => {
    expect(markdown).not.toContain("Draft review.");
    expect(renderReviewMarkdown(buildReviewFixture({ status: "draft" }))).toContain(
      "> **Draft review.** Its content may still change until it is marked ready.",
    );
  });

  it("says so instead of drawing a trend or an outcomes table when there is too little data", () => {
    const out = renderReviewMarkdown(
      buildReviewFixture({
        sections: buildReviewSections().map((s) =>
          s.kind === "notable_drift"
            ? { ...s, chart: s.chart.slice(0, 1) }
            : s.kind === "operations_health"
              ? { ...s, total: 0, byOutcome: {}, byType: [], failures: [], activeRunCount: 0 }
              : s,
        ),
      }),
    );
    expect(out).toContain(NOT_ENOUGH_COMPARES);
    expect(out).toContain("### Operation outcomes by type\n\nNo operations in this period.");
    expect(out).not.toContain("| Compared (UTC) |");
  });

  it("keeps the heading of a section the review lacks, and says so", () => {
    const out = renderReviewMarkdown(buildReviewFixture({ sections: [] }));
    expect(out).toContain("## Evidence basis\n\nThis section has not been composed.");
  });

  it("lists the generated time when given", () => {
    const out = renderReviewMarkdown(buildReviewFixture(), { generatedAt: new Date("2026-12-02T10:00:00Z") });
    expect(out).toContain("- **Generated:** 2 Dec 2026 10:00 UTC");
  });
});
