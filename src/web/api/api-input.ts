/**
 * Parsing JSON API input with zod: a bad body, query or parameter becomes {@link ApiInputError}
 * (400 `invalid_input`), whose issues name the bad fields without echoing hostile values.
 * @module
 */
import type { z } from "zod";
import { OperatorError } from "../../shared/operator-error.js";

/** One bad field: its dotted path and what is wrong, both short and free of the sent value. */
export interface InputIssue {
  path: string;
  message: string;
}

/** Most issues reported per request. */
const MAX_ISSUES = 10;
/** Longest path segment echoed (field names are chosen by the client). */
const MAX_SEGMENT_CHARS = 40;

/** `invalid_input` with the fields at fault. */
export class ApiInputError extends OperatorError {
  override name = "ApiInputError";
  readonly issues: InputIssue[];

  constructor(internalMessage: string, issues: InputIssue[]) {
    super("invalid_input", internalMessage);
    this.issues = issues;
  }
}

function toSegment(value: PropertyKey): string {
  const text = typeof value === "symbol" ? "?" : String(value);
  const safe = text.replace(/[^\w.-]/g, "_");
  return safe.length > MAX_SEGMENT_CHARS ? `${safe.slice(0, MAX_SEGMENT_CHARS)}…` : safe;
}

// zod's messages name types and allowed options, never the received value, except for unknown keys
// (which it quotes): those are rebuilt here with shortened names.
function toIssues(where: string, error: z.ZodError): InputIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = [where, ...issue.path.map(toSegment)].join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.slice(0, 5).map(toSegment).join(", ");
      return { path, message: `Unknown field(s): ${keys}` };
    }
    return { path, message: issue.message.slice(0, 200) };
  });
}

/**
 * Parse `value` with `schema`.
 * @param where - what is parsed, for issue paths: "body", "query", "params"
 * @throws {ApiInputError} invalid_input – the value does not match
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiInputError(`${where} does not match its schema`, toIssues(where, result.error));
  return result.data;
}

/**
 * Parse a request body as JSON (an empty body is `{}`), then with `schema`.
 * @throws {ApiInputError} invalid_input – not JSON, or not matching
 * @throws {OperatorError} payload_too_large – over the app's body limit (raised while reading)
 */
export async function parseJsonBody<T extends z.ZodType>(
  request: { text(): Promise<string> },
  schema: T,
): Promise<z.output<T>> {
  const text = await request.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiInputError("body is not JSON", [{ path: "body", message: "The body is not valid JSON." }]);
    }
  }
  return parseInput(schema, value, "body");
}
