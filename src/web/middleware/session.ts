/**
 * Authentication for every request: a session cookie (browsers) or a Bearer API token (scripts,
 * the CLI's --server mode). Sets `c.var.operator`; routes decide what an anonymous request gets.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { findApiTokenOperator, findSession } from "../../access/authentication.js";
import type { AppEnv, WebDeps } from "../web-env.js";

/** Name of the session cookie (HttpOnly, SameSite=Lax, Secure behind TLS). */
export const SESSION_COOKIE = "tp_session";

/** Resolve the operator from the session cookie or an `Authorization: Bearer tp_…` header. */
export function sessionMiddleware(deps: WebDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("operator", undefined);
    c.set("csrfToken", undefined);
    c.set("authenticatedBy", undefined);
    const authorization = c.req.header("authorization");
    if (authorization?.startsWith("Bearer ")) {
      const operator = await findApiTokenOperator(deps.db, authorization.slice("Bearer ".length).trim(), deps.now());
      if (operator) {
        c.set("operator", operator);
        c.set("authenticatedBy", "api_token");
      }
    } else {
      const token = getCookie(c, SESSION_COOKIE);
      const session = token ? await findSession(deps.db, token, deps.now()) : undefined;
      if (session) {
        c.set("operator", session.operator);
        c.set("csrfToken", session.csrfToken);
        c.set("authenticatedBy", "session");
      }
    }
    await next();
  };
}
