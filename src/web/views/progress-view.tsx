/**
 * Progress by mode (docs/ui-standards.md §1) and the shell's run item (§3). Views branch on
 * `view.mode` only and render only copy the progress contract and presenter produced: a bar only
 * in counted mode, a stepper only in phased mode, stale and wait lines in every running mode.
 * @module
 */
import { formatCount, type ProgressView, type RunningProgressView } from "../../operations/progress-contract.js";
import type { ShellItem } from "../../operations/run-presenter.js";

/** Small, self-contained styles for progress and run items (muted, unanimated when stale). */
export const PROGRESS_STYLES = `
.progress{display:grid;gap:.25rem}
.progress .bar{height:.5rem;background:#e5e7eb;border-radius:.25rem;overflow:hidden}
.progress .bar>span{display:block;height:100%;background:#2563eb}
.progress[data-stale="true"] .bar>span{background:#9ca3af}
.progress .stepper{margin:0;padding-left:1.25rem}
.progress .stepper li[data-state="done"]::marker{content:"✓ "}
.progress .stepper li[data-state="current"]::marker{content:"▶ "}
.progress .stepper li[data-state="pending"]::marker{content:"○ "}
.progress .stepper li[data-state="current"]{font-weight:600}
.progress[data-stale="true"] .stepper{color:#6b7280}
.progress .stale{color:#92400e}
.progress .wait{color:#1e40af}
.pill{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85em;background:#f3f4f6}
.pill[data-tone="info"]{background:#dbeafe}.pill[data-tone="success"]{background:#dcfce7}
.pill[data-tone="warning"]{background:#fef3c7}.pill[data-tone="danger"]{background:#fee2e2}
.run-item{border:1px solid #e5e7eb;border-radius:.5rem;padding:.75rem;display:grid;gap:.35rem}
.run-item .head{display:flex;justify-content:space-between;gap:.5rem}
.run-item .action{justify-self:end}
`;

/** Wait and stale lines shared by every running mode (waiting is shown, a frozen view says so). */
function RunningNotes({ view }: { view: RunningProgressView }) {
  return (
    <>
      {view.waitDetail === undefined ? null : <p class="wait">{view.waitDetail}</p>}
      {view.staleDetail === undefined ? null : <p class="stale">{view.staleDetail}</p>}
    </>
  );
}

/** The body of one running mode, without the shared wait and stale lines. */
function RunningBody({ view }: { view: RunningProgressView }) {
  switch (view.mode) {
    case "counted":
      return (
        <>
          <p class="label">{view.label}</p>
          <div
            class="bar"
            role="progressbar"
            aria-valuenow={String(view.percent)}
            aria-valuemin="0"
            aria-valuemax="100"
            aria-label={view.label}
          >
            <span style={`width:${view.percent}%`}></span>
          </div>
          <p class="detail">
            <span class="percent">{`${view.percent}%`}</span> · {view.detail}
          </p>
        </>
      );
    case "phased":
      return (
        <>
          <p class="label">
            {view.label} · <span class="detail">{view.detail}</span>
          </p>
          <ol class="stepper">
            {view.phases.map((phase) => (
              <li
                data-phase={phase.key}
                data-state={phase.state}
                aria-current={phase.state === "current" ? "step" : undefined}
              >
                {phase.label}
              </li>
            ))}
          </ol>
          {view.countDetail === undefined ? null : <p class="count-detail">{view.countDetail}</p>}
        </>
      );
    case "composite":
      return (
        <>
          <p class="label">{view.label}</p>
          <p class="detail">{view.detail}</p>
          {view.parts.length === 0 ? null : (
            <ul class="parts">
              {view.parts.map((part) => (
                <li>{`${formatCount(part.count)} ${part.label.toLowerCase()}`}</li>
              ))}
            </ul>
          )}
        </>
      );
    case "activity":
      return (
        <>
          <p class="label">{view.label}</p>
          <p class="detail">{view.detail}</p>
        </>
      );
  }
}

/**
 * A progress view by mode. The root carries `data-mode` and, when stale, `data-stale="true"` for
 * styles and browser tests. `none` renders the status label only.
 */
export function ProgressViewElement({ view }: { view: ProgressView }) {
  if (view.mode === "none") {
    return (
      <div class="progress" data-mode="none">
        <p class="label">{view.label}</p>
      </div>
    );
  }
  return (
    <div class="progress" data-mode={view.mode} data-stale={view.stale ? "true" : undefined}>
      <RunningBody view={view} />
      <RunningNotes view={view} />
    </div>
  );
}

/**
 * One shell run item: title · subtitle with the status pill, the progress by mode, and the one
 * dominant action "View operation". A queued or completed run shows its status once, as the pill.
 */
export function RunItem({ item }: { item: ShellItem }) {
  return (
    <article class="run-item" data-run-url={item.action.url} data-status={item.status.status}>
      <div class="head">
        <strong class="title">
          {item.title} · <span class="subtitle">{item.subtitle}</span>
        </strong>
        <span class="pill" data-tone={item.status.tone}>
          {item.status.label}
        </span>
      </div>
      {item.progress.mode === "none" ? null : <ProgressViewElement view={item.progress} />}
      <a class="action" href={item.action.url}>
        {`${item.action.label} →`}
      </a>
    </article>
  );
}
