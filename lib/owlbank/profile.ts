/**
 * The customer's own details: name and phone number. The phone number is also the account's
 * recovery channel, so changing it is a step-up action confirmed by a code sent to the new one.
 */
import "server-only";
import { eq } from "drizzle-orm";
import { type User, users } from "@/db/schema/owlbank";
import { databaseFailure, db } from "@/lib/db";

/** Renames the customer; returns the updated row. */
export async function changeDisplayName(userId: string, displayName: string): Promise<User | undefined> {
  const [user] = await db().update(users).set({ displayName }).where(eq(users.id, userId)).returning();
  return user;
}

export type PhoneChange = { ok: true; user: User } | { ok: false; reason: "phone_taken" };

/**
 * Moves the account to `phoneNumber` (E.164), unless another account already has it. The
 * unique index on the number decides, not an earlier look: two accounts moving to one number
 * at once cannot both get it.
 */
export async function changePhoneNumber(userId: string, phoneNumber: string): Promise<PhoneChange> {
  try {
    const [user] = await db().update(users).set({ phoneNumber }).where(eq(users.id, userId)).returning();
    return user ? { ok: true, user } : { ok: false, reason: "phone_taken" };
  } catch (error) {
    if (databaseFailure(error) === "unique_violation") return { ok: false, reason: "phone_taken" };
    throw error;
  }
}
