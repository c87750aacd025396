/**
 * The customer's own details: name and phone number. The phone number is also the account's
 * recovery channel, so changing it is a step-up action confirmed by a code sent to the new one.
 */
import "server-only";
import { and, eq, ne } from "drizzle-orm";
import { type User, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";

/** Renames the customer; returns the updated row. */
export function changeDisplayName(userId: string, displayName: string): User | undefined {
  return db().update(users).set({ displayName }).where(eq(users.id, userId)).returning().get();
}

export type PhoneChange = { ok: true; user: User } | { ok: false; reason: "phone_taken" };

/** Moves the account to `phoneNumber` (E.164), unless another account already has it. */
export function changePhoneNumber(userId: string, phoneNumber: string): PhoneChange {
  return db().transaction((tx): PhoneChange => {
    const taken = tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.phoneNumber, phoneNumber), ne(users.id, userId)))
      .get();
    if (taken) return { ok: false, reason: "phone_taken" };
    const user = tx.update(users).set({ phoneNumber }).where(eq(users.id, userId)).returning().get();
    return user ? { ok: true, user } : { ok: false, reason: "phone_taken" };
  });
}
