import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { sessions } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { createSession, endOtherSessions, endSession, endSessionOf, listSessions, liveSession } from "./sessions";
import { completeSignup, savePendingSignup } from "./users";

let n = 0;
async function customer(now = Date.now()) {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "c")}`;
  await savePendingSignup({ factorSid, phoneNumber: `+1415555${String(n).padStart(4, "0")}`, displayName: `Session ${n}`, verifyIdentity: identity }, now);
  const result = await completeSignup(factorSid, identity, now);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}

const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const start = (userId: string, now = Date.now(), createdBy: "sign_in" | "sign_up" | "recovery" = "sign_in") =>
  createSession({ userId, createdBy, userAgent: CHROME_MAC, address: "203.0.113.7" }, now);

describe("createSession", () => {
  it("records who, when, how, from where and on what device, stepped up by its own ceremony", async () => {
    const user = await customer();
    const session = await start(user.id, 1_000, "recovery");
    expect(session).toMatchObject({
      userId: user.id,
      createdAt: 1_000,
      lastSeenAt: 1_000,
      expiresAt: 1_000 + config().owlbank.sessionLifetimeMs,
      createdBy: "recovery",
      device: "Chrome on macOS",
      createdFrom: "203.0.113.7",
      steppedUpAt: 1_000,
    });
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("clears the customer's dead sessions on the way, and no live one, nor anyone else's", async () => {
    const { sessionIdleMs: idle, sessionLifetimeMs: lifetime } = config().owlbank;
    const [user, other] = [await customer(), await customer()];
    const expired = await start(user.id, 0);
    const idled = await start(user.id, lifetime - idle);
    const live = await start(user.id, lifetime - 1);
    const othersDead = await start(other.id, 0);
    const now = lifetime;
    await start(user.id, now);
    const ids = async (userId: string) => (await db().select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId))).map((s) => s.id);
    expect(await ids(user.id)).not.toContain(expired.id);
    expect(await ids(user.id)).not.toContain(idled.id);
    expect(await ids(user.id)).toContain(live.id);
    expect(await ids(other.id)).toEqual([othersDead.id]);
  });
});

describe("liveSession", () => {
  const { sessionIdleMs: idle, sessionLifetimeMs: lifetime } = config().owlbank;

  it("ends a session at its absolute lifetime, however busy it is", async () => {
    const session = await start((await customer()).id, 0);
    // A request every half idle period keeps it from idling out, but not past its end.
    for (let t = 0; t < lifetime; t += idle / 2) expect(await liveSession(session.id, t)).not.toBeNull();
    expect(await liveSession(session.id, lifetime)).toBeNull();
    // Gone for good, not just refused once.
    expect(await liveSession(session.id, 0)).toBeNull();
  });

  it("ends a session left idle", async () => {
    const session = await start((await customer()).id, 0);
    expect(await liveSession(session.id, idle - 1)).not.toBeNull();
    expect(await liveSession(session.id, 2 * idle - 2)).not.toBeNull();
    expect(await liveSession(session.id, 3 * idle)).toBeNull();
  });

  it("refuses an id it never issued", async () => {
    expect(await liveSession("AAAAAAAAAAAAAAAAAAAAAA")).toBeNull();
  });
});

describe("revocation", () => {
  it("sign-out ends only that session", async () => {
    const user = await customer();
    const [a, b] = [await start(user.id), await start(user.id)];
    await endSession(a.id);
    expect(await liveSession(a.id)).toBeNull();
    expect(await liveSession(b.id)).not.toBeNull();
  });

  it("ends every other session of the customer, and nobody else's", async () => {
    const user = await customer();
    const other = await customer();
    const [mine, copied, elsewhere] = [await start(user.id), await start(user.id), await start(user.id)];
    const stranger = await start(other.id);
    expect(await endOtherSessions(user.id, mine.id)).toBe(2);
    expect(await liveSession(copied.id)).toBeNull();
    expect(await liveSession(elsewhere.id)).toBeNull();
    expect(await liveSession(mine.id)).not.toBeNull();
    expect(await liveSession(stranger.id)).not.toBeNull();
  });

  it("a customer can end their own sessions only", async () => {
    const alice = await customer();
    const mallory = await customer();
    const alices = await start(alice.id);
    expect(await endSessionOf(mallory.id, alices.id)).toBe(false);
    expect(await liveSession(alices.id)).not.toBeNull();
    expect(await endSessionOf(alice.id, alices.id)).toBe(true);
    expect(await liveSession(alices.id)).toBeNull();
  });
});

describe("listSessions", () => {
  it("lists the customer's live sessions, most recently used first", async () => {
    const user = await customer();
    const older = await start(user.id, 10_000);
    const newer = await start(user.id, 20_000);
    await start((await customer()).id, 20_000);
    expect((await listSessions(user.id, 20_000)).map((s) => s.id)).toEqual([newer.id, older.id]);
    const idle = config().owlbank.sessionIdleMs;
    expect((await listSessions(user.id, 10_000 + idle)).map((s) => s.id)).toEqual([newer.id]);
  });
});
