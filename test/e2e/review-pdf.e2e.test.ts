/**
 * PDF export of a tenant review through Debian's chromium: the text of the PDF (read back with
 * poppler's `pdftotext`) carries the section headings, chart titles and finding counts.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { renderReviewPdf } from "../../src/reviews/render/index.js";
import { REVIEW_SECTION_KINDS, REVIEW_SECTION_TITLES } from "../../src/reviews/review-content.js";
import { OperatorError } from "../../src/shared/operator-error.js";
import { buildReviewFixture, buildReviewSections, SECRET_MARKER } from "../review-fixture.js";
import { CHROMIUM_PATH } from "./browser.js";

const run = promisify(execFile);

/** The PDF's text in reading order (`pdftotext` from Debian's poppler-utils, which .ci/run installs). */
async function pdfText(pdf: Uint8Array): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "review-pdf-"));
  try {
    const file = path.join(dir, "review.pdf");
    await writeFile(file, pdf);
    const { stdout } = await run("pdftotext", ["-enc", "UTF-8", file, "-"]);
    return stdout.replace(/\s+/g, " ");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("renderReviewPdf", () => {
  it("prints an A4 PDF whose text has the section headings, chart titles and finding counts", async () => {
    const review = buildReviewFixture();
    const drift = review.sections.find((s) => s.kind === "notable_drift");
    if (drift?.kind !== "notable_drift") throw new Error("fixture has a notable_drift section");
    drift.findings[0] = { ...drift.findings[0]!, actual: { kind: "redacted", text: SECRET_MARKER } as never };

    const pdf = await renderReviewPdf(review, { chromiumPath: CHROMIUM_PATH });
    expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const text = await pdfText(pdf);

    expect(text).toContain("Tenant review: Contoso <Ltd> | #1");
    for (const kind of REVIEW_SECTION_KINDS) expect(text).toContain(REVIEW_SECTION_TITLES[kind]);
    expect(text).toContain("Drift findings over time");
    expect(text).toContain("Operation outcomes by type");
    expect(text).toContain("4 unresolved drift findings across all baseline profiles.");
    expect(text).toContain(
      "14 operations completed in this period: 11 succeeded, 1 partially succeeded, 1 failed, 1 blocked.",
    );
    expect(text).toContain("Secret (hidden)");
    expect(text).not.toContain(SECRET_MARKER);
    expect(text).toMatch(/Page 1 of \d/);
  });

  it("says why a review with too little data has no trend line", async () => {
    const review = buildReviewFixture({
      status: "draft",
      sections: buildReviewSections().map((s) => (s.kind === "notable_drift" ? { ...s, chart: [] } : s)),
    });
    const text = await pdfText(await renderReviewPdf(review, { chromiumPath: CHROMIUM_PATH }));
    expect(text).toContain("Draft review.");
    expect(text).toContain("Not enough compares in this period to draw a trend.");
  });

  it("fails with pdf_export_unavailable when Chromium is not installed", async () => {
    const error = await renderReviewPdf(buildReviewFixture(), { chromiumPath: "/nonexistent/chromium" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as OperatorError).code).toBe("pdf_export_unavailable");
  });
});
