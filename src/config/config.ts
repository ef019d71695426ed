/**
 * Configuration: the only reader of `process.env`. Parsed once with zod; every bad variable is
 * named at once; the result is frozen and passed explicitly to whatever needs it.
 * @module
 */
import path from "node:path";
import { z } from "zod";

const envSchema = z.object({
  /** PostgreSQL connection string; absent → the embedded PostgreSQL under TENANTPILOT_DATA_DIR. */
  DATABASE_URL: z.string().min(1).optional(),
  /** Where the embedded database and local state live. (Default: ./.tenantpilot) */
  TENANTPILOT_DATA_DIR: z.string().min(1).default(".tenantpilot"),
  /** Port of the embedded PostgreSQL; below 32768 on purpose (STACK.md G10). (Default: 25432) */
  TENANTPILOT_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(25432),
  /** Concurrent jobs per worker process. (Default: 4) */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Heartbeat interval of a running job, ms. (Default: 2000) */
  RUN_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
  /** A running run without a heartbeat for this long is shown stale, ms. (Default: 300000) */
  RUN_STALE_AFTER_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** A running run without a heartbeat for this long is considered dead and reaped, ms. (Default: 30000) */
  RUN_DEAD_AFTER_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How often the reaper looks for dead runs, ms. (Default: 5000) */
  REAPER_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Job attempts before a run ends failed. (Default: 5) */
  RUN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(5),
  /** Artificial delay per evidence entry read, ms: lets a demo or a crash test watch a capture. (Default: 0) */
  EVIDENCE_READ_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Address the web app listens on. (Default: 127.0.0.1) */
  WEB_HOST: z.string().min(1).default("127.0.0.1"),
  /** Port of the web app; below 32768 (STACK.md G10). (Default: 3000) */
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Set when TenantPilot is served over TLS (behind a proxy): cookies get the Secure flag. (Default: false) */
  WEB_SECURE_COOKIES: z.enum(["true", "false"]).default("false"),
  /** pino log level (logs go to stderr as JSON). (Default: "info" for `tenantpilot worker`, "fatal" for interactive commands) */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /** URL of a TenantPilot web app the CLI talks to instead of a local database (like `--server`). */
  TENANTPILOT_SERVER: z.string().min(1).optional(),
  /** API token for TENANTPILOT_SERVER (like `--token`). */
  TENANTPILOT_TOKEN: z.string().min(1).optional(),
  /**
   * Most HTTP requests to Microsoft Graph one tenant may have in flight at once, across every run in
   * the process (a `$batch` of up to 20 requests counts as one). (Default: 4)
   */
  GRAPH_MAX_IN_FLIGHT_PER_TENANT: z.coerce.number().int().min(1).max(64).default(4),
  /** Most HTTP requests to Microsoft Graph all tenants together may have in flight at once. (Default: 16) */
  GRAPH_MAX_IN_FLIGHT_TOTAL: z.coerce.number().int().min(1).max(512).default(16),
  /** Retries of a throttled (429) or failed (5xx) Graph request before its policy kind is unreadable. (Default: 5) */
  GRAPH_MAX_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /** First backoff when Graph sends no Retry-After, ms; doubled per retry, with jitter. (Default: 1000) */
  GRAPH_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).max(600_000).default(1_000),
  /** Longest single wait before a Graph retry, ms; a longer Retry-After gives the request up. (Default: 60000) */
  GRAPH_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).max(3_600_000).default(60_000),
  /**
   * Port of the demo's local Graph simulator (`serve --demo-data`, `tenantpilot demo`): fixed, so a
   * saved connection to it keeps working across restarts; below 32768 (STACK.md G10). (Default: 25443)
   */
  TENANTPILOT_DEMO_GRAPH_PORT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(65535)
    .refine((port) => port < 32768 || port > 60999, {
      message: "must lie outside the ephemeral range 32768-60999 (STACK.md G10)",
    })
    .default(25443),
  /** Chromium executable that prints review PDF exports. (Default: /usr/bin/chromium, Debian's package) */
  CHROMIUM_PATH: z.string().min(1).default("/usr/bin/chromium"),
  /**
   * Keys that encrypt stored credentials (client secrets, private keys) with AES-256-GCM:
   * comma-separated `keyId:base64key`, each key 32 bytes; the first encrypts, the others only
   * decrypt (rotation: put the new key first, run `tenantpilot admin rotate-secret-key`, then drop
   * the old one). Unset with the embedded database: a key is generated once into
   * TENANTPILOT_DATA_DIR/secret-key. Unset with DATABASE_URL: credentials cannot be stored.
   */
  TENANTPILOT_SECRET_KEYS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const result = parseSecretKeys(value);
      if (typeof result === "string") {
        ctx.addIssue({ code: "custom", message: result });
        return z.NEVER;
      }
      return result;
    }),
});

