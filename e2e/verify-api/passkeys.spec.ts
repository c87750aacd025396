/**
 * The four Passkeys endpoints (P1–P4) and the Factor and Challenge resources, driven through
 * the official `twilio` package against the production build, with credentials made by the
 * software authenticator. Reference: docs/api.md §7.3, §7.4, §8.6–§8.9, §8.14–§8.20 and §9.
 */
import { VERIFY_ACCOUNT_SID } from "../helpers/env";
import {
  asApproval,
  type CreationOptions,
  registerPasskey,
  type RequestOptions,
  signIn,
  SoftwareAuthenticator,
} from "../helpers/passkeys";
import { expect, expectRestError, newIdentity, test } from "../helpers/verify";

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);
const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

test.describe("Passkeys registration (P1, P2)", () => {
  test("newFactors.create returns creation options; newVerifyFactors.update verifies the credential", async ({
    client,
    service,
    baseURL,
  }) => {
    const identity = newIdentity();
    const created = await service.context.newFactors.create({ friendlyName: "Ana's laptop", identity });

    expect(created.sid).toMatch(SID("YF"));
    expect(created.entitySid).toMatch(SID("YE"));
    expect(created).toMatchObject({
      accountSid: VERIFY_ACCOUNT_SID,
      serviceSid: service.sid,
      identity,
      friendlyName: "Ana's laptop",
      status: "unverified",
      factorType: "passkeys",
      binding: null,
      metadata: null,
      url: `${baseURL}/v2/Services/${service.sid}/Entities/${identity}/Factors/${created.sid}`,
    });
    expect(created.config).toEqual({
      relying_party: { id: "localhost", name: "OwlBank e2e", origins: [baseURL] },
      authenticator_attachment: "any",
      discoverable_credentials: "preferred",
      user_verification: "preferred",
    });
    const { publicKey } = created.options as CreationOptions;
    expect(publicKey.rp).toEqual({ id: "localhost", name: "OwlBank e2e" });
    expect(publicKey.user).toEqual({ id: b64url(created.entitySid), name: "Ana's laptop", displayName: "Ana's laptop" });
    expect(publicKey.pubKeyCredParams).toContainEqual({ type: "public-key", alg: -7 });
    expect(publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(publicKey.excludeCredentials).toEqual([]);
    expect(publicKey.attestation).toBe("none");
    // "any" leaves the attachment out, so both platform and roaming authenticators qualify (docs/api.md §9.1).
    expect(publicKey.authenticatorSelection).toEqual({
      requireResidentKey: false,
      residentKey: "preferred",
      userVerification: "preferred",
    });

    // P1 creates the Entity on demand.
    const entity = await client.verify.v2.services(service.sid).entities(identity).fetch();
    expect(entity.sid).toBe(created.entitySid);

    const authenticator = new SoftwareAuthenticator();
    const credential = await authenticator.register(created.options, { origin: baseURL! });
    const verified = await service.context.newVerifyFactors.update(credential);
    expect(verified).toMatchObject({
      sid: created.sid,
      entitySid: created.entitySid,
      identity,
      status: "verified",
      factorType: "passkeys",
      friendlyName: "Ana's laptop",
      metadata: { aaguid: "00000000-0000-0000-0000-000000000000" },
      config: created.config,
    });
    expect(verified.dateUpdated.getTime()).toBeGreaterThanOrEqual(created.dateUpdated.getTime());
  });

  test("camelCase config (the library's types) sets the relying party per factor", async ({ service }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { created, verified } = await registerPasskey(service.context, authenticator, {
      identity,
      origin: "https://example.com",
      config: {
        relyingParty: { id: "example.com", name: "Example App", origins: ["https://example.com"] },
        authenticatorAttachment: "platform",
        discoverableCredentials: "required",
        userVerification: "required",
      },
    });
    expect(created.config).toEqual({
      relying_party: { id: "example.com", name: "Example App", origins: ["https://example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: "required",
      user_verification: "required",
    });
    expect((created.options as CreationOptions).publicKey.authenticatorSelection).toEqual({
      authenticatorAttachment: "platform",
      requireResidentKey: true,
      residentKey: "required",
      userVerification: "required",
    });
    expect(verified.status).toBe("verified");

    // A challenge for that factor is issued for its relying party, not the Service's.
    const { challenge, approved } = await signIn(service.context, authenticator, {
      origin: "https://example.com",
      body: { factorSid: created.sid },
    });
    expect((challenge.options as RequestOptions).publicKey.rpId).toBe("example.com");
    expect(approved.status).toBe("approved");
  });

  test("snake_case body keys (the documented spelling) are accepted too", async ({ service }) => {
    const identity = newIdentity();
    // The library forwards the object verbatim, so documented keys reach the server as written.
    const created = await service.context.newFactors.create({
      friendly_name: "Snake case",
      identity,
      config: { relying_party: { id: "example.com", origins: ["https://example.com"] } },
    } as never);
    expect(created.friendlyName).toBe("Snake case");
    expect(created.config.relying_party).toMatchObject({ id: "example.com", origins: ["https://example.com"] });
  });

  test("the entity's verified passkeys are excluded from the next registration", async ({ service, baseURL }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const first = await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const second = await service.context.newFactors.create({ friendlyName: "Second device", identity });
    expect((second.options as CreationOptions).publicKey.excludeCredentials).toEqual([
      expect.objectContaining({ type: "public-key", id: first.credentialId }),
    ]);
  });

  test("a missing friendly name is 400 60388", async ({ service }) => {
    await expectRestError(service.context.newFactors.create({ identity: newIdentity() } as never), {
      status: 400,
      code: 60388,
    });
  });

  test("a registration signed for a foreign origin is 400 60380 and leaves the factor unverified", async ({
    client,
    service,
  }) => {
    const identity = newIdentity();
    const created = await service.context.newFactors.create({ friendlyName: "Phished", identity });
    const credential = await new SoftwareAuthenticator().register(created.options, {
      origin: "https://evil.example",
    });
    await expectRestError(service.context.newVerifyFactors.update(credential), { status: 400, code: 60380 });
    const factor = await client.verify.v2.services(service.sid).entities(identity).factors(created.sid).fetch();
    expect(factor.status).toBe("unverified");
  });

  test("verifying the same registration twice is 400 60383", async ({ service, baseURL }) => {
    const created = await service.context.newFactors.create({ friendlyName: "Twice", identity: newIdentity() });
    const credential = await new SoftwareAuthenticator().register(created.options, { origin: baseURL! });
    await service.context.newVerifyFactors.update(credential);
    await expectRestError(service.context.newVerifyFactors.update(credential), { status: 400, code: 60383 });
  });
});

test.describe("Passkeys authentication (P3, P4)", () => {
  test("a challenge for an identity lists its passkeys and is approved by one of them", async ({
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { verified, credentialId } = await registerPasskey(service.context, authenticator, {
      identity,
      origin: baseURL!,
    });

    const challenge = await service.context.newChallenge().create({ identity });
    expect(challenge.sid).toMatch(SID("YC"));
    expect(challenge).toMatchObject({
      accountSid: VERIFY_ACCOUNT_SID,
      serviceSid: service.sid,
      entitySid: verified.entitySid,
      identity,
      factorSid: null,
      status: "pending",
      respondedReason: "none",
      factorType: "passkeys",
      dateResponded: null,
      url: `${baseURL}/v2/Services/${service.sid}/Passkeys/Challenges`,
    });
    const lifetime = challenge.expirationDate.getTime() - challenge.dateCreated.getTime();
    expect(lifetime).toBe(5 * 60_000);
    const { publicKey } = challenge.options as unknown as RequestOptions;
    expect(publicKey).toMatchObject({ rpId: "localhost", userVerification: "preferred" });
    expect(publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(publicKey.allowCredentials).toEqual([expect.objectContaining({ type: "public-key", id: credentialId })]);

    const assertion = await authenticator.authenticate(challenge.options, { origin: baseURL! });
    const approved = await service.context.approveChallenge.update(asApproval(assertion));
    expect(approved).toMatchObject({
      sid: challenge.sid,
      status: "approved",
      entitySid: verified.entitySid,
      identity,
      factorSid: verified.sid,
      respondedReason: "none",
      url: `${baseURL}/v2/Services/${service.sid}/Passkeys/ApproveChallenge`,
    });
    expect(approved.dateResponded).toBeInstanceOf(Date);
    expect(approved.options).toEqual(challenge.options);

    // Single use: the same assertion cannot approve it again.
    await expectRestError(service.context.approveChallenge.update(asApproval(assertion)), {
      status: 403,
      code: 60322,
    });
  });

  test("a discoverable challenge ({} and no argument) is approved by whichever passkey signs", async ({
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { verified } = await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });

    const empty = await service.context.newChallenge().create({});
    expect(empty).toMatchObject({ identity: null, entitySid: null, factorSid: null, status: "pending" });
    expect((empty.options as unknown as RequestOptions).publicKey.allowCredentials).toEqual([]);

    const assertion = await authenticator.authenticate(empty.options, { origin: baseURL! });
    expect(assertion.response.userHandle).toBe(b64url(verified.entitySid));
    const approved = await service.context.approveChallenge.update(asApproval(assertion));
    expect(approved).toMatchObject({
      status: "approved",
      identity,
      entitySid: verified.entitySid,
      factorSid: verified.sid,
    });

    // The library sends `{}` when create() gets no argument.
    const bare = await service.context.newChallenge().create();
    expect(bare.status).toBe("pending");
    const again = await signIn(service.context, authenticator, { origin: baseURL! });
    expect(again.approved.identity).toBe(identity);
  });

  test("approval records the last use on the factor", async ({ client, service, baseURL }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { verified } = await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const { approved } = await signIn(service.context, authenticator, { origin: baseURL!, body: { identity } });
    const factor = await client.verify.v2.services(service.sid).entities(identity).factors(verified.sid).fetch();
    expect(factor.metadata).toMatchObject({ aaguid: "00000000-0000-0000-0000-000000000000" });
    expect(new Date(factor.metadata.date_last_approved).getTime()).toBe(approved.dateResponded.getTime());
  });

  test("a bad signature is 403 60324 and the challenge stays pending", async ({ client, service, baseURL }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const challenge = await service.context.newChallenge().create({ identity });
    const forged = await authenticator.authenticate(challenge.options, {
      origin: baseURL!,
      tamper: { badSignature: true },
    });
    await expectRestError(service.context.approveChallenge.update(asApproval(forged)), { status: 403, code: 60324 });
    const fetched = await client.verify.v2
      .services(service.sid)
      .entities(identity)
      .challenges(challenge.sid)
      .fetch();
    expect(fetched.status).toBe("pending");
  });

  test("another user's passkey cannot approve a challenge issued for this identity (60324)", async ({
    service,
    baseURL,
  }) => {
    const alice = new SoftwareAuthenticator();
    const mallory = new SoftwareAuthenticator();
    const aliceIdentity = newIdentity();
    await registerPasskey(service.context, alice, { identity: aliceIdentity, origin: baseURL! });
    const { credentialId } = await registerPasskey(service.context, mallory, { identity: newIdentity(), origin: baseURL! });

    const challenge = await service.context.newChallenge().create({ identity: aliceIdentity });
    const assertion = await mallory.authenticate(challenge.options, { origin: baseURL!, credentialId });
    await expectRestError(service.context.approveChallenge.update(asApproval(assertion)), {
      status: 403,
      code: 60324,
    });
  });

  test("concurrent approvals of one challenge: exactly one wins, the others get 60322", async ({
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator({ counterStep: 0 });
    const identity = newIdentity();
    await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const challenge = await service.context.newChallenge().create({ identity });
    const assertion = await authenticator.authenticate(challenge.options, { origin: baseURL! });

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => service.context.approveChallenge.update(asApproval(assertion))),
    );
    const approved = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(approved).toHaveLength(1);
    expect(rejected.map((r) => [r.reason?.status, r.reason?.code])).toEqual(Array(4).fill([403, 60322]));
  });

  test("a signature counter that does not increase is refused as a cloned authenticator (60324)", async ({
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    await signIn(service.context, authenticator, { origin: baseURL!, body: { identity } }); // counter 1

    const challenge = await service.context.newChallenge().create({ identity });
    const cloned = await authenticator.authenticate(challenge.options, { origin: baseURL!, tamper: { counter: 1 } });
    await expectRestError(service.context.approveChallenge.update(asApproval(cloned)), { status: 403, code: 60324 });
  });

  test("challenge creation errors: unknown identity 60392, unverified factor 60318", async ({ service }) => {
    await expectRestError(service.context.newChallenge().create({ identity: newIdentity() }), {
      status: 404,
      code: 60392,
    });
    const pending = await service.context.newFactors.create({ friendlyName: "Never verified", identity: newIdentity() });
    await expectRestError(service.context.newChallenge().create({ factorSid: pending.sid }), {
      status: 403,
      code: 60318,
    });
  });
});

test.describe("Factors (F1–F4)", () => {
  test("list, fetch, rename and remove a passkeys factor", async ({ client, service, baseURL }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { verified, credentialId } = await registerPasskey(service.context, authenticator, {
      identity,
      origin: baseURL!,
      friendlyName: "Work laptop",
    });
    const pending = await service.context.newFactors.create({ friendlyName: "Phone", identity });
    const factors = client.verify.v2.services(service.sid).entities(identity).factors;

    const listed = await factors.list({ pageSize: 1 });
    expect(listed.map((f) => [f.sid, f.status, f.factorType])).toEqual([
      [verified.sid, "verified", "passkeys"],
      [pending.sid, "unverified", "passkeys"],
    ]);

    const fetched = await factors(verified.sid).fetch();
    expect(fetched).toMatchObject({
      sid: verified.sid,
      accountSid: VERIFY_ACCOUNT_SID,
      serviceSid: service.sid,
      entitySid: verified.entitySid,
      identity,
      friendlyName: "Work laptop",
      status: "verified",
      factorType: "passkeys",
      config: verified.config,
      url: `${baseURL}/v2/Services/${service.sid}/Entities/${identity}/Factors/${verified.sid}`,
    });

    const renamed = await factors(verified.sid).update({ friendlyName: "Old laptop" });
    expect(renamed.friendlyName).toBe("Old laptop");
    expect(renamed.status).toBe("verified");
    expect((await factors(verified.sid).fetch()).friendlyName).toBe("Old laptop");

    // A challenge issued before the removal can no longer be approved by the removed passkey.
    const challenge = await service.context.newChallenge().create({ identity });
    const removal = await factors(verified.sid).removeWithHttpInfo();
    expect(removal.statusCode).toBe(204);
    await expectRestError(factors(verified.sid).fetch(), { status: 404, code: 20404 });
    expect((await factors.list()).map((f) => f.sid)).toEqual([pending.sid]);

    const assertion = await authenticator.authenticate(challenge.options, { origin: baseURL!, credentialId });
    await expectRestError(service.context.approveChallenge.update(asApproval(assertion)), {
      status: 404,
      code: 60390,
    });
  });

  test("another entity's factor is 404 20404", async ({ client, service, baseURL }) => {
    const owner = newIdentity();
    const other = newIdentity();
    const { verified } = await registerPasskey(service.context, new SoftwareAuthenticator(), {
      identity: owner,
      origin: baseURL!,
    });
    await client.verify.v2.services(service.sid).entities.create({ identity: other });
    const wrongEntity = client.verify.v2.services(service.sid).entities(other).factors(verified.sid);
    await expectRestError(wrongEntity.fetch(), { status: 404, code: 20404 });
    await expectRestError(wrongEntity.update({ friendlyName: "Stolen" }), { status: 404, code: 20404 });
    await expectRestError(wrongEntity.remove(), { status: 404, code: 20404 });
  });

  test("removing the entity removes its passkeys", async ({ client, service, baseURL }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { credentialId } = await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const challenge = await service.context.newChallenge().create({});
    await client.verify.v2.services(service.sid).entities(identity).remove();

    const assertion = await authenticator.authenticate(challenge.options, { origin: baseURL!, credentialId });
    await expectRestError(service.context.approveChallenge.update(asApproval(assertion)), {
      status: 404,
      code: 60390,
    });
  });
});

test.describe("Challenges (C1, C2)", () => {
  test("list filters by Status and FactorSid, orders by Order; fetch returns one", async ({
    client,
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    const { verified } = await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });

    const first = await service.context.newChallenge().create({ identity });
    const second = await signIn(service.context, authenticator, { origin: baseURL!, body: { identity } });
    const third = await service.context.newChallenge().create({ identity });
    const all = [first.sid, second.challenge.sid, third.sid];

    const challenges = client.verify.v2.services(service.sid).entities(identity).challenges;
    expect((await challenges.list({ pageSize: 2 })).map((c) => c.sid)).toEqual(all);
    expect((await challenges.list({ order: "desc", pageSize: 2 })).map((c) => c.sid)).toEqual([...all].reverse());
    expect((await challenges.list({ status: "approved" })).map((c) => c.sid)).toEqual([second.challenge.sid]);
    expect((await challenges.list({ status: "pending", order: "desc" })).map((c) => c.sid)).toEqual([
      third.sid,
      first.sid,
    ]);
    expect((await challenges.list({ status: "expired" })).map((c) => c.sid)).toEqual([]);
    expect((await challenges.list({ factorSid: verified.sid })).map((c) => c.sid)).toEqual([second.challenge.sid]);
    // Filters survive paging: next_page_url keeps Status and Order.
    const pendingDesc = await challenges.page({ status: "pending", order: "desc", pageSize: 1 });
    expect(pendingDesc.instances.map((c) => c.sid)).toEqual([third.sid]);
    const next = await pendingDesc.nextPage()!;
    expect(next.instances.map((c) => c.sid)).toEqual([first.sid]);
    expect(next.nextPage()).toBeUndefined();

    const fetched = await challenges(second.challenge.sid).fetch();
    expect(fetched).toMatchObject({
      sid: second.challenge.sid,
      accountSid: VERIFY_ACCOUNT_SID,
      serviceSid: service.sid,
      entitySid: verified.entitySid,
      identity,
      factorSid: verified.sid,
      status: "approved",
      respondedReason: "none",
      factorType: "passkeys",
      url: `${baseURL}/v2/Services/${service.sid}/Entities/${identity}/Challenges/${second.challenge.sid}`,
    });
    expect(fetched.dateResponded).toEqual(second.approved.dateResponded);
    expect(fetched.expirationDate).toEqual(second.challenge.expirationDate);
  });

  test("a discoverable challenge joins the entity's list once its passkey approves it", async ({
    client,
    service,
    baseURL,
  }) => {
    const authenticator = new SoftwareAuthenticator();
    const identity = newIdentity();
    await registerPasskey(service.context, authenticator, { identity, origin: baseURL! });
    const challenges = client.verify.v2.services(service.sid).entities(identity).challenges;
    expect(await challenges.list()).toEqual([]);

    const { approved } = await signIn(service.context, authenticator, { origin: baseURL! });
    expect((await challenges.list()).map((c) => c.sid)).toEqual([approved.sid]);
  });

  test("an unknown or foreign challenge is 404 20404", async ({ client, service, baseURL }) => {
    const owner = newIdentity();
    const other = newIdentity();
    await registerPasskey(service.context, new SoftwareAuthenticator(), { identity: owner, origin: baseURL! });
    await client.verify.v2.services(service.sid).entities.create({ identity: other });
    const challenge = await service.context.newChallenge().create({ identity: owner });

    const entities = client.verify.v2.services(service.sid).entities;
    await expectRestError(entities(other).challenges(challenge.sid).fetch(), { status: 404, code: 20404 });
    await expectRestError(entities(owner).challenges(`YC${"0".repeat(32)}`).fetch(), { status: 404, code: 20404 });
  });
});
