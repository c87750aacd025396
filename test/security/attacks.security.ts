/**
 * The attack catalogue: one named test per way an attacker (or a broken client) can try to
 * get a passkey ceremony accepted that must not be. Each attack is refused with the Twilio
 * code docs/api.md names (§6.2, §9.3, §9.4), and each leaves every verify_* table exactly
 * as it was, except for the lazy pending→expired move of an expired challenge.
 */
import { randomBytes } from "node:crypto";
import { decodeAttestationObject } from "@simplewebauthn/server/helpers";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { factors } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { provisionAccount } from "@/lib/verify/accounts";
import { api, apiClient, basic, twilioError } from "@/test/helpers/api";
import { b64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { type CborValue, encodeCbor } from "@/test/helpers/cbor";
import {
  approve,
  createChallenge,
  createFactor,
  createService,
  newIdentity,
  ORIGIN,
  paths,
  RP_ID,
  registerPasskey,
  startRegistration,
  startSignIn,
} from "@/test/helpers/verify";
import { attack, expectRefusedWithoutWrites, expectTwilioError } from "./support/refusal";
import { diff, snapshot } from "./support/snapshot";

let serviceSid: string;

beforeAll(async () => {
  serviceSid = (await createService()).sid;
});

afterEach(() => {
  vi.restoreAllMocks();
});

const verifyFactor = (sid: string, body: unknown) => api.json(paths.verifyFactor(sid), body);

describe("replays", () => {
  attack("refuses a replayed assertion (60322) and writes nothing", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth);
    expect((await approve(serviceSid, assertion)).status).toBe(200);
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60322, 403);
  });

  attack("refuses a replayed registration (60383) and writes nothing", async () => {
    const auth = new SoftwareAuthenticator();
    const { credential } = await startRegistration(serviceSid, auth);
    expect((await verifyFactor(serviceSid, credential)).status).toBe(200);
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60383, 400);
  });

  attack("refuses a registration answer replayed as an assertion (60380: wrong ceremony type)", async () => {
    const auth = new SoftwareAuthenticator();
    const { credential } = await startRegistration(serviceSid, auth);
    await expectRefusedWithoutWrites(
      () =>
        approve(serviceSid, {
          ...credential,
          response: {
            authenticatorData: credential.response.authenticatorData,
            clientDataJSON: credential.response.clientDataJSON,
            signature: b64url(randomBytes(70)),
          },
        }),
      60380,
      400,
    );
  });
});

describe("expired ceremonies", () => {
  attack("refuses an expired challenge (60323), moving only that challenge to expired", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { challenge, assertion } = await startSignIn(serviceSid, auth);
    const later = Date.parse(challenge.expiration_date) + 1000;
    vi.spyOn(Date, "now").mockReturnValue(later);
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60323, 403, [challenge.sid]);
    // Once expired, it stays expired: a second try is refused the same way and writes nothing.
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60323, 403);
  });

  attack("refuses a registration after its window closed (60383)", async () => {
    const auth = new SoftwareAuthenticator();
    const { credential, created } = await startRegistration(serviceSid, auth);
    vi.spyOn(Date, "now").mockReturnValue(Date.parse(created.date_created) + 600_000 + 2000);
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60383, 400);
  });
});

