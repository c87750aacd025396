/**
 * Deletions and competing writes that land while a ceremony is being verified: after every
 * check has read the database and before the guarded write. The signature / attestation
 * verification sits exactly there, so the verify functions are wrapped with a hook that
 * changes the database at that moment (through the application's own connection, on either
 * engine), the way a concurrent request or another process on the same database would. Both the library's async verifiers and the server's own
 * synchronous assertion verifier (lib/webauthn/signature.ts) are wrapped, so the tests hold
 * whichever the server uses.
 *
 * Each refused request must leave the database as the concurrent change left it.
 */
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, vi } from "vitest";
import { challenges, entities, factors } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { api } from "@/test/helpers/api";
import {
  approve,
  createService,
  paths,
  registerPasskey,
  startRegistration,
  startSignIn,
} from "@/test/helpers/verify";
import { attack, expectTwilioError } from "./support/refusal";
import { expectUnchanged, type Snapshot, snapshot } from "./support/snapshot";

/** The change to make at the next verification, once that verification has finished. */
const hook = vi.hoisted(() => {
  const hook = {
    change: undefined as undefined | (() => Promise<void>),
    /** Runs the pending change once. */
    async fire() {
      const change = hook.change;
      hook.change = undefined;
      await change?.();
    },
    /** `fn`, firing the pending change after it resolves: between the check and the write. */
    after:
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const result = await fn(...args);
        await hook.fire();
        return result;
      },
  };
  return hook;
});

vi.mock("@simplewebauthn/server", async (importOriginal) => {
  const original = await importOriginal<typeof import("@simplewebauthn/server")>();
  return {
    ...original,
    verifyAuthenticationResponse: hook.after(original.verifyAuthenticationResponse),
    verifyRegistrationResponse: hook.after(original.verifyRegistrationResponse),
  };
});

vi.mock("@/lib/webauthn/signature", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/webauthn/signature")>();
  return { ...original, verifyAssertionSignature: hook.after(original.verifyAssertionSignature) };
});

let serviceSid: string;

beforeAll(async () => {
  serviceSid = (await createService()).sid;
});

afterEach(() => {
  hook.change = undefined;
});

/**
 * Makes `change` at the next verification and returns the picture of the database right
 * after it: the baseline the refused request must not move from.
 */
function during(change: () => Promise<unknown>): { after: () => Snapshot } {
  let picture: Snapshot | undefined;
  hook.change = async () => {
    await change();
    picture = await snapshot();
  };
  return {
    after: () => {
      expect(picture, "the hook never ran: the request was refused before verification").toBeDefined();
      return picture as Snapshot;
    },
  };
}

describe("approval (P4)", () => {
  attack("refuses an approval whose factor is deleted while the signature is verified (60390/60324)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { body: { factor_sid: reg.factor.sid } });
    const baseline = during(() => db().delete(factors).where(eq(factors.sid, reg.factor.sid)));
    const res = await approve(serviceSid, assertion);
    expectUnchanged(baseline.after(), await snapshot());
    expect([60390, 60324], res.text).toContain(res.body.code);
    expectTwilioError(res, res.body.code, res.body.code === 60390 ? 404 : 403);
  });

  attack("refuses a discoverable approval whose entity is deleted while the signature is verified (60390/60324)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    // Discoverable: the challenge is bound to nobody, so it survives the entity's deletion,
    // and the approval would set its entity_sid to a row that no longer exists.
    const { assertion } = await startSignIn(serviceSid, auth);
    const baseline = during(() => db().delete(entities).where(eq(entities.sid, reg.created.entity_sid)));
    const res = await approve(serviceSid, assertion);
    expectUnchanged(baseline.after(), await snapshot());
    expect([60390, 60324], res.text).toContain(res.body.code);
    expectTwilioError(res, res.body.code, res.body.code === 60390 ? 404 : 403);
  });

  attack("refuses an approval whose entity (and so its challenge) is deleted while verified (60391/60390/60322)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
    const baseline = during(() => db().delete(entities).where(eq(entities.sid, reg.created.entity_sid)));
    const res = await approve(serviceSid, assertion);
    expectUnchanged(baseline.after(), await snapshot());
    expect([60391, 60390, 60322], res.text).toContain(res.body.code);
    expectTwilioError(res, res.body.code, res.body.code === 60322 ? 403 : 404);
  });

  attack("refuses an approval whose challenge another request approved meanwhile (60322)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { challenge, assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
    const baseline = during(() =>
      db()
        .update(challenges)
        .set({ status: "approved", factorSid: reg.factor.sid, dateResponded: Date.now(), dateUpdated: Date.now() })
        .where(eq(challenges.sid, challenge.sid)),
    );
    const res = await approve(serviceSid, assertion);
    expectUnchanged(baseline.after(), await snapshot());
    expectTwilioError(res, 60322, 403);
  });

  attack("refuses an approval whose factor counter moved meanwhile (60324), keeping the higher counter", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    // This assertion carries counter 1; meanwhile a later sign-in stored counter 5.
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
    const baseline = during(() => db().update(factors).set({ counter: 5 }).where(eq(factors.sid, reg.factor.sid)));
    const res = await approve(serviceSid, assertion);
    expectUnchanged(baseline.after(), await snapshot());
    expectTwilioError(res, 60324, 403);
    const [row] = await db().select({ counter: factors.counter }).from(factors).where(eq(factors.sid, reg.factor.sid));
    expect(row.counter).toBe(5);
  });
});

describe("registration (P2)", () => {
  // The guarded write finds no unverified row. verify-registration.ts must tell "deleted
  // meanwhile" from "already verified": the factor is gone, so the answer is 404/60390
  // (docs/api.md §9.3 step 9), not 400/60383.
  for (const [what, remove] of [
    ["factor", (created: { sid: string }) => db().delete(factors).where(eq(factors.sid, created.sid))],
    ["entity", (created: { entity_sid: string }) => db().delete(entities).where(eq(entities.sid, created.entity_sid))],
  ] as const) {
    const deletedMidway = async () => {
      const { created, credential } = await startRegistration(serviceSid, new SoftwareAuthenticator());
      const baseline = during(() => remove(created));
      const res = await api.json(paths.verifyFactor(serviceSid), credential);
      expectUnchanged(baseline.after(), await snapshot());
      return res;
    };

    attack(`refuses a registration whose ${what} is deleted while the attestation is verified`, async () => {
      const res = await deletedMidway();
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expectTwilioError(res, res.body.code, res.status);
    });

    attack(`answers 60390 to a registration whose ${what} was deleted mid-verification`, async () => {
      expectTwilioError(await deletedMidway(), 60390, 404);
    });
  }

  attack("refuses a registration whose credential another factor registered meanwhile (60311)", async () => {
    const auth = new SoftwareAuthenticator();
    const { credential } = await startRegistration(serviceSid, auth);
    // A second pending factor gets the same credential id first (as a concurrent P2 would).
    const rival = await startRegistration(serviceSid, auth, { tamper: { reuseCredentialId: credential.id, ignoreExclude: true } });
    const baseline = during(() =>
      db()
        .update(factors)
        .set({ status: "verified", credentialId: credential.id, publicKey: Buffer.from([0]) })
        .where(eq(factors.sid, rival.created.sid)),
    );
    const res = await api.json(paths.verifyFactor(serviceSid), credential);
    expectUnchanged(baseline.after(), await snapshot());
    expectTwilioError(res, 60311, 403);
  });
});
