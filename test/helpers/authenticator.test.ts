/**
 * The software authenticator checked against @simplewebauthn/server directly, so a failing
 * Verify API test points at the server, not at the test double.
 */
import { verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { decodeAttestationObject, parseAuthenticatorData } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { type Alg, b64url, fromB64url, SoftwareAuthenticator } from "./authenticator";
import { encodeCbor } from "./cbor";

const origin = "https://example.com";
const creationOptions = (algs = [-7, -8, -257]) => ({
  publicKey: {
    rp: { id: "example.com", name: "Example" },
    user: { id: b64url("YE4fd3aaf4e45324d0f3e134607b21912b"), name: "ana", displayName: "ana" },
    challenge: b64url("YF048d1a7ec3a2a6970059c2766bbc7e0f"),
    pubKeyCredParams: algs.map((alg) => ({ type: "public-key", alg })),
    timeout: 600000,
    excludeCredentials: [],
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    attestation: "none",
  },
});
const requestOptions = (allow: string[] = []) => ({
  publicKey: {
    challenge: b64url("YC0498ecec6aef0aebf4f6bdf0d16e8e27"),
    timeout: 300000,
    rpId: "example.com",
    allowCredentials: allow.map((id) => ({ type: "public-key", id })),
    userVerification: "preferred",
  },
});

async function registerAndVerify(auth: SoftwareAuthenticator, algs?: number[]) {
  const registration = await auth.register(creationOptions(algs), { origin });
  const result = await verifyRegistrationResponse({
    response: registration as never,
    expectedChallenge: b64url("YF048d1a7ec3a2a6970059c2766bbc7e0f"),
    expectedOrigin: origin,
    expectedRPID: "example.com",
    supportedAlgorithmIDs: [-7, -8, -257],
    requireUserVerification: false,
  });
  return { registration, result };
}

describe("CBOR encoder", () => {
  it("encodes the item kinds an authenticator needs", () => {
    expect(encodeCbor(0).toString("hex")).toBe("00");
    expect(encodeCbor(23).toString("hex")).toBe("17");
    expect(encodeCbor(24).toString("hex")).toBe("1818");
    expect(encodeCbor(1000).toString("hex")).toBe("1903e8");
    expect(encodeCbor(1_000_000).toString("hex")).toBe("1a000f4240");
    expect(encodeCbor(-1).toString("hex")).toBe("20");
    expect(encodeCbor(-7).toString("hex")).toBe("26");
    expect(encodeCbor(-257).toString("hex")).toBe("390100");
    expect(encodeCbor("fmt").toString("hex")).toBe("63666d74");
    expect(encodeCbor(new Uint8Array([1, 2])).toString("hex")).toBe("420102");
    expect(encodeCbor([1, "a"]).toString("hex")).toBe("82016161");
    expect(encodeCbor(true).toString("hex")).toBe("f5");
    expect(encodeCbor(false).toString("hex")).toBe("f4");
    expect(encodeCbor(null).toString("hex")).toBe("f6");
    expect(encodeCbor(new Map<number, number>([[1, 2], [3, -7]])).toString("hex")).toBe("a201020326");
    expect(encodeCbor({ a: 1 }).toString("hex")).toBe("a1616101");
  });
});

describe("SoftwareAuthenticator", () => {
  it.each<[Alg, number]>([
    ["ES256", -7],
    ["EdDSA", -8],
    ["RS256", -257],
  ])("registers and signs with %s, accepted by @simplewebauthn/server", async (alg, cose) => {
    const auth = new SoftwareAuthenticator({ alg });
    const { registration, result } = await registerAndVerify(auth);
    expect(result.verified).toBe(true);
    expect(registration.response.publicKeyAlgorithm).toBe(cose);
    expect(auth.credentials[0].alg).toBe(alg);

    const assertion = await auth.authenticate(requestOptions([registration.id]), { origin });
    expect(assertion.response.userHandle).toBe(b64url("YE4fd3aaf4e45324d0f3e134607b21912b"));
    const auth1 = await verifyAuthenticationResponse({
      response: assertion as never,
      expectedChallenge: b64url("YC0498ecec6aef0aebf4f6bdf0d16e8e27"),
      expectedOrigin: origin,
      expectedRPID: "example.com",
      credential: {
        id: registration.id,
        publicKey: result.registrationInfo!.credential.publicKey,
        counter: 0,
      },
    });
    expect(auth1.verified).toBe(true);
    expect(auth1.authenticationInfo.newCounter).toBe(1);
  });

  it.each<Alg>(["ES256", "EdDSA", "RS256"])("produces a packed self attestation with %s", async (alg) => {
    const auth = new SoftwareAuthenticator({ alg, attestation: "packed" });
    const { registration, result } = await registerAndVerify(auth);
    expect(result.verified).toBe(true);
    expect(result.registrationInfo!.fmt).toBe("packed");
    const attestation = decodeAttestationObject(new Uint8Array(fromB64url(registration.response.attestationObject)));
    expect(attestation.get("attStmt").get("sig")).toBeInstanceOf(Uint8Array);
  });

  it("picks the first offered algorithm it supports unless its own is offered", async () => {
    const auth = new SoftwareAuthenticator();
    await auth.register(creationOptions([-35, -257, -7]), { origin });
    expect(auth.credentials[0].alg).toBe("RS256");
    const ed = new SoftwareAuthenticator({ alg: "EdDSA" });
    await ed.register(creationOptions([-7, -8]), { origin });
    expect(ed.credentials[0].alg).toBe("EdDSA");
    const notOffered = new SoftwareAuthenticator({ alg: "EdDSA" });
    await notOffered.register(creationOptions([-257]), { origin });
    expect(notOffered.credentials[0].alg).toBe("RS256");
    await expect(new SoftwareAuthenticator().register(creationOptions([-35]), { origin })).rejects.toThrow(/supported/);
  });

  it("writes the flags, counter and AAGUID it is configured with", async () => {
    const auth = new SoftwareAuthenticator({
      aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
      userVerification: false,
      backupEligible: true,
      backedUp: true,
      counterStep: 0,
    });
    const { registration } = await registerAndVerify(auth);
    const authData = parseAuthenticatorData(new Uint8Array(fromB64url(registration.response.authenticatorData!)));
    expect(authData.flags).toMatchObject({ up: true, uv: false, be: true, bs: true, at: true });
    expect(Buffer.from(authData.aaguid!).toString("hex")).toBe("adce000235bcc60a648b0b25f1f05503");
    const a1 = await auth.authenticate(requestOptions(), { origin });
    const a2 = await auth.authenticate(requestOptions(), { origin });
    for (const a of [a1, a2]) expect(parseAuthenticatorData(new Uint8Array(fromB64url(a.response.authenticatorData))).counter).toBe(0);
  });

  it("applies each tamper option", async () => {
    const auth = new SoftwareAuthenticator();
    const { registration } = await registerAndVerify(auth);
    const a = await auth.authenticate(requestOptions(), {
      origin,
      tamper: {
        type: "webauthn.create",
        origin: "https://evil.example",
        crossOrigin: true,
        challenge: "abc",
        up: false,
        uv: false,
        counter: 77,
        userHandle: null,
        credentialId: "AAAA",
        omit: ["signature"],
      },
    });
    const clientData = JSON.parse(fromB64url(a.response.clientDataJSON).toString());
    expect(clientData).toEqual({ type: "webauthn.create", challenge: "abc", origin: "https://evil.example", crossOrigin: true });
    const authData = parseAuthenticatorData(new Uint8Array(fromB64url(a.response.authenticatorData)));
    expect(authData.flags).toMatchObject({ up: false, uv: false });
    expect(authData.counter).toBe(77);
    expect(a.response.userHandle).toBeNull();
    expect(a.id).toBe("AAAA");
    expect(a.rawId).toBe("AAAA");
    expect("signature" in a.response).toBe(false);
    // The credential's real counter did not move.
    expect(auth.credentials.find((c) => c.id === registration.id)!.counter).toBe(0);

    const noAt = await auth.register(creationOptions(), { origin, tamper: { noAttestedData: true, fmt: "fido-u2f" } });
    const attestation = decodeAttestationObject(new Uint8Array(fromB64url(noAt.response.attestationObject)));
    expect(attestation.get("fmt")).toBe("fido-u2f");
    expect(parseAuthenticatorData(attestation.get("authData")).flags.at).toBe(false);
  });

  it("refuses creation options that exclude a credential it holds", async () => {
    const auth = new SoftwareAuthenticator();
    const { registration } = await registerAndVerify(auth);
    const options = creationOptions();
    (options.publicKey.excludeCredentials as unknown[]) = [{ type: "public-key", id: registration.id }];
    await expect(auth.register(options, { origin })).rejects.toMatchObject({ name: "InvalidStateError" });
  });
});
