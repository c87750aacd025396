/**
 * The /v2 contract as a customer meets it: the official `twilio` package, pointed at the
 * production build, creating, reading, paging and deleting Services and Entities, with API
 * keys, bad credentials and another account's data. Assertions are on what the library
 * parses (camelCase instances, Dates, RestException status/code), not on raw JSON, except
 * where the library would hide the wire format that matters (the quickstart's form body, paging meta).
 * Reference: docs/api.md §2–§5, §7.1, §7.2, §8.1–§8.5 and §8.10–§8.13.
 */
import { createAccount } from "../helpers/accounts";
import { basic } from "../../test/helpers/basic-auth";
import { E2E_ENGINE_NAME, VERIFY_ACCOUNT_SID, VERIFY_API_KEY_SECRET, VERIFY_API_KEY_SID, VERIFY_AUTH_TOKEN } from "../helpers/env";
import { expect, expectRestError, newIdentity, relyingParty, test, verifyClient } from "../helpers/verify";

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);

// The engine in the title: the suite runs once on SQLite and once on PostgreSQL.
test.describe(`Services (${E2E_ENGINE_NAME})`, () => {
  test("create returns the Service with its passkeys settings as the library parses them", async ({
    createService,
    baseURL,
  }) => {
    const rp = relyingParty(baseURL!);
    const service = await createService({
      friendlyName: "OwlBank contract",
      "passkeys.relyingParty.id": rp.id,
      "passkeys.relyingParty.name": rp.name,
      // The library types origins as one string; Twilio documents a comma-separated list.
      "passkeys.relyingParty.origins": `${rp.origins[0]},https://login.example.com`,
      "passkeys.authenticatorAttachment": "platform",
      "passkeys.discoverableCredentials": "required",
      "passkeys.userVerification": "discouraged",
      lookupEnabled: false,
    });

    expect(service.sid).toMatch(SID("VA"));
    expect(service.accountSid).toBe(VERIFY_ACCOUNT_SID);
    expect(service.friendlyName).toBe("OwlBank contract");
    expect(service.codeLength).toBe(6);
    expect(service.lookupEnabled).toBe(false);
    expect(service.passkeys).toEqual({
      relying_party: { id: rp.id, name: rp.name, origins: [rp.origins[0], "https://login.example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: "required",
      user_verification: "discouraged",
    });
    expect(service.dateCreated).toBeInstanceOf(Date);
    expect(Math.abs(service.dateCreated.getTime() - Date.now())).toBeLessThan(60_000);
    expect(service.url).toBe(`${baseURL}/v2/Services/${service.sid}`);
    expect(service.links).toMatchObject({ entities: `${baseURL}/v2/Services/${service.sid}/Entities` });
  });

  test("repeated Origins keys are accepted like a comma-separated list", async ({ createService }) => {
    const service = await createService({
      friendlyName: "Repeated origins",
      "passkeys.relyingParty.id": "example.com",
      // At run time the library sends an array as repeated keys (docs/api.md §3.1).
      "passkeys.relyingParty.origins": ["https://example.com", "https://login.example.com"] as unknown as string,
    });
    expect(service.passkeys.relying_party.origins).toEqual(["https://example.com", "https://login.example.com"]);
  });

  test("the quickstart's raw form (bare host origins) is normalised to https origins", async ({
    client,
    baseURL,
  }) => {
    // Twilio's passkeys quickstart posts bare host names; sent raw, exactly as its curl does.
    const response = await fetch(`${baseURL}/v2/Services`, {
      method: "POST",
      headers: {
        Authorization: basic(VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        FriendlyName: "Passkey Example",
        "Passkeys.RelyingParty.Id": "example.com",
        "Passkeys.RelyingParty.Name": "Example App",
        "Passkeys.RelyingParty.Origins": "example.com,login.example.com",
        "Passkeys.AuthenticatorAttachment": "platform",
        "Passkeys.DiscoverableCredentials": "preferred",
        "Passkeys.UserVerification": "preferred",
      }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as { sid: string };
    try {
      const service = await client.verify.v2.services(body.sid).fetch();
      expect(service.passkeys).toEqual({
        relying_party: {
          id: "example.com",
          name: "Example App",
          origins: ["https://example.com", "https://login.example.com"],
        },
        authenticator_attachment: "platform",
        discoverable_credentials: "preferred",
        user_verification: "preferred",
      });
    } finally {
      await client.verify.v2.services(body.sid).remove();
    }
  });

  test("fetch returns what create returned", async ({ client, service }) => {
    const fetched = await client.verify.v2.services(service.sid).fetch();
    expect(fetched.toJSON()).toEqual(service.instance.toJSON());
  });

  test("update changes only the parameters sent", async ({ client, service }) => {
    const updated = await client.verify.v2
      .services(service.sid)
      .update({ friendlyName: "Renamed", "passkeys.userVerification": "required" });
    expect(updated.friendlyName).toBe("Renamed");
    expect(updated.passkeys).toEqual({ ...service.instance.passkeys, user_verification: "required" });
    expect(updated.dateCreated).toEqual(service.instance.dateCreated);

    const fetched = await client.verify.v2.services(service.sid).fetch();
    expect(fetched.friendlyName).toBe("Renamed");
    expect(fetched.passkeys.user_verification).toBe("required");
  });

  test("a FriendlyName longer than 32 characters is refused with 60200", async ({ client }) => {
    await expectRestError(client.verify.v2.services.create({ friendlyName: "x".repeat(33) }), {
      status: 400,
      code: 60200,
    });
  });

  test("a missing FriendlyName is refused with 20001", async ({ baseURL }) => {
    // The library refuses this client-side, so it is sent raw.
    const response = await fetch(`${baseURL}/v2/Services`, {
      method: "POST",
      headers: {
        Authorization: basic(VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "CodeLength=6",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 20001, status: 400 });
  });

  test("list pages through every Service with PageSize, page() and nextPage()", async ({
    client,
    createService,
  }) => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createService({ friendlyName: `Paging ${i}` })).sid);

    // list() follows next_page_url to the end. Other tests may add Services meanwhile, so
    // only the order and presence of ours is asserted.
    const listed = (await client.verify.v2.services.list({ pageSize: 2 })).map((s) => s.sid);
    expect(listed.filter((sid) => created.includes(sid))).toEqual(created);
    expect(new Set(listed).size).toBe(listed.length);

    const limited = await client.verify.v2.services.list({ pageSize: 2, limit: 3 });
    expect(limited).toHaveLength(3);

    const seen: string[] = [];
    // page() gives a ServicePage, nextPage() the generic Page: both fit this shape.
    type SidPage = { instances: { sid: string }[]; nextPage(): Promise<SidPage> | undefined };
    let page: SidPage = await client.verify.v2.services.page({ pageSize: 2 });
    let pages = 1;
    for (;;) {
      expect(page.instances.length).toBeLessThanOrEqual(2);
      seen.push(...page.instances.map((s) => s.sid));
      const next = page.nextPage();
      if (!next) break;
      expect(page.instances).toHaveLength(2);
      page = await next;
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.filter((sid) => created.includes(sid))).toEqual(created);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test("the paging envelope names its key and links with absolute URLs", async ({ baseURL, createService }) => {
    for (let i = 0; i < 3; i++) await createService({ friendlyName: `Envelope ${i}` });
    const response = await fetch(`${baseURL}/v2/Services?PageSize=2`, {
      headers: { Authorization: basic(VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN) },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { services: unknown[]; meta: Record<string, unknown> };
    expect(body.services).toHaveLength(2);
    expect(body.meta).toMatchObject({ key: "services", page: 0, page_size: 2, previous_page_url: null });
    expect(body.meta.next_page_url).toEqual(expect.stringContaining(`${baseURL}/v2/Services?`));
    expect(body.meta.first_page_url).toEqual(expect.stringContaining(`${baseURL}/v2/Services?`));
    expect(body.meta.url).toEqual(expect.stringContaining(`${baseURL}/v2/Services?`));
  });

  test("remove deletes the Service: 204, then 404 20404 for it", async ({ client, createService }) => {
    const service = await createService({ friendlyName: "To delete" });
    const removal = await client.verify.v2.services(service.sid).removeWithHttpInfo();
    expect(removal.statusCode).toBe(204);
    expect(removal.body).toBe(true);

    await expectRestError(client.verify.v2.services(service.sid).fetch(), { status: 404, code: 20404 });
    await expectRestError(client.verify.v2.services(service.sid).remove(), { status: 404, code: 20404 });
    const listed = await client.verify.v2.services.list();
    expect(listed.map((s) => s.sid)).not.toContain(service.sid);
  });

  test("an unknown Service is 404 20404 with the requested path in the message", async ({ client }) => {
    const sid = "VA00000000000000000000000000000000";
    const error = await expectRestError(client.verify.v2.services(sid).fetch(), { status: 404, code: 20404 });
    expect(error.message).toContain(`/v2/Services/${sid}`);
    expect(error.moreInfo).toBe("https://www.twilio.com/docs/errors/20404");
  });
});

test.describe("Entities", () => {
  test("a path with a trailing slash names no resource: 404 20404, not the list", async ({ baseURL, service }) => {
    // The library never sends one (docs/api.md §1); a hand-made client might, and Next would serve the list.
    for (const path of [`/v2/Services/${service.sid}/Entities/`, "/v2/Services/"]) {
      const response = await fetch(`${baseURL}${path}`, { headers: { Authorization: basic(VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN) } });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 20404, message: `The requested resource ${path} was not found` });
    }
  });

  test("create, fetch and remove an Entity", async ({ client, service, baseURL }) => {
    const identity = newIdentity();
    const entities = client.verify.v2.services(service.sid).entities;

    const created = await entities.create({ identity });
    expect(created.sid).toMatch(SID("YE"));
    expect(created.identity).toBe(identity);
    expect(created.accountSid).toBe(VERIFY_ACCOUNT_SID);
    expect(created.serviceSid).toBe(service.sid);
    expect(created.dateCreated).toBeInstanceOf(Date);
    const url = `${baseURL}/v2/Services/${service.sid}/Entities/${identity}`;
    expect(created.url).toBe(url);
    expect(created.links).toEqual({ factors: `${url}/Factors`, new_factors: `${url}/Factors`, challenges: `${url}/Challenges` });

    const fetched = await client.verify.v2.services(service.sid).entities(identity).fetch();
    expect(fetched.toJSON()).toEqual(created.toJSON());

    const removal = await client.verify.v2.services(service.sid).entities(identity).removeWithHttpInfo();
    expect(removal.statusCode).toBe(204);
    await expectRestError(client.verify.v2.services(service.sid).entities(identity).fetch(), {
      status: 404,
      code: 20404,
    });
  });

  test("creating an Entity twice is 409 60301", async ({ client, service }) => {
    const identity = newIdentity();
    await client.verify.v2.services(service.sid).entities.create({ identity });
    await expectRestError(client.verify.v2.services(service.sid).entities.create({ identity }), {
      status: 409,
      code: 60301,
    });
  });

  test("an identity that breaks the format rule is 400 60367", async ({ client, service }) => {
    await expectRestError(client.verify.v2.services(service.sid).entities.create({ identity: "short" }), {
      status: 400,
      code: 60367,
    });
    await expectRestError(client.verify.v2.services(service.sid).entities.create({ identity: "not_a--valid id" }), {
      status: 400,
      code: 60367,
    });
  });

  test("list pages through the Service's Entities in creation order", async ({ client, service }) => {
    const identities: string[] = [];
    for (let i = 0; i < 5; i++) {
      const identity = newIdentity();
      await client.verify.v2.services(service.sid).entities.create({ identity });
      identities.push(identity);
    }
    const entities = client.verify.v2.services(service.sid).entities;
    expect((await entities.list({ pageSize: 2 })).map((e) => e.identity)).toEqual(identities);

    const first = await entities.page({ pageSize: 2 });
    expect(first.instances.map((e) => e.identity)).toEqual(identities.slice(0, 2));
    const second = await first.nextPage()!;
    expect(second.instances.map((e) => e.identity)).toEqual(identities.slice(2, 4));
    const third = await second.nextPage()!;
    expect(third.instances.map((e) => e.identity)).toEqual(identities.slice(4));
    expect(third.nextPage()).toBeUndefined();
    const back = await third.previousPage()!;
    expect(back.instances.map((e) => e.identity)).toEqual(identities.slice(2, 4));

    await entities(identities[0]).remove();
    expect((await entities.list()).map((e) => e.identity)).toEqual(identities.slice(1));
  });

  test("removing a Service removes its Entities", async ({ client, createService }) => {
    const service = await createService({ friendlyName: "Cascade" });
    const identity = newIdentity();
    await client.verify.v2.services(service.sid).entities.create({ identity });
    await client.verify.v2.services(service.sid).remove();
    await expectRestError(client.verify.v2.services(service.sid).entities(identity).fetch(), {
      status: 404,
      code: 20404,
    });
  });
});

test.describe("Authentication", () => {
  test("an API key (SK…) and its secret act for the owning account", async ({ service, baseURL }) => {
    const keyClient = verifyClient(baseURL, {
      username: VERIFY_API_KEY_SID,
      password: VERIFY_API_KEY_SECRET,
      accountSid: VERIFY_ACCOUNT_SID,
    });
    const fetched = await keyClient.verify.v2.services(service.sid).fetch();
    expect(fetched.accountSid).toBe(VERIFY_ACCOUNT_SID);
    const identity = newIdentity();
    const entity = await keyClient.verify.v2.services(service.sid).entities.create({ identity });
    expect(entity.accountSid).toBe(VERIFY_ACCOUNT_SID);
    expect((await keyClient.verify.v2.services.list()).map((s) => s.sid)).toContain(service.sid);
  });

  test("a wrong auth token is 401 20003", async ({ service, baseURL }) => {
    const wrong = verifyClient(baseURL, { username: VERIFY_ACCOUNT_SID, password: "0".repeat(32) });
    const error = await expectRestError(wrong.verify.v2.services(service.sid).fetch(), { status: 401, code: 20003 });
    expect(error.moreInfo).toBe("https://www.twilio.com/docs/errors/20003");
    await expectRestError(wrong.verify.v2.services.list(), { status: 401, code: 20003 });
  });

  test("a wrong API key secret, an unknown account and a missing header are 401 20003", async ({
    service,
    baseURL,
  }) => {
    const badKey = verifyClient(baseURL, {
      username: VERIFY_API_KEY_SID,
      password: "not-the-secret-0000000000",
      accountSid: VERIFY_ACCOUNT_SID,
    });
    await expectRestError(badKey.verify.v2.services(service.sid).fetch(), { status: 401, code: 20003 });

    const unknown = verifyClient(baseURL, { username: `AC${"f".repeat(32)}`, password: VERIFY_AUTH_TOKEN });
    await expectRestError(unknown.verify.v2.services(service.sid).fetch(), { status: 401, code: 20003 });

    const anonymous = await fetch(`${baseURL}/v2/Services/${service.sid}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 20003, status: 401 });
  });

  test("another account's Service and everything under it is 404 20404", async ({ client, baseURL }) => {
    const other = await createAccount();
    const otherClient = verifyClient(baseURL, { username: other.accountSid, password: other.authToken });
    try {
      const foreign = await otherClient.verify.v2.services.create({ friendlyName: "Someone else's" });
      expect(foreign.accountSid).toBe(other.accountSid);
      const identity = newIdentity();
      await otherClient.verify.v2.services(foreign.sid).entities.create({ identity });

      const notFound = { status: 404, code: 20404 };
      const theirs = client.verify.v2.services(foreign.sid);
      await expectRestError(theirs.fetch(), notFound);
      await expectRestError(theirs.update({ friendlyName: "Hijacked" }), notFound);
      await expectRestError(theirs.entities(identity).fetch(), notFound);
      await expectRestError(theirs.entities.list(), notFound);
      await expectRestError(theirs.entities.create({ identity: newIdentity() }), notFound);
      await expectRestError(theirs.newFactors.create({ friendlyName: "Intruder", identity }), notFound);
      await expectRestError(theirs.newChallenge().create({}), notFound);
      await expectRestError(theirs.entities(identity).remove(), notFound);
      await expectRestError(theirs.remove(), notFound);
      expect((await client.verify.v2.services.list()).map((s) => s.sid)).not.toContain(foreign.sid);

      // Still intact for its owner.
      expect((await otherClient.verify.v2.services(foreign.sid).fetch()).friendlyName).toBe("Someone else's");
      expect((await otherClient.verify.v2.services(foreign.sid).entities(identity).fetch()).identity).toBe(identity);
      await otherClient.verify.v2.services(foreign.sid).remove();
    } finally {
      await other.remove();
    }
  });
});
