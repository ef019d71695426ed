/**
 * The tenant review as semantic HTML (hono/jsx): a header, the draft banner, and one <section> per
 * review section under its REVIEW_SECTION_TITLES heading, with captioned tables and the two SVG
 * charts. Used inside the app's page frame and by the standalone printable document. Every stored
 * string is text (JSX escapes it); stored keys are mapped through catalogs, never shown.
 * @module
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { describePolicyKind } from "../../inventory/policy-kinds.js";
import {
  type BaselinePostureSection,
  type DisplayValue,
  type EvidenceBasisSection,
  type ExecutiveSummarySection,
  type NotableDriftSection,
  type OperationsHealthSection,
  type PostureState,
  REVIEW_SECTION_KINDS,
  REVIEW_SECTION_TITLES,
  type ReviewSection,
  type ReviewSectionKind,
  type TenantReviewDocument,
} from "../review-content.js";
import { DriftChart, OutcomeChart } from "./review-charts.js";
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
  toOutcomeTone,
} from "./review-copy.js";
import { REVIEW_CSS } from "./review-styles.js";

/** The first section of each kind, in the canonical order (a missing kind maps to undefined). */
export function toSectionsByKind(sections: readonly ReviewSection[]): {
  [K in ReviewSectionKind]: Extract<ReviewSection, { kind: K }> | undefined;
} {
  const find = <K extends ReviewSectionKind>(kind: K) =>
    sections.find((s): s is Extract<ReviewSection, { kind: K }> => s.kind === kind);
  return {
    executive_summary: find("executive_summary"),
    baseline_posture: find("baseline_posture"),
    notable_drift: find("notable_drift"),
    operations_health: find("operations_health"),
    evidence_basis: find("evidence_basis"),
  };
}

/** Shown under a heading whose section the review does not (yet) contain. */
export const SECTION_MISSING = "This section has not been composed.";

/** Where a run id links to in an interactive view; without it ids are plain text in full. */
type RunHref = ((runId: string) => string) | undefined;

/** Characters of an id shown as its short form in an interactive view. */
const SHORT_ID_LENGTH = 8;

/**
 * An operation run's id: in an interactive view a link to the run (short form, the full id in
 * its title); in print, PDF and anywhere without `runHref`, the full id as text.
 */
function RunRef({ runId, runHref }: { runId: string; runHref: RunHref }) {
  if (runHref === undefined) return <>{runId}</>;
  return (
    <a href={runHref(runId)} title={runId} data-run-ref={runId}>
      {runId.slice(0, SHORT_ID_LENGTH)}
    </a>
  );
}

/**
 * A table that scrolls sideways inside its own box when it is wider than the page (a phone), so
 * the page itself never does. Focusable and labelled, so keyboard users can scroll it too.
 */
function TableScroll({ label, children }: { label: string; children: Child }) {
  return (
    <section class="rv-table-scroll" aria-label={label} tabindex={0}>
      {children}
    </section>
  );
}

function PostureBadge({ state }: { state: PostureState }) {
  const posture = describePosture(state);
  return (
    <span class={`rv-badge rv-tone-${posture.tone}`}>
      <span aria-hidden="true">{posture.symbol}</span> {posture.label}
    </span>
  );
}

function ValueCell({ value }: { value: DisplayValue }) {
  return <td class={value.kind === "value" ? "rv-value" : "rv-placeholder"}>{describeDisplayValue(value)}</td>;
}

