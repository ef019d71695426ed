/**
 * The Markdown export of a tenant review (GitHub-flavoured): the same headings, sentences and
 * figures as the HTML view, with the charts as tables. Every stored string goes through the
 * escaper in markdown-text.ts, so names and reasons can never add structure. Pure.
 * @module
 */
import { describePolicyKind } from "../../inventory/policy-kinds.js";
import {
  type BaselinePostureSection,
  type EvidenceBasisSection,
  type ExecutiveSummarySection,
  type NotableDriftSection,
  type OperationsHealthSection,
  REVIEW_SECTION_KINDS,
  REVIEW_SECTION_TITLES,
  type ReviewSection,
  type TenantReviewDocument,
} from "../review-content.js";
import { toMarkdownCode, toMarkdownTable, toMarkdownText } from "./markdown-text.js";
import { NO_OPERATIONS, toDriftTrend, toOutcomeBars } from "./review-chart-data.js";
import { CHART_TITLES, toDriftRows } from "./review-charts.js";
import {
  DRAFT_NOTICE,
  describeChange,
  describeCountedRuns,
  describeDisplayValue,
  describeFindingKind,
  describeFindingStatus,
  describeInventory,
  describeNotableDrift,
  describeOperationsSummary,
  describeOutcome,
  describePosture,
  describePreviousReview,
  describeReviewStatus,
  describeReviewTitle,
  describeRunTypeLabel,
  formatCount,
  formatUtcDate,
  formatUtcDateTime,
  NO_FAILURES,
  NO_PROFILES,
  toFindingKindRows,
} from "./review-copy.js";
import { SECTION_MISSING, toSectionsByKind } from "./review-view.js";

/** Blocks of one section, joined by blank lines. */
type Blocks = string[];

const bullet = (text: string) => `- ${toMarkdownText(text)}`;
const field = (label: string, markdown: string) => `- **${toMarkdownText(label)}:** ${markdown}`;

function executiveSummary(section: ExecutiveSummarySection): Blocks {
  return [
    `**${toMarkdownText(section.headline)}**`,
    toMarkdownTable(
      [{ header: "Measure" }, { header: "Value", align: "right" }],
      [
        ["Baseline posture", describePosture(section.posture).label],
        ["Unresolved drift findings", formatCount(section.unresolvedFindingCount)],
        ["Operations in period", formatCount(section.operationCount)],
        ["Failed operations", formatCount(section.failedOperationCount)],
      ],
    ),
    ...(section.points.length > 0 ? [section.points.map(bullet).join("\n")] : []),
  ];
}

function baselinePosture(section: BaselinePostureSection): Blocks {
  if (section.profiles.length === 0)
    return [toMarkdownText(describePreviousReview(section)), toMarkdownText(NO_PROFILES)];
  return [
    toMarkdownText(describePreviousReview(section)),
    toMarkdownTable(
      [
        { header: "Baseline profile" },
        { header: "Posture" },
        { header: "Unresolved", align: "right" },
        { header: "Open", align: "right" },
        { header: "Reopened", align: "right" },
        { header: "Change since previous review" },
        { header: "Resolved in period", align: "right" },
        { header: "Unresolved by kind" },
        { header: "Last compared" },
      ],
      section.profiles.map((p) => {
        const kinds = toFindingKindRows(p.unresolvedByKind);
        return [
          p.profileName,
          describePosture(p.state).label,
          formatCount(p.unresolvedCount),
          formatCount(p.openCount),
          formatCount(p.reopenedCount),
          describeChange(p.changeSincePrevious),
          formatCount(p.resolvedCount),
          kinds.length === 0 ? "None" : kinds.map((k) => `${k.label}: ${formatCount(k.count)}`).join("; "),
          p.lastComparedAt ? formatUtcDateTime(p.lastComparedAt) : "Never",
        ];
      }),
    ),
  ];
}

function notableDrift(section: NotableDriftSection): Blocks {
  const trend = toDriftTrend(section.chart);
  const chart =
    trend.kind === "sparse"
      ? toMarkdownText(trend.sentence)
      : toMarkdownTable(
          [
            { header: "Compared (UTC)" },
            { header: "Baseline profile" },
            { header: "Unresolved findings", align: "right" },
          ],
          toDriftRows(trend.series).map((row) => [
            formatUtcDateTime(row.at),
            row.profileName,
            formatCount(row.unresolvedCount),
          ]),
        );
  const blocks: Blocks = [toMarkdownText(describeNotableDrift(section)), `### ${CHART_TITLES.drift}`, chart];
  if (section.findings.length > 0) {
    blocks.push(
      "### Top drift findings",
      "Expected is the baseline's value; actual is the tenant's.",
      toMarkdownTable(
        [
          { header: "Policy" },
          { header: "Policy kind" },
          { header: "Baseline profile" },
          { header: "Finding" },
          { header: "Setting" },
          { header: "Expected" },
          { header: "Actual" },
          { header: "Status" },
          { header: "First seen" },
        ],
        section.findings.map((f) => [
          f.policyName,
          describePolicyKind(f.policyKind),
          f.profileName,
          describeFindingKind(f.findingKind),
          f.settingLabel ?? "Whole policy",
          describeDisplayValue(f.expected),
          describeDisplayValue(f.actual),
          describeFindingStatus(f.status),
          formatUtcDate(f.firstSeenAt),
        ]),
      ),
    );
  }
  return blocks;
}

