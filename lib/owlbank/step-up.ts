/**
 * Step-up: changing passkeys, the phone number or another session needs a passkey approval
 * from the last few minutes (OWLBANK_STEP_UP_MAX_AGE_MINUTES) in this very session. The time
 * is kept on the session row, server-side, and moved forward only by ceremonies Verify
 * accepted in that session: a customer's sign-in elsewhere must not arm a stolen session.
 */
import "server-only";
import { and, eq, isNull, lt, lte, or } from "drizzle-orm";
import { type Session, sessions, stepUpChallenges } from "@/db/schema/owlbank";
import { db, transaction } from "@/lib/db";
import { config } from "@/lib/env";

/** What an action answers when it needs a passkey approval first; the browser then asks for one. */
export type StepUpNeeded = { ok: false; stepUp: true; message: string };

export const STEP_UP_NEEDED: StepUpNeeded = {
  ok: false,
  stepUp: true,
  message: "For your security, confirm it's you with one of your passkeys first.",
};

/** Whether this session approved with a passkey recently enough for a sensitive change. */
export function hasFreshPasskey(session: Pick<Session, "steppedUpAt">, now = Date.now()): boolean {
  return session.steppedUpAt !== null && now - session.steppedUpAt < config().owlbank.stepUpMaxAgeMs;
}

/**
 * Records a passkey ceremony Verify accepted in this session (a step-up, a transfer approval,
 * a new passkey). Never moves the time backwards, and never touches another session.
 */
export async function recordPasskeyUse(sessionId: string, now = Date.now()): Promise<void> {
  await db()
    .update(sessions)
    .set({ steppedUpAt: now })
    .where(and(eq(sessions.id, sessionId), or(isNull(sessions.steppedUpAt), lt(sessions.steppedUpAt, now))));
}

/** Remembers a challenge issued as a step-up by session `sessionId`. */
export async function saveStepUpChallenge(sessionId: string, challengeSid: string, expiresAt: number, now = Date.now()): Promise<void> {
  await transaction(async (tx) => {
    await tx.delete(stepUpChallenges).where(lte(stepUpChallenges.expiresAt, now));
    await tx.insert(stepUpChallenges).values({ challengeSid, sessionId, expiresAt });
  });
}

/**
 * Uses up a step-up challenge: true only if this session issued it as a step-up and it has
 * not expired. A sign-in's or a transfer's challenge is not one, and neither is another
 * session's step-up, so no approval can be replayed here. The row is deleted and returned in
 * one statement, so of two uses at once only one gets it.
 */
export async function consumeStepUpChallenge(sessionId: string, challengeSid: string, now = Date.now()): Promise<boolean> {
  const [row] = await db()
    .delete(stepUpChallenges)
    .where(and(eq(stepUpChallenges.challengeSid, challengeSid), eq(stepUpChallenges.sessionId, sessionId)))
    .returning();
  return Boolean(row && row.expiresAt > now);
}
