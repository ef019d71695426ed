/**
 * Decoding of one Intune Management export file: bytes → text → one Graph policy object.
 * Exports arrive as UTF-8 (with or without BOM) or, from a git checkout or Windows PowerShell,
 * UTF-16 LE/BE with BOM and CRLF (DESIGN.md §5 "Decoding"; corpus README "Encoding").
 * @module
 */
import { OperatorError } from "../shared/operator-error.js";

/** Default largest export file read, in bytes: 10 MiB (the largest corpus file is well under 1 MiB). */
export const DEFAULT_MAX_EXPORT_BYTES = 10 * 1024 * 1024;

/** Why a file could not be read as a policy. */
export type UnreadableReason = "not_json" | "not_policy" | "too_large" | "bad_encoding";

/**
 * The result of reading one export file. Unreadable files are values, not exceptions: a folder
 * with one broken file is still compared, and the broken file is reported by name.
 * `detail` is an internal message (for diagnostics and the CLI), never a policy value.
 */
export type ParsedExport =
  | { ok: true; raw: Record<string, unknown> }
  | { ok: false; reason: UnreadableReason; detail: string };

/** Options for {@link parseExportFile}. */
export interface ParseExportOptions {
  /** Largest accepted file, in bytes. (Default: {@link DEFAULT_MAX_EXPORT_BYTES}, 10 MiB) */
  maxExportBytes?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true });

/**
 * Decode an export file's bytes to text. The BOM decides the encoding: `EF BB BF` UTF-8,
 * `FF FE` UTF-16 LE, `FE FF` UTF-16 BE; without a BOM the bytes must be valid UTF-8. The BOM is
 * not part of the result. Line ends are kept (JSON parsing accepts CRLF).
 *
 * @throws {OperatorError} `export_malformed` – the bytes are not valid text in the detected
 *   encoding (odd UTF-16 length, lone surrogates, invalid UTF-8, UTF-16 without BOM)
 */
export function decodeExportBytes(bytes: Uint8Array): string {
  try {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      return utf8.decode(bytes.subarray(3));
    }
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      return decodeUtf16(bytes.subarray(2), "le");
    }
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      return decodeUtf16(bytes.subarray(2), "be");
    }
    if (looksLikeUtf16WithoutBom(bytes)) {
      throw new Error("looks like UTF-16 without a byte order mark");
    }
    return utf8.decode(bytes);
  } catch (error) {
    if (error instanceof OperatorError) {
      throw error;
    }
    const why = error instanceof Error ? error.message : String(error);
    throw new OperatorError("export_malformed", `export file is not valid UTF-8 or UTF-16 with BOM: ${why}`, {
      cause: error,
    });
  }
}

function decodeUtf16(body: Uint8Array, order: "le" | "be"): string {
  if (body.length % 2 !== 0) {
    throw new Error(`UTF-16 ${order.toUpperCase()} text has an odd byte count (${body.length + 2} bytes with BOM)`);
  }
  if (order === "le") {
    return utf16le.decode(body);
  }
  // Swap to little-endian ourselves: not every Node build ships a UTF-16 BE TextDecoder.
  const swapped = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i += 2) {
    swapped[i] = body[i + 1] ?? 0;
    swapped[i + 1] = body[i] ?? 0;
  }
  return utf16le.decode(swapped);
}

/** JSON text never contains NUL; UTF-16 ASCII text has one in every other byte. */
function looksLikeUtf16WithoutBom(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64);
  return sample.length >= 2 && sample.includes(0);
}

/**
 * Read one export file as a Graph policy object. A file is a policy when it is a JSON object with
 * a string `@odata.type` and a non-empty string name (`name` for settings catalog policies,
 * `displayName` for every other kind); anything else is unreadable with a reason. Never throws.
 *
 * @param bytes - the whole file
 * @param fileName - used in `detail` only
 * @see DESIGN.md §5 "Decoding"
 */
export function parseExportFile(bytes: Uint8Array, fileName: string, options: ParseExportOptions = {}): ParsedExport {
  const maxExportBytes = options.maxExportBytes ?? DEFAULT_MAX_EXPORT_BYTES;
  if (bytes.length > maxExportBytes) {
    return {
      ok: false,
      reason: "too_large",
      detail: `${fileName}: ${bytes.length} bytes exceeds the limit of ${maxExportBytes} bytes`,
    };
  }
  let text: string;
  try {
    text = decodeExportBytes(bytes);
  } catch (error) {
    return { ok: false, reason: "bad_encoding", detail: `${fileName}: ${(error as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: "not_json", detail: `${fileName}: ${(error as Error).message}` };
  }
  return toPolicyObject(value, fileName);
}

function toPolicyObject(value: unknown, fileName: string): ParsedExport {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const shape = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    return { ok: false, reason: "not_policy", detail: `${fileName}: top-level JSON value is ${shape}, not an object` };
  }
  const raw = value as Record<string, unknown>;
  const odataType = raw["@odata.type"];
  if (typeof odataType !== "string" || odataType.trim() === "") {
    return { ok: false, reason: "not_policy", detail: `${fileName}: object has no string "@odata.type"` };
  }
  if (!hasName(raw["name"]) && !hasName(raw["displayName"])) {
    return { ok: false, reason: "not_policy", detail: `${fileName}: object has neither "name" nor "displayName"` };
  }
  return { ok: true, raw };
}

function hasName(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "";
}
