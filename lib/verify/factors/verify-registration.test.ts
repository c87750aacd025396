/**
 * P2, VerifyFactor: each registration check of docs/api.md §9.3, with the exact Twilio code, shown
 * to be enforced by a response that differs from a valid one in that one respect.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { type Alg, b64url, fromB64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { type CborValue, encodeCbor } from "@/test/helpers/cbor";
import { EXAMPLE, seedExampleFactor, VERIFY_FACTOR_BODY } from "@/test/helpers/twilio-example";
import {
  createChallenge,
  createService,
  newIdentity,
  ORIGIN,
  paths,
  registerPasskey,
  startRegistration,
  without,
} from "@/test/helpers/verify";
import * as factorRepo from "./repository";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const verify = (serviceSid: string, body: unknown) => api.json(paths.verifyFactor(serviceSid), body);

/** An attestation object around hand-made authenticator data, for malformations the authenticator cannot produce. */
const attestationWith = (authData: Buffer, fmt = "none") =>
  b64url(encodeCbor(new Map<string, CborValue>([["fmt", fmt], ["attStmt", new Map()], ["authData", authData]])));

/** Authenticator data for example.com with UP, UV and AT set, carrying `coseKey` as the public key. */
function authDataWithKey(coseKey: Buffer): Buffer {
  const credentialId = randomBytes(32);
  const header = Buffer.alloc(55);
  createHash("sha256").update("example.com").digest().copy(header, 0);
  header[32] = 0x45;
  header.writeUInt16BE(credentialId.length, 53);
  return Buffer.concat([header, credentialId, coseKey]);
}

/** Sends `credential`, expects `code`, and shows the factor is still unverified afterwards. */
async function expectRefused(
  serviceSid: string,
  started: { identity: string; created: { sid: string } },
  credential: unknown,
  code: number,
  status = 400,
) {
  const res = await verify(serviceSid, credential);
  expect(res.body).toMatchObject(twilioError(code, status));
  expect(res.status).toBe(status);
  const factor = await api.get(paths.factor(serviceSid, started.identity, started.created.sid));
  expect(factor.body.status).toBe("unverified");
  return res;
}

