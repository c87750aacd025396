import { dbAt } from "@/db/client";
import { config } from "@/lib/env";

/** The application's database, at `DATABASE_URL`. */
export const db = () => dbAt(config().databaseFile);
