/**
 * Throttling for Microsoft Graph requests: `Retry-After` parsing, exponential backoff with full
 * jitter where Graph gives no `Retry-After`, and a fair per-tenant limit on in-flight requests
 * shared by every run in the process, so one tenant's capture cannot starve the others.
 * @see https://learn.microsoft.com/graph/throttling
 * @module
 */

/** When and how often a Graph request is retried. */
export interface GraphRetryPolicy {
  /** Retries after the first attempt; when they are spent the request (and its policy kind) is unreadable. (Default: 5) */
  maxRetries: number;
  /** First backoff when Graph sends no `Retry-After`, ms; doubled per retry, full jitter. (Default: 1000) */
  baseDelayMs: number;
  /**
   * Longest single wait, ms: caps the backoff, and a `Retry-After` longer than this is not waited
   * for at all (the request gives up instead of retrying earlier than Graph asked). (Default: 60000)
   */
  maxDelayMs: number;
}

/** {@link GraphRetryPolicy} defaults. */
export const DEFAULT_GRAPH_RETRY_POLICY: Readonly<GraphRetryPolicy> = Object.freeze({
  maxRetries: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
});

/**
 * True for HTTP statuses worth retrying: 429 (throttled), 500, 502, 503 and 504 (Graph returns
 * 503/504 with `Retry-After` when a service is busy). Other 4xx are answers, not transient failures.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * Parse a `Retry-After` header: delta-seconds (`"7"`) or an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`).
 * @param now - the current time, for HTTP dates
 * @returns the wait in ms (0 for a date in the past), or undefined when absent or unparsable
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function parseRetryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  if (!/[a-z]/i.test(trimmed)) return undefined; // "1.5", "-3": neither form
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * The wait before retry number `retry` (1-based): `Retry-After` when Graph sent one, else
 * exponential backoff `baseDelayMs · 2^(retry-1)` capped at `maxDelayMs`, with full jitter
 * (a uniformly random wait between half and all of it, so concurrent requests spread out).
 * @param random - a source of [0, 1) values (Default: Math.random)
 * @returns ms to wait, or undefined when the retry budget is spent or Graph asked for a wait longer than `maxDelayMs`
 */
export function computeRetryDelayMs(
  retry: number,
  policy: GraphRetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retry > policy.maxRetries) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Options of {@link TenantRequestLimiter}. */
export interface TenantRequestLimiterOptions {
  /**
   * Most HTTP requests one tenant may have in flight at once. A `$batch` request is one HTTP
   * request however many (at most 20) requests it carries. (Default: 4)
   */
  maxInFlightPerTenant: number;
  /** Most HTTP requests all tenants together may have in flight at once. (Default: 16) */
  maxInFlightTotal: number;
}

/** {@link TenantRequestLimiterOptions} defaults. */
export const DEFAULT_TENANT_REQUEST_LIMITS: Readonly<TenantRequestLimiterOptions> = Object.freeze({
  maxInFlightPerTenant: 4,
  maxInFlightTotal: 16,
});

/** Called while a request waits for a throttled tenant, with the time the tenant may send again. */
export type OnTenantPaused = (resumeAt: Date) => void;

interface Waiter {
  grant: () => void;
  onPaused: OnTenantPaused | undefined;
}

interface TenantState {
  inFlight: number;
  waiters: Waiter[];
  /** Epoch ms before which this tenant sends nothing (Graph throttled it). */
  pausedUntilMs: number;
  pauseTimer: NodeJS.Timeout | undefined;
}

/**
 * A fair limiter of in-flight Graph requests, keyed by tenant. Each tenant has at most
 * `maxInFlightPerTenant` requests in flight and all tenants together at most `maxInFlightTotal`;
 * when slots free up, tenants with waiting requests take turns (round robin), so a tenant with
 * thousands of queued requests delays another tenant's next request by at most one turn.
 * A throttled tenant can be paused until its `Retry-After` has passed: its requests wait, the
 * other tenants' do not. One instance is shared by every run in a process.
 */
