/**
 * P4, ApproveChallenge: each assertion check of docs/api.md §9.4, with the exact Twilio code, shown
 * to be enforced by an assertion that differs from a valid one in that one respect. Where a
 * refusal must not consume the challenge, the test approves it afterwards.
 */
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { factors } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { type AssertionTamper, b64url, fromB64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import {
  APPROVE_CHALLENGE_BODY,
  EXAMPLE,
  seedExampleChallenge,
  seedExampleFactor,
  VERIFY_FACTOR_BODY,
} from "@/test/helpers/twilio-example";
import {
  approve,
  createChallenge,
  createService,
  newIdentity,
  ORIGIN,
  paths,
  registerPasskey,
  startRegistration,
  startSignIn,
  without,
} from "@/test/helpers/verify";

afterEach(() => {
  vi.useRealTimers();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A Service and one user with a registered passkey. */
async function signedUp(options: { service?: Record<string, string>; authenticator?: SoftwareAuthenticator } = {}) {
  const service = await createService(options.service);
  const auth = options.authenticator ?? new SoftwareAuthenticator();
  const registered = await registerPasskey(service.sid, auth);
  return { service, auth, ...registered };
}

async function challengeStatus(serviceSid: string, identity: string, challengeSid: string) {
  return (await api.get(paths.challenge(serviceSid, identity, challengeSid))).body.status;
}

/**
 * Sends an assertion for a challenge bound to the user, altered by `tamper`, expects
 * `code`, then shows the challenge is still pending and a correct assertion approves it.
 */
async function expectRefusedThenApprovable(tamper: AssertionTamper, code: number, status = 400) {
  const { service, auth, identity } = await signedUp();
  const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper });
  const res = await approve(service.sid, assertion);
  expect(res.body).toMatchObject(twilioError(code, status));
  expect(res.status).toBe(status);
  expect(await challengeStatus(service.sid, identity, challenge.sid)).toBe("pending");
  const good = await auth.authenticate(challenge.options, { origin: ORIGIN });
  expect((await approve(service.sid, good)).status).toBe(200);
  return res;
}

describe("P4 approve passkeys challenge", () => {
  it("approves a valid assertion and answers 200 with the challenge, its options and the endpoint URL", async () => {
    const { service, auth, identity, factor } = await signedUp();
    const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity } });
    const res = await approve(service.sid, assertion);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...challenge,
      status: "approved",
      entity_sid: factor.entity_sid,
      identity,
      factor_sid: factor.sid,
      date_updated: expect.stringMatching(ISO),
      date_responded: expect.stringMatching(ISO),
      url: `${BASE_URL}/v2/Services/${service.sid}/Passkeys/ApproveChallenge`,
      links: null,
      options: challenge.options,
    });
    expect(await challengeStatus(service.sid, identity, challenge.sid)).toBe("approved");
  });

  it("records the approval on the factor as metadata.date_last_approved", async () => {
    const { service, auth, identity, factor } = await signedUp();
    const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
    await approve(service.sid, assertion);
    const fetched = await api.get(paths.factor(service.sid, identity, factor.sid));
    expect(fetched.body.metadata.date_last_approved).toMatch(ISO);
    expect(fetched.body.metadata.aaguid).toBe(factor.metadata.aaguid);
  });

  describe("discoverable flow", () => {
    it("approves a {} challenge, identifies the user by credential and userHandle, and fills the identifiers", async () => {
      const service = await createService();
      const ana = new SoftwareAuthenticator();
      const bob = new SoftwareAuthenticator();
      const anaReg = await registerPasskey(service.sid, ana);
      await registerPasskey(service.sid, bob);

      const { challenge, assertion } = await startSignIn(service.sid, ana);
      expect(challenge).toMatchObject({ entity_sid: null, identity: null, factor_sid: null });
      expect(challenge.options.publicKey.allowCredentials).toEqual([]);
      expect(fromB64url(assertion.response.userHandle!).toString()).toBe(anaReg.factor.entity_sid);

      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: "approved",
        entity_sid: anaReg.factor.entity_sid,
        identity: anaReg.identity,
        factor_sid: anaReg.factor.sid,
      });
      const fetched = await api.get(paths.challenge(service.sid, anaReg.identity, challenge.sid));
      expect(fetched.body).toMatchObject({ status: "approved", identity: anaReg.identity, factor_sid: anaReg.factor.sid });
    });

    it("refuses a userHandle naming another entity with 60324", async () => {
      const service = await createService();
      const ana = new SoftwareAuthenticator();
      await registerPasskey(service.sid, ana);
      const bob = await registerPasskey(service.sid, new SoftwareAuthenticator());
      const { challenge, assertion } = await startSignIn(service.sid, ana, {
        tamper: { userHandle: b64url(bob.factor.entity_sid) },
      });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject(twilioError(60324, 403));
      // Still pending: the honest assertion approves it.
      const good = await ana.authenticate(challenge.options, { origin: ORIGIN });
      expect((await approve(service.sid, good)).status).toBe(200);
    });

    it("refuses a userHandle that is not base64url with 60324", async () => {
      const service = await createService();
      const ana = new SoftwareAuthenticator();
      await registerPasskey(service.sid, ana);
      const { assertion } = await startSignIn(service.sid, ana, { tamper: { userHandle: "%%%" } });
      expect((await approve(service.sid, assertion)).body.code).toBe(60324);
    });

    it("accepts an assertion without userHandle when the challenge names the user", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { userHandle: null } });
      expect((await approve(service.sid, assertion)).status).toBe(200);
    });
  });

  describe("client data", () => {
    it("rejects an assertion from another origin with 60380", async () => {
      const res = await expectRefusedThenApprovable({ origin: "https://evil.example" }, 60380);
      expect(res.body.message).toContain("https://evil.example");
    });

    it("rejects an assertion made inside another site's page (topOrigin) with 60380, even without crossOrigin", async () => {
      await expectRefusedThenApprovable({ topOrigin: "https://evil.example" }, 60380);
    });

    it("rejects a cross-origin assertion with 60380", async () => {
      await expectRefusedThenApprovable({ crossOrigin: true }, 60380);
    });

    it("rejects client data of a registration (webauthn.create) with 60380", async () => {
      await expectRefusedThenApprovable({ type: "webauthn.create" }, 60380);
    });

    it("rejects client data that is not JSON with 60380", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      for (const clientDataJSON of [b64url("not json"), b64url(JSON.stringify({ type: "webauthn.get" })), "%%%"]) {
        const res = await approve(service.sid, { ...assertion, response: { ...assertion.response, clientDataJSON } });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe(60380);
      }
    });

    it("rejects a challenge this Service never issued with 60391", async () => {
      await expectRefusedThenApprovable({ challenge: b64url("YC00000000000000000000000000000000") }, 60391, 404);
    });

    it("rejects a registration challenge used for sign-in with 60391", async () => {
      const { service, auth, created } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { tamper: { challenge: created.options.publicKey.challenge } });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60391);
    });

    it("rejects a challenge of another Service with 60391", async () => {
      const { service, auth } = await signedUp();
      const other = await createService();
      await registerPasskey(other.sid, auth);
      const { assertion } = await startSignIn(service.sid, auth);
      const res = await approve(other.sid, assertion);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60391);
    });
  });

  describe("challenge state", () => {
    it("rejects a replayed assertion with 60322", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      expect((await approve(service.sid, assertion)).status).toBe(200);
      const replay = await approve(service.sid, assertion);
      expect(replay.status).toBe(403);
      expect(replay.body).toMatchObject(twilioError(60322, 403));
    });

    it("rejects a second, fresh assertion for an approved challenge with 60322", async () => {
      const { service, auth, identity } = await signedUp();
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      expect((await approve(service.sid, assertion)).status).toBe(200);
      const second = await auth.authenticate(challenge.options, { origin: ORIGIN });
      const res = await approve(service.sid, second);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe(60322);
    });

    it("rejects an assertion for an expired challenge with 60323 and marks it expired", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const { service, auth, identity } = await signedUp();
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      // VERIFY_CHALLENGE_TTL_SECONDS (300 by default) after creation, the challenge is over.
      vi.setSystemTime(Date.now() + 300_000);
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject(twilioError(60323, 403));
      expect(await challengeStatus(service.sid, identity, challenge.sid)).toBe("expired");
      // And it stays expired: time does not bring it back.
      vi.setSystemTime(Date.now() - 300_000);
      const again = await approve(service.sid, await auth.authenticate(challenge.options, { origin: ORIGIN }));
      expect(again.body.code).toBe(60323);
    });

    it("approves an assertion just before the challenge expires", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      vi.setSystemTime(Date.now() + 299_000);
      expect((await approve(service.sid, assertion)).status).toBe(200);
    });

    it("approves exactly one of 20 concurrent approvals of the same assertion", async () => {
      const { service, auth, identity } = await signedUp();
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const results = await Promise.all(Array.from({ length: 20 }, () => approve(service.sid, assertion)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(403);
        expect(r.body.code).toBe(60322);
      }
      expect(await challengeStatus(service.sid, identity, challenge.sid)).toBe("approved");
    });
  });

  describe("credential", () => {
    it("rejects a credential of another entity when the challenge targets an identity, with 60324", async () => {
      const service = await createService();
      const ana = await registerPasskey(service.sid, new SoftwareAuthenticator());
      const bobAuth = new SoftwareAuthenticator();
      const bob = await registerPasskey(service.sid, bobAuth);
      const challenge = await createChallenge(service.sid, { identity: ana.identity });
      // Bob's browser answers Ana's challenge with Bob's own, valid passkey.
      const assertion = await bobAuth.authenticate(challenge.options, { origin: ORIGIN, credentialId: bob.credentialId });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject(twilioError(60324, 403));
      expect(await challengeStatus(service.sid, ana.identity, challenge.sid)).toBe("pending");
    });

    it("rejects another passkey of the same user when the challenge targets one factor, with 60324", async () => {
      const service = await createService();
      const identity = newIdentity();
      const phone = new SoftwareAuthenticator();
      const laptop = new SoftwareAuthenticator();
      const phoneReg = await registerPasskey(service.sid, phone, { identity });
      await registerPasskey(service.sid, laptop, { identity });
      const challenge = await createChallenge(service.sid, { factor_sid: phoneReg.factor.sid });
      const assertion = await laptop.authenticate(challenge.options, { origin: ORIGIN, credentialId: laptop.credentials[0].id });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe(60324);
    });

    it("rejects a credential registered in another Service with 60390", async () => {
      const { auth } = await signedUp();
      const other = await createService();
      const { assertion } = await startSignIn(other.sid, auth);
      const res = await approve(other.sid, assertion);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject(twilioError(60390, 404));
    });

    it("rejects an unknown credential id with 60390", async () => {
      await expectRefusedThenApprovable({ credentialId: b64url("no such credential id exists!!!!") }, 60390, 404);
    });

    it("rejects an assertion after the factor was deleted mid-ceremony, with 60390", async () => {
      const { service, auth, identity, factor } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { factor_sid: factor.sid } });
      expect((await api.delete(paths.factor(service.sid, identity, factor.sid))).status).toBe(204);
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60390);
    });

    it("rejects a credential whose factor is not verified with 60318", async () => {
      const { service, auth, identity, factor } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      // Not reachable through the API (credentials are stored on verification), so set it up directly.
      await db().update(factors).set({ status: "unverified" }).where(and(eq(factors.serviceSid, service.sid), eq(factors.sid, factor.sid)));
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject(twilioError(60318, 403));
    });

    it("rejects a credential registered for another relying party with 60382", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const org = await registerPasskey(service.sid, auth, {
        origin: "https://example.org",
        body: { config: { relying_party: { id: "example.org", origins: ["https://example.org"] } } },
      });
      const { assertion } = await startSignIn(service.sid, auth, { credentialId: org.credentialId });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60382, 400));
    });
  });

  describe("authenticator data", () => {
    it("rejects authenticator data for another relying party with 60379", async () => {
      await expectRefusedThenApprovable({ rpId: "evil.example" }, 60379);
    });

    it("rejects an assertion without user presence with 60379", async () => {
      await expectRefusedThenApprovable({ up: false }, 60379);
    });

    it("rejects an assertion without user verification when it is required, with 60379", async () => {
      const { service, auth, identity } = await signedUp({ service: { "Passkeys.UserVerification": "required" } });
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { uv: false } });
      expect(challenge.options.publicKey.userVerification).toBe("required");
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60379, 400));
      expect(res.body.message).toMatch(/verif/i);
    });

    it.each([["for the identity", true], ["discoverable", false]])(
      "requires user verification when the passkey's factor does, on a challenge %s that only prefers it (60379)",
      async (_label, forIdentity) => {
        const service = await createService({ "Passkeys.UserVerification": "preferred" });
        const auth = new SoftwareAuthenticator();
        const { identity } = await registerPasskey(service.sid, auth, { body: { config: { user_verification: "required" } } });
        const body = forIdentity ? { identity } : {};
        const { challenge, assertion } = await startSignIn(service.sid, auth, { body, tamper: { uv: false } });
        expect(challenge.options.publicKey.userVerification).toBe("preferred");
        const res = await approve(service.sid, assertion);
        expect(res.body).toMatchObject(twilioError(60379, 400));
        const verified = await auth.authenticate(challenge.options, { origin: ORIGIN });
        expect((await approve(service.sid, verified)).status).toBe(200);
      },
    );

    it("requires user verification when the Service does, for a passkey registered before it did (60379)", async () => {
      const { service, auth, identity } = await signedUp({ service: { "Passkeys.UserVerification": "preferred" } });
      expect((await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "required" })).status).toBe(200);
      for (const body of [{ identity }, {}]) {
        const { challenge, assertion } = await startSignIn(service.sid, auth, { body, tamper: { uv: false } });
        expect(challenge.options.publicKey.userVerification).toBe("required");
        expect((await approve(service.sid, assertion)).body).toMatchObject(twilioError(60379, 400));
      }
    });

    it("requires user verification when the Service does, on a challenge for one factor registered before it did (60379)", async () => {
      const { service, auth, factor } = await signedUp({ service: { "Passkeys.UserVerification": "preferred" } });
      expect((await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "required" })).status).toBe(200);
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { factor_sid: factor.sid }, tamper: { uv: false } });
      expect(challenge.options.publicKey.userVerification).toBe("required");
      expect((await approve(service.sid, assertion)).body).toMatchObject(twilioError(60379, 400));
      const verified = await auth.authenticate(challenge.options, { origin: ORIGIN });
      expect((await approve(service.sid, verified)).status).toBe(200);
    });

    it("requires user verification when the Service is tightened while a challenge is pending (60379)", async () => {
      const { service, auth, identity } = await signedUp({ service: { "Passkeys.UserVerification": "preferred" } });
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { uv: false } });
      expect(challenge.options.publicKey.userVerification).toBe("preferred");
      expect((await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "required" })).status).toBe(200);
      expect((await approve(service.sid, assertion)).body).toMatchObject(twilioError(60379, 400));
    });

    it.each(["preferred", "discouraged"])("accepts an assertion without user verification when it is %s", async (uv) => {
      const { service, auth, identity } = await signedUp({ service: { "Passkeys.UserVerification": uv } });
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { uv: false } });
      expect((await approve(service.sid, assertion)).status).toBe(200);
    });

    it("rejects authenticator data too short to parse with 60379", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const res = await approve(service.sid, { ...assertion, response: { ...assertion.response, authenticatorData: b64url("short") } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(60379);
    });
  });

  describe("signature", () => {
    it("rejects a bad signature with 60324 and leaves the challenge pending", async () => {
      await expectRefusedThenApprovable({ badSignature: true }, 60324, 403);
    });

    it("rejects a signature made with another key with 60324", async () => {
      await expectRefusedThenApprovable({ alg: "ES256" }, 60324, 403);
    });

    it("checks with this Service's key when another Service holds the same credential id with its own key (60324)", async () => {
      const { service, auth, identity, credentialId } = await signedUp();
      // Credential ids are unique per Service only: another tenant registers the same id with
      // a key of its own, and uses it once, so any key cache holds that key for the id.
      const other = await createService();
      const impostor = new SoftwareAuthenticator();
      const started = await startRegistration(other.sid, impostor, { tamper: { newCredentialId: credentialId } });
      expect((await api.json(paths.verifyFactor(other.sid), started.credential)).status).toBe(200);
      const there = await startSignIn(other.sid, impostor, { body: { identity: started.identity } });
      expect((await approve(other.sid, there.assertion)).status).toBe(200);

      // The impostor's key signs for this Service's challenge, with no userHandle to give it away.
      const challenge = await createChallenge(service.sid, { identity });
      const forged = await impostor.authenticate(challenge.options, { origin: ORIGIN, credentialId, tamper: { omit: ["userHandle"] } });
      const res = await approve(service.sid, forged);
      expect(res.body).toMatchObject(twilioError(60324, 403));
      const good = await auth.authenticate(challenge.options, { origin: ORIGIN });
      expect((await approve(service.sid, good)).status).toBe(200);
    });

    it("answers a malformed DER signature with 60324, not a 500 and never an approval", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const truncated = b64url(Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01]));
      const res = await approve(service.sid, { ...assertion, response: { ...assertion.response, signature: truncated } });
      expect(res.body).toMatchObject(twilioError(60324, 403));
    });

    it("refuses with 60324 when the stored key cannot be imported, instead of trusting the signature", async () => {
      const { service, auth, identity, factor } = await signedUp();
      await db().update(factors).set({ publicKey: Buffer.from([0xa1, 0x01, 0x02]) }).where(eq(factors.sid, factor.sid));
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      expect((await approve(service.sid, assertion)).body).toMatchObject(twilioError(60324, 403));
    });

    it("rejects a signature over different client data with 60324", async () => {
      const { service, auth, identity } = await signedUp();
      const { challenge, assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const other = await auth.authenticate(challenge.options, { origin: ORIGIN, tamper: { counter: 1 } });
      // Same challenge and origin, but re-serialised client data: the signature no longer covers it.
      const clientData = JSON.stringify({ ...JSON.parse(fromB64url(other.response.clientDataJSON).toString()), extra: 1 });
      const res = await approve(service.sid, {
        ...assertion,
        response: { ...assertion.response, clientDataJSON: b64url(clientData) },
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe(60324);
    });
  });

  describe("signature counter", () => {
    it("rejects a counter that did not increase with 60324", async () => {
      const { service, auth, identity } = await signedUp();
      for (let i = 0; i < 2; i++) {
        const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
        expect((await approve(service.sid, assertion)).status).toBe(200);
      }
      // Stored counter is now 2.
      for (const counter of [1, 2]) {
        const { assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { counter } });
        const res = await approve(service.sid, assertion);
        expect(res.status, `counter ${counter}`).toBe(403);
        expect(res.body).toMatchObject(twilioError(60324, 403));
        expect(res.body.message).toMatch(/counter/i);
      }
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity }, tamper: { counter: 10 } });
      expect((await approve(service.sid, assertion)).status).toBe(200);
    });

    it("rejects a clone that reports 0 after the stored counter advanced, with 60324", async () => {
      const { service, auth, identity } = await signedUp();
      const first = await startSignIn(service.sid, auth, { body: { identity } });
      expect((await approve(service.sid, first.assertion)).status).toBe(200);
      // The cloned key reports 0 like a synced passkey; the original already reported 1.
      const clone = new SoftwareAuthenticator({ counterStep: 0 });
      clone.credentials.push({ ...auth.credentials[0] });
      const { assertion } = await startSignIn(service.sid, clone, { body: { identity } });
      const res = await approve(service.sid, assertion);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe(60324);
      // Named as a counter problem, not as a bad signature.
      expect(res.body.message).toMatch(/counter/i);
    });

    it("approves only one of several challenges answered at once with the same counter", async () => {
      const { service, auth, identity } = await signedUp();
      const attempts = await Promise.all(
        Array.from({ length: 8 }, () => startSignIn(service.sid, auth, { body: { identity }, tamper: { counter: 1 } })),
      );
      const results = await Promise.all(attempts.map(({ assertion }) => approve(service.sid, assertion)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.body.code).toBe(60324);
      // The losers' challenges were not consumed.
      const statuses = await Promise.all(attempts.map(({ challenge }) => challengeStatus(service.sid, identity, challenge.sid)));
      expect(statuses.filter((s) => s === "approved")).toHaveLength(1);
      expect(statuses.filter((s) => s === "pending")).toHaveLength(attempts.length - 1);
    });

    it("accepts counters that stay at zero, as synced passkeys report", async () => {
      const { service, auth, identity } = await signedUp({ authenticator: new SoftwareAuthenticator({ counterStep: 0 }) });
      for (let i = 0; i < 3; i++) {
        const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
        expect((await approve(service.sid, assertion)).status).toBe(200);
      }
    });

    it("stores the new counter, so the same counter cannot be used twice", async () => {
      const { service, auth, identity } = await signedUp();
      const a = await startSignIn(service.sid, auth, { body: { identity }, tamper: { counter: 7 } });
      expect((await approve(service.sid, a.assertion)).status).toBe(200);
      const b = await startSignIn(service.sid, auth, { body: { identity }, tamper: { counter: 7 } });
      expect((await approve(service.sid, b.assertion)).body.code).toBe(60324);
    });
  });

  describe("credential id encodings", () => {
    it("rejects an id and rawId that differ with 60376", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const res = await approve(service.sid, { ...assertion, rawId: b64url("a different credential id") });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60376, 400));
    });

    it("rejects an assertion without id or rawId with 60376", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const rest = without(assertion, "id", "rawId");
      const res = await approve(service.sid, rest);
      expect(res.body.code).toBe(60376);
      expect((await approve(service.sid, { ...rest, id: "!!" })).body.code).toBe(60376);
    });

    it("accepts rawId as hex, rawId alone, and the quickstart's keyId", async () => {
      const { service, auth, identity } = await signedUp();
      const variants = (a: { id: string; rawId: string }) => {
        const hex = fromB64url(a.rawId).toString("hex");
        const rest = without(a, "id", "rawId");
        return [
          { ...a, rawId: hex },
          { ...rest, rawId: a.rawId },
          { ...rest, keyId: a.id },
          { ...rest, rawId: fromB64url(a.rawId).toString("base64") },
        ];
      };
      for (let i = 0; i < 4; i++) {
        const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
        const res = await approve(service.sid, variants(assertion)[i]);
        expect(res.status, `variant ${i}`).toBe(200);
      }
    });
  });

  describe("binary encodings", () => {
    const base64 = (value: string) => fromB64url(value).toString("base64");

    it("accepts response members in padded standard base64, as older clients send them", async () => {
      // RS256: a 256-byte signature is all but certain to contain "+" or "/" in standard base64.
      const { service, auth, identity } = await signedUp({ authenticator: new SoftwareAuthenticator({ alg: "RS256" }) });
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const r = assertion.response;
      const signature = base64(r.signature);
      expect(signature).toMatch(/[+/]/);
      const res = await approve(service.sid, {
        ...assertion,
        response: {
          authenticatorData: base64(r.authenticatorData),
          clientDataJSON: base64(r.clientDataJSON),
          signature,
          userHandle: base64(r.userHandle!),
        },
      });
      expect(res.status).toBe(200);
    });
  });

  describe("request envelope", () => {
    it("rejects a non-JSON content type with 60433", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const res = await api.request("POST", paths.approveChallenge(service.sid), {
        form: { id: assertion.id },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60433, 400));
    });

    it.each<[string, number]>([
      ["authenticatorData", 60379],
      ["clientDataJSON", 60380],
      ["signature", 60381],
    ])("rejects an assertion without response.%s with %i", async (member, code) => {
      await expectRefusedThenApprovable({ omit: [member] }, code);
    });

    it("rejects a missing response with 60378", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const res = await approve(service.sid, without(assertion, "response"));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60378, 400));
    });

    it("rejects an unknown authenticatorAttachment with 60377 and accepts null", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const bad = await approve(service.sid, { ...assertion, authenticatorAttachment: "usb" });
      expect(bad.body.code).toBe(60377);
      expect((await approve(service.sid, { ...assertion, authenticatorAttachment: null })).status).toBe(200);
    });

    it("rejects a type other than public-key with 60200", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      expect((await approve(service.sid, { ...assertion, type: "password" })).body.code).toBe(60200);
    });

    it("ignores members it does not know", async () => {
      const { service, auth, identity } = await signedUp();
      const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
      const res = await approve(service.sid, { ...assertion, extra: true, response: { ...assertion.response, more: 1 } });
      expect(res.status).toBe(200);
    });
  });

  describe("Twilio's published example (docs/api.md §9.5)", () => {
    it("registers the example credential, then approves Twilio's ApproveChallenge example with it", async () => {
      const { serviceSid } = await seedExampleFactor();
      expect((await api.json(paths.verifyFactor(serviceSid), VERIFY_FACTOR_BODY)).status).toBe(200);
      await seedExampleChallenge(serviceSid);
      const res = await approve(serviceSid, APPROVE_CHALLENGE_BODY);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        sid: EXAMPLE.challengeSid,
        status: "approved",
        entity_sid: EXAMPLE.entitySid,
        identity: EXAMPLE.identity,
        factor_sid: EXAMPLE.factorSid,
      });
      // Its counter (1) is now stored: the same assertion cannot approve a second challenge.
      const replay = await approve(serviceSid, APPROVE_CHALLENGE_BODY);
      expect(replay.body.code).toBe(60322);
    });
  });
});
