/**
 * Server-side sessions. The session cookie (next-auth's encrypted JWT, lib/auth/config.ts)
 * carries only a session id; the row here is what makes it valid. Deleting the row signs
 * that browser out at its next request, on every server process sharing the database.
 *
 * Lifetimes (lib/env.ts): an absolute one fixed at creation that nothing extends, and an
 * idle one measured from the last request that carried the cookie.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, gt, lte, ne, or, sql } from "drizzle-orm";
import { type Session, type SessionOrigin, sessions } from "@/db/schema/owlbank";
import { db, prepared, preparedInsert } from "@/lib/db";
import { config } from "@/lib/env";
import { describeDevice } from "./device";

/**
 * `lastSeenAt` is written at most this often: a write per page view would cost more than the
 * check itself, and the idle timeout is counted in minutes. Never more than a tenth of the
 * idle timeout, so a short configured timeout stays accurate.
 */
const TOUCH_INTERVAL_MS = 60_000;
const touchInterval = () => Math.min(TOUCH_INTERVAL_MS, config().owlbank.sessionIdleMs / 10);

/** Whether a row is still a live session at `now`. */
function isLive(session: Pick<Session, "expiresAt" | "lastSeenAt">, now: number): boolean {
  return now < session.expiresAt && now - session.lastSeenAt < config().owlbank.sessionIdleMs;
}

export type NewSession = {
  userId: string;
  createdBy: SessionOrigin;
  userAgent: string | null | undefined;
  address: string;
};

/**
 * Starts a session for a customer who just proved themselves with a passkey (every way a
 * session begins is a passkey ceremony, with user verification: OwlBank's Service and
 * factors require it), so it starts stepped up. Clears the customer's
 * dead sessions on the way, so their list only ever holds live ones.
 */
export async function createSession(input: NewSession, now = Date.now()): Promise<Session> {
  const session: Session = {
    id: randomBytes(16).toString("base64url"),
    userId: input.userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + config().owlbank.sessionLifetimeMs,
    createdBy: input.createdBy,
    device: describeDevice(input.userAgent),
    createdFrom: input.address,
    steppedUpAt: now,
  };
  // Two statements, not a transaction: clearing dead rows needs no atomicity with the insert,
  // and on SQLite each sign-in then takes the write lock once instead of holding it for both.
  await creating().clearDead.execute({ userId: input.userId, now, idleBefore: now - config().owlbank.sessionIdleMs });
  await insertSession(session);
  return session;
}

// Built once: a session is created on every sign-in.
const insertSession = preparedInsert(sessions);
const creating = prepared((d) => ({
  // Dead: past the absolute end, or idle too long.
  clearDead: d
    .delete(sessions)
    .where(
      and(
        eq(sessions.userId, sql.placeholder("userId")),
        or(lte(sessions.expiresAt, sql.placeholder("now")), lte(sessions.lastSeenAt, sql.placeholder("idleBefore"))),
      ),
    )
    .prepare(),
}));

/** Every page view and action of a signed-in customer looks its session up. */
const statements = prepared((d) => ({
  byId: d.select().from(sessions).where(eq(sessions.id, sql.placeholder("id"))).prepare(),
  touch: d
    .update(sessions)
    .set({ lastSeenAt: sql`${sql.placeholder("now")}` })
    .where(and(eq(sessions.id, sql.placeholder("id")), sql`${sessions.lastSeenAt} < ${sql.placeholder("now")}`))
    .prepare(),
  remove: d.delete(sessions).where(eq(sessions.id, sql.placeholder("id"))).prepare(),
}));

/**
 * The live session with this id, or null. A dead one is deleted on sight. A live one counts
 * as seen now (written at most once a minute).
 */
export async function liveSession(id: string, now = Date.now()): Promise<Session | null> {
  const s = statements();
  const [session] = await s.byId.execute({ id });
  if (!session) return null;
  if (!isLive(session, now)) {
    await s.remove.execute({ id });
    return null;
  }
  if (now - session.lastSeenAt >= touchInterval()) {
    await s.touch.execute({ id, now });
    session.lastSeenAt = now;
  }
  return session;
}

/** Sign-out: the session is gone for every server at once. */
export async function endSession(id: string): Promise<void> {
  await statements().remove.execute({ id });
}

/** Ends one of the customer's own sessions; false when it is not theirs (or already over). */
export async function endSessionOf(userId: string, id: string): Promise<boolean> {
  const ended = await db()
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  return ended.length > 0;
}

/**
 * Ends every session of the customer but `keep` (the one asking, or the one a recovery just
 * created): after the credentials changed, only the browser that changed them stays in.
 * Returns how many ended.
 */
export async function endOtherSessions(userId: string, keep: string | null): Promise<number> {
  const mine = eq(sessions.userId, userId);
  const ended = await db()
    .delete(sessions)
    .where(keep === null ? mine : and(mine, ne(sessions.id, keep)))
    .returning({ id: sessions.id });
  return ended.length;
}

/** The customer's live sessions, most recently used first. */
export async function listSessions(userId: string, now = Date.now()): Promise<Session[]> {
  return db()
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now), gt(sessions.lastSeenAt, now - config().owlbank.sessionIdleMs)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
}
