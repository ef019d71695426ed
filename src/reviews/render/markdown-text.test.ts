import { describe, expect, it } from "vitest";
import { toMarkdownCode, toMarkdownTable, toMarkdownText } from "./markdown-text.js";

describe("toMarkdownText", () => {
  it.each([
    ["plain text", "Windows 11 security baseline", "Windows 11 security baseline"],
    ["a table pipe", "a | b", "a \\| b"],
    ["a heading marker", "# Heading", "\\# Heading"],
    ["a block quote", "> quoted", "\\> quoted"],
    ["a list item", "- item", "\\- item"],
    ["a plus list item", "+ item", "\\+ item"],
    ["an ordered list item", "12. item", "12\\. item"],
    ["an ordered list item with a parenthesis", "3) item", "3\\) item"],
    ["a setext underline", "=====", "\\====="],
    ["raw HTML", "<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"],
    ["code", "`rm -rf`", "\\`rm -rf\\`"],
    ["emphasis", "*a* _b_ ~c~", "\\*a\\* \\_b\\_ \\~c\\~"],
    ["a link", "[x](http://evil)", "\\[x\\](http\\://evil)"],
    ["a www autolink", "see www.example.com", "see www\\.example.com"],
    ["an entity", "&lt;", "\\&lt;"],
    ["a backslash", "C:\\Windows", "C:\\\\Windows"],
    ["newlines", "line one\nline two\r\n| x", "line one line two \\| x"],
    ["leading spaces (a code block)", "      indented", "indented"],
    ["control characters", "a\u0000b\u0007c", "abc"],
  ])("escapes %s", (_name, input, expected) => {
    expect(toMarkdownText(input)).toBe(expected);
  });

  it("leaves line-start markers alone in a table cell, which holds inline content only", () => {
    expect(toMarkdownText("+3", "cell")).toBe("+3");
    expect(toMarkdownText("- x | # y", "cell")).toBe("- x \\| \\# y");
  });

  it("keeps the text on one line, whatever it contains", () => {
    const hostile = "x\n# h\n> q\n- l\n\n```\ncode\n```\u2028y";
    expect(toMarkdownText(hostile)).not.toMatch(/[\n\r\u2028]/);
  });
});

describe("toMarkdownCode", () => {
  it("wraps identifiers in a code span and escapes anything else", () => {
    expect(toMarkdownCode("3f6c2a1e-8b4d-4c2e-9f1a-000000000001")).toBe("`3f6c2a1e-8b4d-4c2e-9f1a-000000000001`");
    expect(toMarkdownCode("a`b|c")).toBe("a\\`b\\|c");
  });
});

describe("toMarkdownTable", () => {
  it("builds a GFM table with aligned columns, escaped cells and padded rows", () => {
    const table = toMarkdownTable(
      [{ header: "Name | kind" }, { header: "Count", align: "right" }],
      [["a|b", "1"], ["only one cell"], [{ markdown: "`id`" }, "2"]],
    );
    expect(table.split("\n")).toEqual([
      "| Name \\| kind | Count |",
      "| --- | ---: |",
      "| a\\|b | 1 |",
      "| only one cell |  |",
      "| `id` | 2 |",
    ]);
  });
});
