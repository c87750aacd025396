/**
 * Step-up: changing passkeys or the phone number needs a passkey approval from the last few
 * minutes (OWLBANK_STEP_UP_MAX_AGE_MINUTES). The time of the last approval is kept on the
 * user row, server-side, and moved forward by every passkey ceremony Verify accepted.
 */
import "server-only";
import { and, eq, isNull, lt, lte, or } from "drizzle-orm";
import { stepUpChallenges, type User, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";

/** What an action answers when it needs a passkey approval first; the browser then asks for one. */
export type StepUpNeeded = { ok: false; stepUp: true; message: string };

export const STEP_UP_NEEDED: StepUpNeeded = {
  ok: false,
  stepUp: true,
  message: "For your security, confirm it's you with one of your passkeys first.",
};

/** Whether the user approved with a passkey recently enough for a sensitive change. */
export function hasFreshPasskey(user: Pick<User, "lastPasskeyAt">, now = Date.now()): boolean {
  return user.lastPasskeyAt !== null && now - user.lastPasskeyAt < config().owlbank.stepUpMaxAgeMs;
}

/** Records an accepted passkey ceremony (never moves the time backwards). */
export function recordPasskeyUse(userId: string, now = Date.now()): void {
  db()
    .update(users)
    .set({ lastPasskeyAt: now })
    .where(and(eq(users.id, userId), or(isNull(users.lastPasskeyAt), lt(users.lastPasskeyAt, now))))
    .run();
}

/** Remembers a challenge issued as a step-up for `userId`. */
export function saveStepUpChallenge(userId: string, challengeSid: string, expiresAt: number, now = Date.now()): void {
  db().transaction((tx) => {
    tx.delete(stepUpChallenges).where(lte(stepUpChallenges.expiresAt, now)).run();
    tx.insert(stepUpChallenges).values({ challengeSid, userId, expiresAt }).run();
  });
}

/**
 * Uses up a step-up challenge: true only if it was issued as a step-up for this user and has
 * not expired. A sign-in's or a transfer's challenge is not one, so its approval can't be
 * replayed here.
 */
export function consumeStepUpChallenge(userId: string, challengeSid: string, now = Date.now()): boolean {
  const row = db()
    .delete(stepUpChallenges)
    .where(and(eq(stepUpChallenges.challengeSid, challengeSid), eq(stepUpChallenges.userId, userId)))
    .returning()
    .get();
  return Boolean(row && row.expiresAt > now);
}