describe("crossing tenants", () => {
  attack("refuses a challenge from another service (60391)", async () => {
    const other = (await createService({ FriendlyName: "Other" })).sid;
    const auth = new SoftwareAuthenticator();
    // The same authenticator is registered in both services, so only the challenge is foreign.
    const mine = await registerPasskey(serviceSid, auth);
    await registerPasskey(other, auth, { identity: mine.identity });
    const { assertion } = await startSignIn(serviceSid, auth, {
      body: { identity: mine.identity },
      credentialId: mine.credentialId,
    });
    await expectRefusedWithoutWrites(() => approve(other, assertion), 60391, 404);
  });

  attack("refuses a registration challenge of another service (60390)", async () => {
    const other = (await createService({ FriendlyName: "Other" })).sid;
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator());
    await expectRefusedWithoutWrites(() => verifyFactor(other, credential), 60390, 404);
  });

  attack("refuses the credential of another entity (60324)", async () => {
    const auth = new SoftwareAuthenticator();
    const victim = await registerPasskey(serviceSid, auth);
    const attacker = await registerPasskey(serviceSid, auth);
    // The challenge is for the victim; the attacker's own (valid) credential signs it.
    const { assertion } = await startSignIn(serviceSid, auth, {
      body: { identity: victim.identity },
      credentialId: attacker.credentialId,
    });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  attack("refuses a credential registered in another service (60390)", async () => {
    const other = (await createService({ FriendlyName: "Other" })).sid;
    const auth = new SoftwareAuthenticator();
    await registerPasskey(other, auth);
    // A discoverable challenge of this service, answered by a credential only the other knows.
    const { assertion } = await startSignIn(serviceSid, auth);
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60390, 404);
  });

  describe("another account", () => {
    const second = { accountSid: `AC${randomBytes(16).toString("hex")}`, authToken: randomBytes(16).toString("hex") };
    const intruder = apiClient(basic(second.accountSid, second.authToken));
    let victim: Awaited<ReturnType<typeof registerPasskey>>;
    let victimAuth: SoftwareAuthenticator;

    beforeAll(async () => {
      await provisionAccount(second);
      victimAuth = new SoftwareAuthenticator();
      victim = await registerPasskey(serviceSid, victimAuth);
    });

    attack("refuses another account's assertion on the victim's service (20404)", async () => {
      // The intruder's own service, own registration of the same authenticator…
      const theirs = (await createService({ FriendlyName: "Intruder" }, intruder)).sid;
      await registerPasskey(theirs, victimAuth, { client: intruder });
      // …and a valid victim-service assertion, sent with the intruder's credentials.
      const { assertion } = await startSignIn(serviceSid, victimAuth, {
        body: { identity: victim.identity },
        credentialId: victim.credentialId,
      });
      await expectRefusedWithoutWrites(() => approve(serviceSid, assertion, intruder), 20404, 404);
      // Sent to the intruder's own service, the victim's challenge does not exist there.
      await expectRefusedWithoutWrites(() => approve(theirs, assertion, intruder), 60391, 404);
    });

    attack("refuses every read and write of another account's resources (20404)", async () => {
      const { created } = victim;
      const targets: [string, string, Record<string, unknown>?][] = [
        ["GET", paths.service(serviceSid)],
        ["POST", paths.service(serviceSid), { form: { FriendlyName: "Pwned" } }],
        ["DELETE", paths.service(serviceSid)],
        ["GET", paths.entities(serviceSid)],
        ["POST", paths.entities(serviceSid), { form: { Identity: newIdentity() } }],
        ["GET", paths.entity(serviceSid, victim.identity)],
        ["DELETE", paths.entity(serviceSid, victim.identity)],
        ["GET", paths.factors(serviceSid, victim.identity)],
        ["GET", paths.factor(serviceSid, victim.identity, created.sid)],
        ["POST", paths.factor(serviceSid, victim.identity, created.sid), { form: { FriendlyName: "Pwned" } }],
        ["DELETE", paths.factor(serviceSid, victim.identity, created.sid)],
        ["GET", paths.challenges(serviceSid, victim.identity)],
        ["POST", paths.passkeysFactors(serviceSid), { json: { friendly_name: "x", identity: victim.identity } }],
        ["POST", paths.passkeysChallenges(serviceSid), { json: { identity: victim.identity } }],
        ["POST", paths.verifyFactor(serviceSid), { json: { response: {} } }],
      ];
      for (const [method, path, options] of targets) {
        await expectRefusedWithoutWrites(
          () => intruder.request(method as "GET", path, options as never),
          20404,
          404,
        );
      }
      // Listing shows the intruder only its own services.
      const list = await intruder.get(paths.services);
      expect(list.status).toBe(200);
      expect(list.body.services.map((s: { sid: string }) => s.sid)).not.toContain(serviceSid);
    });

    attack("refuses a wrong auth token and an unknown account (20003)", async () => {
      const wrong = apiClient(basic(second.accountSid, randomBytes(16).toString("hex")));
      await expectRefusedWithoutWrites(() => wrong.get(paths.services), 20003, 401);
      const unknown = apiClient(basic(`AC${randomBytes(16).toString("hex")}`, second.authToken));
      await expectRefusedWithoutWrites(() => unknown.get(paths.service(serviceSid)), 20003, 401);
      await expectRefusedWithoutWrites(() => apiClient(null).get(paths.services), 20003, 401);
    });
  });
});

