/**
 * Fault injection for the Graph simulator: rules that replace the next matching responses with
 * a throttling answer, a server error, a slow or truncated answer or a reset connection, and a
 * per-tenant throttling storm. Matching and consumption are pure; the server applies the result.
 * @module
 */

/** HTTP method of a Graph request. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Which requests a fault rule applies to. */
export interface FaultMatch {
  /**
   * A string matches when the request path (`/beta/deviceManagement/...`, no query) contains it;
   * a RegExp is tested against the path plus query string.
   */
  pathPattern: string | RegExp;
  /** Only this method. (Default: any) */
  method?: HttpMethod;
  /** Only requests authenticated for this tenant. (Default: any) */
  tenantId?: string;
  /**
   * `true`: only items inside a `$batch`; `false`: only top-level requests. (Default: both)
   * Transport faults (`reset`) on a batch item destroy the whole `$batch` connection.
   */
  batchItem?: boolean;
  /** How many matching requests get the fault before the rule is spent. (Default: 1; `Infinity` for all) */
  times?: number;
}

/** What a matching request gets instead of its normal answer. */
export type FaultResponse =
  /** Graph throttling: `TooManyRequests`, with `Retry-After` only when `retryAfterSeconds` is given. */
  | { status: 429; retryAfterSeconds?: number }
  /** A Graph server error with its Graph error code; `Retry-After` when given. */
  | { status: 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  /** The normal answer, after `delayMs` more (on top of the global latency). */
  | { kind: "slow"; delayMs: number }
  /** A 200 whose JSON body is cut in half (inside a batch: the item body is the truncated text). */
  | { kind: "malformed" }
  /** The TCP connection is destroyed without an answer. */
  | { kind: "reset" };

/** A fault rule: the next `times` requests matching `match` get `response`. */
export interface FaultRule {
  match: FaultMatch;
  response: FaultResponse;
}

/** A throttling storm: every Graph request for one tenant gets 429 until it ends. */
export interface ThrottlingStorm {
  tenantId: string;
  /** Ends after this many throttled requests (batch items count one each). (Default: unlimited) */
  requests?: number;
  /** Ends this many ms after it started. (Default: unlimited; one of `requests`/`durationMs` is expected) */
  durationMs?: number;
  /** `Retry-After` seconds on every 429; omit for none (clients then back off on their own). */
  retryAfterSeconds?: number;
}

/** A rule still waiting to fire, with how many more times it will. */
export interface PendingFault {
  rule: FaultRule;
  remaining: number;
}

/** What a request is, for matching. */
export interface FaultTarget {
  method: string;
  /** Path without query, e.g. `/beta/deviceManagement/configurationPolicies`. */
  path: string;
  /** Path plus query string. */
  pathAndQuery: string;
  tenantId: string | undefined;
  batchItem: boolean;
}

/** Mutable fault state of one simulator. */
export class FaultBook {
  #pending: PendingFault[] = [];
  #storms: { storm: ThrottlingStorm; startedAtMs: number; served: number }[] = [];

  /** Add rules after the ones already pending. */
  add(rules: readonly FaultRule[]): void {
    for (const rule of rules) {
      this.#pending.push({ rule, remaining: rule.match.times ?? 1 });
    }
  }

  /** Forget every rule and storm. */
  clear(): void {
    this.#pending = [];
    this.#storms = [];
  }

  /** Rules that have not fired their last time yet. */
  pending(): PendingFault[] {
    return this.#pending.map((p) => ({ rule: p.rule, remaining: p.remaining }));
  }

  /** Start a storm (a second storm for the same tenant replaces the first). */
  startStorm(storm: ThrottlingStorm, nowMs: number): void {
    this.#storms = this.#storms.filter((s) => s.storm.tenantId !== storm.tenantId);
    this.#storms.push({ storm, startedAtMs: nowMs, served: 0 });
  }

  /** End a tenant's storm now. */
  endStorm(tenantId: string): void {
    this.#storms = this.#storms.filter((s) => s.storm.tenantId !== tenantId);
  }

  /**
   * The fault for this request, consuming one use of it: an active storm for the request's tenant
   * first (Graph requests only), then the first pending rule that matches.
   */
  take(target: FaultTarget, nowMs: number, isGraphRequest: boolean): FaultResponse | undefined {
    if (isGraphRequest && target.tenantId !== undefined) {
      const storm = this.#takeStorm(target.tenantId, nowMs);
      if (storm !== undefined) return storm;
    }
    const index = this.#pending.findIndex((p) => isMatch(p.rule.match, target));
    const found = this.#pending[index];
    if (found === undefined) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.#pending.splice(index, 1);
    return found.rule.response;
  }

  #takeStorm(tenantId: string, nowMs: number): FaultResponse | undefined {
    const active = this.#storms.find((s) => s.storm.tenantId === tenantId);
    if (active === undefined) return undefined;
    const { storm } = active;
    const expired =
      (storm.durationMs !== undefined && nowMs - active.startedAtMs >= storm.durationMs) ||
      (storm.requests !== undefined && active.served >= storm.requests);
    if (expired) {
      this.endStorm(tenantId);
      return undefined;
    }
    active.served += 1;
    return storm.retryAfterSeconds === undefined
      ? { status: 429 }
      : { status: 429, retryAfterSeconds: storm.retryAfterSeconds };
  }
}

/** True when a rule's match applies to a request (pure). */
export function isMatch(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method !== undefined && match.method !== target.method) return false;
  if (match.tenantId !== undefined && match.tenantId !== target.tenantId) return false;
  if (match.batchItem !== undefined && match.batchItem !== target.batchItem) return false;
  return typeof match.pathPattern === "string"
    ? target.path.includes(match.pathPattern)
    : match.pathPattern.test(target.pathAndQuery);
}
