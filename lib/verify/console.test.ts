/**
 * The developer console's reads: one account's data only, newest first in pages, and views
 * that never carry a public key or a challenge value.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { challenges } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { provisionAccount } from "@/lib/verify/accounts";
import { apiClient, basic } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createChallenge, createService, registerPasskey } from "@/test/helpers/verify";
import {
  CONSOLE_PAGE_SIZE,
  consoleChallenge,
  consoleChallenges,
  consoleEntities,
  consoleEntity,
  consoleFactor,
  consoleFactors,
  consoleService,
  consoleServiceEntity,
  consoleServices,
} from "./console";
import { type AccountSid, newSid } from "./sid";

/** A second account with its own Basic credentials, as another tenant of the backend would be. */
async function otherAccount() {
  const accountSid = newSid("AC");
  const authToken = "f".repeat(32);
  await provisionAccount({ accountSid, authToken });
  return { accountSid, client: apiClient(basic(accountSid, authToken)) };
}

/** A Service of the embedded account's with one passkey and one challenge targeted at it. */
async function serviceWithPasskey() {
  const service = await createService();
  const registered = await registerPasskey(service.sid, new SoftwareAuthenticator());
  const challenge = await createChallenge(service.sid, { identity: registered.identity });
  return { service, registered, challenge };
}

/** The console's view of the entity `registerPasskey` made, reached through its Service. */
async function entityOf(service: { account_sid: AccountSid; sid: string }, identity: string) {
  const found = await consoleService(service.account_sid, service.sid);
  return (await consoleEntity(found!, identity))!;
}

describe("console reads", () => {
  it("never lists or finds another account's Service", async () => {
    const mine = await createService({ FriendlyName: "Mine" });
    const other = await otherAccount();
    const theirs = await createService({ FriendlyName: "Theirs" }, other.client);

    const listed = (await consoleServices(mine.account_sid)).rows.map((s) => s.sid);
    expect(listed).toContain(mine.sid);
    expect(listed).not.toContain(theirs.sid);
    expect(await consoleService(mine.account_sid, theirs.sid)).toBeUndefined();
    expect((await consoleServices(other.accountSid)).rows.map((s) => s.sid)).toEqual([theirs.sid]);
  });

  it("reaches an entity, its factor and its challenge only through a Service of the account", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const found = (await consoleService(service.account_sid, service.sid))!;
    const entity = (await consoleEntity(found, registered.identity))!;
    expect(entity.sid).toBe(registered.factor.entity_sid);
    expect((await consoleEntities(found)).rows.map((e) => e.identity)).toEqual([registered.identity]);
    expect((await consoleFactors(entity)).rows.map((f) => f.sid)).toEqual([registered.factor.sid]);
    expect((await consoleChallenges(entity)).rows.map((c) => c.sid)).toEqual([challenge.sid]);
    expect((await consoleFactor(entity, registered.factor.sid))?.status).toBe("verified");
    expect((await consoleChallenge(entity, challenge.sid))?.status).toBe("pending");
    expect(await consoleServiceEntity(service.account_sid, service.sid, registered.identity)).toEqual({ service: found, entity });

    // The same identity under another Service (the other account's) is another entity.
    const other = await otherAccount();
    const theirs = await createService({}, other.client);
    expect(await consoleEntity((await consoleService(other.accountSid, theirs.sid))!, registered.identity)).toBeUndefined();
    expect(await consoleServiceEntity(other.accountSid, service.sid, registered.identity)).toBeUndefined();
    expect(await consoleServiceEntity(other.accountSid, theirs.sid, registered.identity)).toBeUndefined();
  });

  it("shows a factor's public key only as a fingerprint, and no challenge value", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const entity = await entityOf(service, registered.identity);
    const factor = (await consoleFactor(entity, registered.factor.sid))!;
    expect(factor.publicKeyFingerprint).toMatch(/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/);
    expect(Object.keys(factor)).not.toContain("publicKey");
    expect(Object.keys(factor)).not.toContain("challenge");
    const view = (await consoleChallenge(entity, challenge.sid))!;
    expect(Object.keys(view)).not.toContain("challenge");
    expect(Object.keys(view)).not.toContain("allowCredentials");
    expect(view.allowedCredentials).toBe(1);
  });

  it("reports a pending challenge past its expiry as expired without writing it", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const entity = await entityOf(service, registered.identity);
    const later = Date.parse(challenge.expiration_date) + 1000;
    expect((await consoleChallenge(entity, challenge.sid, later))?.status).toBe("expired");
    expect((await consoleChallenges(entity, undefined, later)).rows[0].status).toBe("expired");
    const [stored] = await db().select().from(challenges).where(eq(challenges.sid, challenge.sid));
    expect(stored?.status).toBe("pending");
  });

  it("pages newest first, and the next token continues where the page ended", async () => {
    const other = await otherAccount();
    const created: string[] = [];
    for (let i = 0; i < CONSOLE_PAGE_SIZE + 3; i++) created.push((await createService({ FriendlyName: `S${i}` }, other.client)).sid);

    const first = await consoleServices(other.accountSid);
    expect(first.rows).toHaveLength(CONSOLE_PAGE_SIZE);
    expect(first.next).toBeDefined();
    const second = await consoleServices(other.accountSid, first.next);
    expect(second.next).toBeUndefined();
    const listed = [...first.rows, ...second.rows];
    expect(listed.map((s) => s.sid).sort()).toEqual([...created].sort());
    const dates = listed.map((s) => s.dateCreated);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    // A hand-edited token reads the first page rather than failing.
    expect((await consoleServices(other.accountSid, "nonsense")).rows[0].sid).toBe(first.rows[0].sid);
  });
});