describe("client data", () => {
  const ORIGINS: [string, string][] = [
    ["wrong origin", "https://evil.example"],
    ["wrong scheme", "http://example.com"],
    ["wrong port", "https://example.com:8443"],
    ["a sibling subdomain", "https://login.example.com"],
  ];
  for (const [what, origin] of ORIGINS) {
    attack(`refuses an assertion from ${what} ${origin} (60380)`, async () => {
      const auth = new SoftwareAuthenticator();
      await registerPasskey(serviceSid, auth);
      const { assertion } = await startSignIn(serviceSid, auth, { tamper: { origin } });
      await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60380, 400);
    });

    attack(`refuses a registration from ${what} ${origin} (60380)`, async () => {
      const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { origin } });
      await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60380, 400);
    });
  }

  attack("refuses a cross-origin (iframe) assertion (60380)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { crossOrigin: true } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60380, 400);
  });

  attack("refuses an assertion whose client data says webauthn.create (60380)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { type: "webauthn.create" } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60380, 400);
  });

  attack("refuses an assertion that answers a registration challenge (60391)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const pending = await createFactor(serviceSid);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { challenge: pending.options.publicKey.challenge } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60391, 404);
  });

  attack("refuses a registration that answers an authentication challenge (60390)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const challenge = await createChallenge(serviceSid);
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), {
      tamper: { challenge: challenge.options.publicKey.challenge },
    });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60390, 404);
  });
});

describe("authenticator data", () => {
  attack("refuses an assertion with the RP ID hash of another domain (60379)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { rpId: "evil.example" } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60379, 400);
  });

  attack("refuses a registration with the RP ID hash of another domain (60379)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { rpId: "evil.example" } });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60379, 400);
  });

  attack("refuses an assertion without user presence (60379)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { up: false } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60379, 400);
  });

  attack("refuses a registration without user presence (60379)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { up: false } });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60379, 400);
  });

  describe("where user verification is required", () => {
    let strict: string;
    beforeAll(async () => {
      strict = (await createService({ FriendlyName: "Strict", "Passkeys.UserVerification": "required" })).sid;
    });

    attack("refuses an assertion without user verification (60379)", async () => {
      const auth = new SoftwareAuthenticator();
      await registerPasskey(strict, auth);
      const { challenge, assertion } = await startSignIn(strict, auth, { tamper: { uv: false } });
      expect(challenge.options.publicKey.userVerification).toBe("required");
      await expectRefusedWithoutWrites(() => approve(strict, assertion), 60379, 400);
    });

    attack("refuses a registration without user verification (60379)", async () => {
      const { credential } = await startRegistration(strict, new SoftwareAuthenticator(), { tamper: { uv: false } });
      await expectRefusedWithoutWrites(() => verifyFactor(strict, credential), 60379, 400);
    });
  });

  it("accepts an assertion without user verification where it is only preferred (control)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { uv: false } });
    expect((await approve(serviceSid, assertion)).status).toBe(200);
  });

  attack("refuses a registration without attested credential data (60387)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { noAttestedData: true } });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60387, 400);
  });

  attack("refuses a key whose algorithm was not offered (60385)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { alg: -36 } });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60385, 400);
  });

  attack("refuses an unsupported attestation format (60386)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), { tamper: { fmt: "fido-u2f" } });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60386, 400);
  });
});

