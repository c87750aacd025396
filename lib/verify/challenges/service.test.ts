/**
 * Passkeys challenge creation (P3) and the Entity's challenges (C1–C4).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { config } from "@/lib/env";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { b64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
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
  startSignIn,
  without,
} from "@/test/helpers/verify";

afterEach(() => {
  vi.useRealTimers();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ttlMs = () => config().challengeTtlMs;
const create = (serviceSid: string, body: unknown) => api.json(paths.passkeysChallenges(serviceSid), body);

describe("P3 create passkeys challenge", () => {
  it("creates a discoverable challenge from {} with every field and request options", async () => {
    const service = await createService();
    const res = await create(service.sid, {});
    expect(res.status).toBe(201);
    const c = res.body;
    expect(Object.keys(c).sort()).toEqual(
      [
        "sid", "account_sid", "service_sid", "entity_sid", "identity", "factor_sid", "date_created", "date_updated",
        "date_responded", "expiration_date", "status", "responded_reason", "details", "hidden_details", "metadata",
        "factor_type", "url", "links", "options",
      ].sort(),
    );
    expect(c).toEqual({
      sid: expect.stringMatching(/^YC[0-9a-f]{32}$/),
      account_sid: config().verifyAccount.accountSid,
      service_sid: service.sid,
      entity_sid: null,
      identity: null,
      factor_sid: null,
      date_created: expect.stringMatching(ISO),
      date_updated: expect.stringMatching(ISO),
      date_responded: null,
      expiration_date: expect.stringMatching(ISO),
      status: "pending",
      responded_reason: "none",
      details: null,
      hidden_details: null,
      metadata: null,
      factor_type: "passkeys",
      url: `${BASE_URL}/v2/Services/${service.sid}/Passkeys/Challenges`,
      links: null,
      options: {
        publicKey: {
          challenge: b64url(c.sid),
          timeout: ttlMs(),
          rpId: RP_ID,
          allowCredentials: [],
          userVerification: "preferred",
        },
      },
    });
    expect(Date.parse(c.expiration_date) - Date.parse(c.date_created)).toBe(ttlMs());
  });

  it("expires challenges after VERIFY_CHALLENGE_TTL_SECONDS (default 5 minutes)", () => {
    expect(ttlMs()).toBe(300_000);
  });

  it("accepts an empty body sent as JSON", async () => {
    const service = await createService();
    const res = await api.request("POST", paths.passkeysChallenges(service.sid), {
      raw: "",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(201);
  });

  it("lists every verified passkey of the identity in allowCredentials", async () => {
    const service = await createService();
    const identity = newIdentity();
    const one = await registerPasskey(service.sid, new SoftwareAuthenticator({ transports: ["internal"] }), { identity });
    const two = await registerPasskey(service.sid, new SoftwareAuthenticator({ transports: ["usb"] }), { identity });
    await createFactor(service.sid, { identity }); // unverified: not allowed
    await registerPasskey(service.sid, new SoftwareAuthenticator()); // someone else

    const res = await create(service.sid, { identity });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ entity_sid: one.factor.entity_sid, identity, factor_sid: null });
    expect(res.body.options.publicKey.allowCredentials).toEqual([
      { type: "public-key", id: one.credentialId, transports: ["internal"] },
      { type: "public-key", id: two.credentialId, transports: ["usb"] },
    ]);
  });

  it("restricts to one factor with identity and factor_sid", async () => {
    const service = await createService();
    const identity = newIdentity();
    await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    const two = await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    const res = await create(service.sid, { identity, factor_sid: two.factor.sid });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ entity_sid: two.factor.entity_sid, identity, factor_sid: two.factor.sid });
    expect(res.body.options.publicKey.allowCredentials.map((c: { id: string }) => c.id)).toEqual([two.credentialId]);
  });

  it("takes the entity from the factor when only factor_sid (or camelCase factorSid) is sent", async () => {
    const service = await createService();
    const { identity, factor, credentialId } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    for (const body of [{ factor_sid: factor.sid }, { factorSid: factor.sid }]) {
      const res = await create(service.sid, body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ entity_sid: factor.entity_sid, identity, factor_sid: factor.sid });
      expect(res.body.options.publicKey.allowCredentials.map((c: { id: string }) => c.id)).toEqual([credentialId]);
    }
  });

  it("lets snake_case factor_sid win over factorSid", async () => {
    const service = await createService();
    const identity = newIdentity();
    const one = await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    const two = await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    const res = await create(service.sid, { factor_sid: one.factor.sid, factorSid: two.factor.sid });
    expect(res.body.factor_sid).toBe(one.factor.sid);
  });

  it("takes the relying party and user verification from the targeted factor's config", async () => {
    const service = await createService();
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator(), {
      origin: "https://example.org",
      body: {
        config: { relying_party: { id: "example.org", origins: ["https://example.org"] }, user_verification: "required" },
      },
    });
    const one = await create(service.sid, { factor_sid: factor.sid });
    expect(one.body.options.publicKey).toMatchObject({ rpId: "example.org", userVerification: "required" });
    const discoverable = await create(service.sid, {});
    expect(discoverable.body.options.publicKey).toMatchObject({ rpId: RP_ID, userVerification: "preferred" });
  });

  it("asks a targeted factor for user verification when the Service requires it, whatever the factor's config", async () => {
    const service = await createService({ "Passkeys.UserVerification": "preferred" });
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator(), { body: { config: { user_verification: "discouraged" } } });
    expect((await api.form(paths.service(service.sid), { "Passkeys.UserVerification": "required" })).status).toBe(200);
    const res = await create(service.sid, { factor_sid: factor.sid });
    expect(res.body.options.publicKey.userVerification).toBe("required");
  });

  it("refuses an identity whose passkeys all belong to another relying party, with 60390", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator(), {
      origin: "https://example.org",
      body: { config: { relying_party: { id: "example.org", origins: ["https://example.org"] } } },
    });
    const res = await create(service.sid, { identity });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(60390);
  });

  it("refuses a discoverable challenge when the Service has no relying party id, with 60372", async () => {
    const service = await createService({ "Passkeys.RelyingParty.Id": "" });
    const res = await create(service.sid, {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60372, 400));
  });

  it.each<[string, number, number, (ctx: { identity: string; unverified: string; other: string }) => unknown]>([
    ["a malformed identity", 60367, 400, () => ({ identity: "ana@example.com" })],
    ["an identity with no entity", 60392, 404, () => ({ identity: newIdentity() })],
    ["an entity without a verified passkey", 60390, 404, (c) => ({ identity: c.other })],
    ["a malformed factor_sid", 60362, 400, () => ({ factor_sid: "YF123" })],
    ["an unknown factor_sid", 60390, 404, () => ({ factor_sid: "YF00000000000000000000000000000000" })],
    ["a factor_sid of another identity", 60390, 404, (c) => ({ identity: c.identity, factor_sid: c.unverified })],
    ["an unverified factor's factor_sid", 60318, 403, (c) => ({ factor_sid: c.unverified })],
  ])("refuses %s with %i", async (_, code, status, body) => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const other = newIdentity();
    const unverified = await createFactor(service.sid, { identity: other });
    const res = await create(service.sid, body({ identity, unverified: unverified.sid, other }));
    expect(res.body).toMatchObject(twilioError(code, status));
    expect(res.status).toBe(status);
  });

  it("refuses a form body with 60200", async () => {
    const service = await createService();
    const res = await api.request("POST", paths.passkeysChallenges(service.sid), { form: { identity: newIdentity() } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
  });

  it("answers an unknown Service with 404 / 20404", async () => {
    const res = await create("VA00000000000000000000000000000000", {});
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("C1 list challenges", () => {
  it("lists the entity's challenges with resource URLs, links and no options", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity, factor } = await registerPasskey(service.sid, auth);
    const byIdentity = await createChallenge(service.sid, { identity });
    const byFactor = await createChallenge(service.sid, { factor_sid: factor.sid });
    await createChallenge(service.sid, {}); // discoverable, not yet anyone's
    await registerPasskey(service.sid, new SoftwareAuthenticator()).then(({ identity: other }) =>
      createChallenge(service.sid, { identity: other }),
    );

    const res = await api.get(paths.challenges(service.sid, identity));
    expect(res.status).toBe(200);
    expect(res.body.meta.key).toBe("challenges");
    expect(res.body.challenges.map((c: { sid: string }) => c.sid).sort()).toEqual([byIdentity.sid, byFactor.sid].sort());
    for (const c of res.body.challenges) {
      const url = `${BASE_URL}/v2/Services/${service.sid}/Entities/${identity}/Challenges/${c.sid}`;
      expect(c.url).toBe(url);
      expect(c.links).toEqual({ notifications: `${url}/Notifications` });
      expect(c).not.toHaveProperty("options");
      expect(c.identity).toBe(identity);
    }
  });

  it("includes a discoverable challenge once the entity's passkey approved it", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity } = await registerPasskey(service.sid, auth);
    const { challenge, assertion } = await startSignIn(service.sid, auth);
    expect((await api.get(paths.challenges(service.sid, identity))).body.challenges).toEqual([]);
    expect((await approve(service.sid, assertion)).status).toBe(200);
    const listed = (await api.get(paths.challenges(service.sid, identity))).body.challenges;
    expect(listed.map((c: { sid: string }) => c.sid)).toEqual([challenge.sid]);
    expect(listed[0].status).toBe("approved");
  });

  it("filters by Status and FactorSid, orders with Order=desc, and keeps filters in page URLs", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const identity = newIdentity();
    const one = await registerPasskey(service.sid, auth, { identity });
    const two = await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    const approved = await startSignIn(service.sid, auth, { body: { factor_sid: one.factor.sid } });
    expect((await approve(service.sid, approved.assertion)).status).toBe(200);
    const pendingOne = await createChallenge(service.sid, { factor_sid: one.factor.sid });
    const pendingTwo = await createChallenge(service.sid, { factor_sid: two.factor.sid });

    const pending = await api.get(paths.challenges(service.sid, identity), { Status: "pending" });
    expect(pending.body.challenges.map((c: { sid: string }) => c.sid).sort()).toEqual([pendingOne.sid, pendingTwo.sid].sort());

    const ofOne = await api.get(paths.challenges(service.sid, identity), { FactorSid: one.factor.sid });
    expect(ofOne.body.challenges.map((c: { sid: string }) => c.sid).sort()).toEqual([approved.challenge.sid, pendingOne.sid].sort());

    const asc = (await api.get(paths.challenges(service.sid, identity))).body.challenges.map((c: { sid: string }) => c.sid);
    const desc = (await api.get(paths.challenges(service.sid, identity), { Order: "desc" })).body.challenges.map(
      (c: { sid: string }) => c.sid,
    );
    expect(desc).toEqual([...asc].reverse());

    const page = await api.get(paths.challenges(service.sid, identity), { Status: "pending", Order: "desc", PageSize: 1 });
    expect(page.body.challenges).toHaveLength(1);
    const next = new URL(page.body.meta.next_page_url);
    expect(next.searchParams.get("Status")).toBe("pending");
    expect(next.searchParams.get("Order")).toBe("desc");
    const second = await api.get(page.body.meta.next_page_url);
    expect([...page.body.challenges, ...second.body.challenges].map((c: { sid: string }) => c.sid)).toEqual(
      pending.body.challenges.map((c: { sid: string }) => c.sid).reverse(),
    );
  });

  it("shows pending challenges past their expiry as expired", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const challenge = await createChallenge(service.sid, { identity });
    vi.setSystemTime(Date.parse(challenge.expiration_date) + 1000);
    const res = await api.get(paths.challenges(service.sid, identity), { Status: "expired" });
    expect(res.body.challenges.map((c: { sid: string; status: string }) => [c.sid, c.status])).toEqual([
      [challenge.sid, "expired"],
    ]);
  });

  it.each([
    ["Status", "done"],
    ["FactorSid", "YF1"],
    ["Order", "random"],
  ])("refuses %s=%s with 60200", async (name, value) => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.get(paths.challenges(service.sid, identity), { [name]: value });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
  });

  it("answers an unknown entity with 404 / 20404", async () => {
    const service = await createService();
    const res = await api.get(paths.challenges(service.sid, newIdentity()));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("C2 fetch challenge", () => {
  it("returns the challenge with its resource URL and without options", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const created = await createChallenge(service.sid, { identity });
    const res = await api.get(paths.challenge(service.sid, identity, created.sid));
    expect(res.status).toBe(200);
    const common = without(created, "options", "url", "links");
    expect(res.body).toEqual({
      ...common,
      url: `${BASE_URL}/v2/Services/${service.sid}/Entities/${identity}/Challenges/${created.sid}`,
      links: { notifications: `${BASE_URL}/v2/Services/${service.sid}/Entities/${identity}/Challenges/${created.sid}/Notifications` },
    });
  });

  it("flips a pending challenge past its expiry to expired", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const created = await createChallenge(service.sid, { identity });
    // expiration_date is rounded down to the second; one second later is surely past it.
    vi.setSystemTime(Date.parse(created.expiration_date) + 1000);
    const res = await api.get(paths.challenge(service.sid, identity, created.sid));
    expect(res.body.status).toBe("expired");
    expect(res.body.date_responded).toBeNull();
  });

  it("answers a challenge not bound to that entity with 404 / 20404", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const { identity: other } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const theirs = await createChallenge(service.sid, { identity: other });
    const discoverable = await createChallenge(service.sid, {});
    for (const sid of [theirs.sid, discoverable.sid, "YC00000000000000000000000000000000"]) {
      const res = await api.get(paths.challenge(service.sid, identity, sid));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(20404);
    }
  });

  it("refuses a malformed challenge SID with 60364", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.get(paths.challenge(service.sid, identity, "YCnope"));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60364);
  });
});

describe("C3/C4 push and TOTP challenges", () => {
  it("refuses C3 with 60200 and points to the Passkeys endpoints", async () => {
    const service = await createService();
    const { identity, factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const res = await api.form(paths.challenges(service.sid, identity), { FactorSid: factor.sid });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60200, 400));
    expect(res.body.message).toContain("Passkeys/Challenges");
  });

  it("refuses C4 on a passkeys challenge with 60200 and leaves it pending", async () => {
    const service = await createService();
    const { identity } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const created = await createChallenge(service.sid, { identity });
    const res = await api.form(paths.challenge(service.sid, identity, created.sid), { AuthPayload: "123456" });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
    expect(res.body.message).toContain("ApproveChallenge");
    expect((await api.get(paths.challenge(service.sid, identity, created.sid))).body.status).toBe("pending");
  });
});

describe("sign-in end to end", () => {
  it("creates, answers and approves a challenge for an identity", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity } = await registerPasskey(service.sid, auth);
    const { assertion } = await startSignIn(service.sid, auth, { body: { identity }, origin: ORIGIN });
    const res = await approve(service.sid, assertion);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("approved");
  });
});
