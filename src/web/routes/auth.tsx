/**
 * Sign-in and sign-out pages (local accounts). Failed sign-ins are rate limited per email address
 * and per client address (access/authentication.ts).
 * @module
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { signIn, signOut } from "../../access/authentication.js";
import { OperatorError } from "../../shared/operator-error.js";
import { HTTP_STATUS_BY_CODE } from "../http-errors.js";
import { SESSION_COOKIE } from "../middleware/session.js";
import { Layout } from "../views/layout.js";
import type { AppEnv, WebDeps } from "../web-env.js";

const signInSchema = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1_024) });

function SignInPage({ error, email }: { error?: string; email?: string }) {
  return (
    <Layout title="Sign in">
      <section class="sign-in">
        <h1>Sign in to TenantPilot</h1>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <form method="post" action="/sign-in">
          <label>
            Email address
            <input type="email" name="email" autocomplete="username" required value={email ?? ""} />
          </label>
          <label>
            Password
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}

/** Client address for the rate limit: the socket's address (no proxy headers are trusted). */
function clientAddressOf(c: { env: unknown }): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/** Routes `/sign-in` and `/sign-out`. */
export function authRoutes(deps: WebDeps) {
  return new Hono<AppEnv>()
    .get("/sign-in", (c) => (c.var.operator ? c.redirect("/", 303) : c.html(<SignInPage />)))
    .post("/sign-in", async (c) => {
      const parsed = signInSchema.safeParse(await c.req.parseBody());
      if (!parsed.success) {
        return c.html(<SignInPage error="Enter your email address and password." />, 400);
      }
      try {
        const session = await signIn(deps.db, {
          ...parsed.data,
          clientAddress: clientAddressOf(c),
          now: deps.now(),
        });
        setCookie(c, SESSION_COOKIE, session.sessionToken, {
          httpOnly: true,
          sameSite: "Lax",
          secure: deps.secureCookies === true,
          path: "/",
          expires: session.expiresAt,
        });
        return c.redirect("/", 303);
      } catch (error) {
        if (
          error instanceof OperatorError &&
          (error.code === "sign_in_failed" || error.code === "sign_in_rate_limited")
        ) {
          return c.html(
            <SignInPage error={error.operatorMessage} email={parsed.data.email} />,
            HTTP_STATUS_BY_CODE[error.code],
          );
        }
        throw error;
      }
    })
    .post("/sign-out", async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await signOut(deps.db, token);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.redirect("/sign-in", 303);
    });
}