function operationsHealth(section: OperationsHealthSection): Blocks {
  const bars = toOutcomeBars(section);
  const chart =
    bars.bars.length === 0
      ? toMarkdownText(NO_OPERATIONS)
      : toMarkdownTable(
          [
            { header: "Run type" },
            ...bars.outcomes.map((o) => ({ header: o.label, align: "right" as const })),
            { header: "Total", align: "right" },
          ],
          bars.bars.map((bar) => [
            bar.typeLabel,
            ...bars.outcomes.map((o) => formatCount(bar.segments.find((s) => s.outcome === o.outcome)?.count ?? 0)),
            formatCount(bar.total),
          ]),
        );
  return [
    toMarkdownText(describeOperationsSummary(section)),
    `### ${CHART_TITLES.outcomes}`,
    chart,
    "### Failures",
    section.failures.length === 0
      ? toMarkdownText(NO_FAILURES)
      : toMarkdownTable(
          [
            { header: "Operation" },
            { header: "Outcome" },
            { header: "Completed" },
            { header: "Reason" },
            { header: "Reference" },
          ],
          section.failures.map((f) => [
            describeRunTypeLabel(f.typeLabel),
            describeOutcome(f.outcome),
            formatUtcDateTime(f.completedAt),
            f.reason,
            { markdown: toMarkdownCode(f.runId) },
          ]),
        ),
  ];
}

function evidenceBasis(section: EvidenceBasisSection): Blocks {
  const inv = section.inventory;
  const fields = [
    field("Evidence snapshot", toMarkdownCode(section.snapshotId)),
    field(
      "Generated",
      toMarkdownText(
        `${formatUtcDateTime(section.generatedAt)}${section.generatedByCompose ? " (generated for this review)" : ""}`,
      ),
    ),
    field("Generated by operation", toMarkdownCode(section.snapshotRunId)),
    field(
      "Window",
      toMarkdownText(`${formatUtcDateTime(section.windowStart)} to ${formatUtcDateTime(section.windowEnd)}`),
    ),
    field("Evidence as of", toMarkdownText(formatUtcDateTime(section.asOf))),
    field("Evidence sources", toMarkdownText(section.sources.length === 0 ? "None" : section.sources.join(", "))),
    field("Inventory", toMarkdownText(describeInventory(inv))),
    ...(inv.captureRunId ? [field("Captured by operation", toMarkdownCode(inv.captureRunId))] : []),
  ];
  const blocks: Blocks = [fields.join("\n")];
  if (inv.byKind.length > 0) {
    blocks.push(
      "### Inventory coverage by policy kind",
      toMarkdownTable(
        [{ header: "Policy kind" }, { header: "Policies", align: "right" }],
        inv.byKind.map((k) => [describePolicyKind(k.policyKind), formatCount(k.count)]),
      ),
    );
  }
  blocks.push("### Counted operations", toMarkdownText(describeCountedRuns(section.countedRunIds.length)));
  if (section.countedRunIds.length > 0) {
    blocks.push(section.countedRunIds.map((id, i) => `${i + 1}. ${toMarkdownCode(id)}`).join("\n"));
  }
  if (section.notes.length > 0) blocks.push("### Notes on coverage", section.notes.map(bullet).join("\n"));
  return blocks;
}

function sectionBlocks(section: ReviewSection): Blocks {
  switch (section.kind) {
    case "executive_summary":
      return executiveSummary(section);
    case "baseline_posture":
      return baselinePosture(section);
    case "notable_drift":
      return notableDrift(section);
    case "operations_health":
      return operationsHealth(section);
    case "evidence_basis":
      return evidenceBasis(section);
  }
}

/** Options of {@link renderReviewMarkdown}. */
export interface ReviewMarkdownOptions {
  /** When the export was generated, listed in the header. (Default: not listed) */
  generatedAt?: Date | undefined;
}

/**
 * Render a review as GitHub-flavoured Markdown (UTF-8 text; serve as `text/markdown;
 * charset=utf-8`): an H1 with the tenant, the review's facts, a draft notice for drafts, then an
 * H2 per section with the exact REVIEW_SECTION_TITLES, in canonical order. Ends with a newline.
 */
export function renderReviewMarkdown(review: TenantReviewDocument, options: ReviewMarkdownOptions = {}): string {
  const sections = toSectionsByKind(review.sections);
  const facts = [
    field("Period", toMarkdownText(`${review.periodLabel} (UTC)`)),
    field("Status", describeReviewStatus(review.status)),
    field("Composed", toMarkdownText(formatUtcDateTime(review.createdAt))),
    ...(review.readyAt ? [field("Ready", toMarkdownText(formatUtcDateTime(review.readyAt)))] : []),
    ...(options.generatedAt
      ? [field("Generated", toMarkdownText(formatUtcDateTime(options.generatedAt.toISOString())))]
      : []),
    ...(review.entraTenantId ? [field("Tenant ID", toMarkdownCode(review.entraTenantId))] : []),
  ];
  const blocks: Blocks = [`# ${toMarkdownText(describeReviewTitle(review))}`, facts.join("\n")];
  if (review.status === "draft") blocks.push(`> **Draft review.** ${toMarkdownText(DRAFT_NOTICE)}`);
  for (const kind of REVIEW_SECTION_KINDS) {
    const section = sections[kind];
    blocks.push(
      `## ${REVIEW_SECTION_TITLES[kind]}`,
      ...(section ? sectionBlocks(section) : [toMarkdownText(SECTION_MISSING)]),
    );
  }
  return `${blocks.join("\n\n")}\n`;
}