/**
 * A "none" registration whose attested COSE key was altered after the authenticator made it:
 * `offCurve` moves the P-256 point off the curve, `otherCurve` relabels it as P-384 while
 * keeping alg -7 (ES256). Nothing signs a "none" attestation, so only the server's own key
 * checks can refuse it.
 */
async function registrationWithBrokenKey(sid: string, variant: "offCurve" | "otherCurve") {
  const auth = new SoftwareAuthenticator();
  const started = await startRegistration(sid, auth);
  const attestation = decodeAttestationObject(new Uint8Array(Buffer.from(started.credential.response.attestationObject, "base64url")));
  const authData = Buffer.from(attestation.get("authData") as Uint8Array);
  // rpIdHash 32, flags 1, counter 4, AAGUID 16, then a 2-byte credential id length.
  const key = authData.subarray(55 + authData.readUInt16BE(53));
  if (variant === "offCurve") key[key.indexOf(Buffer.from([0x21, 0x58, 0x20])) + 3 + 31] ^= 0x01;
  else key[key.indexOf(Buffer.from([0x20, 0x01])) + 1] = 0x02;
  const attestationObject = encodeCbor(new Map<string, CborValue>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
  const credential = { ...started.credential, response: { ...started.credential.response, attestationObject: b64url(attestationObject) } };
  return { ...started, auth, credential };
}

describe("credential public keys", () => {
  // A "none" attestation is verified by nothing but the key itself: registration must import
  // the key (as sign-in will) and refuse one that is not usable (found by this suite).
  for (const variant of ["offCurve", "otherCurve"] as const) {
    attack(`refuses a registration whose ES256 key is ${variant === "offCurve" ? "not a point on P-256" : "on another curve"} (60385)`, async () => {
      const { credential } = await registrationWithBrokenKey(serviceSid, variant);
      await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60385, 400);
    });
  }

  // A stored key node:crypto cannot import (stored by an older version) must make a sign-in
  // a refusal, not a 500 (found by this suite).
  attack("answers a sign-in whose stored key cannot be imported with a 4xx, not a 500", async () => {
    const { credential, auth, identity } = await registrationWithBrokenKey(serviceSid, "offCurve");
    if ((await verifyFactor(serviceSid, credential)).status !== 200) {
      // Once the registration is refused, plant such a row the way an older version stored it.
      const good = await registerPasskey(serviceSid, auth, { identity });
      const broken = await registrationWithBrokenKey(serviceSid, "offCurve");
      const attested = decodeAttestationObject(new Uint8Array(Buffer.from(broken.credential.response.attestationObject, "base64url")));
      const authData = Buffer.from(attested.get("authData") as Uint8Array);
      const coseKey = authData.subarray(55 + authData.readUInt16BE(53));
      await db().update(factors).set({ publicKey: Buffer.from(coseKey) }).where(eq(factors.sid, good.factor.sid));
    }
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });
});

