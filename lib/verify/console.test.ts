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
  consoleServices,
} from "./console";
import { newSid } from "./sid";

/** A second account with its own Basic credentials, as another tenant of the backend would be. */
function otherAccount() {
  const accountSid = newSid("AC");
  const authToken = "f".repeat(32);
  provisionAccount({ accountSid, authToken });
  return { accountSid, client: apiClient(basic(accountSid, authToken)) };
}

/** A Service of the embedded account's with one passkey and one challenge targeted at it. */
async function serviceWithPasskey() {
  const service = await createService();
  const registered = await registerPasskey(service.sid, new SoftwareAuthenticator());
  const challenge = await createChallenge(service.sid, { identity: registered.identity });
  return { service, registered, challenge };
}

describe("console reads", () => {
  it("never lists or finds another account's Service", async () => {
    const mine = await createService({ FriendlyName: "Mine" });
    const other = otherAccount();
    const theirs = await createService({ FriendlyName: "Theirs" }, other.client);

    const listed = consoleServices(mine.account_sid).rows.map((s) => s.sid);
    expect(listed).toContain(mine.sid);
    expect(listed).not.toContain(theirs.sid);
    expect(consoleService(mine.account_sid, theirs.sid)).toBeUndefined();
    expect(consoleServices(other.accountSid).rows.map((s) => s.sid)).toEqual([theirs.sid]);
  });

  it("reaches an entity, its factor and its challenge only through a Service of the account", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const found = consoleService(service.account_sid, service.sid)!;
    const entity = consoleEntity(found, registered.identity)!;
    expect(entity.sid).toBe(registered.factor.entity_sid);
    expect(consoleEntities(found).rows.map((e) => e.identity)).toEqual([registered.identity]);
    expect(consoleFactors(entity).rows.map((f) => f.sid)).toEqual([registered.factor.sid]);
    expect(consoleChallenges(entity).rows.map((c) => c.sid)).toEqual([challenge.sid]);
    expect(consoleFactor(entity, registered.factor.sid)?.status).toBe("verified");
    expect(consoleChallenge(entity, challenge.sid)?.status).toBe("pending");

    // The same identity under another Service (the other account's) is another entity.
    const other = otherAccount();
    const theirs = await createService({}, other.client);
    expect(consoleEntity(consoleService(other.accountSid, theirs.sid)!, registered.identity)).toBeUndefined();
  });

  it("shows a factor's public key only as a fingerprint, and no challenge value", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const entity = consoleEntity(consoleService(service.account_sid, service.sid)!, registered.identity)!;
    const factor = consoleFactor(entity, registered.factor.sid)!;
    expect(factor.publicKeyFingerprint).toMatch(/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/);
    expect(Object.keys(factor)).not.toContain("publicKey");
    expect(Object.keys(factor)).not.toContain("challenge");
    const view = consoleChallenge(entity, challenge.sid)!;
    expect(Object.keys(view)).not.toContain("challenge");
    expect(Object.keys(view)).not.toContain("allowCredentials");
    expect(view.allowedCredentials).toBe(1);
  });

  it("reports a pending challenge past its expiry as expired without writing it", async () => {
    const { service, registered, challenge } = await serviceWithPasskey();
    const entity = consoleEntity(consoleService(service.account_sid, service.sid)!, registered.identity)!;
    const later = Date.parse(challenge.expiration_date) + 1000;
    expect(consoleChallenge(entity, challenge.sid, later)?.status).toBe("expired");
    expect(consoleChallenges(entity, undefined, later).rows[0].status).toBe("expired");
    const stored = db().select().from(challenges).where(eq(challenges.sid, challenge.sid)).get();
    expect(stored?.status).toBe("pending");
  });

  it("pages newest first, and the next token continues where the page ended", async () => {
    const other = otherAccount();
    const created: string[] = [];
    for (let i = 0; i < CONSOLE_PAGE_SIZE + 3; i++) created.push((await createService({ FriendlyName: `S${i}` }, other.client)).sid);

    const first = consoleServices(other.accountSid);
    expect(first.rows).toHaveLength(CONSOLE_PAGE_SIZE);
    expect(first.next).toBeDefined();
    const second = consoleServices(other.accountSid, first.next);
    expect(second.next).toBeUndefined();
    const listed = [...first.rows, ...second.rows];
    expect(listed.map((s) => s.sid).sort()).toEqual([...created].sort());
    const dates = listed.map((s) => s.dateCreated);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    // A hand-edited token reads the first page rather than failing.
    expect(consoleServices(other.accountSid, "nonsense").rows[0].sid).toBe(first.rows[0].sid);
  });
});
