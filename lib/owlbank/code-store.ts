/**
 * The local outbox's one-time codes: 6 digits, valid for 10 minutes, 5 tries, one active code
 * per number, purpose and requester (the browser that asked, lib/owlbank/code-requester.ts).
 * Only an HMAC of the code is stored (keyed by a server secret and bound to the number and
 * purpose), so the table alone never reveals or moves a code.
 */
import "server-only";
import { randomInt, randomUUID } from "node:crypto";
import { and, eq, lt, lte, type SQL, sql } from "drizzle-orm";
import { type CodePurpose, oneTimeCodes } from "@/db/schema/owlbank";
import { db, transaction } from "@/lib/db";
import { hmac, sameDigest } from "./keys";

export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_TRIES = 5;

export type CodeCheck =
  | { ok: true }
  | { ok: false; reason: "wrong_code"; triesLeft: number }
  | { ok: false; reason: "no_code" | "expired" | "too_many_tries" };

/** The stored form of a code: it only matches the same number and purpose. */
export const codeHash = (purpose: CodePurpose, phoneNumber: string, code: string) =>
  hmac("one-time-codes", `${purpose}\n${phoneNumber}\n${code}`);

/** A uniformly random code of CODE_LENGTH digits (leading zeros included). */
const newCode = () => String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0");

/**
 * Makes a new code for `phoneNumber` and `requester`, replacing that requester's earlier one
 * for the same purpose (which stops working), and returns it in plain text for delivery. It is
 * not kept anywhere. Other requesters' codes for the number are left alone: otherwise anyone
 * could kill a customer's code by asking for one.
 */
export async function issueCode(
  purpose: CodePurpose,
  phoneNumber: string,
  requester: string,
  now = Date.now(),
): Promise<{ code: string; expiresAt: number }> {
  const code = newCode();
  const expiresAt = now + CODE_TTL_MS;
  const row = {
    id: randomUUID(),
    purpose,
    phoneNumber,
    requester,
    codeHash: codeHash(purpose, phoneNumber, code),
    expiresAt,
    tries: 0,
    createdAt: now,
  };
  await transaction(async (tx) => {
    await tx.delete(oneTimeCodes).where(lte(oneTimeCodes.expiresAt, now));
    // A new id: a check of the old code still under way uses its code up by id, never this one.
    await tx
      .insert(oneTimeCodes)
      .values(row)
      .onConflictDoUpdate({
        target: [oneTimeCodes.purpose, oneTimeCodes.phoneNumber, oneTimeCodes.requester],
        set: { id: row.id, codeHash: row.codeHash, expiresAt, tries: 0, createdAt: now },
      });
  });
  return { code, expiresAt };
}

/**
 * Checks a code typed in the browser of `requester` (null: one that never asked for a code).
 * Only that requester's own code counts, so a code typed in another browser is no code. A
 * right code is used up; a wrong one costs a try, and after MAX_TRIES wrong ones the code is
 * dead even if the next guess is right.
 *
 * Every guess spends its try before the code is compared, in one guarded statement (`tries <
 * MAX_TRIES`), so guesses sent at once can never share a try, and the right code is used up
 * by a delete that only one of them can win.
 */
export async function checkCode(
  purpose: CodePurpose,
  phoneNumber: string,
  requester: string | null,
  typed: string,
  now = Date.now(),
): Promise<CodeCheck> {
  if (!requester) return { ok: false, reason: "no_code" };
  const where = and(eq(oneTimeCodes.purpose, purpose), eq(oneTimeCodes.phoneNumber, phoneNumber), eq(oneTimeCodes.requester, requester));
  const [row] = await db()
    .update(oneTimeCodes)
    .set({ tries: sql`${oneTimeCodes.tries} + 1` })
    .where(and(where, lt(oneTimeCodes.tries, MAX_TRIES)))
    .returning();
  if (!row) return refusalWithoutTry(where, now);
  if (now >= row.expiresAt) return expire(row.id);

  // Hashing whatever was typed (even malformed input) keeps the comparison's timing
  // independent of the input, and a malformed code simply never matches.
  if (sameDigest(codeHash(purpose, phoneNumber, typed.trim()), row.codeHash)) {
    const used = await db().delete(oneTimeCodes).where(eq(oneTimeCodes.id, row.id)).returning({ id: oneTimeCodes.id });
    // Gone since the try was spent: used up by a right guess sent at the same time.
    return used.length > 0 ? { ok: true } : { ok: false, reason: "no_code" };
  }
  return row.tries >= MAX_TRIES ? { ok: false, reason: "too_many_tries" } : { ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - row.tries };
}

/** Drops an expired code. */
async function expire(id: string): Promise<CodeCheck> {
  await db().delete(oneTimeCodes).where(eq(oneTimeCodes.id, id));
  return { ok: false, reason: "expired" };
}

/** Why a guess found no try to spend: no code, an expired one, or one with its tries used up. */
async function refusalWithoutTry(where: SQL | undefined, now: number): Promise<CodeCheck> {
  const [row] = await db().select().from(oneTimeCodes).where(where).limit(1);
  if (!row) return { ok: false, reason: "no_code" };
  if (now >= row.expiresAt) return expire(row.id);
  // Tries left means a new code replaced the one this guess was for, just now.
  return row.tries >= MAX_TRIES ? { ok: false, reason: "too_many_tries" } : { ok: false, reason: "no_code" };
}
