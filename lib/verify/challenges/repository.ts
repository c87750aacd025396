/**
 * Challenge persistence. Every function takes the Service SID first.
 */
import "server-only";
import { and, asc, desc, eq, gt, is, lte, type SQL, sql, TransactionRollbackError } from "drizzle-orm";
import { type ChallengeRow, challenges, factors } from "@/db/schema/verify";
import { db, prepared, preparedInsert, sqlPlaceholder } from "@/lib/db";
import type { Order } from "../paging";

export { challenges as challengesTable };

const insert = preparedInsert(challenges);

export function insertChallenge(row: ChallengeRow): void {
  insert(row);
}

const p = sql.placeholder;

/** ApproveChallenge's lookup and its two guarded writes: the sign-in hot path. */
const statements = prepared((d) => ({
  byValue: d
    .select()
    .from(challenges)
    .where(and(eq(challenges.serviceSid, p("serviceSid")), eq(challenges.challenge, p("challenge"))))
    .prepare(),
  markApproved: d
    .update(challenges)
    .set({
      status: "approved",
      entitySid: sqlPlaceholder("entitySid"),
      factorSid: sqlPlaceholder("factorSid"),
      dateResponded: sqlPlaceholder("now"),
      dateUpdated: sqlPlaceholder("now"),
    })
    .where(
      and(
        eq(challenges.serviceSid, p("serviceSid")),
        eq(challenges.sid, p("challengeSid")),
        eq(challenges.status, "pending"),
        gt(challenges.expirationDate, p("now")),
      ),
    )
    .prepare(),
  advanceCounter: d
    .update(factors)
    .set({ counter: sqlPlaceholder("newCounter"), dateLastApproved: sqlPlaceholder("now") })
    .where(
      and(
        eq(factors.serviceSid, p("serviceSid")),
        eq(factors.sid, p("factorSid")),
        eq(factors.status, "verified"),
        eq(factors.counter, p("storedCounter")),
      ),
    )
    .prepare(),
}));

export function findChallengeByValue(serviceSid: string, challenge: string): ChallengeRow | undefined {
  return statements().byValue.get({ serviceSid, challenge });
}

export function findEntityChallenge(serviceSid: string, entitySid: string, sid: string): ChallengeRow | undefined {
  return db()
    .select()
    .from(challenges)
    .where(and(eq(challenges.serviceSid, serviceSid), eq(challenges.entitySid, entitySid), eq(challenges.sid, sid)))
    .get();
}

/** Lazy expiry (docs/api.md §7.4): pending challenges past their date become `expired` when read. */
export function expireEntityChallenges(serviceSid: string, entitySid: string, now: number): void {
  db()
    .update(challenges)
    .set({ status: "expired", dateUpdated: now })
    .where(
      and(
        eq(challenges.serviceSid, serviceSid),
        eq(challenges.entitySid, entitySid),
        eq(challenges.status, "pending"),
        lte(challenges.expirationDate, now),
      ),
    )
    .run();
}

export function expireChallenge(serviceSid: string, sid: string, now: number): void {
  db()
    .update(challenges)
    .set({ status: "expired", dateUpdated: now })
    .where(and(eq(challenges.serviceSid, serviceSid), eq(challenges.sid, sid), eq(challenges.status, "pending")))
    .run();
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
 * Approves a challenge and records the signature counter in one synchronous transaction
 * (no `await` inside: better-sqlite3 transactions are synchronous). Both writes are guarded:
 * the challenge must still be pending and unexpired, and the factor's counter must still be
 * the one the signature was checked against, so of any number of concurrent approvals
 * exactly one wins and counters never go backwards.
 */
export function approve(a: Approval): "approved" | "lost_challenge" | "lost_factor" {
  try {
    return approveOrRollback(a);
  } catch (error) {
    if (is(error, TransactionRollbackError) || (error as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "lost_factor";
    throw error;
  }
}

function approveOrRollback(a: Approval): "approved" | "lost_challenge" {
  const { markApproved, advanceCounter } = statements();
  // The prepared statements run on the same connection, so they are inside `tx`.
  return db().transaction((tx) => {
    if (markApproved.run(a).changes !== 1) return "lost_challenge";
    // The factor was deleted or its counter moved since the signature was checked.
    if (advanceCounter.run(a).changes !== 1) tx.rollback();
    return "approved";
  }, { behavior: "immediate" });
}

export function listEntityChallenges(
  serviceSid: string,
  entitySid: string,
  filters: { status?: string; factorSid?: string },
  cursor: SQL | undefined,
  order: Order,
  limit: number,
) {
  const dir = order === "asc" ? asc : desc;
  return db()
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
    .limit(limit)
    .all();
}
