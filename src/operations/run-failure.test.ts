import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPERATOR_ERRORS, OperatorError } from "../shared/operator-error.js";
import { describeFailure, isPreconditionFailure, MAX_DIAGNOSTICS_LENGTH, toRunFailure } from "./run-failure.js";

const INTERNAL = OPERATOR_ERRORS.internal_error;

describe("toRunFailure", () => {
  it("keeps an OperatorError's code and operator sentence, with internals only in diagnostics", () => {
    const cause = new Error("connect ECONNRESET 10.0.0.1:443");
    const failure = toRunFailure(
      new OperatorError("evidence_source_unreachable", "GET /deviceManagement failed for tenant t-1", { cause }),
    );
    expect(failure.code).toBe("evidence_source_unreachable");
    expect(failure.message).toBe("The tenant's evidence source could not be read.");
    expect(failure.diagnostics).toContain("GET /deviceManagement failed for tenant t-1");
    expect(failure.diagnostics).toContain("Caused by: Error: connect ECONNRESET 10.0.0.1:443");
    expect(failure.diagnostics).toMatch(/\bat \S+/); // the stack
  });

  it("keeps the code of an OperatorError subclass", () => {
    class NotConnected extends OperatorError {
      override name = "NotConnected";
    }
    expect(toRunFailure(new NotConnected("tenant_not_connected")).code).toBe("tenant_not_connected");
  });

  it("makes a forged operator code internal", () => {
    const forged = Object.assign(new Error("x"), { name: "OperatorError", code: "SECRET_MARKER_code" });
    expect(toRunFailure(forged)).toMatchObject({ code: "internal_error", message: INTERNAL });
  });

  it.each([
    ["a plain Error", new TypeError("Cannot read properties of undefined (reading 'id') SECRET_MARKER")],
    ["a string", "SECRET_MARKER /srv/app/jobs/compare.ts:12"],
    ["an object", { SECRET_MARKER: true }],
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a symbol", Symbol("SECRET_MARKER")],
    ["a bigint", 10n],
  ])("stores %s as internal_error and keeps its text out of the message", (_name, thrown) => {
    const failure = toRunFailure(thrown);
    expect(failure.code).toBe("internal_error");
    expect(failure.message).toBe(INTERNAL);
    expect(failure.message).not.toContain("SECRET_MARKER");
    expect(typeof failure.diagnostics).toBe("string");
  });

  it("records the text of a thrown string or error in diagnostics", () => {
    expect(toRunFailure("SECRET_MARKER_string").diagnostics).toContain("SECRET_MARKER_string");
    expect(toRunFailure(new RangeError("SECRET_MARKER_range")).diagnostics).toContain(
      "RangeError: SECRET_MARKER_range",
    );
  });

  it("follows the cause chain, stops at cycles and caps its depth", () => {
    const a = new Error("first");
    const b = new Error("second", { cause: a });
    a.cause = b; // a cycle
    const diagnostics = toRunFailure(b).diagnostics;
    expect(diagnostics.match(/Caused by: /g)).toHaveLength(1);

    let deep: Error = new Error("level 0");
    for (let i = 1; i < 50; i += 1) {
      deep = new Error(`level ${i}`, { cause: deep });
    }
    expect(toRunFailure(deep).diagnostics.match(/Caused by: /g)).toHaveLength(8);
  });

  it("includes a non-error cause and aggregated errors", () => {
    expect(toRunFailure(new Error("outer", { cause: "SECRET_MARKER_cause" })).diagnostics).toContain(
      "Caused by: Error: SECRET_MARKER_cause",
    );
    const aggregate = new AggregateError([new Error("one"), new Error("two")], "both reads failed");
    const diagnostics = toRunFailure(aggregate).diagnostics;
    expect(diagnostics).toContain("Aggregated: Error: one");
    expect(diagnostics).toContain("Aggregated: Error: two");
  });

  it("caps diagnostics length", () => {
    const diagnostics = toRunFailure(new Error("x".repeat(MAX_DIAGNOSTICS_LENGTH * 2))).diagnostics;
    expect(diagnostics.length).toBeLessThan(MAX_DIAGNOSTICS_LENGTH + 100);
    expect(diagnostics.endsWith("(truncated)")).toBe(true);
  });

  it("never throws on hostile thrown values", () => {
    const throwingCause = new Error("outer");
    Object.defineProperty(throwingCause, "cause", {
      get() {
        throw new Error("SECRET_MARKER");
      },
    });
    const hostile = [
      throwingCause,
      Object.create(null),
      {
        toString: () => {
          throw new Error("no");
        },
        toJSON: () => {
          throw new Error("no");
        },
      },
      new Proxy(
        {},
        {
          get: () => {
            throw new Error("no");
          },
          getPrototypeOf: () => {
            throw new Error("no");
          },
        },
      ),
    ];
    for (const thrown of hostile) {
      expect(toRunFailure(thrown)).toMatchObject({ code: "internal_error", message: INTERNAL });
    }
  });

  it("never throws and only ever stores catalog sentences as the message (property)", () => {
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withMap: true, withNullPrototype: true }), (thrown) => {
        const failure = toRunFailure(thrown);
        expect(failure).toEqual({ code: "internal_error", message: INTERNAL, diagnostics: expect.any(String) });
      }),
    );
  });
});

describe("describeFailure", () => {
  it.each(Object.entries(OPERATOR_ERRORS))("reads code %s as its catalog sentence", (code, sentence) => {
    expect(describeFailure({ code, message: "SECRET_MARKER stored text", diagnostics: "at x (/srv/a.ts:1)" })).toEqual({
      code,
      message: sentence,
    });
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "SECRET_MARKER"],
    ["an array", [{ code: "not_found" }]],
    ["an unknown code", { code: "SECRET_MARKER_code", message: "SECRET_MARKER" }],
    ["a legacy code", { code: "graph_throttled", message: "Graph said 429" }],
    ["a prototype key", { code: "__proto__" }],
    ["toString", { code: "toString" }],
    ["a non-string code", { code: 404 }],
    ["an inherited code", Object.create({ code: "not_found" })],
    [
      "a throwing getter",
      Object.defineProperty({}, "code", {
        get() {
          throw new Error("SECRET_MARKER");
        },
      }),
    ],
  ])("reads %s as internal_error, never stored text", (_name, failure) => {
    expect(describeFailure(failure)).toEqual({ code: "internal_error", message: INTERNAL });
  });

  it("only ever returns a catalog code with its sentence (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ code: fc.oneof(fc.constantFrom(...Object.keys(OPERATOR_ERRORS)), fc.string()) }),
        ),
        (failure) => {
          const described = describeFailure(failure);
          expect(Object.keys(OPERATOR_ERRORS)).toContain(described.code);
          expect(described.message).toBe(OPERATOR_ERRORS[described.code]);
        },
      ),
    );
  });
});

describe("isPreconditionFailure", () => {
  it.each(["no_baseline_snapshot", "tenant_not_connected", "graph_not_connected"])("%s blocks a run", (code) => {
    expect(isPreconditionFailure(code)).toBe(true);
  });

  it.each(["evidence_source_unreachable", "graph_sign_in_failed", "internal_error", "", "__proto__"])(
    "%s fails a run",
    (code) => {
      expect(isPreconditionFailure(code)).toBe(false);
    },
  );
});
