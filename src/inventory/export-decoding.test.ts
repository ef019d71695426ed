import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { normalizePolicy } from "../baselines/drift/normalize-policy.js";
import { OperatorError } from "../shared/operator-error.js";
import { decodeExportBytes, parseExportFile } from "./export-decoding.js";

const corpusRoot = path.resolve(import.meta.dirname, "../..", "../shared/corpus/openintunebaseline");
const sampleFile = path.join(
  corpusRoot,
  "oib-win-v3.7-75c4825/WINDOWS/IntuneManagement/SettingsCatalog/Win - OIB - SC - Device Security - D - Timezone - v3.4.json",
);
let sampleBytes: Uint8Array | undefined;
try {
  sampleBytes = readFileSync(sampleFile);
} catch {
  console.warn(`shared corpus not found at ${corpusRoot}; corpus tests skipped`);
}

function utf16(text: string, order: "le" | "be"): Uint8Array {
  const body = Buffer.from(text, "utf16le");
  if (order === "be") {
    body.swap16();
  }
  return Buffer.concat([Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
}

const encode = (text: string) => new TextEncoder().encode(text);

describe.skipIf(sampleBytes === undefined)("parseExportFile on a real corpus file", () => {
  const text = new TextDecoder().decode(sampleBytes);
  const variants: [string, Uint8Array][] = [
    ["UTF-8 without BOM (as committed)", encode(text)],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encode(text)])],
    ["UTF-16LE with BOM and CRLF (git checkout form)", utf16(text.replaceAll("\n", "\r\n"), "le")],
    ["UTF-16BE with BOM", utf16(text, "be")],
  ];

  it.each(variants)("decodes %s to the same policy", (_label, bytes) => {
    const parsed = parseExportFile(bytes, "sample.json");
    expect(parsed.ok).toBe(true);
    const reference = parseExportFile(encode(text), "reference.json");
    if (!parsed.ok || !reference.ok) {
      throw new Error("unreachable");
    }
    expect(parsed.raw).toEqual(reference.raw);
    expect(normalizePolicy(parsed.raw).hash).toBe(normalizePolicy(reference.raw).hash);
  });

  it("reports a truncated file as not_json", () => {
    const parsed = parseExportFile(encode(text.slice(0, text.length / 2)), "truncated.json");
    expect(parsed).toMatchObject({ ok: false, reason: "not_json" });
  });
});

describe("parseExportFile", () => {
  it.each([
    ["garbage bytes", new Uint8Array([0x80, 0x81, 0xfe, 0x00, 0x41]), "bad_encoding"],
    ["UTF-16 without a BOM", Buffer.from('{"a":1}', "utf16le"), "bad_encoding"],
    ["UTF-16LE with an odd byte count", new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d]), "bad_encoding"],
    ["text that is not JSON", encode("hello"), "not_json"],
    ["an empty file", new Uint8Array(), "not_json"],
    ["a JSON string (an old _Settings.json companion)", encode('"just a string"'), "not_policy"],
    ["a JSON array", encode('[{"@odata.type":"#microsoft.graph.x","displayName":"A"}]'), "not_policy"],
    ["null", encode("null"), "not_policy"],
    ["an object without @odata.type", encode('{"displayName":"A"}'), "not_policy"],
    ["an object without a name", encode('{"@odata.type":"#microsoft.graph.windows10CompliancePolicy"}'), "not_policy"],
    ["an object with a blank name", encode('{"@odata.type":"#microsoft.graph.x","name":"  "}'), "not_policy"],
  ] as const)("reports %s as unreadable (%s)", (_label, bytes, reason) => {
    const parsed = parseExportFile(bytes, "file.json");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.reason).toBe(reason);
      expect(parsed.detail).toContain("file.json");
    }
  });

  it("accepts a settings catalog policy named by name and other kinds named by displayName", () => {
    expect(parseExportFile(encode('{"@odata.type":"#microsoft.graph.a","name":"A"}'), "a.json").ok).toBe(true);
    expect(parseExportFile(encode('{"@odata.type":"#microsoft.graph.b","displayName":"B"}'), "b.json").ok).toBe(true);
  });

  it("reports a file over the size limit as too_large without decoding it", () => {
    const parsed = parseExportFile(encode('{"@odata.type":"#microsoft.graph.b","displayName":"B"}'), "big.json", {
      maxExportBytes: 10,
    });
    expect(parsed).toMatchObject({ ok: false, reason: "too_large" });
  });
});

describe("decodeExportBytes", () => {
  it("drops the BOM and keeps CRLF line ends", () => {
    expect(decodeExportBytes(utf16("{\r\n}", "le"))).toBe("{\r\n}");
    expect(decodeExportBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encode("é")]))).toBe("é");
  });

  it("throws export_malformed for invalid UTF-8", () => {
    expect(() => decodeExportBytes(new Uint8Array([0xc3, 0x28]))).toThrow(OperatorError);
    try {
      decodeExportBytes(new Uint8Array([0xc3, 0x28]));
    } catch (error) {
      expect((error as OperatorError).code).toBe("export_malformed");
    }
  });
});
