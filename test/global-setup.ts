/**
 * vitest global setup of the db lane: start one real PostgreSQL (embedded, in a fresh temporary
 * cluster on a free port, or TEST_DATABASE_URL's server) and migrate app + graphile_worker schemas
 * into a template database, which every test clones (test/db-test.ts). Names carry this process's
 * pid, so concurrent test runs against one server never drop each other's databases.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDatabase, withDatabaseName } from "../src/db/database.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrateDatabase } from "../src/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    databasePrefix: string;
  }
}

/** A free TCP port below the ephemeral range (STACK.md G10). */
async function findFreePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port found for the test database");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject) {
  // Only TEST_DATABASE_URL: tests create and drop databases, so never reuse the app's DATABASE_URL.
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: () => Promise<void> = async () => undefined;
  if (adminUrl === undefined) {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), "tenantpilot-test-pg-")), "data");
    const handle = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), unsafeFast: true });
    adminUrl = handle.adminUrl;
    stop = async () => {
      await handle.stop();
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    };
  }
  // Each project (db, e2e) runs this setup: the project name keeps their databases apart on a shared server.
  const prefix = `t${process.pid}_${project.name.replaceAll(/[^a-z0-9]/gi, "")}`;
  const template = `${prefix}_template`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Databases left behind by an interrupted earlier run (its process is gone).
  const leftovers = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname ~ '^t[0-9]+_'",
  );
  for (const { datname } of leftovers.rows) {
    const pid = Number(/^t(\d+)_/.exec(datname)?.[1]);
    const ours = datname.startsWith(`${prefix}_`);
    if (ours || (pid !== process.pid && !isAlive(pid))) {
      await admin.query(`drop database if exists "${datname}" with (force)`);
    }
  }
  await admin.query(`create database ${template}`);
  await admin.end();

  const templateDb = createDatabase({ connectionString: withDatabaseName(adminUrl, template) });
  await migrateDatabase(templateDb);
  await templateDb.close();

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);
  project.provide("databasePrefix", prefix);
  return async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    const mine = await cleanup.query<{ datname: string }>(
      "select datname from pg_database where starts_with(datname, $1)",
      [`${prefix}_`],
    );
    for (const { datname } of mine.rows) await cleanup.query(`drop database if exists "${datname}" with (force)`);
    await cleanup.end();
    await stop();
  };
}
