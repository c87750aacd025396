/**
 * With OWLBANK_TEST_ENGINE=postgres, the unit and behaviour tests run on PostgreSQL: one
 * server for the run (scripts/postgres.mjs), one migrated template database, and a fresh
 * copy of it per test file (test/setup.ts), as each file gets a fresh SQLite database.
 */
import type { TestProject } from "vitest/node";
import { startPostgres } from "../scripts/postgres.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string | undefined;
  }
}

export const TEMPLATE = "owlbank_test_template";

export default async function setup(project: TestProject) {
  if (process.env.OWLBANK_TEST_ENGINE !== "postgres") {
    project.provide("postgresAdminUrl", undefined);
    return;
  }
  const server = await startPostgres();
  const url = await server.createDatabase(TEMPLATE);
  const { openDatabase } = await import("../db/client");
  const { parseDatabaseUrl } = await import("../db/engine");
  const opened = openDatabase(parseDatabaseUrl(url), { poolSize: 1, timeoutSeconds: 30 });
  await opened.ready;
  // A template must have no open connections when it is copied.
  await opened.close();
  project.provide("postgresAdminUrl", server.adminUrl);
  return () => server.stop();
}
