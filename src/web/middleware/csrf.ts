/**
 * CSRF protection on every state-changing request made with a session cookie: the request must
 * echo the session's synchronizer token (form field `_csrf` or header `X-CSRF-Token`, which htmx
 * sends) — OWASP's synchronizer token pattern — in addition to Hono's Origin / Sec-Fetch-Site check
 * (hono/csrf). Requests authenticated by an API token carry no cookie and need no CSRF token.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { OperatorError } from "../../shared/operator-error.js";
import type { AppEnv } from "../web-env.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Name of the hidden form field carrying the token. */
export const CSRF_FIELD = "_csrf";
/** Name of the header carrying the token (htmx requests). */
export const CSRF_HEADER = "x-csrf-token";

/** Origin check (hono/csrf) for form posts, then the synchronizer token for session requests. */
export function csrfMiddleware(): MiddlewareHandler<AppEnv>[] {
  const honoOriginCheck = csrf();
  // Token requests carry no cookie, so a cross-site page cannot make them: only cookie sessions
  // need the Origin check (scripts often send no Origin and no content type on DELETE).
  const originCheck: MiddlewareHandler<AppEnv> = (c, next) =>
    c.var.authenticatedBy === "api_token" ? next() : honoOriginCheck(c, next);
  const tokenCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.var.authenticatedBy !== "session") {
      await next();
      return;
    }
    const expected = c.var.csrfToken ?? "";
    let sent = c.req.header(CSRF_HEADER);
    if (sent === undefined && (c.req.header("content-type") ?? "").includes("form")) {
      const form = await c.req.parseBody();
      const field = form[CSRF_FIELD];
      sent = typeof field === "string" ? field : undefined;
    }
    if (!sent || !equalTokens(sent, expected)) {
      throw new OperatorError("csrf_failed", `${c.req.method} ${c.req.path}: missing or wrong CSRF token`);
    }
    await next();
  };
  return [originCheck, tokenCheck];
}

function equalTokens(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
