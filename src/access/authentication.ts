/**
 * Local accounts and sessions: argon2id password hashes (@node-rs/argon2, OWASP's recommended
 * algorithm), random session tokens of which only a sha256 is stored, a synchronizer CSRF token per
 * session, a failed sign-in rate limit, and per-user API tokens (hashed at rest, revocable).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { apiTokens, sessions, signInAttempts, users } from "../db/schema.js";
import { OperatorError } from "../shared/operator-error.js";

/** Who is signed in (or holds the API token). */
export interface Operator {
  userId: string;
  email: string;
  displayName: string;
}

/** Session lifetime, ms. (Default: 12 h) */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1_000;
/** Failed attempts allowed per email address within {@link SIGN_IN_WINDOW_MS}. */
export const MAX_FAILED_SIGN_INS_PER_EMAIL = 5;
/** Failed attempts allowed per client address within {@link SIGN_IN_WINDOW_MS}. */
export const MAX_FAILED_SIGN_INS_PER_ADDRESS = 20;
/** The rate limit's window, ms (15 min). */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1_000;

/** sha256 hex of a secret token: what the database keeps instead of the token. */
export function toTokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** Hash a password with argon2id (the library's defaults: m=19 MiB, t=2, p=1). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** A fixed hash verified against when the email is unknown, so both paths cost the same. */
let dummyHash: Promise<string> | undefined;

/**
 * Create a local account (email unique, case-insensitive).
 * @throws {OperatorError} invalid_input – bad email, short password, or the email is taken
 */
export async function createUser(
  db: Db,
  input: { email: string; displayName: string; password: string },
): Promise<string> {
  const email = input.email.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
    throw new OperatorError("invalid_input", "Not an email address.");
  if (input.password.length < 12) throw new OperatorError("invalid_input", "Passwords have at least 12 characters.");
  const [row] = await db
    .insert(users)
    .values({ email, displayName: input.displayName.trim() || email, passwordHash: await hashPassword(input.password) })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (!row) throw new OperatorError("invalid_input", `An account for ${email} already exists.`);
  return row.id;
}

/** A new session: the cookie token and the CSRF token (both shown to the browser only). */
export interface NewSession {
  sessionToken: string;
  csrfToken: string;
  operator: Operator;
  expiresAt: Date;
}

/**
 * Check a password and open a session. Failed attempts are counted per email and per client
 * address; past the limit no password is checked at all until the window passes.
 * @throws {OperatorError} sign_in_rate_limited – too many recent failures; sign_in_failed – unknown
 *   email or wrong password (indistinguishable on purpose)
 */
export async function signIn(
  db: Db,
  input: { email: string; password: string; clientAddress: string; now: Date },
): Promise<NewSession> {
  const email = input.email.trim().toLowerCase().slice(0, 254);
  const since = new Date(input.now.getTime() - SIGN_IN_WINDOW_MS);
  const recent = await db.execute(sql`select
      count(*) filter (where lower(email) = ${email})::int as by_email,
      count(*) filter (where client_address = ${input.clientAddress})::int as by_address
    from sign_in_attempts where not succeeded and at > ${since}
      and (lower(email) = ${email} or client_address = ${input.clientAddress})`);
  const { by_email: byEmail, by_address: byAddress } = recent.rows[0] as { by_email: number; by_address: number };
  if (byEmail >= MAX_FAILED_SIGN_INS_PER_EMAIL || byAddress >= MAX_FAILED_SIGN_INS_PER_ADDRESS) {
    throw new OperatorError("sign_in_rate_limited", `sign-in of ${email} from ${input.clientAddress} rate limited`);
  }
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${email}`);
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  const ok =
    user?.passwordHash != null
      ? await verify(user.passwordHash, input.password).catch(() => false)
      : (await verify(await dummyHash, input.password).catch(() => false)) && false;
  await db.insert(signInAttempts).values({ email, clientAddress: input.clientAddress, succeeded: ok, at: input.now });
  if (!ok || user === undefined) throw new OperatorError("sign_in_failed", `sign-in of ${email} failed`);
  const sessionToken = newToken("s_");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(input.now.getTime() + SESSION_TTL_MS);
  await db.insert(sessions).values({ tokenHash: toTokenHash(sessionToken), userId: user.id, csrfToken, expiresAt });
  return {
    sessionToken,
    csrfToken,
    expiresAt,
    operator: { userId: user.id, email: user.email, displayName: user.displayName },
  };
}

/** The session's operator and CSRF token, or undefined for an unknown or expired token. */
export async function findSession(
  db: Db,
  sessionToken: string,
  now: Date,
): Promise<{ operator: Operator; csrfToken: string } | undefined> {
  const rows = await db
    .select({ userId: users.id, email: users.email, displayName: users.displayName, csrfToken: sessions.csrfToken })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, toTokenHash(sessionToken)), gt(sessions.expiresAt, now)));
  const row = rows[0];
  return row === undefined
    ? undefined
    : { operator: { userId: row.userId, email: row.email, displayName: row.displayName }, csrfToken: row.csrfToken };
}

/** End a session (idempotent). */
export async function signOut(db: Db, sessionToken: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, toTokenHash(sessionToken)));
}

/** Create an API token for a user; the token is returned once and only its hash is stored. */
export async function createApiToken(db: Db, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = newToken("tp_");
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name: name.trim().slice(0, 100) || "API token", tokenHash: toTokenHash(token) })
    .returning({ id: apiTokens.id });
  if (!row) throw new Error("createApiToken: insert returned nothing");
  return { id: row.id, token };
}

/**
 * Create an API token for the account with this email address (case-insensitive): for an
 * administrator of the installation (the CLI), who has the database but no browser session.
 * The token is returned once; only its hash is stored.
 * @throws {OperatorError} not_found – no account with this email
 */
export async function createApiTokenForEmail(
  db: Db,
  email: string,
  name: string,
): Promise<{ id: string; token: string; userId: string }> {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
  if (user === undefined) throw new OperatorError("not_found", `No account for ${email.slice(0, 200)}.`);
  return { ...(await createApiToken(db, user.id, name)), userId: user.id };
}

/** A user's API token as its owner may see it: never the token or its hash. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A user's API tokens, newest first, revoked ones included. */
export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenInfo[]> {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** The operator an API token belongs to, or undefined when unknown or revoked. Records its use. */
export async function findApiTokenOperator(db: Db, token: string, now: Date): Promise<Operator | undefined> {
  const rows = await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.tokenHash, toTokenHash(token)), isNull(apiTokens.revokedAt)))
    .returning({ userId: apiTokens.userId });
  const userId = rows[0]?.userId;
  if (userId === undefined) return undefined;
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user ? { userId: user.id, email: user.email, displayName: user.displayName } : undefined;
}

/** Revoke a user's API token (idempotent). @returns whether a live token was revoked */
export async function revokeApiToken(db: Db, userId: string, tokenId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length === 1;
}

/** The account the first start creates so someone can sign in. */
export const FIRST_ADMIN_EMAIL = "admin@tenantpilot.local";

/**
 * On the first start (no account can sign in yet) create an owner account for `workspaceId` with a
 * random password. The password exists only in the return value: show it once.
 * @returns the new credentials, or undefined when an account with a password already exists
 */
export async function ensureFirstAdmin(
  db: Db,
  memberOf: (userId: string) => Promise<void>,
): Promise<{ email: string; password: string } | undefined> {
  const existing = await db.execute(sql`select 1 from users where password_hash is not null limit 1`);
  if (existing.rows.length > 0) return undefined;
  const password = randomBytes(12).toString("base64url");
  const userId = await createUser(db, { email: FIRST_ADMIN_EMAIL, displayName: "Administrator", password });
  await memberOf(userId);
  return { email: FIRST_ADMIN_EMAIL, password };
}

/**
 * Give an account a new random password (shown once in the return value), end its sessions and
 * lift the failed sign-in lock on its email address.
 * @throws {OperatorError} not_found – no account with this email
 */
export async function resetPassword(db: Db, email: string): Promise<string> {
  const password = randomBytes(12).toString("base64url");
  const rows = await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`)
    .returning({ id: users.id });
  const userId = rows[0]?.id;
  if (userId === undefined) throw new OperatorError("not_found", `No account for ${email}.`);
  await db.delete(sessions).where(eq(sessions.userId, userId));
  // A reset is how a locked-out administrator gets back in: the failed attempts no longer count.
  await db.delete(signInAttempts).where(sql`lower(${signInAttempts.email}) = ${email.trim().toLowerCase()}`);
  return password;
}
