import { defineConfig } from "drizzle-kit";

// Migrations are generated from the schema and committed; never edit them by hand.
export default defineConfig({
  dialect: "sqlite",
  schema: ["./db/schema/verify.ts", "./db/schema/owlbank.ts"],
  out: "./db/migrations",
});
