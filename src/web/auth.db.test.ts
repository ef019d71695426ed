/**
 * Sign-in, sessions, CSRF and the failed sign-in rate limit, through the real app (`app.request`)
 * on a real database.
 */
import pino from "pino";
import { describe, expect } from "vitest";
import { dbTest } from "../../test/db-test.js";
import { createTestRunService } from "../../test/factories.js";
import { createUser } from "../access/authentication.js";
import { ensureWorkspace } from "../access/workspaces.js";
import type { Database } from "../db/database.js";
import { createApp } from "./app.js";

const ORIGIN = "http://localhost";
const PASSWORD = "correct horse battery staple";

function appFor(database: Database) {
  const { runs } = createTestRunService(database);
  return createApp({
    db: database.db,
    runs,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
    runMaxAttempts: 3,
    staleAfterMs: 300_000,
  });
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
  };
}

async function signedIn(database: Database) {
  const app = appFor(database);
  const userId = await createUser(database.db, { email: "ada@example.com", displayName: "Ada", password: PASSWORD });
  await ensureWorkspace(database.db, { name: "Contoso MSP", slug: "contoso", memberUserId: userId, role: "operator" });
  const response = await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password: PASSWORD }));
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const home = await app.request(`${ORIGIN}/`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? "";
  return { app, response, cookie, csrf };
}

describe("sign-in", () => {
  dbTest("sends anonymous requests to the sign-in page", async ({ database }) => {
    const response = await appFor(database).request(`${ORIGIN}/`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/sign-in");
  });

  dbTest(
    "signs in with a session cookie that is HttpOnly and SameSite, and shows the workspaces",
    async ({ database }) => {
      const { response, cookie, app } = await signedIn(database);
      expect(response.status).toBe(303);
      const setCookie = response.headers.get("set-cookie") ?? "";
      expect(setCookie).toMatch(/^tp_session=s_[\w-]+;/);
      expect(setCookie).toContain("HttpOnly");
      expect(setCookie).toContain("SameSite=Lax");
      const home = await app.request(`${ORIGIN}/`, { headers: { cookie } });
      expect(home.status).toBe(200);
      const html = await home.text();
      expect(html).toContain("<!DOCTYPE html>");
      expect(html).toContain("Contoso MSP");
    },
  );

  dbTest("refuses a wrong password with one sentence that does not say which part was wrong", async ({ database }) => {
    const app = appFor(database);
    await createUser(database.db, { email: "ada@example.com", displayName: "Ada", password: PASSWORD });
    for (const email of ["ada@example.com", "nobody@example.com"]) {
      const response = await app.request(`${ORIGIN}/sign-in`, form({ email, password: "wrong password!" }));
      expect(response.status).toBe(401);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.text()).toContain("The email address or password is not right.");
    }
  });

  dbTest(
    "rate limits failed sign-ins per email address, even with the right password afterwards",
    async ({ database }) => {
      const app = appFor(database);
      await createUser(database.db, { email: "ada@example.com", displayName: "Ada", password: PASSWORD });
      for (let i = 0; i < 5; i++) {
        expect(
          (await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password: `guess ${i}` }))).status,
        ).toBe(401);
      }
      const blocked = await app.request(`${ORIGIN}/sign-in`, form({ email: "ADA@example.com", password: PASSWORD }));
      expect(blocked.status).toBe(429);
      expect(await blocked.text()).toContain("Too many failed sign-ins.");
    },
  );

  dbTest("rejects a malformed sign-in form without writing anything", async ({ database }) => {
    const response = await appFor(database).request(`${ORIGIN}/sign-in`, form({ email: "" }));
    expect(response.status).toBe(400);
    const attempts = await database.pool.query("select count(*)::int as n from sign_in_attempts");
    expect(attempts.rows[0]).toEqual({ n: 0 });
  });
});

