/**
 * `dbTest`: each test gets its own database, cloned from the template that global-setup.ts migrated
 * once (app + graphile_worker schemas). A clone is a file copy: isolated, parallel, no cleanup order.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject, test } from "vitest";
import { createDatabase, type Database, withDatabaseName } from "../src/db/database.js";

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Create a fresh database cloned from the migrated template; returns it and a disposer. */
export async function createTestDatabase(): Promise<{ database: Database; url: string; dispose: () => Promise<void> }> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `${inject("databasePrefix")}_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  await adminQuery(adminUrl, `create database ${name} template ${inject("templateDatabase")}`);
  const url = withDatabaseName(adminUrl, name);
  const database = createDatabase({ connectionString: url });
  return {
    database,
    url,
    dispose: async () => {
      await database.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/** A test with its own freshly cloned database. */
export const dbTest = test.extend<{ database: Database; databaseUrl: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their context
  database: async ({}, use) => {
    const { database, dispose } = await createTestDatabase();
    try {
      await use(database);
    } finally {
      await dispose();
    }
  },
  databaseUrl: async ({ database }, use) => {
    await use(database.connectionString);
  },
});
