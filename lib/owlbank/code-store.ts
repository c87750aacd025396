/**
 * The local outbox's one-time codes: 6 digits, valid for 10 minutes, 5 tries, one active code
 * per number, purpose and requester (the browser that asked, lib/owlbank/code-requester.ts).
 * Only an HMAC of the code is stored (keyed by a server secret and bound to the number and
 * purpose), so the table alone never reveals or moves a code.
 */
import "server-only";
import { randomInt, randomUUID } from "node:crypto";
import { and, eq, lte } from "drizzle-orm";
import { type CodePurpose, oneTimeCodes } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
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
export function issueCode(
  purpose: CodePurpose,
  phoneNumber: string,
  requester: string,
  now = Date.now(),
): { code: string; expiresAt: number } {
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
  db().transaction((tx) => {
    tx.delete(oneTimeCodes).where(lte(oneTimeCodes.expiresAt, now)).run();
    tx.insert(oneTimeCodes)
      .values(row)
      .onConflictDoUpdate({
        target: [oneTimeCodes.purpose, oneTimeCodes.phoneNumber, oneTimeCodes.requester],
        set: { id: row.id, codeHash: row.codeHash, expiresAt, tries: 0, createdAt: now },
      })
      .run();
  });
  return { code, expiresAt };
}

/**
 * Checks a code typed in the browser of `requester` (null: one that never asked for a code).
 * Only that requester's own code counts, so a code typed in another browser is no code. A
 * right code is used up; a wrong one costs a try, and after MAX_TRIES wrong ones the code is
 * dead even if the next guess is right. One synchronous transaction, so two guesses at once
 * cannot both spend the same try.
 */
export function checkCode(purpose: CodePurpose, phoneNumber: string, requester: string | null, typed: string, now = Date.now()): CodeCheck {
  if (!requester) return { ok: false, reason: "no_code" };
  return db().transaction((tx): CodeCheck => {
    const where = and(eq(oneTimeCodes.purpose, purpose), eq(oneTimeCodes.phoneNumber, phoneNumber), eq(oneTimeCodes.requester, requester));
    const row = tx.select().from(oneTimeCodes).where(where).get();
    if (!row) return { ok: false, reason: "no_code" };
    if (now >= row.expiresAt) {
      tx.delete(oneTimeCodes).where(where).run();
      return { ok: false, reason: "expired" };
    }
    if (row.tries >= MAX_TRIES) return { ok: false, reason: "too_many_tries" };

    // Hashing whatever was typed (even malformed input) keeps the comparison's timing
    // independent of the input, and a malformed code simply never matches.
    if (sameDigest(codeHash(purpose, phoneNumber, typed.trim()), row.codeHash)) {
      tx.delete(oneTimeCodes).where(and(where, eq(oneTimeCodes.id, row.id))).run();
      return { ok: true };
    }
    const tries = row.tries + 1;
    tx.update(oneTimeCodes).set({ tries }).where(and(where, eq(oneTimeCodes.id, row.id))).run();
    return tries >= MAX_TRIES ? { ok: false, reason: "too_many_tries" } : { ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - tries };
  });
}