describe("CSRF protection", () => {
  dbTest("refuses a sign-out without the session's token, and with a forged one", async ({ database }) => {
    const { app, cookie } = await signedIn(database);
    for (const fields of [{}, { _csrf: "forged-token" }]) {
      const response = await app.request(`${ORIGIN}/sign-out`, form(fields, { cookie }));
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("This form has expired or did not come from TenantPilot.");
    }
    expect((await app.request(`${ORIGIN}/`, { headers: { cookie } })).status).toBe(200); // still signed in
  });

  dbTest("refuses a cross-site form post even with the right token", async ({ database }) => {
    const { app, cookie, csrf } = await signedIn(database);
    const response = await app.request(
      `${ORIGIN}/sign-out`,
      form({ _csrf: csrf }, { cookie, origin: "https://evil.example" }),
    );
    expect(response.status).toBe(403);
  });

  dbTest("signs out with the right token and ends the session", async ({ database }) => {
    const { app, cookie, csrf } = await signedIn(database);
    expect(csrf).not.toBe("");
    const response = await app.request(`${ORIGIN}/sign-out`, form({ _csrf: csrf }, { cookie }));
    expect(response.status).toBe(303);
    expect((await app.request(`${ORIGIN}/`, { headers: { cookie } })).status).toBe(303);
  });
});

describe("bad requests", () => {
  dbTest("answers an oversized body with 413 and an unknown page with 404", async ({ database }) => {
    const app = appFor(database);
    const big = await app.request(`${ORIGIN}/sign-in`, form({ email: "a@b.c", password: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(await big.text()).toContain("The request is too large.");
    const missing = await app.request(`${ORIGIN}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toMatch(/Error:|\bat \S+ \(/);
  });
});

describe("ensureFirstAdmin", () => {
  dbTest(
    "creates one owner with a random password on the first start only, and it can sign in",
    async ({ database }) => {
      const { ensureFirstAdmin } = await import("../access/authentication.js");
      const memberships: string[] = [];
      const first = await ensureFirstAdmin(database.db, async (userId) => {
        memberships.push(userId);
        await ensureWorkspace(database.db, {
          name: "Local workspace",
          slug: "local",
          memberUserId: userId,
          role: "owner",
        });
      });
      expect(first?.email).toBe("admin@tenantpilot.local");
      expect(first?.password.length).toBeGreaterThanOrEqual(12);
      expect(memberships).toHaveLength(1);
      expect(await ensureFirstAdmin(database.db, async () => undefined)).toBeUndefined();
      const stored = await database.pool.query("select password_hash from users where email = $1", [first?.email]);
      expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
      expect(stored.rows[0].password_hash).not.toContain(first?.password);
      const response = await appFor(database).request(
        `${ORIGIN}/sign-in`,
        form({ email: first?.email ?? "", password: first?.password ?? "" }),
      );
      expect(response.status).toBe(303);
    },
  );
});

describe("resetPassword", () => {
  dbTest(
    "sets a new password that signs in, ends the account's sessions, and refuses an unknown email",
    async ({ database }) => {
      const { resetPassword } = await import("../access/authentication.js");
      const { app, cookie } = await signedIn(database);
      const password = await resetPassword(database.db, "ADA@example.com");
      expect((await app.request(`${ORIGIN}/`, { headers: { cookie } })).status).toBe(303); // old session ended
      const old = await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password: PASSWORD }));
      expect(old.status).toBe(401);
      const fresh = await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password }));
      expect(fresh.status).toBe(303);
      await expect(resetPassword(database.db, "nobody@example.com")).rejects.toMatchObject({ code: "not_found" });
    },
  );
});

describe("error pages", () => {
  dbTest("carry the session's CSRF token, so Sign out works from a 404 page", async ({ database }) => {
    const { app, cookie } = await signedIn(database);
    const missing = await app.request(`${ORIGIN}/operations/not-a-uuid`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await missing.text())?.[1] ?? "";
    expect(csrf).not.toBe("");
    expect((await app.request(`${ORIGIN}/sign-out`, form({ _csrf: csrf }, { cookie }))).status).toBe(303);
  });

  dbTest("a password reset lifts the failed sign-in lock of that email address", async ({ database }) => {
    const { resetPassword } = await import("../access/authentication.js");
    const app = appFor(database);
    await createUser(database.db, { email: "ada@example.com", displayName: "Ada", password: PASSWORD });
    for (let i = 0; i < 5; i++)
      await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password: `guess ${i}` }));
    expect(
      (await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password: PASSWORD }))).status,
    ).toBe(429);
    const password = await resetPassword(database.db, "ada@example.com");
    expect((await app.request(`${ORIGIN}/sign-in`, form({ email: "ada@example.com", password }))).status).toBe(303);
  });
});
