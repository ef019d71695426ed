import { describe, expect, it } from "vitest";
import { buildReviewFixture, buildReviewSections, FIXTURE_IDS } from "../../../test/review-fixture.js";
import { REVIEW_SECTION_KINDS } from "../review-content.js";
import { renderReviewHtml } from "./review-document.js";
import { REVIEW_EXPORT_SCHEMA_VERSION, toReviewExportJson } from "./review-json.js";
import { renderReviewMarkdown } from "./review-markdown.js";

describe("toReviewExportJson", () => {
  it("has the versioned shape: schemaVersion, review metadata, sections in canonical order", () => {
    const exported = toReviewExportJson(buildReviewFixture({ sections: buildReviewSections().reverse() }));
    expect(Object.keys(exported)).toEqual(["schemaVersion", "review", "sections"]);
    expect(exported.schemaVersion).toBe(REVIEW_EXPORT_SCHEMA_VERSION);
    expect(exported.review).toMatchObject({
      id: FIXTURE_IDS.review,
      composeRunId: FIXTURE_IDS.composeRun,
      status: "ready",
    });
    expect(exported.sections.map((s) => s.kind)).toEqual([...REVIEW_SECTION_KINDS]);
  });

  it("drops keys the schema does not know, so nothing stray reaches integrations", () => {
    const review = buildReviewFixture();
    const drift = review.sections.find((s) => s.kind === "notable_drift");
    if (drift?.kind !== "notable_drift") throw new Error("fixture has a notable_drift section");
    drift.findings[0] = { ...drift.findings[0]!, expected: { kind: "redacted", text: "SECRET" } as never };
    const json = JSON.stringify(toReviewExportJson(review));
    expect(json).not.toContain("SECRET");
    expect(json).toContain('"expected":{"kind":"redacted"}');
  });

  it("carries a notable finding's raw setting path for integrations; Markdown and HTML show only the label", () => {
    const review = buildReviewFixture();
    const drift = review.sections.find((s) => s.kind === "notable_drift");
    if (drift?.kind !== "notable_drift") throw new Error("fixture has a notable_drift section");
    const settingPath = "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork";
    drift.findings[0] = { ...drift.findings[0]!, settingPath };
    const exported = toReviewExportJson(review);
    const exportedDrift = exported.sections.find((s) => s.kind === "notable_drift");
    expect(exportedDrift?.kind === "notable_drift" && exportedDrift.findings[0]?.settingPath).toBe(settingPath);
    expect(renderReviewMarkdown(review)).not.toContain("passportforwork");
    expect(renderReviewHtml(review)).not.toContain("passportforwork");
  });

  it("is stable: the same review gives the same JSON", () => {
    expect(JSON.stringify(toReviewExportJson(buildReviewFixture()))).toBe(
      JSON.stringify(toReviewExportJson(buildReviewFixture())),
    );
  });
});