export class TenantRequestLimiter {
  readonly maxInFlightPerTenant: number;
  readonly maxInFlightTotal: number;
  readonly #tenants = new Map<string, TenantState>();
  /** Tenants with waiting requests, in turn order. */
  #turns: string[] = [];
  #inFlightTotal = 0;

  constructor(options: Partial<TenantRequestLimiterOptions> = {}) {
    this.maxInFlightPerTenant = options.maxInFlightPerTenant ?? DEFAULT_TENANT_REQUEST_LIMITS.maxInFlightPerTenant;
    this.maxInFlightTotal = options.maxInFlightTotal ?? DEFAULT_TENANT_REQUEST_LIMITS.maxInFlightTotal;
    if (!(this.maxInFlightPerTenant >= 1 && this.maxInFlightTotal >= 1)) {
      throw new Error("TenantRequestLimiter: maxInFlightPerTenant and maxInFlightTotal must be at least 1");
    }
  }

  /**
   * Wait for a slot for `tenantKey`.
   * @param onPaused - called (once per pause) while the tenant is paused by {@link pauseTenant}
   * @returns the release function; call it exactly once when the request is done
   * @throws the signal's reason when `signal` aborts while waiting
   */
  async acquire(tenantKey: string, signal?: AbortSignal, onPaused?: OnTenantPaused): Promise<() => void> {
    signal?.throwIfAborted();
    const tenant = this.#tenant(tenantKey);
    if (this.#turns.length === 0 && this.#canStart(tenant)) {
      return this.#start(tenantKey, tenant);
    }
    if (onPaused !== undefined && tenant.pausedUntilMs > Date.now()) onPaused(new Date(tenant.pausedUntilMs));
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        onPaused,
      };
      const onAbort = () => {
        tenant.waiters = tenant.waiters.filter((w) => w !== waiter);
        if (tenant.waiters.length === 0) this.#turns = this.#turns.filter((key) => key !== tenantKey);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      tenant.waiters.push(waiter);
      if (!this.#turns.includes(tenantKey)) this.#turns.push(tenantKey);
      this.#dispatch();
    });
    return this.#started(tenantKey, tenant);
  }

  /**
   * Hold every request of `tenantKey` that has not started until `untilMs` (epoch ms): Graph
   * throttles per app and tenant, so its other requests would only be throttled too. A later
   * pause extends an earlier one; an earlier one never shortens it.
   */
  pauseTenant(tenantKey: string, untilMs: number): void {
    const tenant = this.#tenant(tenantKey);
    if (untilMs <= tenant.pausedUntilMs) return;
    tenant.pausedUntilMs = untilMs;
    for (const waiter of tenant.waiters) waiter.onPaused?.(new Date(untilMs));
    if (tenant.pauseTimer !== undefined) clearTimeout(tenant.pauseTimer);
    // A timer can fire before Date.now() reaches its time: Node measures timeouts from the event
    // loop's cached clock, which lags behind on a busy loop. Ending the pause then would grant
    // nothing (#canStart compares with Date.now()) and leave the waiters waiting for ever, so an
    // early wake-up waits again for what is left.
    const wake = () => {
      const remainingMs = tenant.pausedUntilMs - Date.now();
      if (remainingMs > 0) {
        tenant.pauseTimer = setTimeout(wake, remainingMs);
        tenant.pauseTimer.unref();
        return;
      }
      tenant.pauseTimer = undefined;
      if (tenant.inFlight === 0 && tenant.waiters.length === 0) this.#tenants.delete(tenantKey);
      this.#dispatch();
    };
    tenant.pauseTimer = setTimeout(wake, Math.max(0, untilMs - Date.now()));
    tenant.pauseTimer.unref();
  }

  /** Requests of `tenantKey` in flight now. */
  inFlight(tenantKey: string): number {
    return this.#tenants.get(tenantKey)?.inFlight ?? 0;
  }

  #tenant(tenantKey: string): TenantState {
    let tenant = this.#tenants.get(tenantKey);
    if (tenant === undefined) {
      tenant = { inFlight: 0, waiters: [], pausedUntilMs: 0, pauseTimer: undefined };
      this.#tenants.set(tenantKey, tenant);
    }
    return tenant;
  }

  #canStart(tenant: TenantState): boolean {
    return (
      this.#inFlightTotal < this.maxInFlightTotal &&
      tenant.inFlight < this.maxInFlightPerTenant &&
      tenant.pausedUntilMs <= Date.now()
    );
  }

  #start(tenantKey: string, tenant: TenantState): () => void {
    tenant.inFlight++;
    this.#inFlightTotal++;
    return this.#started(tenantKey, tenant);
  }

  /** The release function of a slot already counted. */
  #started(tenantKey: string, tenant: TenantState): () => void {
    let released = false;
    return () => {
      if (released) return; // a double release must not free someone else's slot
      released = true;
      tenant.inFlight--;
      this.#inFlightTotal--;
      if (tenant.inFlight === 0 && tenant.waiters.length === 0 && tenant.pauseTimer === undefined) {
        this.#tenants.delete(tenantKey);
      }
      this.#dispatch();
    };
  }

  /** Grant free slots to waiting tenants in turn order, one request per tenant per pass. */
  #dispatch(): void {
    let granted = true;
    while (granted && this.#inFlightTotal < this.maxInFlightTotal) {
      granted = false;
      for (const key of [...this.#turns]) {
        if (this.#inFlightTotal >= this.maxInFlightTotal) break;
        const tenant = this.#tenants.get(key);
        if (tenant === undefined || !this.#canStart(tenant)) continue;
        const waiter = tenant.waiters.shift();
        if (waiter === undefined) continue;
        tenant.inFlight++;
        this.#inFlightTotal++;
        // The tenant goes to the back of the line; it stays in line only while it has waiters.
        this.#turns = this.#turns.filter((k) => k !== key);
        if (tenant.waiters.length > 0) this.#turns.push(key);
        granted = true;
        waiter.grant();
      }
    }
  }
}

/**
 * Tracks the concurrent retry waits of one run and reports the earliest next attempt, or `null`
 * once nothing waits any more. Reports only changes, so many throttled requests make one write.
 * Implements graph-client.ts's `WaitObserver`.
 */
export class WaitTracker {
  readonly #onChange: (nextAttemptAt: Date | null) => void;
  readonly #waits = new Map<number, number>();
  #nextHandle = 1;
  #reportedMs: number | null = null;

  /** @param onChange - called with the earliest next attempt time, or null when no request waits */
  constructor(onChange: (nextAttemptAt: Date | null) => void) {
    this.#onChange = onChange;
  }

  begin(nextAttemptAt: Date): number {
    const handle = this.#nextHandle++;
    this.#waits.set(handle, nextAttemptAt.getTime());
    this.#report();
    return handle;
  }

  move(handle: number, nextAttemptAt: Date): void {
    if (!this.#waits.has(handle)) return;
    this.#waits.set(handle, nextAttemptAt.getTime());
    this.#report();
  }

  end(handle: number): void {
    if (this.#waits.delete(handle)) this.#report();
  }

  /** Requests waiting now. */
  get size(): number {
    return this.#waits.size;
  }

  #report(): void {
    // Whole seconds: "next attempt 10:42:05" is what an operator reads, and it spares a write per request.
    const earliest = this.#waits.size === 0 ? null : Math.ceil(Math.min(...this.#waits.values()) / 1_000) * 1_000;
    if (earliest === this.#reportedMs) return;
    this.#reportedMs = earliest;
    this.#onChange(earliest === null ? null : new Date(earliest));
  }
}
