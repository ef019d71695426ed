import { describe, expect, it } from "vitest";
import { FaultBook, type FaultTarget, isMatch } from "./simulator-faults.js";

const TENANT = "t-1";
const target = (overrides: Partial<FaultTarget> = {}): FaultTarget => ({
  method: "GET",
  path: "/beta/deviceManagement/configurationPolicies",
  pathAndQuery: "/beta/deviceManagement/configurationPolicies?$top=5",
  tenantId: TENANT,
  batchItem: false,
  ...overrides,
});

describe("isMatch", () => {
  it.each([
    [{ pathPattern: "/configurationPolicies" }, target(), true],
    [{ pathPattern: "/deviceConfigurations" }, target(), false],
    [{ pathPattern: /\$top=5$/ }, target(), true],
    [{ pathPattern: "", method: "POST" as const }, target(), false],
    [{ pathPattern: "", tenantId: "other" }, target(), false],
    [{ pathPattern: "", batchItem: true }, target(), false],
    [{ pathPattern: "", batchItem: true }, target({ batchItem: true }), true],
  ])("%j matches %j: %s", (match, request, expected) => {
    expect(isMatch(match, request)).toBe(expected);
  });
});

describe("FaultBook", () => {
  it("fires a rule `times` times, then forgets it", () => {
    const book = new FaultBook();
    book.add([{ match: { pathPattern: "/configurationPolicies", times: 2 }, response: { status: 503 } }]);
    expect(book.take(target(), 0, true)).toEqual({ status: 503 });
    expect(book.pending()).toEqual([expect.objectContaining({ remaining: 1 })]);
    expect(book.take(target(), 0, true)).toEqual({ status: 503 });
    expect(book.take(target(), 0, true)).toBeUndefined();
  });

  it("takes rules in the order they were added", () => {
    const book = new FaultBook();
    book.add([
      { match: { pathPattern: "/" }, response: { status: 429, retryAfterSeconds: 1 } },
      { match: { pathPattern: "/" }, response: { kind: "reset" } },
    ]);
    expect(book.take(target(), 0, true)).toEqual({ status: 429, retryAfterSeconds: 1 });
    expect(book.take(target(), 0, true)).toEqual({ kind: "reset" });
  });

  it("throttles a tenant's Graph requests during a storm of N requests, not other tenants or identity requests", () => {
    const book = new FaultBook();
    book.startStorm({ tenantId: TENANT, requests: 2 }, 0);
    expect(book.take(target({ tenantId: "other" }), 0, true)).toBeUndefined();
    expect(book.take(target(), 0, false)).toBeUndefined();
    expect(book.take(target(), 0, true)).toEqual({ status: 429 });
    expect(book.take(target({ batchItem: true }), 0, true)).toEqual({ status: 429 });
    expect(book.take(target(), 0, true)).toBeUndefined();
  });

  it("ends a timed storm once its duration has passed", () => {
    const book = new FaultBook();
    book.startStorm({ tenantId: TENANT, durationMs: 1000, retryAfterSeconds: 5 }, 10_000);
    expect(book.take(target(), 10_999, true)).toEqual({ status: 429, retryAfterSeconds: 5 });
    expect(book.take(target(), 11_000, true)).toBeUndefined();
  });
});
