/**
 * The web app: middleware (body limit, secure headers, session, CSRF), routes, static assets and
 * the one place HTTP errors are shaped (operator-safe page or JSON; details only in the log).
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { contextStorage } from "hono/context-storage";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { OPERATOR_ERRORS, OperatorError } from "../shared/operator-error.js";
import { apiRoutes } from "./api/api-routes.js";
import { HTTP_STATUS_BY_CODE } from "./http-errors.js";
import { csrfMiddleware } from "./middleware/csrf.js";
import { sessionMiddleware } from "./middleware/session.js";
import { authRoutes } from "./routes/auth.js";
import { baselinesRoutes } from "./routes/baselines.js";
import { eventsRoutes } from "./routes/events.js";
import { homeRoutes } from "./routes/home.js";
import { notificationsRoutes, unreadNotificationsMiddleware } from "./routes/notifications.js";
import { operationsRoutes } from "./routes/operations.js";
import { reviewsRoutes } from "./routes/reviews.js";
import { tenantConnectionsRoutes } from "./routes/tenant-connections.js";
import { RunEventHub } from "./run-event-hub.js";
import { ErrorPage } from "./views/layout.js";
import { PROGRESS_STYLES } from "./views/progress-view.js";
import type { AppEnv, WebDeps } from "./web-env.js";

/** Largest request body accepted, bytes (forms and API bodies are small). */
export const MAX_BODY_BYTES = 64 * 1024;

const require = createRequire(import.meta.url);
const HTMX = readFileSync(
  path.join(path.dirname(require.resolve("htmx.org/package.json")), "dist", "htmx.min.js"),
  "utf8",
);
const CSS = readFileSync(path.join(import.meta.dirname, "views", "app.css"), "utf8") + PROGRESS_STYLES;
const APP_JS = readFileSync(path.join(import.meta.dirname, "views", "app.js"), "utf8");

/** Build the app. Pure wiring: every dependency comes in through `deps`. */
export function createApp(deps: WebDeps) {
  const app = new Hono<AppEnv>();
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new OperatorError("payload_too_large", `request body over ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use(secureHeaders());
  app.use(sessionMiddleware(deps));
  app.use(...csrfMiddleware());
  app.use(contextStorage(), unreadNotificationsMiddleware(deps)); // the layout's bell reads c.var.unreadNotifications

  app.get("/assets/htmx.min.js", (c) =>
    c.body(HTMX, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }),
  );
  app.get("/assets/app.css", (c) => c.body(CSS, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/assets/app.js", (c) => c.body(APP_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
  // One hub per app, fed by the process's one LISTEN connection (deps.runChanges), fanned out to /events.
  const hub = deps.runChanges ? new RunEventHub(deps) : undefined;
  if (hub && deps.runChanges) hub.attach(deps.runChanges);
  app.route("/", eventsRoutes(deps, hub));
  app.route("/", authRoutes(deps));
  app.route("/", homeRoutes(deps));
  app.route("/", operationsRoutes(deps));
  app.route("/", baselinesRoutes(deps));
  app.route("/", notificationsRoutes(deps));
  app.route("/", reviewsRoutes(deps));
  app.route("/", tenantConnectionsRoutes(deps));
  app.route("/api/v1", apiRoutes(deps));

  app.notFound((c) =>
    c.html(
      <ErrorPage message={OPERATOR_ERRORS.not_found} operator={c.var.operator} csrfToken={c.var.csrfToken} />,
      404,
    ),
  );
  app.onError((error, c) => {
    const wantsJson = c.req.path.startsWith("/api/") || (c.req.header("accept") ?? "").includes("application/json");
    let code: keyof typeof OPERATOR_ERRORS = "internal_error";
    if (error instanceof OperatorError) {
      code = error.code;
      if (code === "unauthenticated" && !wantsJson) return c.redirect("/sign-in", 303);
    } else if (error instanceof HTTPException && error.status === 403) {
      code = "csrf_failed"; // hono/csrf: the Origin check refused a cross-site form post
    } else {
      deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, "unhandled request error");
    }
    const status = HTTP_STATUS_BY_CODE[code];
    const message = OPERATOR_ERRORS[code];
    if (wantsJson) return c.json({ error: { code, message } }, status);
    return c.html(<ErrorPage message={message} operator={c.var.operator} csrfToken={c.var.csrfToken} />, status);
  });
  return app;
}
