import { defineConfig } from "drizzle-kit";

// SQLite. Migrations are generated from the schema and committed; never edit them by hand.
// PostgreSQL has its own config and migrations: drizzle.pg.config.ts.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/sqlite/*.ts",
  out: "./db/migrations/sqlite",
});
