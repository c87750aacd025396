/**
 * The security suite (`npm run test:security`, driven by scripts/security.mjs). Its files end
 * in `.security.ts`, so the default `vitest run` (which includes test/**\/*.test.ts) never
 * picks them up: the fuzzing and the production-server runs are too heavy for the unit loop,
 * and they would otherwise run twice under `npm test`.
 */
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  root,
  resolve: {
    alias: {
      "@": root,
      "server-only": path.join(root, "test/server-only-stub.ts"),
    },
  },
  test: {
    environment: "node",
    include: ["test/security/**/*.security.ts"],
    // With OWLBANK_TEST_ENGINE=postgres: one PostgreSQL server for the run and a migrated template.
    globalSetup: ["test/global-setup.ts"],
    // In-process files get a fresh database with the real migrations, as unit tests do: in-memory
    // SQLite, or a copy of the template on PostgreSQL; production servers one of their own.
    setupFiles: ["test/setup.ts", "test/security/support/engine-setup.ts"],
    pool: "forks",
    // The server-based files each start a production server; two files at a time is what two
    // cores can take without starving the servers.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
