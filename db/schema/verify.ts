/**
 * The Verify tables of the engine this process runs on (db/engine.ts). Repositories import
 * them from here and write each query once: drizzle builds the same query from either
 * dialect's table objects. They are typed as the SQLite definitions, which the schema
 * equivalence test (db/schema/equivalence.test.ts) proves the PostgreSQL ones match.
 */
import { processEngine } from "../engine";
import * as pg from "./pg/verify";
import * as sqlite from "./sqlite/verify";

export type * from "./sqlite/verify";

const active = (processEngine() === "postgres" ? pg : sqlite) as unknown as typeof sqlite;

export const { accounts, apiKeys, services, entities, factors, challenges, verifyRateLimits } = active;
