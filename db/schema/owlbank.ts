/**
 * OwlBank's tables on the engine this process runs on: see db/schema/verify.ts for why
 * repositories see one set of tables, typed as the SQLite definitions.
 */
import { processEngine } from "../engine";
import * as pg from "./pg/owlbank";
import * as sqlite from "./sqlite/owlbank";

export type * from "./sqlite/owlbank";
export { SESSION_ORIGINS } from "./sqlite/owlbank";

const active = (processEngine() === "postgres" ? pg : sqlite) as unknown as typeof sqlite;

export const {
  users,
  sessions,
  pendingSignups,
  bankAccounts,
  transactions,
  passkeyCredentials,
  transfers,
  stepUpChallenges,
  pendingRecoveries,
  oneTimeCodes,
  rateLimitWindows,
  leases,
  installation,
  outbox,
} = active;