/** One configured credential encryption key. `toJSON` keeps the key out of logs. */
export interface SecretKeyConfig {
  /** Recorded in every ciphertext it makes: letters, digits, `_` and `-`, 1-40 characters. */
  readonly keyId: string;
  /** 32 bytes (AES-256). */
  readonly key: Buffer;
}

const SECRET_KEY_ID = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * `keyId:base64key,…` → keys, or a message naming what is wrong (never echoing key material).
 * @returns `[]` when unset or blank
 */
function parseSecretKeys(value: string | undefined): readonly SecretKeyConfig[] | string {
  if (value === undefined || value.trim() === "") return [];
  const keys: SecretKeyConfig[] = [];
  for (const [index, entry] of value.split(",").entries()) {
    const separator = entry.indexOf(":");
    const keyId = entry.slice(0, Math.max(separator, 0)).trim();
    const encoded = entry.slice(separator + 1).trim();
    if (separator < 0 || !SECRET_KEY_ID.test(keyId)) {
      return `entry ${index + 1} must be keyId:base64key with a key id of 1-40 letters, digits, _ or -`;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return `key "${keyId}" is not base64`;
    const key = Buffer.from(encoded, "base64");
    if (key.length !== 32) return `key "${keyId}" must decode to 32 bytes (openssl rand -base64 32)`;
    if (keys.some((existing) => existing.keyId === keyId)) return `key id "${keyId}" appears twice`;
    keys.push(toSecretKeyConfig(keyId, key));
  }
  return keys;
}

/** A frozen key entry whose JSON form (pino, JSON.stringify) hides the key. */
export function toSecretKeyConfig(keyId: string, key: Buffer): SecretKeyConfig {
  return Object.freeze({ keyId, key, toJSON: () => ({ keyId, key: "(redacted)" }) });
}

/** The frozen application configuration (camelCase, units in names). */
export type Config = ReturnType<typeof loadConfig>;

/**
 * Parse configuration from the environment.
 * @param env - defaults to `process.env`
 * @throws {Error} naming every invalid variable at once
 */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.TENANTPILOT_DATA_DIR),
    embeddedPgPort: e.TENANTPILOT_PG_PORT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    heartbeatIntervalMs: e.RUN_HEARTBEAT_INTERVAL_MS,
    staleAfterMs: e.RUN_STALE_AFTER_MS,
    deadAfterMs: e.RUN_DEAD_AFTER_MS,
    reaperIntervalMs: e.REAPER_INTERVAL_MS,
    runMaxAttempts: e.RUN_MAX_ATTEMPTS,
    evidenceReadDelayMs: e.EVIDENCE_READ_DELAY_MS,
    webHost: e.WEB_HOST,
    webPort: e.WEB_PORT,
    secureCookies: e.WEB_SECURE_COOKIES === "true",
    logLevel: e.LOG_LEVEL,
    server: e.TENANTPILOT_SERVER,
    serverToken: e.TENANTPILOT_TOKEN,
    /** Per-tenant fair limit of in-flight Graph requests (graph/graph-throttle.ts TenantRequestLimiter). */
    graphMaxInFlightPerTenant: e.GRAPH_MAX_IN_FLIGHT_PER_TENANT,
    graphMaxInFlightTotal: e.GRAPH_MAX_IN_FLIGHT_TOTAL,
    /** Graph retry policy (graph/graph-throttle.ts GraphRetryPolicy). */
    graphRetryPolicy: Object.freeze({
      maxRetries: e.GRAPH_MAX_RETRIES,
      baseDelayMs: e.GRAPH_RETRY_BASE_DELAY_MS,
      maxDelayMs: e.GRAPH_RETRY_MAX_DELAY_MS,
    }),
    chromiumPath: e.CHROMIUM_PATH,
    /** Fixed port of the demo's Graph simulator (cli/demo-graph.ts). */
    demoGraphPort: e.TENANTPILOT_DEMO_GRAPH_PORT,
    /** Credential encryption keys, current first; empty when TENANTPILOT_SECRET_KEYS is unset. */
    secretKeys: Object.freeze([...e.TENANTPILOT_SECRET_KEYS]),
  });
}

/**
 * The value of an environment variable the operator named on the command line (e.g.
 * `--client-secret-env VAR`): the one other read of the environment, kept here beside loadConfig.
 * @returns undefined when unset or empty
 */
export function readNamedVariable(
  name: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}
