/**
 * Passkeys factor creation (P1) and the Entity's factors (F1–F5).
 */
import { describe, expect, it } from "vitest";
import { config } from "@/lib/env";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { b64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createFactor, createService, newIdentity, ORIGIN, paths, RP_ID, registerPasskey } from "@/test/helpers/verify";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A Service without any passkeys settings, so P1 must bring its own. */
const bareService = () => createService({
  "Passkeys.RelyingParty.Id": "",
  "Passkeys.RelyingParty.Name": "",
  "Passkeys.RelyingParty.Origins": "",
  "Passkeys.AuthenticatorAttachment": "",
  "Passkeys.DiscoverableCredentials": "",
  "Passkeys.UserVerification": "",
});

const fullConfig = {
  relying_party: { id: "example.com", name: "Example", origins: ["https://example.com"] },
  authenticator_attachment: "platform",
  discoverable_credentials: "preferred",
  user_verification: "preferred",
};

describe("P1 create passkeys factor", () => {
  it("answers 201 with an unverified factor, every field, and WebAuthn creation options", async () => {
    const service = await createService();
    const identity = newIdentity();
    const res = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "Ana's laptop", identity });
    expect(res.status).toBe(201);
    const f = res.body;
    expect(Object.keys(f).sort()).toEqual(
      [
        "sid", "account_sid", "service_sid", "entity_sid", "identity", "binding", "options", "date_created",
        "date_updated", "friendly_name", "status", "factor_type", "config", "metadata", "url",
      ].sort(),
    );
    expect(f).toMatchObject({
      sid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
      account_sid: config().verifyAccount.accountSid,
      service_sid: service.sid,
      entity_sid: expect.stringMatching(/^YE[0-9a-f]{32}$/),
      identity,
      binding: null,
      date_created: expect.stringMatching(ISO),
      date_updated: expect.stringMatching(ISO),
      friendly_name: "Ana's laptop",
      status: "unverified",
      factor_type: "passkeys",
      config: {
        relying_party: { id: RP_ID, name: "OwlBank", origins: [ORIGIN] },
        authenticator_attachment: "platform",
        discoverable_credentials: "preferred",
        user_verification: "preferred",
      },
      metadata: null,
      url: `${BASE_URL}/v2/Services/${service.sid}/Entities/${identity}/Factors/${f.sid}`,
    });
    expect(f.options).toEqual({
      publicKey: {
        rp: { id: RP_ID, name: "OwlBank" },
        user: { id: b64url(f.entity_sid), name: "Ana's laptop", displayName: "Ana's laptop" },
        challenge: b64url(f.sid),
        pubKeyCredParams: [
          { type: "public-key", alg: -7 },
          { type: "public-key", alg: -8 },
          { type: "public-key", alg: -257 },
        ],
        timeout: 600000,
        excludeCredentials: [],
        authenticatorSelection: {
          authenticatorAttachment: "platform",
          requireResidentKey: false,
          residentKey: "preferred",
          userVerification: "preferred",
        },
        attestation: "none",
      },
    });
  });

  it("creates the entity on demand and reuses it for the next factor", async () => {
    const service = await createService();
    const identity = newIdentity();
    const first = await createFactor(service.sid, { identity });
    const entity = await api.get(paths.entity(service.sid, identity));
    expect(entity.status).toBe(200);
    expect(entity.body.sid).toBe(first.entity_sid);
    const second = await createFactor(service.sid, { identity });
    expect(second.entity_sid).toBe(first.entity_sid);
    expect(second.sid).not.toBe(first.sid);
  });

  it("generates an identity when none is sent, as the quickstart allows", async () => {
    const service = await createService();
    const res = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "No identity" });
    expect(res.status).toBe(201);
    expect(res.body.identity).toMatch(/^[0-9a-f]{32}$/);
    expect((await api.get(paths.entity(service.sid, res.body.identity))).status).toBe(200);
  });

  it("accepts camelCase keys, as the library's types advertise", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendlyName: "Camel",
      identity: newIdentity(),
      config: {
        relyingParty: { id: "example.com", name: "Example", origins: ["https://example.com"] },
        authenticatorAttachment: "cross-platform",
        discoverableCredentials: "required",
        userVerification: "required",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.friendly_name).toBe("Camel");
    expect(res.body.config).toEqual({
      relying_party: { id: "example.com", name: "Example", origins: ["https://example.com"] },
      authenticator_attachment: "cross-platform",
      discoverable_credentials: "required",
      user_verification: "required",
    });
    expect(res.body.options.publicKey.authenticatorSelection).toEqual({
      authenticatorAttachment: "cross-platform",
      requireResidentKey: true,
      residentKey: "required",
      userVerification: "required",
    });
  });

  it("lets snake_case win when both spellings are sent", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "Snake",
      friendlyName: "Camel",
      identity: newIdentity(),
      config: {
        relying_party: { id: "example.com", origins: ["https://example.com"] },
        relyingParty: { id: "other.example", origins: ["https://other.example"] },
        authenticator_attachment: "platform",
        authenticatorAttachment: "cross-platform",
        discoverable_credentials: "discouraged",
        discoverableCredentials: "required",
        user_verification: "discouraged",
        userVerification: "required",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.friendly_name).toBe("Snake");
    expect(res.body.config).toEqual({
      relying_party: { id: "example.com", name: "example.com", origins: ["https://example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: "discouraged",
      user_verification: "discouraged",
    });
  });

  it("falls back to the Service's passkeys settings member by member", async () => {
    const service = await createService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "Partial",
      identity: newIdentity(),
      config: { relying_party: { origins: ["https://login.example.com"] }, user_verification: "required" },
    });
    expect(res.status).toBe(201);
    expect(res.body.config).toEqual({
      relying_party: { id: RP_ID, name: "OwlBank", origins: ["https://login.example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: "preferred",
      user_verification: "required",
    });
  });

  it("names the relying party after its id when no name is set anywhere", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "x", identity: newIdentity(), config: fullConfig });
    expect(res.body.config.relying_party.name).toBe("Example");
    const noName = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      config: { ...fullConfig, relying_party: { id: "example.com", origins: ["https://example.com"] } },
    });
    expect(noName.body.config.relying_party.name).toBe("example.com");
    expect(noName.body.options.publicKey.rp).toEqual({ id: "example.com", name: "example.com" });
  });

  it("normalises origins sent as bare hosts or as a comma-separated string", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      config: { ...fullConfig, relying_party: { id: "example.com", origins: "example.com, https://m.example.com" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.config.relying_party.origins).toEqual(["https://example.com", "https://m.example.com"]);
  });

  it("omits authenticatorAttachment from the options when the attachment is any", async () => {
    const service = await createService({ "Passkeys.AuthenticatorAttachment": "any" });
    const f = await createFactor(service.sid);
    expect(f.config.authenticator_attachment).toBe("any");
    expect(f.options.publicKey.authenticatorSelection).not.toHaveProperty("authenticatorAttachment");
  });

  it("lists the entity's verified passkeys in excludeCredentials, and nobody else's", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ transports: ["internal", "hybrid"] });
    const { identity, credentialId } = await registerPasskey(service.sid, auth);
    await registerPasskey(service.sid, new SoftwareAuthenticator());
    await createFactor(service.sid, { identity }); // unverified: not excluded

    const f = await createFactor(service.sid, { identity });
    expect(f.options.publicKey.excludeCredentials).toEqual([
      { type: "public-key", id: credentialId, transports: ["internal", "hybrid"] },
    ]);
  });

  it("refuses a missing criterion with 60393 and names exactly the missing ones", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      config: { relying_party: fullConfig.relying_party, authenticator_attachment: "platform" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60393, 400));
    expect(res.body.message).toContain("discoverable_credentials");
    expect(res.body.message).toContain("user_verification");
    expect(res.body.message).not.toContain("authenticator_attachment");

    const none = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "x", identity: newIdentity() });
    expect(none.body.code).toBe(60393);
    for (const name of ["authenticator_attachment", "discoverable_credentials", "user_verification"]) {
      expect(none.body.message).toContain(name);
    }
  });

  it("treats criteria cleared on the Service as missing", async () => {
    const service = await createService();
    await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "" });
    const res = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "x", identity: newIdentity() });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60393);
    expect(res.body.message).toContain("user_verification");
    expect(res.body.message).not.toContain("discoverable_credentials");
  });

  it.each([
    ["no friendly_name", {}],
    ["an empty friendly_name", { friendly_name: "" }],
    ["a null friendly_name", { friendly_name: null }],
  ])("refuses %s with 60388", async (_, body) => {
    const service = await createService();
    const res = await api.json(paths.passkeysFactors(service.sid), { identity: newIdentity(), ...body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60388, 400));
  });

  it.each<[string, Record<string, unknown>, number]>([
    ["a friendly_name over 255 characters", { friendly_name: "x".repeat(256) }, 60200],
    ["a non-string friendly_name", { friendly_name: 42 }, 60200],
    ["a malformed identity", { identity: "ana@example.com" }, 60367],
    ["a non-string identity", { identity: 12345678 }, 60367],
    ["a config that is not an object", { config: "platform" }, 60370],
    ["a config that is an array", { config: [] }, 60370],
    ["a relying_party that is not an object", { config: { relying_party: "example.com" } }, 60371],
    ["origins that are not strings", { config: { relying_party: { origins: [1, 2] } } }, 60371],
    ["a relying party id with a scheme", { config: { relying_party: { id: "https://example.com" } } }, 60372],
    ["an unknown attachment", { config: { authenticator_attachment: "usb" } }, 60377],
    ["an unknown discoverable_credentials", { config: { discoverable_credentials: "always" } }, 60200],
    ["an unknown user_verification", { config: { userVerification: "always" } }, 60200],
    ["an insecure origin", { config: { relying_party: { origins: ["http://example.com"] } } }, 60432],
  ])("refuses %s with %i", async (_, body, code) => {
    const service = await createService();
    const res = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "x", identity: newIdentity(), ...body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(code, 400));
  });

  it("refuses a factor when no relying party id is known, with 60372", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      config: { ...fullConfig, relying_party: { origins: ["https://example.com"] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60372);
  });

  it("refuses a factor when no origins are known, with 60371", async () => {
    const service = await bareService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      config: { ...fullConfig, relying_party: { id: "example.com" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60371);
  });

  it("refuses a form body with 60200 and accepts JSON with a charset", async () => {
    const service = await createService();
    const form = await api.request("POST", paths.passkeysFactors(service.sid), {
      form: { friendly_name: "x", identity: newIdentity() },
    });
    expect(form.status).toBe(400);
    expect(form.body.code).toBe(60200);

    const charset = await api.request("POST", paths.passkeysFactors(service.sid), {
      json: { friendly_name: "x", identity: newIdentity() },
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(charset.status).toBe(201);
  });

  it("answers an unknown Service with 404 / 20404", async () => {
    const res = await api.json(paths.passkeysFactors("VA00000000000000000000000000000000"), { friendly_name: "x" });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("F1 list factors", () => {
  it("lists verified and unverified passkeys factors without options or binding", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const pending = await createFactor(service.sid, { identity });
    await registerPasskey(service.sid, new SoftwareAuthenticator()); // someone else's

    const res = await api.get(paths.factors(service.sid, identity));
    expect(res.status).toBe(200);
    expect(res.body.meta.key).toBe("factors");
    const sids = res.body.factors.map((f: { sid: string }) => f.sid);
    expect(sids.sort()).toEqual([factor.sid, pending.sid].sort());
    for (const f of res.body.factors) {
      expect(f).not.toHaveProperty("options");
      expect(f).not.toHaveProperty("binding");
    }
    expect(res.body.factors.find((f: { sid: string }) => f.sid === factor.sid)).toEqual(factor);
  });

  it("pages", async () => {
    const service = await createService();
    const identity = newIdentity();
    for (let i = 0; i < 3; i++) await createFactor(service.sid, { identity });
    const first = await api.get(paths.factors(service.sid, identity), { PageSize: 2 });
    expect(first.body.factors).toHaveLength(2);
    const second = await api.get(first.body.meta.next_page_url);
    expect(second.body.factors).toHaveLength(1);
    expect(second.body.meta.next_page_url).toBeNull();
  });

  it("answers an unknown entity with 404 / 20404", async () => {
    const service = await createService();
    const res = await api.get(paths.factors(service.sid, newIdentity()));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("F2 fetch factor", () => {
  it("returns the verified factor with its aaguid in metadata", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator({ aaguid: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd" });
    const { identity, factor } = await registerPasskey(service.sid, auth);
    const res = await api.get(paths.factor(service.sid, identity, factor.sid));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(factor);
    expect(res.body.status).toBe("verified");
    expect(res.body.metadata.aaguid).toBe("fbfc3007-154e-4ecc-8c0b-6e020557d7bd");
    expect(res.body).not.toHaveProperty("options");
  });

  it("answers a factor of another entity with 404 / 20404", async () => {
    const service = await createService();
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const other = newIdentity();
    await api.form(paths.entities(service.sid), { Identity: other });
    const res = await api.get(paths.factor(service.sid, other, factor.sid));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });

  it("answers an unknown or malformed factor SID with 404", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    expect((await api.get(paths.factor(service.sid, identity, "YF00000000000000000000000000000000"))).status).toBe(404);
    expect((await api.get(paths.factor(service.sid, identity, "nope"))).status).toBe(404);
  });
});

describe("F3 update factor", () => {
  it("renames the factor and bumps date_updated", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factor(service.sid, identity, factor.sid), { FriendlyName: "Work phone" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...factor, friendly_name: "Work phone", date_updated: expect.stringMatching(ISO) });
    expect((await api.get(paths.factor(service.sid, identity, factor.sid))).body.friendly_name).toBe("Work phone");
  });

  it("answers 200 with the unchanged factor when nothing is sent", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factor(service.sid, identity, factor.sid), {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual(factor);
  });

  it.each([
    ["AuthPayload", { AuthPayload: "123456" }],
    ["Config.NotificationToken", { "Config.NotificationToken": "tok" }],
    ["Config.TimeStep", { "Config.TimeStep": "30" }],
  ])("refuses push/TOTP parameter %s with 60200", async (_, form) => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factor(service.sid, identity, factor.sid), form);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60200, 400));
  });

  it("refuses a FriendlyName over 255 characters", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factor(service.sid, identity, factor.sid), { FriendlyName: "x".repeat(256) });
    expect(res.status).toBe(400);
  });

  it("answers another entity's factor with 404", async () => {
    const service = await createService();
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const { identity: other } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factor(service.sid, other, factor.sid), { FriendlyName: "Mine" });
    expect(res.status).toBe(404);
  });
});

