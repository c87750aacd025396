/**
 * Who is signed in, checked next to the data. Every data function and server action calls
 * requireUser() or requireSession(); the signed-in layout's check is only a convenience.
 */
import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { Session, User } from "@/db/schema/owlbank";
import { auth } from "@/lib/auth";
import type { SessionRow } from "@/components/passkeys/session-list";
import { listSessions, liveSession } from "./sessions";
import { findUserById } from "./users";

export type SignedIn = { user: User; session: Session };

/**
 * The signed-in customer and their server-side session, or null. The cookie only names a
 * session; the session row and the user row must both still exist.
 */
export const currentSession = cache(async (): Promise<SignedIn | null> => {
  const signedIn = await auth();
  const session = signedIn?.sessionId ? await liveSession(signedIn.sessionId) : null;
  if (!session || session.userId !== signedIn?.user?.id) return null;
  const user = await findUserById(session.userId);
  return user ? { user, session } : null;
});

/** The signed-in user, or null. */
export const currentUser = cache(async (): Promise<User | null> => (await currentSession())?.user ?? null);

/** The signed-in customer and their session; anyone else is sent to the sign-in page. */
export async function requireSession(): Promise<SignedIn> {
  const signedIn = await currentSession();
  if (!signedIn) redirect("/sign-in");
  return signedIn;
}

/** The signed-in user; anyone else is sent to the sign-in page. */
export async function requireUser(): Promise<User> {
  return (await requireSession()).user;
}

/** The signed-in customer's live sessions, this one marked, for the Security page. */
export async function getMySessions(): Promise<SessionRow[]> {
  const { user, session: current } = await requireSession();
  return (await listSessions(user.id)).map((s) => ({
    id: s.id,
    device: s.device,
    createdBy: s.createdBy,
    createdFrom: s.createdFrom,
    createdAt: new Date(s.createdAt).toISOString(),
    lastSeenAt: new Date(s.lastSeenAt).toISOString(),
    current: s.id === current.id,
  }));
}
