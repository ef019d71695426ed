import { describe, expect, it } from "vitest";
import { computeRetryDelayMs, parseRetryAfterMs, TenantRequestLimiter, WaitTracker } from "./graph-throttle.js";

const NOW = new Date("2026-03-01T10:42:00Z");
const POLICY = { maxRetries: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };

describe("parseRetryAfterMs", () => {
  it.each([
    ["7", 7_000],
    [" 0 ", 0],
    ["Sun, 01 Mar 2026 10:42:30 GMT", 30_000],
    ["Sun, 01 Mar 2026 10:41:00 GMT", 0],
  ])("reads %j as %i ms", (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });

  it.each([null, undefined, "", "-3", "1.5", "soon", "x".repeat(10_000)])("ignores %j", (header) => {
    expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
  });
});

describe("computeRetryDelayMs", () => {
  it("honours Retry-After exactly, and gives up rather than retry earlier than a too-long Retry-After", () => {
    expect(computeRetryDelayMs(1, POLICY, 2_500)).toBe(2_500);
    expect(computeRetryDelayMs(1, POLICY, 60_000)).toBeUndefined();
  });

  it("backs off exponentially with jitter between half and all of the step, capped", () => {
    expect(computeRetryDelayMs(1, POLICY, undefined, () => 0)).toBe(500);
    expect(computeRetryDelayMs(3, POLICY, undefined, () => 0.999_999)).toBe(4_000);
    expect(computeRetryDelayMs(3, { ...POLICY, maxDelayMs: 3_000 }, undefined, () => 0.999_999)).toBe(3_000);
  });

  it("stops after the retry budget", () => {
    expect(computeRetryDelayMs(4, POLICY, undefined)).toBeUndefined();
    expect(computeRetryDelayMs(4, POLICY, 0)).toBeUndefined();
  });
});

describe("TenantRequestLimiter", () => {
  it("keeps each tenant within its budget and lets waiting tenants take turns", async () => {
    const limiter = new TenantRequestLimiter({ maxInFlightPerTenant: 2, maxInFlightTotal: 3 });
    const busy = [await limiter.acquire("a"), await limiter.acquire("a")];
    const order: string[] = [];
    const waiting = ["a", "a", "b", "b"].map((tenant) =>
      limiter.acquire(tenant).then((release) => {
        order.push(tenant);
        return release;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(["b"]); // a is at its budget; b gets the free slot at once
    expect(limiter.inFlight("a")).toBe(2);
    busy[0]?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(["b", "a"]);
    for (const release of await Promise.all(waiting.slice(0, 1).concat(waiting.slice(2, 3)))) release();
    busy[1]?.();
    const rest = await Promise.all(waiting);
    expect(order.slice().sort()).toEqual(["a", "a", "b", "b"]);
    for (const release of rest) release();
    expect(limiter.inFlight("a") + limiter.inFlight("b")).toBe(0);
  });

  it("holds a paused tenant's requests (telling the caller until when) but not another tenant's", async () => {
    const limiter = new TenantRequestLimiter({ maxInFlightPerTenant: 4, maxInFlightTotal: 8 });
    limiter.pauseTenant("a", Date.now() + 60);
    const told: Date[] = [];
    let aStarted = false;
    const a = limiter
      .acquire("a", undefined, (at) => told.push(at))
      .then((release) => {
        aStarted = true;
        return release;
      });
    const b = await limiter.acquire("b");
    expect(aStarted).toBe(false);
    expect(told).toHaveLength(1);
    (await a)();
    b();
    expect(aStarted).toBe(true);
  });

  it("ends a pause whose timer fires before Date.now() reaches it (a busy event loop's cached clock)", async () => {
    const limiter = new TenantRequestLimiter({ maxInFlightPerTenant: 1, maxInFlightTotal: 1 });
    const realNow = Date.now;
    const start = realNow();
    try {
      limiter.pauseTenant("a", start + 20);
      // From here Date.now() runs 40 ms behind the clock the pause timer was set on, as it does
      // when a timer is measured from a loop clock cached before a long turn.
      Date.now = () => realNow() - 40;
      const granted = limiter.acquire("a").then((release) => {
        release();
        return "granted";
      });
      const timeout = new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000));
      expect(await Promise.race([granted, timeout])).toBe("granted");
    } finally {
      Date.now = realNow;
    }
  });

  it("rejects a waiting acquire when its signal aborts, and frees nothing it never held", async () => {
    const limiter = new TenantRequestLimiter({ maxInFlightPerTenant: 1, maxInFlightTotal: 1 });
    const held = await limiter.acquire("a");
    const abort = new AbortController();
    const waiting = limiter.acquire("a", abort.signal);
    abort.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    held();
    held(); // a second release is ignored
    expect(limiter.inFlight("a")).toBe(0);
  });
});

describe("WaitTracker", () => {
  it("reports the earliest next attempt in whole seconds, only on change, and null once nothing waits", () => {
    const changes: (string | null)[] = [];
    const tracker = new WaitTracker((at) => changes.push(at?.toISOString() ?? null));
    const first = tracker.begin(new Date("2026-03-01T10:42:05.200Z"));
    const second = tracker.begin(new Date("2026-03-01T10:42:05.900Z"));
    tracker.move(first, new Date("2026-03-01T10:42:09.000Z"));
    tracker.end(second);
    tracker.end(first);
    tracker.end(first);
    expect(changes).toEqual(["2026-03-01T10:42:06.000Z", "2026-03-01T10:42:09.000Z", null]);
  });
});
