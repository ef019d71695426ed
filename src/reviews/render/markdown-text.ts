/**
 * Stored text in GitHub-flavoured Markdown: an escaper that makes any string render as the same
 * literal text on one line (inline or in a table cell), and a GFM table builder. Pure.
 *
 * Why not a library: `markdown-table` builds tables but does not escape cell text, and
 * `markdown-escape` misses `|`, `<` and line-start markers; `mdast-util-to-markdown` with
 * `mdast-util-gfm-table` would do both but pulls three packages into the runtime for one export.
 * @module
 */

/**
 * Characters escaped wherever they appear (CommonMark allows a backslash before any ASCII
 * punctuation): backslash, code, emphasis, links and images, raw HTML and autolinks, table pipes,
 * strikethrough, headings and block quotes, and entity references.
 */
const ALWAYS_ESCAPED = /[\\`*_[\]<>|~#&]/g;

/**
 * Escape text so Markdown shows it literally on one line. Line breaks and tabs become spaces
 * (a newline would end a table row or start a new block); leading spaces are dropped (four would
 * start a code block); a leading list marker (`-`, `+`, `1.`, `1)`) or setext underline (`=`) is
 * escaped (not in a `"cell"`, whose content is inline only); every character in {@link ALWAYS_ESCAPED} is backslash-escaped, and so are GFM's
 * extended autolink triggers (`://`, `www.`).
 * @example toMarkdownText("| # <b>") === "\\| \\# \\<b\\>"
 */
export function toMarkdownText(text: string, context: "line" | "cell" = "line"): string {
  const oneLine = text
    .replace(/[\r\n\t\f\v\u2028\u2029]+/g, " ")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, "")
    .replace(/^ +/, "");
  const inline = oneLine
    .replace(ALWAYS_ESCAPED, (char) => `\\${char}`)
    // GFM's extended autolinks fire on "://" and "www."; an escape breaks the trigger.
    .replace(/:\/\//g, "\\://")
    .replace(/\bwww\./gi, (www) => `${www.slice(0, 3)}\\.`);
  // A table cell holds inline content only: a list marker or underline cannot start a block there.
  if (context === "cell") return inline;
  return inline.replace(/^([-+=])/, "\\$1").replace(/^(\d{1,9})([.)])/, "$1\\$2");
}

/** `` `value` `` for identifiers (ids, GUIDs); text containing a backtick falls back to escaped text. */
export function toMarkdownCode(value: string): string {
  return /^[\w.:-]+$/.test(value) ? `\`${value}\`` : toMarkdownText(value);
}

/** Column alignment of a {@link toMarkdownTable} column. */
export type MarkdownAlign = "left" | "right";

/** One column: its header text and alignment. (Default alignment: "left") */
export interface MarkdownColumn {
  header: string;
  align?: MarkdownAlign;
}

/**
 * A GFM table. Headers and cells are plain text and are escaped with {@link toMarkdownText};
 * pass `{ markdown }` for a cell that is already Markdown (e.g. {@link toMarkdownCode}). Rows
 * shorter than the header are padded; longer rows are cut.
 */
export function toMarkdownTable(
  columns: readonly MarkdownColumn[],
  rows: readonly (readonly (string | { markdown: string })[])[],
): string {
  const cell = (value: string | { markdown: string } | undefined) =>
    value === undefined ? "" : typeof value === "string" ? toMarkdownText(value, "cell") : value.markdown;
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(columns.map((c) => toMarkdownText(c.header, "cell"))),
    line(columns.map((c) => (c.align === "right" ? "---:" : "---"))),
    ...rows.map((row) => line(columns.map((_, i) => cell(row[i])))),
  ].join("\n");
}
