/**
 * The failure a run stores, and what an operator may read of it (DESIGN.md §2 `failure`).
 * `toRunFailure` turns anything thrown into `{ code, message, diagnostics }` with internals only
 * in `diagnostics`; `describeFailure` reads a stored failure back as catalog copy. Pure, never throws.
 * @module
 */
import {
  coerceError,
  isOperatorErrorCode,
  OPERATOR_ERRORS,
  OperatorError,
  type OperatorErrorCode,
} from "../shared/operator-error.js";
import type { RunFailure } from "./run-record.js";

/** Longest `diagnostics` text stored, in UTF-16 code units; longer text is cut with a marker. (Default: 32_768) */
export const MAX_DIAGNOSTICS_LENGTH = 32_768;

/** Deepest `cause` chain followed into `diagnostics`; cycles stop earlier. */
const MAX_CAUSE_DEPTH = 8;

/** The operator-visible part of a failure: a catalog code and exactly its catalog sentence. */
export interface OperatorFailure {
  code: OperatorErrorCode;
  message: string;
}

/**
 * Convert anything thrown into the failure a run stores. An {@link OperatorError} keeps its code
 * and operator sentence; anything else is `internal_error`. Internals (message, stack, and the
 * `cause` chain, up to 8 deep, and the errors of an `AggregateError`) go to `diagnostics` only,
 * capped at {@link MAX_DIAGNOSTICS_LENGTH}.
 *
 * @param thrown - any value caught by a `catch`
 * @returns never throws, even for hostile values (throwing getters, cyclic causes)
 * @see DESIGN.md §2 `failure`, STYLE.md §4
 */
export function toRunFailure(thrown: unknown): RunFailure {
  const code = toFailureCode(thrown);
  return { code, message: OPERATOR_ERRORS[code], diagnostics: toDiagnostics(thrown) };
}

/**
 * Codes that name a precondition an operator fixes (capture a baseline, connect the tenant), not an
 * error: a run that stops on one ends `blocked`, never `failed` (DESIGN.md §2 `outcome`).
 */
const PRECONDITION_CODES: ReadonlySet<string> = new Set<OperatorErrorCode>([
  "no_baseline_snapshot",
  "tenant_not_connected",
  "graph_not_connected",
]);

/** True when a failure with `code` means the run was blocked by a precondition. Pure. */
export function isPreconditionFailure(code: string): boolean {
  return PRECONDITION_CODES.has(code);
}

/**
 * Read a stored failure as operator copy. Only the `code` is read: a known code gives its catalog
 * sentence, anything else (missing failure, unknown or legacy code, non-object) gives
 * `internal_error`. The stored `message` and `diagnostics` are never returned.
 *
 * @param failure - the stored `failure` column, untrusted
 * @returns never throws
 */
export function describeFailure(failure: unknown): OperatorFailure {
  const code = readStoredCode(failure);
  return { code, message: OPERATOR_ERRORS[code] };
}

/** The stored code if it is a known catalog code (own data property only), else `internal_error`. */
function readStoredCode(failure: unknown): OperatorErrorCode {
  if (failure === null || typeof failure !== "object") {
    return "internal_error";
  }
  try {
    const descriptor = Reflect.getOwnPropertyDescriptor(failure, "code");
    const code: unknown = descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
    return isOperatorErrorCode(code) ? code : "internal_error";
  } catch {
    return "internal_error"; // a Proxy trap threw: treat as an unreadable failure
  }
}

/**
 * An operator error's code, checked against the catalog (a forged or stale code is internal).
 * Duck-typed on `name` as well as `instanceof`, so an OperatorError from a second copy of the
 * module (tsx vs built code in one process) keeps its code.
 */
function toFailureCode(thrown: unknown): OperatorErrorCode {
  try {
    if (thrown instanceof OperatorError || (thrown instanceof Error && thrown.name === "OperatorError")) {
      const code: unknown = (thrown as { code?: unknown }).code;
      return isOperatorErrorCode(code) ? code : "internal_error";
    }
  } catch {
    // a hostile getter on name or code: the failure is not an expected one
  }
  return "internal_error";
}

/** Stack (or message) of the error, then each cause as "Caused by: …", capped. */
function toDiagnostics(thrown: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = thrown;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && !seen.has(current); depth += 1) {
    seen.add(current);
    lines.push((depth === 0 ? "" : "Caused by: ") + describeThrown(current));
    for (const inner of readAggregateErrors(current)) {
      lines.push(`  Aggregated: ${describeThrown(inner)}`);
    }
    const next = readCause(current);
    if (next === undefined) {
      break;
    }
    current = next;
  }
  const text = lines.join("\n");
  return text.length <= MAX_DIAGNOSTICS_LENGTH ? text : `${text.slice(0, MAX_DIAGNOSTICS_LENGTH)}\n… (truncated)`;
}

/** One thrown value as text: its stack (which starts with name and message), else its message. */
function describeThrown(value: unknown): string {
  try {
    const error = coerceError(value);
    const stack = typeof error.stack === "string" && error.stack !== "" ? error.stack : undefined;
    return stack ?? `${error.name}: ${error.message}`;
  } catch {
    return "Unprintable thrown value"; // e.g. an object whose toString throws
  }
}

function readCause(value: unknown): unknown {
  try {
    return value instanceof Error ? value.cause : undefined;
  } catch {
    return undefined; // a throwing `cause` getter ends the chain
  }
}

/** The first few errors of an AggregateError (Promise.any, parallel evidence reads). */
function readAggregateErrors(value: unknown): unknown[] {
  try {
    return value instanceof AggregateError && Array.isArray(value.errors) ? value.errors.slice(0, 10) : [];
  } catch {
    return [];
  }
}
