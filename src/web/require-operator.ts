/**
 * The signed-in operator of a request, or an `unauthenticated` error (pages redirect to sign-in,
 * the JSON API answers 401: see app.tsx onError).
 * @module
 */
import type { Operator } from "../access/authentication.js";
import { OperatorError } from "../shared/operator-error.js";

/** @throws {OperatorError} unauthenticated – nobody is signed in */
export function requireOperator(operator: Operator | undefined): Operator {
  if (operator === undefined) throw new OperatorError("unauthenticated", "no session or API token");
  return operator;
}