describe("F4 delete factor", () => {
  it("answers 204 with an empty body, then 404", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.delete(paths.factor(service.sid, identity, factor.sid));
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await api.get(paths.factor(service.sid, identity, factor.sid))).status).toBe(404);
    expect((await api.delete(paths.factor(service.sid, identity, factor.sid))).status).toBe(404);
  });

  it("does not delete another entity's factor", async () => {
    const service = await createService();
    const victim = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const { identity: attacker } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.delete(paths.factor(service.sid, attacker, victim.factor.sid));
    expect(res.status).toBe(404);
    expect((await api.get(paths.factor(service.sid, victim.identity, victim.factor.sid))).status).toBe(200);
  });
});

describe("F5 create push/totp factor", () => {
  it("refuses FactorType=passkeys with 60369 and points to the Passkeys endpoint", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.factors(service.sid, identity), { FriendlyName: "x", FactorType: "passkeys" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60369, 400));
    expect(res.body.message).toContain("Passkeys/Factors");
  });

  it("refuses push and totp with 60369 on this passkeys-only server", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    for (const type of ["push", "totp"]) {
      const res = await api.form(paths.factors(service.sid, identity), { FriendlyName: "x", FactorType: type });
      expect(res.body.code).toBe(60369);
    }
  });

  it("answers an unknown entity with 404", async () => {
    const service = await createService();
    const res = await api.form(paths.factors(service.sid, newIdentity()), { FriendlyName: "x", FactorType: "totp" });
    expect(res.status).toBe(404);
  });
});