describe("P2 verify passkeys factor", () => {
  it("verifies a registration and answers 200 with the Factor representation", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503", backupEligible: true, backedUp: true });
    const started = await startRegistration(service.sid, auth);
    const res = await verify(service.sid, started.credential);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        "sid", "account_sid", "service_sid", "entity_sid", "identity", "date_created", "date_updated",
        "friendly_name", "status", "factor_type", "config", "metadata", "url",
      ].sort(),
    );
    expect(res.body).toMatchObject({
      sid: started.created.sid,
      entity_sid: started.created.entity_sid,
      identity: started.identity,
      status: "verified",
      factor_type: "passkeys",
      config: started.created.config,
      url: `${BASE_URL}/v2/Services/${service.sid}/Entities/${started.identity}/Factors/${started.created.sid}`,
    });
    expect(res.body.metadata).toMatchObject({ aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503" });
    expect(res.body.metadata).not.toHaveProperty("date_last_approved");
  });

  it.each<Alg>(["ES256", "EdDSA", "RS256"])("verifies a %s credential that then signs in", async (alg) => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ alg });
    const { identity } = await registerPasskey(service.sid, auth);
    expect(auth.credentials[0].alg).toBe(alg);
    const challenge = await createChallenge(service.sid, { identity });
    const assertion = await auth.authenticate(challenge.options, { origin: ORIGIN });
    const res = await api.json(paths.approveChallenge(service.sid), assertion);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("approved");
  });

  it.each<Alg>(["ES256", "EdDSA", "RS256"])("verifies a packed self attestation with %s", async (alg) => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ alg, attestation: "packed" });
    const { factor } = await registerPasskey(service.sid, auth);
    expect(factor.status).toBe("verified");
  });

  it("refuses a packed attestation whose signature does not verify, with 60311", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ attestation: "packed" });
    const started = await startRegistration(service.sid, auth, { tamper: { badSignature: true } });
    await expectRefused(service.sid, started, started.credential, 60311, 403);
  });

  it("stores the transports and offers them in later allowCredentials", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ transports: ["usb", "nfc", "carrier-pigeon"] });
    const { identity, credentialId } = await registerPasskey(service.sid, auth);
    const challenge = await createChallenge(service.sid, { identity });
    expect(challenge.options.publicKey.allowCredentials).toEqual([
      { type: "public-key", id: credentialId, transports: ["usb", "nfc"] },
    ]);
  });

  it("ignores members it does not know, as browsers' toJSON() adds some", async () => {
    const service = await createService();
    const started = await startRegistration(service.sid, new SoftwareAuthenticator());
    const res = await verify(service.sid, {
      ...started.credential,
      futureMember: { nested: true },
      response: { ...started.credential.response, somethingNew: "x" },
    });
    expect(res.status).toBe(200);
  });

  it("verifies a registration from any of the relying party's origins", async () => {
    const service = await createService({ "Passkeys.RelyingParty.Origins": ["https://example.com", "https://login.example.com"] });
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator(), { origin: "https://login.example.com" });
    expect(factor.status).toBe("verified");
  });

  describe("client data", () => {
    it("refuses client data of an authentication (webauthn.get) with 60380", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { type: "webauthn.get" } });
      await expectRefused(service.sid, started, started.credential, 60380);
    });

    it("refuses a registration from another origin with 60380", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { origin: "https://evil.example" });
      const res = await expectRefused(service.sid, started, started.credential, 60380);
      expect(res.body.message).toContain("https://evil.example");
    });

    it("refuses an origin that differs only in port or scheme, with 60380", async () => {
      const service = await createService();
      for (const origin of ["https://example.com:8443", "http://example.com", "https://sub.example.com"]) {
        const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { origin });
        await expectRefused(service.sid, started, started.credential, 60380);
      }
    });

    it("refuses a cross-origin registration with 60380", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { crossOrigin: true } });
      await expectRefused(service.sid, started, started.credential, 60380);
    });

    it("refuses missing or undecodable client data with 60380", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { omit: ["clientDataJSON"] } });
      await expectRefused(service.sid, started, started.credential, 60380);
      const garbage = { ...started.credential, response: { ...started.credential.response, clientDataJSON: b64url("not json") } };
      await expectRefused(service.sid, started, garbage, 60380);
      const noChallenge = {
        ...started.credential,
        response: { ...started.credential.response, clientDataJSON: b64url(JSON.stringify({ type: "webauthn.create", origin: ORIGIN })) },
      };
      await expectRefused(service.sid, started, noChallenge, 60380);
    });

    it("refuses a challenge that names no pending factor with 60390", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), {
        tamper: { challenge: b64url("YF00000000000000000000000000000000") },
      });
      const res = await expectRefused(service.sid, started, started.credential, 60390, 404);
      expect(res.body.message).toBeTruthy();
    });

    it("refuses an authentication challenge used as a registration challenge, with 60390", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const { identity } = await registerPasskey(service.sid, auth);
      const challenge = await createChallenge(service.sid, { identity });
      const started = await startRegistration(service.sid, auth, { tamper: { challenge: challenge.options.publicKey.challenge } });
      await expectRefused(service.sid, started, started.credential, 60390, 404);
    });

    it("refuses a factor of another Service with 60390", async () => {
      const a = await createService();
      const b = await createService();
      const started = await startRegistration(a.sid, new SoftwareAuthenticator());
      const res = await verify(b.sid, started.credential);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60390);
      expect((await verify(a.sid, started.credential)).status).toBe(200);
    });
  });

  describe("factor state", () => {
    it("refuses an already verified factor with 60383", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      expect((await verify(service.sid, started.credential)).status).toBe(200);
      const again = await verify(service.sid, started.credential);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject(twilioError(60383, 400));
    });

    it("refuses a registration after the 10-minute window with 60383", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      vi.setSystemTime(Date.now() + 600_000);
      await expectRefused(service.sid, started, started.credential, 60383);
    });

    it("accepts a registration just inside the window", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      vi.setSystemTime(Date.now() + 599_000);
      expect((await verify(service.sid, started.credential)).status).toBe(200);
    });

    it("refuses a factor deleted before verification with 60390", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      await api.delete(paths.factor(service.sid, started.identity, started.created.sid));
      const res = await verify(service.sid, started.credential);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60390);
    });

    it("leaves the factor pending after a refused attempt, so a correct one still succeeds", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const started = await startRegistration(service.sid, auth, { origin: "https://evil.example" });
      await expectRefused(service.sid, started, started.credential, 60380);
      const good = await auth.register(started.created.options, { origin: ORIGIN });
      expect((await verify(service.sid, good)).status).toBe(200);
    });

    it("verifies a factor once when the same registration is sent twice at once", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const results = await Promise.all(Array.from({ length: 10 }, () => verify(service.sid, started.credential)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.body.code).toBe(60383);
    });
  });

  describe("authenticator data", () => {
    it("refuses authenticator data for another relying party with 60379", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { rpId: "evil.example" } });
      await expectRefused(service.sid, started, started.credential, 60379);
    });

    it("refuses a registration without user presence with 60379", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { up: false } });
      await expectRefused(service.sid, started, started.credential, 60379);
    });

    it("refuses a registration without user verification when it is required, with 60379", async () => {
      const service = await createService({ "Passkeys.UserVerification": "required" });
      const started = await startRegistration(service.sid, new SoftwareAuthenticator({ userVerification: false }));
      await expectRefused(service.sid, started, started.credential, 60379);
    });

    it("requires user verification when the Service does, even of a factor created asking only to prefer it (60379)", async () => {
      const service = await createService({ "Passkeys.UserVerification": "required" });
      const started = await startRegistration(service.sid, new SoftwareAuthenticator({ userVerification: false }), {
        body: { config: { user_verification: "preferred" } },
      });
      // The browser is asked for what VerifyFactor will demand.
      expect(started.created.config.user_verification).toBe("required");
      expect(started.created.options.publicKey.authenticatorSelection.userVerification).toBe("required");
      const res = await expectRefused(service.sid, started, started.credential, 60379);
      expect(res.body.message).toMatch(/user verification/i);
    });

    it("requires user verification when the Service was tightened after the factor was created (60379)", async () => {
      const service = await createService({ "Passkeys.UserVerification": "preferred" });
      const started = await startRegistration(service.sid, new SoftwareAuthenticator({ userVerification: false }));
      expect((await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "required" })).status).toBe(200);
      await expectRefused(service.sid, started, started.credential, 60379);
    });

    it.each(["preferred", "discouraged"])("accepts a registration without user verification when it is %s", async (uv) => {
      const service = await createService({ "Passkeys.UserVerification": uv });
      const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator({ userVerification: false }));
      expect(factor.status).toBe("verified");
    });

    it("refuses authenticator data without attested credential data with 60387", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { noAttestedData: true } });
      await expectRefused(service.sid, started, started.credential, 60387);
    });
  });

  describe("attestation object", () => {
    it("refuses a missing attestation object with 60386", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { omit: ["attestationObject"] } });
      await expectRefused(service.sid, started, started.credential, 60386);
    });

    it("refuses an attestation object that is not CBOR with 60386", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const body = { ...started.credential, response: { ...started.credential.response, attestationObject: b64url("hello") } };
      await expectRefused(service.sid, started, body, 60386);
      const notBase64 = { ...started.credential, response: { ...started.credential.response, attestationObject: "%%%" } };
      await expectRefused(service.sid, started, notBase64, 60386);
    });

    it("refuses an attestation object without authData with 60386", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const attestation = b64url(encodeCbor(new Map<string, CborValue>([["fmt", "none"], ["attStmt", new Map()]])));
      const body = { ...started.credential, response: { ...started.credential.response, attestationObject: attestation } };
      await expectRefused(service.sid, started, body, 60386);
    });

    it("refuses an unsupported attestation format with 60386", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { fmt: "fido-u2f" } });
      await expectRefused(service.sid, started, started.credential, 60386);
    });

    it.each([0, 32, 36])("refuses %i bytes of authenticator data, short of its 37-byte header, with 60379", async (length) => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const short = Buffer.concat([createHash("sha256").update("example.com").digest(), Buffer.alloc(5)]).subarray(0, length);
      const body = { ...started.credential, response: { ...started.credential.response, attestationObject: attestationWith(short) } };
      await expectRefused(service.sid, started, body, 60379);
    });

    it("refuses truncated attested credential data with 60387", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      // A whole header with the AT flag, then a credential id cut short of its stated length.
      const truncated = authDataWithKey(Buffer.alloc(0)).subarray(0, 55 + 10);
      const body = { ...started.credential, response: { ...started.credential.response, attestationObject: attestationWith(truncated) } };
      await expectRefused(service.sid, started, body, 60387);
    });

    it("refuses a credential public key that is not a COSE key with 60385", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const body = {
        ...started.credential,
        id: undefined,
        rawId: undefined,
        response: { ...started.credential.response, attestationObject: attestationWith(authDataWithKey(encodeCbor(5))) },
      };
      await expectRefused(service.sid, started, body, 60385);
    });

    it("refuses a packed attestation without a statement with 60311", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { fmt: "packed" } });
      await expectRefused(service.sid, started, started.credential, 60311, 403);
    });

    it("refuses a key whose algorithm was not offered with 60385", async () => {
      const service = await createService();
      // An EC2 key claiming ES384 (-35), which the creation options did not offer.
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), { tamper: { alg: -35 } });
      await expectRefused(service.sid, started, started.credential, 60385);
    });
  });

  describe("credential id", () => {
    it("refuses an id and rawId that are not the attested credential id, with 60376", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator(), {
        tamper: { credentialId: b64url("another credential id, 32 bytes") },
      });
      await expectRefused(service.sid, started, started.credential, 60376);
    });

    it("refuses a rawId that differs from id, with 60376", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      await expectRefused(service.sid, started, { ...started.credential, rawId: b64url("something else") }, 60376);
      await expectRefused(service.sid, started, { ...started.credential, id: "!!!" }, 60376);
    });

    it("reads a null id as absent, as ApproveChallenge does", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      expect((await verify(service.sid, { ...started.credential, id: null })).status).toBe(200);
    });

    it("accepts rawId as hex, as in Twilio's example", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const hex = fromB64url(started.credential.rawId).toString("hex");
      expect((await verify(service.sid, { ...started.credential, rawId: hex })).status).toBe(200);
    });

    it("accepts padded standard base64 and an absent id", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const withoutId = without(started.credential, "id");
      const base64 = fromB64url(started.credential.rawId).toString("base64");
      expect((await verify(service.sid, { ...withoutId, rawId: base64 })).status).toBe(200);
    });

    it("accepts attestationObject and clientDataJSON in padded standard base64", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator({ alg: "RS256" }));
      const base64 = (value: string) => fromB64url(value).toString("base64");
      const attestationObject = base64(started.credential.response.attestationObject);
      expect(attestationObject).toMatch(/[+/]/);
      const res = await verify(service.sid, {
        ...started.credential,
        response: {
          ...started.credential.response,
          attestationObject,
          clientDataJSON: base64(started.credential.response.clientDataJSON),
        },
      });
      expect(res.status).toBe(200);
    });

    it("refuses a credential already registered in this Service with 60311", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const { credentialId } = await registerPasskey(service.sid, auth);
      // Another user's registration answered with the same credential.
      const started = await startRegistration(service.sid, auth, { tamper: { reuseCredentialId: credentialId } });
      const res = await expectRefused(service.sid, started, started.credential, 60311, 403);
      expect(res.body.message).toContain("already registered");
    });

    it("refuses with 60311 when the unique index, not the look-up, catches the credential (a lost race)", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const { credentialId } = await registerPasskey(service.sid, auth);
      const started = await startRegistration(service.sid, auth, { tamper: { reuseCredentialId: credentialId } });
      // As if the other registration committed between this one's look-up and its write.
      const lookUp = vi.spyOn(factorRepo, "findFactorByCredential").mockResolvedValueOnce(undefined);
      const res = await expectRefused(service.sid, started, started.credential, 60311, 403);
      expect(lookUp).toHaveBeenCalledOnce();
      expect(res.body.message).toContain("already registered");
    });

    it("registers a credential once when two users' registrations race with it", async () => {
      const service = await createService();
      const auth = new SoftwareAuthenticator();
      const first = await startRegistration(service.sid, auth);
      const second = await startRegistration(service.sid, auth, { tamper: { reuseCredentialId: first.credential.id } });
      const results = await Promise.all([verify(service.sid, first.credential), verify(service.sid, second.credential)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      expect(results.find((r) => r.status === 403)!.body.code).toBe(60311);
    });

    it("allows the same credential in another Service", async () => {
      const a = await createService();
      const b = await createService();
      const auth = new SoftwareAuthenticator();
      const { credentialId } = await registerPasskey(a.sid, auth);
      const started = await startRegistration(b.sid, auth, { tamper: { reuseCredentialId: credentialId } });
      expect((await verify(b.sid, started.credential)).status).toBe(200);
    });
  });

  describe("request envelope", () => {
    it("refuses a non-JSON content type with 60434", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      const res = await api.request("POST", paths.verifyFactor(service.sid), {
        raw: JSON.stringify(started.credential),
        headers: { "content-type": "text/plain" },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60434, 400));
    });

    it.each([
      ["missing", undefined],
      ["a string", "abc"],
      ["an array", []],
    ])("refuses a response that is %s with 60378", async (_, response) => {
      const service = await createService();
      const res = await verify(service.sid, { id: "abc", rawId: "abc", type: "public-key", response });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(twilioError(60378, 400));
    });

    it("refuses an unknown authenticatorAttachment with 60377 and accepts null", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      await expectRefused(service.sid, started, { ...started.credential, authenticatorAttachment: "usb" }, 60377);
      expect((await verify(service.sid, { ...started.credential, authenticatorAttachment: null })).status).toBe(200);
    });

    it("refuses a type other than public-key with 60200", async () => {
      const service = await createService();
      const started = await startRegistration(service.sid, new SoftwareAuthenticator());
      await expectRefused(service.sid, started, { ...started.credential, type: "password" }, 60200);
    });

    it("answers an unknown Service with 404 / 20404", async () => {
      const res = await verify("VA00000000000000000000000000000000", {});
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(20404);
    });
  });

  describe("Twilio's published example (docs/api.md §9.5)", () => {
    it("verifies Twilio's VerifyFactor example body against a seeded pending factor", async () => {
      const { serviceSid } = await seedExampleFactor();
      const res = await verify(serviceSid, VERIFY_FACTOR_BODY);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        sid: EXAMPLE.factorSid,
        entity_sid: EXAMPLE.entitySid,
        identity: EXAMPLE.identity,
        status: "verified",
        factor_type: "passkeys",
        metadata: { aaguid: "00000000-0000-0000-0000-000000000000" },
      });
      // The credential is stored under its base64url id, whatever encoding rawId used.
      const challenge = await createChallenge(serviceSid, { identity: EXAMPLE.identity });
      expect(challenge.options.publicKey.allowCredentials).toEqual([
        { type: "public-key", id: EXAMPLE.credentialId, transports: ["internal", "hybrid"] },
      ]);
    });

    it("refuses the example in a Service whose relying party is another domain", async () => {
      const service = await createService({
        "Passkeys.RelyingParty.Id": "example.org",
        "Passkeys.RelyingParty.Origins": "https://example.com",
      });
      // A factor exists for this Service, but not the example's: the challenge names no factor here.
      await startRegistration(service.sid, new SoftwareAuthenticator(), { identity: newIdentity() });
      const res = await verify(service.sid, VERIFY_FACTOR_BODY);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(60390);
    });
  });
});