describe("signatures and counters", () => {
  attack("refuses an assertion with a bad signature (60324), leaving the challenge pending", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { badSignature: true } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  attack("refuses an assertion signed by a different key (60324)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { alg: "ES256" } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  // Found by the fuzzer while approval used @simplewebauthn/server, whose ASN.1 parser ignores
  // bytes after the DER SEQUENCE (one signature, many accepted encodings). Keep it refused.
  attack("refuses an ES256 assertion signature with bytes after its DER sequence (60324)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth);
    const padded = Buffer.concat([Buffer.from(assertion.response.signature, "base64url"), Buffer.from([0x01])]);
    await expectRefusedWithoutWrites(
      () => approve(serviceSid, { ...assertion, response: { ...assertion.response, signature: b64url(padded) } }),
      60324,
      403,
    );
  });

  attack("refuses a packed self-attestation with a bad signature (60311)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator({ attestation: "packed" }), {
      tamper: { badSignature: true },
    });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60311, 403);
  });

  /** A registered authenticator that has signed in twice, so the stored counter is 2. */
  async function advancedCounter() {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    for (let i = 0; i < 2; i++) {
      const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
      expect((await approve(serviceSid, assertion)).status).toBe(200);
    }
    return { auth, reg };
  }

  attack("refuses a counter that went backwards (60324)", async () => {
    const { auth, reg } = await advancedCounter();
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity }, tamper: { counter: 1 } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  attack("refuses a counter that did not move (60324)", async () => {
    const { auth, reg } = await advancedCounter();
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity }, tamper: { counter: 2 } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  attack("refuses a clone that reports counter 0 after the stored counter advanced (60324)", async () => {
    const { auth, reg } = await advancedCounter();
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity }, tamper: { counter: 0 } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  it("accepts a synced passkey that always reports 0 (control)", async () => {
    const auth = new SoftwareAuthenticator({ counterStep: 0 });
    const reg = await registerPasskey(serviceSid, auth);
    for (let i = 0; i < 3; i++) {
      const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
      expect((await approve(serviceSid, assertion)).status).toBe(200);
    }
  });
});

describe("identifiers", () => {
  attack("refuses a userHandle of another entity (60324)", async () => {
    const auth = new SoftwareAuthenticator();
    const victim = await registerPasskey(serviceSid, auth);
    const attacker = await registerPasskey(serviceSid, auth);
    // Discoverable flow: the attacker's credential signs, but claims to be the victim.
    const { assertion } = await startSignIn(serviceSid, auth, {
      credentialId: attacker.credentialId,
      tamper: { userHandle: b64url(victim.created.entity_sid) },
    });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60324, 403);
  });

  attack("refuses a credential id in id/rawId that is not the signing credential (60390)", async () => {
    const auth = new SoftwareAuthenticator();
    await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { tamper: { credentialId: b64url(randomBytes(32)) } });
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60390, 404);
  });

  attack("refuses id and rawId that disagree (60376)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth);
    const other = await registerPasskey(serviceSid, auth);
    await expectRefusedWithoutWrites(
      () => approve(serviceSid, { ...assertion, id: reg.credentialId, rawId: other.credentialId }),
      60376,
      400,
    );
  });

  attack("refuses a registration whose id is not the attested credential id (60376)", async () => {
    const { credential } = await startRegistration(serviceSid, new SoftwareAuthenticator(), {
      tamper: { credentialId: b64url(randomBytes(32)) },
    });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60376, 400);
  });

  attack("refuses the registration of a credential id that already exists (60311)", async () => {
    const auth = new SoftwareAuthenticator();
    const first = await registerPasskey(serviceSid, auth);
    // A second user's registration attests the first user's credential again.
    const { credential } = await startRegistration(serviceSid, auth, {
      tamper: { reuseCredentialId: first.credentialId, ignoreExclude: true },
    });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60311, 403);
  });

  attack("refuses an existing credential id re-registered by its own entity (60311)", async () => {
    const auth = new SoftwareAuthenticator();
    const first = await registerPasskey(serviceSid, auth);
    const { credential } = await startRegistration(serviceSid, auth, {
      identity: first.identity,
      tamper: { reuseCredentialId: first.credentialId, ignoreExclude: true },
    });
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60311, 403);
  });
});

