/**
 * The page frame: document head, header with the notification bell (unread count), the signed-in
 * operator and sign-out, the main area,
 * and for signed-in operators the live client (/assets/app.js: one SSE stream per browser) with
 * the region where a run's terminal notification appears. Every page renders through it. htmx
 * sends the CSRF token on every request it makes.
 * @module
 */

import { tryGetContext } from "hono/context-storage";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Operator } from "../../access/authentication.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import type { AppEnv } from "../web-env.js";

/** Props of {@link Layout}. */
export interface LayoutProps {
  title: string;
  operator?: Operator | undefined;
  csrfToken?: string | undefined;
  /**
   * The change cursor the page's run snapshot is at least as new as; the live client replays
   * changes after it, so nothing between render and connect is missed.
   */
  eventCursor?: number | undefined;
  /**
   * Unread notifications for the bell. (Default: `c.var.unreadNotifications` of the request being
   * rendered, set by the notifications middleware; an empty bell when neither is known)
   */
  unreadNotifications?: number | undefined;
  children?: Child;
}

/** The bell: a link to /notifications with the unread count (app.js bumps it live). */
function NotificationBell({ unread }: { unread: number | undefined }) {
  const count = unread ?? 0;
  return (
    <a
      class="bell"
      href="/notifications"
      data-bell
      data-unread-count={String(count)}
      aria-label={count === 0 ? "Notifications" : `Notifications, ${count} unread`}
    >
      {/* An inline SVG bell: an emoji needs a font the operator's machine may not have. */}
      <svg class="bell-icon" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"
        />
      </svg>{" "}
      Notifications{" "}
      <span class="bell-count" data-bell-count hidden={count === 0}>
        {String(count)}
      </span>
    </a>
  );
}

/** A full HTML page (with a doctype: STACK.md G23). */
export function Layout({ title, operator, csrfToken, eventCursor, unreadNotifications, children }: LayoutProps) {
  const unread = unreadNotifications ?? tryGetContext<AppEnv>()?.var.unreadNotifications;
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · TenantPilot`}</title>
          <link rel="stylesheet" href="/assets/app.css" />
          {/* No favicon file: an empty data URL stops every page from requesting /favicon.ico (a 404). */}
          <link rel="icon" href="data:," />
          <script src="/assets/htmx.min.js" defer></script>
          {operator ? <script type="module" src="/assets/app.js"></script> : null}
        </head>
        <body
          hx-headers={csrfToken ? JSON.stringify({ "X-CSRF-Token": csrfToken }) : undefined}
          data-event-cursor={eventCursor === undefined ? undefined : String(eventCursor)}
        >
          <header class="topbar">
            <a class="brand" href="/">
              TenantPilot
            </a>
            {operator ? (
              <nav class="topnav" aria-label="Main">
                <a href="/">Home</a> <a href="/operations">Operations</a>
              </nav>
            ) : null}
            {operator ? (
              <div class="topbar-end">
                <NotificationBell unread={unread} />
                <form method="post" action="/sign-out" class="signout">
                  <span class="who">{operator.displayName}</span>
                  <input type="hidden" name={CSRF_FIELD} value={csrfToken ?? ""} />
                  <button type="submit">Sign out</button>
                </form>
              </div>
            ) : null}
          </header>
          <main>{children}</main>
          {operator ? <div class="notices" role="status" aria-live="polite" data-notices></div> : null}
        </body>
      </html>
    </>
  );
}

/** An error page: the operator-safe sentence and a way back. */
export function ErrorPage({
  message,
  operator,
  csrfToken,
}: {
  message: string;
  operator?: Operator | undefined;
  /** The session's token, so Sign out works from an error page too. */
  csrfToken?: string | undefined;
}) {
  return (
    <Layout title="Something went wrong" operator={operator} csrfToken={csrfToken}>
      <section class="error">
        <h1>{message}</h1>
        <p>
          <a href="/">Back to TenantPilot</a>
        </p>
      </section>
    </Layout>
  );
}
