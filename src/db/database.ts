/**
 * Database access: one `pg` pool and a Drizzle instance over it. A transaction handle is
 * accepted wherever a {@link Db} is (Drizzle's transaction has the same query API).
 * @module
 */
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema.js";

/** The database or an open transaction. */
export type Db = NodePgDatabase<typeof schema>;

/** A connected database: the Drizzle handle, its pool (graphile-worker shares it) and how to close it. */
export interface Database {
  db: Db;
  pool: pg.Pool;
  connectionString: string;
  close(): Promise<void>;
}

/** Options for {@link createDatabase}. */
export interface CreateDatabaseOptions {
  connectionString: string;
  /** Pool size. (Default: 10) */
  maxConnections?: number;
  /** Receives pool errors (e.g. 57P01 when the server stops first, STACK.md G20). */
  onError?: (error: Error) => void;
}

/** Connect a pool (lazily) and wrap it in Drizzle. Never throws; the first query may. */
export function createDatabase(options: CreateDatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  const onError = options.onError ?? (() => undefined);
  // Both handlers are needed: idle-client errors surface on the pool, active ones on the client (G17).
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  return {
    db: drizzle(pool, { schema }),
    pool,
    connectionString: options.connectionString,
    close: () => pool.end(),
  };
}

/** Replace the database name in a connection string. */
export function withDatabaseName(connectionString: string, databaseName: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${databaseName}`;
  return url.toString();
}
