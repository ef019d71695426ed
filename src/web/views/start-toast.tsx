/**
 * The start UX shared by every page that queues a run (DESIGN.md §4): the presenter's queued toast
 * with its one action, View operation, and the htmx setting that lets a refused start (a 4xx with
 * an operator-safe sentence) swap into the page instead of vanishing.
 * @module
 */
import type { QueuedToast } from "../../operations/run-presenter.js";

/** The queued toast: the presenter's title and body and its one action, View operation. */
export function StartToast({ toast, runId }: { toast: QueuedToast; runId: string }) {
  return (
    <div class="toast" role="status" data-toast data-toast-run-id={runId}>
      <strong class="toast-title">{toast.title}</strong>
      <p>{toast.body}</p>
      <a href={toast.action.url}>{`${toast.action.label} →`}</a>
    </div>
  );
}

/**
 * htmx swaps 4xx answers too, so a start the operator cannot make (or a rejected form) shows its
 * sentence instead of nothing; 5xx stay errors. htmx reads this meta tag wherever it is.
 * @see https://htmx.org/docs/#response-handling
 */
export function HtmxSwapClientErrors() {
  return (
    <meta
      name="htmx-config"
      content={JSON.stringify({
        responseHandling: [
          { code: "204", swap: false },
          { code: "[23]..", swap: true },
          { code: "4..", swap: true, error: false },
          { code: "...", swap: false, error: true },
        ],
      })}
    />
  );
}
