/**
 * vitest global setup of the db lane: start one real PostgreSQL (embedded, or DATABASE_URL's
 * server) and migrate app + graphile_worker schemas into a template database, which every test
 * clones (test/db-test.ts).
 */
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
  }
}

export const TEMPLATE_DATABASE = "tenantpilot_template";

export default async function setup(project: TestProject) {
  // Only TEST_DATABASE_URL: tests create and drop databases, so never reuse the app's DATABASE_URL.
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: () => Promise<void> = async () => undefined;
  if (adminUrl === undefined) {
    const handle = await startEmbeddedPostgres({
      dataDir: path.resolve(import.meta.dirname, "../.tenantpilot/test-pg"),
      port: Number(process.env.TENANTPILOT_TEST_PG_PORT ?? 25440),
      unsafeFast: true,
    });
    adminUrl = handle.adminUrl;
    stop = handle.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  // Databases left behind by an interrupted earlier run.
  const leftovers = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'test\\_%'",
  );
  for (const { datname } of leftovers.rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();

  const template = createDatabase({ connectionString: withDatabaseName(adminUrl, TEMPLATE_DATABASE) });
  await migrateDatabase(template);
  await template.close();

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  return async () => {
    await stop();
  };
}
