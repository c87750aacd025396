/**
 * Challenge persistence. Every function takes the Service SID first.
 */
import "server-only";
import { and, asc, desc, eq, gt, is, lte, type SQL, sql, TransactionRollbackError } from "drizzle-orm";
import { type ChallengeRow, challenges, factors } from "@/db/schema/verify";
import { type Tx, databaseFailure, db, prepared, preparedInsert, transaction } from "@/lib/db";
import type { Order } from "../paging";

export { challenges as challengesTable };

const insert = preparedInsert(challenges);

export async function insertChallenge(row: ChallengeRow): Promise<void> {
  await insert(row);
}

const p = sql.placeholder;

/** ApproveChallenge's lookup: the sign-in hot path. */
const statements = prepared((d) => ({
  byValue: d
    .select()
    .from(challenges)
    .where(and(eq(challenges.serviceSid, p("serviceSid")), eq(challenges.challenge, p("challenge"))))
    .prepare(),
}));

export async function findChallengeByValue(serviceSid: string, challenge: string): Promise<ChallengeRow | undefined> {
  const [row] = await statements().byValue.execute({ serviceSid, challenge });
  return row;
}

export async function findEntityChallenge(serviceSid: string, entitySid: string, sid: string): Promise<ChallengeRow | undefined> {
  const [row] = await db()
    .select()
    .from(challenges)
    .where(and(eq(challenges.serviceSid, serviceSid), eq(challenges.entitySid, entitySid), eq(challenges.sid, sid)))
    .limit(1);
  return row;
}

/** Lazy expiry (docs/api.md §7.4): pending challenges past their date become `expired` when read. */
export async function expireEntityChallenges(serviceSid: string, entitySid: string, now: number): Promise<void> {
  await db()
    .update(challenges)
    .set({ status: "expired", dateUpdated: now })
    .where(
      and(
        eq(challenges.serviceSid, serviceSid),
        eq(challenges.entitySid, entitySid),
        eq(challenges.status, "pending"),
        lte(challenges.expirationDate, now),
      ),
    );
}

export async function expireChallenge(serviceSid: string, sid: string, now: number): Promise<void> {
  await db()
    .update(challenges)
    .set({ status: "expired", dateUpdated: now })
    .where(and(eq(challenges.serviceSid, serviceSid), eq(challenges.sid, sid), eq(challenges.status, "pending")));
}

export type Approval = {
  serviceSid: string;
  challengeSid: string;
  entitySid: string;
  factorSid: string;
  storedCounter: number;
  newCounter: number;
  now: number;
};

/**
 * Approves a challenge and records the signature counter in one transaction. Both writes
 * are guarded: the challenge must still be pending and unexpired, and the factor's counter
 * must still be the one the signature was checked against. Under PostgreSQL's READ
 * COMMITTED a concurrent approval of the same challenge waits on the row, then re-checks
 * `status` against the committed row and matches nothing; SQLite runs one writer at a time.
 * So of any number of concurrent approvals exactly one wins, and counters never go back.
 */
export async function approve(a: Approval): Promise<"approved" | "lost_challenge" | "lost_factor"> {
  try {
    return await transaction((tx) => approveOrRollback(tx, a));
  } catch (error) {
    if (is(error, TransactionRollbackError) || databaseFailure(error) === "foreign_key_violation") return "lost_factor";
    throw error;
  }
}

async function approveOrRollback(tx: Tx, a: Approval): Promise<"approved" | "lost_challenge"> {
  const approved = await tx
    .update(challenges)
    .set({ status: "approved", entitySid: a.entitySid, factorSid: a.factorSid, dateResponded: a.now, dateUpdated: a.now })
    .where(
      and(
        eq(challenges.serviceSid, a.serviceSid),
        eq(challenges.sid, a.challengeSid),
        eq(challenges.status, "pending"),
        gt(challenges.expirationDate, a.now),
      ),
    )
    .returning({ sid: challenges.sid });
  if (approved.length !== 1) return "lost_challenge";
  const advanced = await tx
    .update(factors)
    .set({ counter: a.newCounter, dateLastApproved: a.now })
    .where(
      and(
        eq(factors.serviceSid, a.serviceSid),
        eq(factors.sid, a.factorSid),
        eq(factors.status, "verified"),
        eq(factors.counter, a.storedCounter),
      ),
    )
    .returning({ sid: factors.sid });
  // The factor was deleted or its counter moved since the signature was checked.
  if (advanced.length !== 1) tx.rollback();
  return "approved";
}

export async function listEntityChallenges(
  serviceSid: string,
  entitySid: string,
  filters: { status?: string; factorSid?: string },
  cursor: SQL | undefined,
  order: Order,
  limit: number,
) {
  const dir = order === "asc" ? asc : desc;
  return await db()
    .select()
    .from(challenges)
    .where(
      and(
        eq(challenges.serviceSid, serviceSid),
        eq(challenges.entitySid, entitySid),
        filters.status ? eq(challenges.status, filters.status as ChallengeRow["status"]) : undefined,
        filters.factorSid ? eq(challenges.factorSid, filters.factorSid) : undefined,
        cursor,
      ),
    )
    .orderBy(dir(challenges.dateCreated), dir(challenges.sid))
    .limit(limit);
}
