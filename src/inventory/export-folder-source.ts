/**
 * The export-folder evidence source: a folder in the Intune Management layout
 * (`WINDOWS/IntuneManagement/<Type>/<display name>.json`, `MACOS/...`, `BYOD/AppProtection/...`),
 * read one file at a time so a large tenant never sits in memory at once.
 * @module
 */
import type { Dirent } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { OperatorError } from "../shared/operator-error.js";
import { DEFAULT_MAX_EXPORT_BYTES, type ParsedExport, parseExportFile } from "./export-decoding.js";
import { findKindsForExportPath } from "./policy-kinds.js";

/** One file read from an export folder. */
export interface ExportEntry {
  /** Path relative to the folder root, `/`-separated on every platform. */
  file: string;
  /** The policy, or why the file is unreadable. */
  result: ParsedExport;
}

/** Options for {@link readExportFolder}. */
export interface ReadExportFolderOptions {
  /** Stops between files; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Relative paths (as {@link listExportFiles} spells them) not to read, e.g. already processed ones. */
  skip?: Set<string>;
  /** Largest file read, in bytes; larger files are `too_large` without being read. (Default: 10 MiB) */
  maxExportBytes?: number;
}

/**
 * List the policy files of an export folder: every `*.json` (any case) below `rootDir`,
 * recursively, as `/`-separated relative paths sorted by UTF-16 code unit order, so the listing is
 * the same on every machine. Symbolic links, hidden folders (`.git`, …) and `node_modules` are
 * not followed.
 *
 * @throws {OperatorError} `evidence_source_unreachable` – `rootDir` (or a folder below it) does
 *   not exist, is not a folder or cannot be read; the internal message names the path
 */
export async function listExportFiles(rootDir: string): Promise<string[]> {
  const root = path.resolve(rootDir);
  await assertReadableFolder(root);
  const files: string[] = [];
  const pending: string[] = [""];
  for (let relative = pending.pop(); relative !== undefined; relative = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      throw unreachable(`cannot list export folder ${path.join(root, relative)}`, error);
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        // Tool and VCS folders are never part of an export (and can hold thousands of *.json files).
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") pending.push(child);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith(".json")) {
        files.push(child);
      }
    }
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Stream the files of an export folder in {@link listExportFiles} order, reading and parsing one
 * file at a time. Unreadable files are yielded with a reason (see `parseExportFile`), not thrown.
 *
 * @throws {OperatorError} `evidence_source_unreachable` – the root is missing or unreadable, or a
 *   listed file disappears or cannot be opened while reading
 * @throws the signal's reason when `signal` is aborted
 */
export async function* readExportFolder(
  rootDir: string,
  options: ReadExportFolderOptions = {},
): AsyncIterable<ExportEntry> {
  const root = path.resolve(rootDir);
  const maxExportBytes = options.maxExportBytes ?? DEFAULT_MAX_EXPORT_BYTES;
  for (const file of await listExportFiles(root)) {
    options.signal?.throwIfAborted();
    if (options.skip?.has(file)) {
      continue;
    }
    yield { file, result: await readOneFile(root, file, maxExportBytes) };
  }
}

/**
 * Hints about what an unreadable file might have been, for the drift engine's `unknown` rule:
 * the policy kind when the export folder implies exactly one, and the file name without `.json`
 * (Intune Management names files after the policy's display name).
 */
export function toUnreadableHint(file: string): { policyKind?: string; nameHint?: string } {
  const kinds = findKindsForExportPath(file);
  const base = file.split("/").at(-1) ?? file;
  const nameHint = base.replace(/\.json$/i, "");
  const [onlyKind] = kinds;
  return kinds.length === 1 && onlyKind !== undefined ? { policyKind: onlyKind, nameHint } : { nameHint };
}

async function readOneFile(root: string, file: string, maxExportBytes: number): Promise<ParsedExport> {
  const fullPath = path.join(root, ...file.split("/"));
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(fullPath, "r");
  } catch (error) {
    throw unreachable(`cannot open export file ${fullPath}`, error);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxExportBytes) {
      // Decided from the size alone: a huge file is never loaded into memory.
      return {
        ok: false,
        reason: "too_large",
        detail: `${file}: ${size} bytes exceeds the limit of ${maxExportBytes} bytes`,
      };
    }
    const bytes = await handle.readFile();
    return parseExportFile(bytes, file, { maxExportBytes });
  } catch (error) {
    throw unreachable(`cannot read export file ${fullPath}`, error);
  } finally {
    await handle.close();
  }
}

async function assertReadableFolder(root: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(root)).isDirectory();
  } catch (error) {
    throw unreachable(`export folder ${root} does not exist or cannot be read`, error);
  }
  if (!isFolder) {
    throw unreachable(`export folder ${root} is not a folder`);
  }
}

function unreachable(message: string, cause?: unknown): OperatorError {
  return new OperatorError("evidence_source_unreachable", message, cause === undefined ? undefined : { cause });
}
