import { defineConfig } from "drizzle-kit";

// PostgreSQL. Migrations are generated from the schema and committed; never edit them by hand.
// SQLite has its own config and migrations: drizzle.config.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/pg/*.ts",
  out: "./db/migrations/pg",
});
