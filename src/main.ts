/**
 * Composition root: configuration → database (embedded or DATABASE_URL) → migrations → run
 * service and change events. Every entry point (CLI commands, worker, demo) opens a runtime here;
 * nothing else wires dependencies.
 * @module
 */
import path from "node:path";
import pg from "pg";
import pino, { type Logger } from "pino";
import type { Config } from "./config/config.js";
import { createDatabase, type Database, withDatabaseName } from "./db/database.js";
import { startEmbeddedPostgres } from "./db/embedded-postgres.js";
import { migrateDatabase } from "./db/migrate.js";
import { type KeyRing, loadKeyRing } from "./graph/credential-encryption.js";
import { RunChangeNotifier } from "./operations/run-events.js";
import { createRunService, type RunService } from "./operations/run-service.js";

/** Everything an entry point needs. */
export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  runs: RunService;
  notifier: RunChangeNotifier;
  /** Keys of stored credentials (TENANTPILOT_SECRET_KEYS, or the embedded default's generated key). */
  keyRing: KeyRing;
  now: () => Date;
  /** Flush pending change events, close the pool and stop the embedded server (if we started it). */
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = "tenantpilot";

/**
 * Open the runtime: connect (starting the embedded PostgreSQL when no DATABASE_URL is set) and
 * migrate.
 * @throws {Error} when the database cannot be started, reached or migrated
 */
export async function openRuntime(
  config: Config,
  options: { logger?: Logger; defaultLogLevel?: string } = {},
): Promise<Runtime> {
  const logger =
    options.logger ?? pino({ level: config.logLevel ?? options.defaultLogLevel ?? "info" }, pino.destination(2));
  let stopEmbedded: (() => Promise<void>) | undefined;
  let connectionString = config.databaseUrl;
  if (connectionString === undefined) {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, "pg"),
      port: config.embeddedPgPort,
      onLog: (line) => logger.trace({ component: "postgres" }, line),
    });
    stopEmbedded = embedded.stop;
    await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
    connectionString = withDatabaseName(embedded.adminUrl, EMBEDDED_DATABASE);
  }
  const database = createDatabase({
    connectionString,
    maxConnections: config.workerConcurrency + 6,
    onError: (error) => logger.debug({ err: error }, "database connection error"),
  });
  await migrateDatabase(database);
  const keyRing = await loadKeyRing(config, logger);
  const notifier = new RunChangeNotifier(database.pool, {
    onError: (error) => logger.warn({ err: error }, "run change notify failed"),
  });
  const now = () => new Date();
  const runs = createRunService({ db: database.db, changes: notifier, now });
  return {
    config,
    logger,
    database,
    runs,
    notifier,
    keyRing,
    now,
    async close() {
      await notifier.flush();
      await database.close();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}

/** Create `name` on the server if it does not exist. */
async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}