function ExecutiveSummary({ section }: { section: ExecutiveSummarySection }) {
  return (
    <>
      <p class="rv-headline">{section.headline}</p>
      <dl class="rv-figures">
        <div>
          <dt>Baseline posture</dt>
          <dd>
            <PostureBadge state={section.posture} />
          </dd>
        </div>
        <div>
          <dt>Unresolved drift findings</dt>
          <dd>{formatCount(section.unresolvedFindingCount)}</dd>
        </div>
        <div>
          <dt>Operations in period</dt>
          <dd>{formatCount(section.operationCount)}</dd>
        </div>
        <div>
          <dt>Failed operations</dt>
          <dd>{formatCount(section.failedOperationCount)}</dd>
        </div>
      </dl>
      {section.points.length > 0 ? (
        <ul>
          {section.points.map((point) => (
            <li>{point}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function BaselinePosture({ section }: { section: BaselinePostureSection }) {
  return (
    <>
      <p>{describePreviousReview(section)}</p>
      {section.profiles.length === 0 ? (
        <p>{NO_PROFILES}</p>
      ) : (
        <TableScroll label="Posture per baseline profile">
          <table class="rv-table rv-table-posture">
            <caption>Posture per baseline profile</caption>
            <colgroup>
              <col class="rv-col-profile" />
              <col class="rv-col-posture" />
              <col class="rv-col-count" />
              <col class="rv-col-change" />
              <col class="rv-col-count" />
              <col class="rv-col-kinds" />
              <col class="rv-col-date" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Baseline profile</th>
                <th scope="col">Posture</th>
                <th scope="col" class="rv-num">
                  Unresolved
                </th>
                <th scope="col">Change since previous review</th>
                <th scope="col" class="rv-num">
                  Resolved in period
                </th>
                <th scope="col">Unresolved by kind</th>
                <th scope="col">Last compared</th>
              </tr>
            </thead>
            <tbody>
              {section.profiles.map((p) => {
                const kinds = toFindingKindRows(p.unresolvedByKind);
                return (
                  <tr>
                    <th scope="row">{p.profileName}</th>
                    <td>
                      <PostureBadge state={p.state} />
                    </td>
                    <td class="rv-num">
                      {formatCount(p.unresolvedCount)}
                      <br />
                      <span class="rv-muted">{`${formatCount(p.openCount)} open · ${formatCount(p.reopenedCount)} reopened`}</span>
                    </td>
                    <td>{describeChange(p.changeSincePrevious)}</td>
                    <td class="rv-num">{formatCount(p.resolvedCount)}</td>
                    <td>
                      {kinds.length === 0
                        ? "None"
                        : kinds.map((k, i) => (
                            <>
                              {i > 0 ? <br /> : null}
                              {`${k.label}: ${formatCount(k.count)}`}
                            </>
                          ))}
                    </td>
                    <td>{p.lastComparedAt ? formatUtcDateTime(p.lastComparedAt) : "Never"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

function NotableDrift({ section }: { section: NotableDriftSection }) {
  return (
    <>
      <p>{describeNotableDrift(section)}</p>
      <DriftChart chart={section.chart} idPrefix="rv-drift" />
      {section.findings.length > 0 ? (
        <TableScroll label="Top drift findings">
          <table class="rv-table rv-table-drift">
            <caption>Top drift findings: expected (baseline) against actual (tenant)</caption>
            {/* Column widths for print and PDF, where a long value must not squeeze the policy name. */}
            <colgroup>
              <col class="rv-col-policy" />
              <col class="rv-col-kind" />
              <col class="rv-col-setting" />
              <col class="rv-col-value" />
              <col class="rv-col-value" />
              <col class="rv-col-status" />
              <col class="rv-col-date" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Finding</th>
                <th scope="col">Setting</th>
                <th scope="col">Expected</th>
                <th scope="col">Actual</th>
                <th scope="col">Status</th>
                <th scope="col">First seen</th>
              </tr>
            </thead>
            <tbody>
              {section.findings.map((f) => (
                <tr>
                  <th scope="row">
                    {f.policyName}
                    <br />
                    <span class="rv-muted">{`${describePolicyKind(f.policyKind)} · ${f.profileName}`}</span>
                  </th>
                  <td>{describeFindingKind(f.findingKind)}</td>
                  <td>{f.settingLabel ?? <span class="rv-muted">Whole policy</span>}</td>
                  <ValueCell value={f.expected} />
                  <ValueCell value={f.actual} />
                  <td>{describeFindingStatus(f.status)}</td>
                  <td>{formatUtcDate(f.firstSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </>
  );
}

function OperationsHealth({ section, runHref }: { section: OperationsHealthSection; runHref: RunHref }) {
  return (
    <>
      <p>{describeOperationsSummary(section)}</p>
      <OutcomeChart section={section} idPrefix="rv-outcomes" />
      <h3>Failures</h3>
      {section.failures.length === 0 ? (
        <p>{NO_FAILURES}</p>
      ) : (
        <TableScroll label="Operations that did not fully succeed">
          <table class="rv-table">
            <caption>Operations that did not fully succeed, with their reasons</caption>
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <th scope="col">Outcome</th>
                <th scope="col">Completed</th>
                <th scope="col">Reason</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {section.failures.map((f) => (
                <tr>
                  <th scope="row">{describeRunTypeLabel(f.typeLabel)}</th>
                  <td>
                    <span class={`rv-badge rv-tone-${toOutcomeTone(f.outcome)}`}>{describeOutcome(f.outcome)}</span>
                  </td>
                  <td>{formatUtcDateTime(f.completedAt)}</td>
                  <td>{f.reason}</td>
                  <td class="rv-ref">
                    <RunRef runId={f.runId} runHref={runHref} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

function EvidenceBasis({ section, runHref }: { section: EvidenceBasisSection; runHref: RunHref }) {
  const inv = section.inventory;
  return (
    <>
      <dl class="rv-evidence">
        <dt>Evidence snapshot</dt>
        <dd class="rv-ref">
          {runHref === undefined ? (
            section.snapshotId
          ) : (
            // No page shows a snapshot: the short form, the full id on hover; its operation links below.
            <span title={section.snapshotId}>{section.snapshotId.slice(0, SHORT_ID_LENGTH)}</span>
          )}
        </dd>
        <dt>Generated</dt>
        <dd>
          {formatUtcDateTime(section.generatedAt)}
          {section.generatedByCompose ? " (generated for this review)" : null}
        </dd>
        <dt>Generated by operation</dt>
        <dd class="rv-ref">
          <RunRef runId={section.snapshotRunId} runHref={runHref} />
        </dd>
        <dt>Window</dt>
        <dd>{`${formatUtcDateTime(section.windowStart)} to ${formatUtcDateTime(section.windowEnd)}`}</dd>
        <dt>Evidence as of</dt>
        <dd>{formatUtcDateTime(section.asOf)}</dd>
        <dt>Evidence sources</dt>
        <dd>{section.sources.length === 0 ? "None" : section.sources.join(", ")}</dd>
        <dt>Inventory</dt>
        <dd>{describeInventory(inv)}</dd>
        {inv.captureRunId ? (
          <>
            <dt>Captured by operation</dt>
            <dd class="rv-ref">
              <RunRef runId={inv.captureRunId} runHref={runHref} />
            </dd>
          </>
        ) : null}
      </dl>
      {inv.byKind.length > 0 ? (
        <TableScroll label="Inventory coverage by policy kind">
          <table class="rv-table">
            <caption>Inventory coverage by policy kind</caption>
            <thead>
              <tr>
                <th scope="col">Policy kind</th>
                <th scope="col" class="rv-num">
                  Policies
                </th>
              </tr>
            </thead>
            <tbody>
              {inv.byKind.map((k) => (
                <tr>
                  <th scope="row">{describePolicyKind(k.policyKind)}</th>
                  <td class="rv-num">{formatCount(k.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <h3>Counted operations</h3>
      <p>{describeCountedRuns(section.countedRunIds.length)}</p>
      {section.countedRunIds.length > 0 ? (
        <ol class="rv-run-ids rv-ref">
          {section.countedRunIds.map((id) => (
            <li>
              <RunRef runId={id} runHref={runHref} />
            </li>
          ))}
        </ol>
      ) : null}
      {section.notes.length > 0 ? (
        <>
          <h3>Notes on coverage</h3>
          <ul>
            {section.notes.map((note) => (
              <li>{note}</li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function SectionBody({ section, runHref }: { section: ReviewSection; runHref: RunHref }): Child {
  switch (section.kind) {
    case "executive_summary":
      return <ExecutiveSummary section={section} />;
    case "baseline_posture":
      return <BaselinePosture section={section} />;
    case "notable_drift":
      return <NotableDrift section={section} />;
    case "operations_health":
      return <OperationsHealth section={section} runHref={runHref} />;
    case "evidence_basis":
      return <EvidenceBasis section={section} runHref={runHref} />;
  }
}

/** Props of {@link ReviewDocumentView}. */
export interface ReviewDocumentViewProps {
  review: TenantReviewDocument;
  /** When the export or print view was generated; shown in the header when given. */
  generatedAt?: Date | undefined;
  /**
   * Embed the review stylesheet ({@link ReviewStyles}) before the article, so any page can show
   * the view as is. The printable document, which has the styles in its head, passes false.
   * (Default: true)
   */
  withStyles?: boolean | undefined;
  /**
   * The URL of an operation run, e.g. `(id) => \`/operations/${id}\``: given, every run id
   * (failures' references, the snapshot's and the capture's operations, counted operations) is a
   * link showing the id's first 8 characters, with the full id in its title. (Default: none — ids
   * are plain text in full, as print and PDF need)
   */
  runHref?: ((runId: string) => string) | undefined;
}

/**
 * The whole review: header (tenant, period, status, composed / ready / generated times), the
 * draft banner for drafts, and the five sections in canonical order. A section the review lacks
 * keeps its heading and says so. Styles come along unless `withStyles` is false.
 */
export function ReviewDocumentView({ review, generatedAt, withStyles = true, runHref }: ReviewDocumentViewProps) {
  const sections = toSectionsByKind(review.sections);
  return (
    <>
      {withStyles ? <ReviewStyles /> : null}
      <article class="rv" aria-labelledby="rv-title">
        <header class="rv-header">
          <h1 id="rv-title">{describeReviewTitle(review)}</h1>
          <dl class="rv-meta">
            <div>
              <dt>Period</dt>
              <dd>{`${review.periodLabel} (UTC)`}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>{describeReviewStatus(review.status)}</dd>
            </div>
            <div>
              <dt>Composed</dt>
              <dd>{formatUtcDateTime(review.createdAt)}</dd>
            </div>
            {review.readyAt ? (
              <div>
                <dt>Ready</dt>
                <dd>{formatUtcDateTime(review.readyAt)}</dd>
              </div>
            ) : null}
            {generatedAt ? (
              <div>
                <dt>Generated</dt>
                <dd>{formatUtcDateTime(generatedAt.toISOString())}</dd>
              </div>
            ) : null}
            {review.entraTenantId ? (
              <div>
                <dt>Tenant ID</dt>
                <dd class="rv-ref">{review.entraTenantId}</dd>
              </div>
            ) : null}
          </dl>
        </header>
        {review.status === "draft" ? (
          <p class="rv-draft" role="note">
            <strong>Draft review.</strong> {DRAFT_NOTICE}
          </p>
        ) : null}
        {REVIEW_SECTION_KINDS.map((kind) => {
          const section = sections[kind];
          const headingId = `rv-section-${REVIEW_SECTION_KINDS.indexOf(kind) + 1}`;
          return (
            <section class="rv-section" aria-labelledby={headingId}>
              <h2 id={headingId}>{REVIEW_SECTION_TITLES[kind]}</h2>
              {section ? (
                <SectionBody section={section} runHref={runHref} />
              ) : (
                <p class="rv-muted">{SECTION_MISSING}</p>
              )}
            </section>
          );
        })}
      </article>
    </>
  );
}

/** The review stylesheet as a <style> element (a <style> in <body> is fine in every current browser). */
export function ReviewStyles() {
  // A compile-time constant, not data: raw() keeps CSS quotes and selectors intact.
  return <style>{raw(REVIEW_CSS)}</style>;
}
