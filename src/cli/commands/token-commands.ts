/**
 * `tenantpilot tokens create`: an API token for `--server` and the JSON API, made on the
 * installation's database (no browser session or CSRF token needed), shown once.
 * @module
 */
import { createApiTokenForEmail, FIRST_ADMIN_EMAIL } from "../../access/authentication.js";
import type { CliContext } from "../cli-context.js";
import { EXIT_OK } from "../exit-codes.js";

/** Options of `tokens create`. */
export interface TokensCreateOptions {
  /** The account the token acts as. (Default: the first administrator, {@link FIRST_ADMIN_EMAIL}) */
  email?: string;
  /** A label to recognise the token by in `GET /api/v1/tokens`. (Default: "CLI token") */
  name?: string;
}

/**
 * Create a token and print it once, with how to use it. `--json`: `{ id, name, email, token }`.
 * @throws {OperatorError} not_found – no account with that email
 */
export async function tokensCreate(ctx: CliContext, options: TokensCreateOptions): Promise<number> {
  const email = options.email ?? FIRST_ADMIN_EMAIL;
  const name = (options.name ?? "").trim().slice(0, 100) || "CLI token";
  const { id, token } = await createApiTokenForEmail(ctx.runtime.database.db, email, name);
  ctx.emit({ id, name, email, token });
  ctx.say(`API token "${name}" for ${email} (shown once; keep it secret):`);
  ctx.say(token);
  ctx.say("Use it with: tenantpilot --server URL --token TOKEN … (or TENANTPILOT_SERVER / TENANTPILOT_TOKEN),");
  ctx.say("or as the header Authorization: Bearer TOKEN on /api/v1. Revoke it with DELETE /api/v1/tokens/<id>.");
  ctx.say(`Token id: ${id}`);
  return EXIT_OK;
}
