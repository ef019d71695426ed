/**
 * Notifications (DESIGN.md §4, docs/ui-standards.md §3–4): `GET /notifications` lists the
 * operator's terminal notifications across their workspaces, newest first, unread marked, each with
 * one action, View operation; `POST /notifications/:id/read` and `POST /notifications/read-all`
 * mark them read (CSRF-protected like every post; only your own: someone else's id is 404).
 * {@link unreadNotificationsMiddleware} counts the unread ones for the bell in the layout: one query
 * per signed-in page request, whatever the page.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import {
  countUnreadNotifications,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
} from "../../operations/notification-queries.js";
import { runUrl } from "../../operations/run-presenter.js";
import { OperatorError } from "../../shared/operator-error.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import { requireOperator } from "../require-operator.js";
import { Layout } from "../views/layout.js";
import { Time } from "../views/time.js";
import type { AppEnv, WebDeps } from "../web-env.js";

/** Paths that never render a page, so they need no bell count. */
const NO_PAGE = /^\/(api|assets|events|activity)(\/|$)/;

/**
 * Sets `c.var.unreadNotifications` (read by the layout's bell) for GET requests of a signed-in
 * browser session: one query, only for requests that may render a page.
 */
export function unreadNotificationsMiddleware(deps: WebDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("unreadNotifications", undefined);
    const operator = c.var.operator;
    if (
      operator !== undefined &&
      c.var.authenticatedBy === "session" &&
      c.req.method === "GET" &&
      !NO_PAGE.test(c.req.path)
    ) {
      c.set("unreadNotifications", await countUnreadNotifications(deps.db, operator.userId));
    }
    await next();
  };
}

/** Routes `/notifications`, `POST /notifications/:id/read` and `POST /notifications/read-all`. */
export function notificationsRoutes(deps: WebDeps) {
  return new Hono<AppEnv>()
    .get("/notifications", async (c) => {
      const operator = requireOperator(c.var.operator);
      const items = await listNotifications(deps.db, operator.userId);
      const unread = items.filter((item) => item.readAt === null).length;
      const csrf = <input type="hidden" name={CSRF_FIELD} value={c.var.csrfToken ?? ""} />;
      return c.html(
        <Layout title="Notifications" operator={operator} csrfToken={c.var.csrfToken}>
          <h1>Notifications</h1>
          {unread > 0 ? (
            <form method="post" action="/notifications/read-all">
              {csrf}
              <button type="submit">Mark all as read</button>
            </form>
          ) : null}
          {items.length === 0 ? (
            <p class="muted">No notifications yet. When an operation you started finishes, it shows here.</p>
          ) : (
            <ul class="notification-list">
              {items.map((item) => (
                <li
                  class={item.readAt === null ? "notification unread" : "notification"}
                  data-notification-id={item.id}
                  data-unread={item.readAt === null ? "true" : "false"}
                >
                  <p>
                    {item.readAt === null ? (
                      <span class="pill" data-tone="info">
                        Unread
                      </span>
                    ) : null}{" "}
                    <strong>{item.title}</strong>
                  </p>
                  <p>{item.body}</p>
                  <p class="muted">
                    {item.workspaceName} · <Time at={item.createdAt} />
                  </p>
                  <p>
                    <a href={runUrl(item.runId)}>View operation</a>
                    {item.readAt === null ? (
                      <form method="post" action={`/notifications/${item.id}/read`} class="inline-form">
                        {csrf}
                        <button type="submit">Mark as read</button>
                      </form>
                    ) : null}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </Layout>,
      );
    })
    .post("/notifications/read-all", async (c) => {
      const operator = requireOperator(c.var.operator);
      await markAllNotificationsRead(deps.db, operator.userId, deps.now());
      return c.redirect("/notifications", 303);
    })
    .post("/notifications/:id/read", async (c) => {
      const operator = requireOperator(c.var.operator);
      const id = c.req.param("id");
      if (!(await markNotificationRead(deps.db, operator.userId, id, deps.now()))) {
        throw new OperatorError("not_found", `No notification ${JSON.stringify(id.slice(0, 100))} of this user.`);
      }
      return c.redirect("/notifications", 303);
    });
}
