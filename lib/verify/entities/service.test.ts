/**
 * Entities (E1–E4): one per end user, known by an opaque identity.
 */
import { describe, expect, it } from "vitest";
import { config } from "@/lib/env";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { approve, createService, newIdentity, paths, registerPasskey, startSignIn } from "@/test/helpers/verify";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("E1 create Entity", () => {
  it("creates an entity and answers 201 with every field and absolute links", async () => {
    const service = await createService();
    const identity = newIdentity();
    const res = await api.form(paths.entities(service.sid), { Identity: identity });
    expect(res.status).toBe(201);
    const url = `${BASE_URL}/v2/Services/${service.sid}/Entities/${identity}`;
    expect(res.body).toEqual({
      sid: expect.stringMatching(/^YE[0-9a-f]{32}$/),
      identity,
      account_sid: config().verifyAccount.accountSid,
      service_sid: service.sid,
      date_created: expect.stringMatching(ISO),
      date_updated: expect.stringMatching(ISO),
      url,
      links: { factors: `${url}/Factors`, new_factors: `${url}/Factors`, challenges: `${url}/Challenges` },
    });
  });

  it("refuses a second entity with the same identity with 409 / 60301", async () => {
    const service = await createService();
    const identity = newIdentity();
    await api.form(paths.entities(service.sid), { Identity: identity });
    const res = await api.form(paths.entities(service.sid), { Identity: identity });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject(twilioError(60301, 409));
  });

  it("allows the same identity in two Services", async () => {
    const identity = newIdentity();
    for (const service of [await createService(), await createService()]) {
      expect((await api.form(paths.entities(service.sid), { Identity: identity })).status).toBe(201);
    }
  });

  it("refuses a missing Identity with 20001", async () => {
    const service = await createService();
    const res = await api.form(paths.entities(service.sid), {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(20001, 400));
  });

  it.each([
    ["an e-mail address", "ana@example.com"],
    ["a phone number", "+15005550006"],
    ["a value under 8 characters", "abc-12"],
    ["a value over 64 characters", "a".repeat(65)],
    ["a double hyphen", "abcd--efgh"],
    ["a leading hyphen", "-abcdefgh"],
  ])("refuses %s as identity with 60367", async (_, identity) => {
    const service = await createService();
    const res = await api.form(paths.entities(service.sid), { Identity: identity });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(twilioError(60367, 400));
  });

  it("accepts alphanumeric groups joined by hyphens, 8 to 64 characters", async () => {
    const service = await createService();
    for (const identity of ["abcdefgh", "ff483d1ff591898a9942916050d2ca3f", "A1-b2-C3-d4", "x".repeat(64)]) {
      expect((await api.form(paths.entities(service.sid), { Identity: identity })).status, identity).toBe(201);
    }
  });
});

describe("E2 fetch Entity", () => {
  it("returns the entity", async () => {
    const service = await createService();
    const identity = newIdentity();
    const created = await api.form(paths.entities(service.sid), { Identity: identity });
    const res = await api.get(paths.entity(service.sid, identity));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
  });

  it("answers an unknown identity with 404 / 20404 naming the path", async () => {
    const service = await createService();
    const identity = newIdentity();
    const res = await api.get(paths.entity(service.sid, identity));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject(twilioError(20404, 404));
    expect(res.body.message).toBe(`The requested resource ${paths.entity(service.sid, identity)} was not found`);
  });

  it("answers an identity of another Service with 404", async () => {
    const a = await createService();
    const b = await createService();
    const identity = newIdentity();
    await api.form(paths.entities(a.sid), { Identity: identity });
    expect((await api.get(paths.entity(b.sid, identity))).status).toBe(404);
  });

  it("refuses a malformed identity in the path with 60367", async () => {
    const service = await createService();
    const res = await api.get(paths.entity(service.sid, "bad"));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60367);
  });
});

describe("E3 list Entities", () => {
  it("lists the Service's entities in creation order with the entities envelope", async () => {
    const service = await createService();
    const other = await createService();
    await api.form(paths.entities(other.sid), { Identity: newIdentity() });
    const created = [];
    for (let i = 0; i < 3; i++) created.push((await api.form(paths.entities(service.sid), { Identity: newIdentity() })).body);

    const all = await api.get(paths.entities(service.sid));
    expect(all.status).toBe(200);
    expect(all.body.meta.key).toBe("entities");
    expect([...all.body.entities].map((e: { sid: string }) => e.sid).sort()).toEqual(created.map((e) => e.sid).sort());

    const page = await api.get(paths.entities(service.sid), { PageSize: 2 });
    expect(page.body.entities).toHaveLength(2);
    expect(page.body.meta.url).toBe(`${BASE_URL}/v2/Services/${service.sid}/Entities?PageSize=2&Page=0`);
    const next = await api.get(page.body.meta.next_page_url);
    expect([...page.body.entities, ...next.body.entities]).toEqual(all.body.entities);
    expect(next.body.meta.next_page_url).toBeNull();
  });

  it("answers an unknown Service with 404", async () => {
    expect((await api.get(paths.entities("VA00000000000000000000000000000000"))).status).toBe(404);
  });
});

describe("E4 delete Entity", () => {
  it("answers 204 with an empty body, then 404", async () => {
    const service = await createService();
    const identity = newIdentity();
    await api.form(paths.entities(service.sid), { Identity: identity });
    const res = await api.delete(paths.entity(service.sid, identity));
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await api.get(paths.entity(service.sid, identity))).status).toBe(404);
    expect((await api.delete(paths.entity(service.sid, identity))).status).toBe(404);
  });

  it("removes the entity's passkeys so they can approve nothing more", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity } = await registerPasskey(service.sid, auth);
    // A pending discoverable challenge (not bound to the entity) survives the deletion…
    const { assertion } = await startSignIn(service.sid, auth);

    expect((await api.delete(paths.entity(service.sid, identity))).status).toBe(204);

    // …but the credential no longer maps to a factor.
    const res = await approve(service.sid, assertion);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(60390);
    expect((await api.get(paths.factors(service.sid, identity))).status).toBe(404);
  });

  it("deletes the challenges bound to the entity", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity } = await registerPasskey(service.sid, auth);
    const { assertion } = await startSignIn(service.sid, auth, { body: { identity } });
    await api.delete(paths.entity(service.sid, identity));
    const res = await approve(service.sid, assertion);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(60391);
  });

  it("lets the identity be registered again afresh", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity, factor } = await registerPasskey(service.sid, auth);
    await api.delete(paths.entity(service.sid, identity));
    const again = await registerPasskey(service.sid, auth, { identity });
    expect(again.factor.entity_sid).not.toBe(factor.entity_sid);
  });
});