describe("deletion mid-ceremony", () => {
  attack("refuses a registration whose factor was deleted after P1 (60390)", async () => {
    const { identity, created, credential } = await startRegistration(serviceSid, new SoftwareAuthenticator());
    expect((await api.delete(paths.factor(serviceSid, identity, created.sid))).status).toBe(204);
    await expectRefusedWithoutWrites(() => verifyFactor(serviceSid, credential), 60390, 404);
  });

  attack("refuses an assertion whose targeted factor was deleted after P3 (60390)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { body: { factor_sid: reg.factor.sid } });
    expect((await api.delete(paths.factor(serviceSid, reg.identity, reg.factor.sid))).status).toBe(204);
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60390, 404);
  });

  attack("refuses an assertion whose entity was deleted after P3 (60390)", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    // Discoverable: the challenge survives the entity (it is bound to nobody yet).
    const { assertion } = await startSignIn(serviceSid, auth);
    expect((await api.delete(paths.entity(serviceSid, reg.identity))).status).toBe(204);
    await expectRefusedWithoutWrites(() => approve(serviceSid, assertion), 60390, 404);
  });

  attack("refuses a registration whose service was deleted after P1 (20404)", async () => {
    const doomed = (await createService({ FriendlyName: "Doomed" })).sid;
    const { credential } = await startRegistration(doomed, new SoftwareAuthenticator());
    expect((await api.delete(paths.service(doomed))).status).toBe(204);
    await expectRefusedWithoutWrites(() => verifyFactor(doomed, credential), 20404, 404);
  });
});

describe("authentication lockout", () => {
  // Failed Basic-auth attempts are counted per (client address, username). Past the limit
  // only further failures get 429: the right password always passes, so an attacker behind
  // the same address as the real client (a shared NAT, a corporate proxy) who knows its
  // Account SID cannot lock it out.
  attack("failed logins from the real client's own address do not lock that client out", async () => {
    const { accountSid } = config().verifyAccount;
    // The address the connection came from, as server/peer-address.mjs stamps it.
    const victimAddress = { "x-owlbank-peer-address": "198.51.100.7" };
    const wrong = basic(accountSid, "0".repeat(32));
    for (let i = 0; i < 25; i++) {
      const res = await api.request("GET", paths.services, { auth: wrong, headers: victimAddress });
      expect([401, 429]).toContain(res.status);
    }
    const res = await api.request("GET", paths.services, { headers: victimAddress });
    expect(res.status, res.text).toBe(200);
  });
});

describe("controls", () => {
  it("the happy path still works after every attack above", async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const { assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
    const res = await approve(serviceSid, assertion);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: "approved", factor_sid: reg.factor.sid, identity: reg.identity });
    expect(RP_ID).toBe(new URL(ORIGIN).hostname);
  });

  it("the snapshot sees a write (so 'unchanged' above means something)", async () => {
    const before = await snapshot();
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth);
    const changes = diff(before, await snapshot());
    expect(changes.map((c) => c.table).sort()).toEqual(["verify_entities", "verify_factors"]);
    const { challenge, assertion } = await startSignIn(serviceSid, auth, { body: { identity: reg.identity } });
    const beforeApproval = await snapshot();
    expect((await approve(serviceSid, assertion)).status).toBe(200);
    const approval = diff(beforeApproval, await snapshot());
    expect(approval.map((c) => c.key).sort()).toEqual([challenge.sid, reg.factor.sid].sort());
    // A change to one binary and one JSON column of one row is seen too, on either engine.
    const beforeTouch = await snapshot();
    const [stored] = await db().select().from(factors).where(eq(factors.sid, reg.factor.sid));
    await db()
      .update(factors)
      .set({ publicKey: Buffer.concat([stored.publicKey as Buffer, Buffer.from([0])]), transports: [...(stored.transports ?? []), "nfc"] })
      .where(eq(factors.sid, reg.factor.sid));
    const touched = diff(beforeTouch, await snapshot());
    expect(touched.map((c) => c.key)).toEqual([reg.factor.sid]);
    const changedColumns = Object.keys(touched[0].before ?? {}).filter((k) => touched[0].before?.[k] !== touched[0].after?.[k]);
    expect(changedColumns.sort()).toEqual(["publicKey", "transports"]);
  });

  it("twilioError and expectTwilioError agree on a plain 404", async () => {
    const res = await api.get(paths.service(`VA${"0".repeat(32)}`));
    expect(res.body).toMatchObject(twilioError(20404, 404));
    expectTwilioError(res, 20404, 404);
  });
});
