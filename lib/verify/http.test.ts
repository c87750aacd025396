/**
 * The edge of the /v2 API (`verifyRoutes`): authentication, error bodies, methods, unknown
 * paths, body limits, paging and tenant isolation.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as EntitiesRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/route";
import * as ServicesRoute from "@/app/(verify-api)/v2/Services/route";
import { config } from "@/lib/env";
import * as accounts from "@/lib/verify/accounts";
import { provisionAccount } from "@/lib/verify/accounts";
import { MAX_BODY_BYTES, verifyRoutes } from "@/lib/verify/http";
import { newSid } from "@/lib/verify/sid";
import { accountAuth, api, type ApiResponse, apiClient, apiKeyAuth, basic, BASE_URL, twilioError } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createService, newIdentity, ORIGIN, paths, registerPasskey, startSignIn } from "@/test/helpers/verify";

const AUTH_ERROR = {
  code: 20003,
  message: "Authenticate",
  more_info: "https://www.twilio.com/docs/errors/20003",
  status: 401,
};

async function secondAccount() {
  const accountSid = newSid("AC");
  const authToken = "0123456789abcdef0123456789abcdef";
  const apiKeySid = newSid("SK");
  const apiKeySecret = "another-secret-of-the-second-account";
  await provisionAccount({ accountSid, authToken, apiKeySid, apiKeySecret });
  return { accountSid, client: apiClient(basic(accountSid, authToken)), keyClient: apiClient(basic(apiKeySid, apiKeySecret)) };
}

describe("authentication", () => {
  it("calls the route module directly, as Next would", async () => {
    const res = await ServicesRoute.POST(
      new Request(`${BASE_URL}/v2/Services`, {
        method: "POST",
        headers: { authorization: accountAuth(), "content-type": "application/x-www-form-urlencoded" },
        body: "FriendlyName=Direct",
      }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect((await res.json()).friendly_name).toBe("Direct");
  });

  it("accepts the Account SID with its auth token", async () => {
    expect((await api.get(paths.services)).status).toBe(200);
  });

  it("accepts an API key SID with its secret and acts as the key's account", async () => {
    const created = await createService({}, apiClient(apiKeyAuth()));
    expect(created.account_sid).toBe(config().verifyAccount.accountSid);
    expect((await api.get(paths.service(created.sid))).status).toBe(200);
  });

  it.each([
    ["no Authorization header", null],
    ["a wrong auth token", basic(config().verifyAccount.accountSid, "ffffffffffffffffffffffffffffffff")],
    ["an unknown Account SID", basic(newSid("AC"), "0123456789abcdef0123456789abcdef")],
    ["a wrong API key secret", basic(config().verifyAccount.apiKeySid!, "wrong")],
    ["an API key secret used with the Account SID", basic(config().verifyAccount.accountSid, config().verifyAccount.apiKeySecret!)],
    ["a username that is neither AC nor SK", basic("user", "pass")],
    ["a Bearer token", "Bearer abc.def.ghi"],
    ["malformed Basic credentials", "Basic !!!"],
    ["Basic credentials without a colon", `Basic ${Buffer.from("ACnocolon").toString("base64")}`],
  ])("refuses %s with 401 / 20003 and Twilio's body", async (_, auth) => {
    const res = await api.request("GET", paths.services, { auth });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_ERROR);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="Twilio API"');
  });

  it("authenticates before revealing whether a path exists", async () => {
    const res = await api.request("GET", "/v2/NoSuchThing", { auth: null });
    expect(res.status).toBe(401);
  });
});

describe("unexpected errors", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** What drizzle throws: the query and its parameters in the message, the driver's error as `cause`. */
  function queryError(code: string, message: string) {
    const cause = Object.assign(new Error(message), { code });
    return new Error('Failed query: select "sid" from "verify_api_keys" where "sid" = ?\nparams: SECRET-PARAMETER', { cause });
  }

  async function answer(error: Error) {
    const { GET } = verifyRoutes({
      GET: () => {
        throw error;
      },
    });
    const res = await GET(new Request(`${BASE_URL}/v2/Services`, { headers: { authorization: accountAuth() } }), {
      params: Promise.resolve({}),
    });
    return { res, text: await res.text() };
  }

  it.each([
    ["refused connection", "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"],
    ["PostgreSQL shutting down (57P01)", "57P01", "terminating connection due to administrator command"],
  ])("answers a database that did not answer (%s) with 503 / 20503 and Retry-After", async (_, code, message) => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const { res, text } = await answer(queryError(code, message));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(text)).toEqual({
      code: 20503,
      message: "Service Unavailable: the database did not answer; try again",
      more_info: "https://www.twilio.com/docs/errors/20503",
      status: 503,
    });
    // No stack trace, query, parameter or driver message reaches the caller.
    for (const leak of ["    at ", "Failed query", "SECRET-PARAMETER", code, message]) expect(text).not.toContain(leak);
    // The server log names the driver's error, but not the query's parameters.
    const lines = logged.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines.some((line) => line.includes(code))).toBe(true);
    expect(lines.join("\n")).not.toContain("SECRET-PARAMETER");
  });

  it("answers 503 when authentication cannot reach the database, and does not count it as a failed attempt", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(accounts, "authenticate").mockRejectedValue(queryError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"));
    // From an address of its own, past the failed-authentication limit.
    const headers = { "x-owlbank-peer-address": "203.0.113.77" };
    for (let i = 0; i <= config().rateLimits.authFailuresPerMinute; i++) {
      const res = await api.request("GET", paths.services, { headers });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe(20503);
    }
    vi.restoreAllMocks();
    // Had those counted, a wrong password for the same username would now be answered 429.
    const wrong = basic(config().verifyAccount.accountSid, "ffffffffffffffffffffffffffffffff");
    expect((await api.request("GET", paths.services, { headers, auth: wrong })).status).toBe(401);
    expect((await api.request("GET", paths.services, { headers })).status).toBe(200);
  });

  it("answers any other unexpected error with a bare 500 / 20500", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { res, text } = await answer(queryError("SQLITE_ERROR", "no such table: verify_api_keys"));
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(JSON.parse(text)).toEqual({
      code: 20500,
      message: "Internal Server Error",
      more_info: "https://www.twilio.com/docs/errors/20500",
      status: 500,
    });
    expect(text).not.toContain("SECRET-PARAMETER");
  });
});

describe("methods and paths", () => {
  it("answers a method the route does not implement with 405 and a Twilio body", async () => {
    const res = await api.request("PUT", paths.services);
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject(twilioError(20004, 405));
    expect(res.body.message).toContain("GET, POST");
  });

  it("answers DELETE on a Passkeys endpoint with 405", async () => {
    const service = await createService();
    const res = await api.request("DELETE", paths.verifyFactor(service.sid));
    expect(res.status).toBe(405);
    expect(res.body.code).toBe(20004);
  });

  it("answers an unknown /v2 path with 404 / 20404 naming the path", async () => {
    const res = await api.get("/v2/Services/VA00000000000000000000000000000000/Nope/Deeper");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      code: 20404,
      message: "The requested resource /v2/Services/VA00000000000000000000000000000000/Nope/Deeper was not found",
      more_info: "https://www.twilio.com/docs/errors/20404",
      status: 404,
    });
  });

  it("answers a path with a trailing slash with 404, though Next hands it to the list route", async () => {
    const service = await createService();
    const url = `${BASE_URL}${paths.entities(service.sid)}/`;
    const res = await EntitiesRoute.GET(new Request(url, { headers: { authorization: accountAuth() } }), {
      params: Promise.resolve({ serviceSid: service.sid }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ...twilioError(20404, 404), message: `The requested resource ${paths.entities(service.sid)}/ was not found` });
  });

  it.each(["POST", "DELETE", "PATCH"] as const)("answers %s on an unknown path with 404 / 20404", async (method) => {
    const res = await api.request(method, "/v2/Unknown");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("request bodies", () => {
  const big = "FriendlyName=x&Padding=" + "a".repeat(MAX_BODY_BYTES + 1);

  // PostgreSQL's text cannot hold U+0000: without this the same request would be stored on
  // SQLite and answered 500 on PostgreSQL.
  it("refuses a NUL character in a form field, a JSON field, a query or a path with 400 / 60200 on every engine", async () => {
    const form = await api.request("POST", paths.services, {
      raw: "FriendlyName=a%00b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status, form.text).toBe(400);
    expect(form.body).toMatchObject({ code: 60200, message: expect.stringContaining("FriendlyName contains a NUL character") });

    const service = await createService();
    const inJson = await api.json(paths.passkeysFactors(service.sid), { friendly_name: "a\u0000b", identity: newIdentity() });
    expect(inJson.body).toMatchObject({ code: 60200, status: 400 });

    const query = await api.request("GET", `${paths.services}?PageSize=%00`);
    expect(query.body).toMatchObject({ code: 60200, status: 400 });

    const path = await api.request("GET", `${paths.services}/${service.sid}/Entities/a%00b`);
    expect(path.body).toMatchObject({ code: 60200, status: 400 });
  });

  it("refuses a body over 64 KB with 413", async () => {
    const res = await api.request("POST", paths.services, {
      raw: big,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 60200, status: 413 });
  });

  it("refuses a body whose declared Content-Length is over 64 KB before reading it", async () => {
    const res = await api.request("POST", paths.services, {
      raw: "FriendlyName=x",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(MAX_BODY_BYTES + 1) },
    });
    expect(res.status).toBe(413);
  });

  it("accepts a body of exactly 64 KB", async () => {
    const prefix = "FriendlyName=x&Padding=";
    const res = await api.request("POST", paths.services, {
      raw: prefix + "a".repeat(MAX_BODY_BYTES - prefix.length),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(201);
  });

  it("refuses a JSON body over 64 KB on a Passkeys endpoint", async () => {
    const service = await createService();
    const res = await api.json(paths.passkeysFactors(service.sid), {
      friendly_name: "x",
      identity: newIdentity(),
      padding: "a".repeat(MAX_BODY_BYTES),
    });
    expect(res.status).toBe(413);
  });

  it("refuses malformed JSON with 60200", async () => {
    const service = await createService();
    const res = await api.request("POST", paths.passkeysFactors(service.sid), {
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
  });

  it("refuses a JSON array body with 60200", async () => {
    const service = await createService();
    const res = await api.json(paths.passkeysChallenges(service.sid), []);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
  });
});

describe("paging", () => {
  /** Five Services in an account of their own, so other tests' Services do not interfere. */
  async function fiveServices() {
    const { client } = await secondAccount();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createService({ FriendlyName: `Service ${i}` }, client)).sid);
    // Order is (date_created, sid): Services created in the same millisecond sort by SID.
    const all = (await client.get(paths.services)).body.services.map((s: { sid: string }) => s.sid);
    expect([...all].sort()).toEqual([...created].sort());
    return { client, all };
  }
  const sids = (res: { body: { services: { sid: string }[] } }) => res.body.services.map((s) => s.sid);

  it("pages with PageSize and follows next_page_url and previous_page_url as absolute URLs", async () => {
    const { client, all } = await fiveServices();

    const first = await client.get(paths.services, { PageSize: 2 });
    expect(first.status).toBe(200);
    expect(sids(first)).toEqual(all.slice(0, 2));
    expect(first.body.meta).toMatchObject({
      page: 0,
      page_size: 2,
      key: "services",
      previous_page_url: null,
      first_page_url: `${BASE_URL}/v2/Services?PageSize=2&Page=0`,
      url: `${BASE_URL}/v2/Services?PageSize=2&Page=0`,
    });
    expect(first.body.meta.next_page_url).toMatch(/^http:\/\/localhost:3000\/v2\/Services\?PageSize=2&Page=1&PageToken=PA/);

    const second = await client.get(first.body.meta.next_page_url);
    expect(second.status).toBe(200);
    expect(sids(second)).toEqual(all.slice(2, 4));
    expect(second.body.meta.page).toBe(1);
    expect(second.body.meta.url).toBe(first.body.meta.next_page_url);
    expect(second.body.meta.first_page_url).toBe(first.body.meta.first_page_url);
    expect(second.body.meta.previous_page_url).toMatch(/^http:\/\/localhost:3000\/v2\/Services\?PageSize=2&Page=0&PageToken=PB/);

    const third = await client.get(second.body.meta.next_page_url);
    expect(sids(third)).toEqual(all.slice(4));
    expect(third.body.meta.next_page_url).toBeNull();

    const back = await client.get(second.body.meta.previous_page_url);
    expect(sids(back)).toEqual(all.slice(0, 2));
    expect(back.body.meta.previous_page_url).toBeNull();
    expect(back.body.meta.next_page_url).not.toBeNull();
  });

  it("does not skip or repeat rows when rows are added between pages", async () => {
    const { client, all } = await fiveServices();
    const first = await client.get(paths.services, { PageSize: 3 });
    const added = await createService({ FriendlyName: "Late" }, client);
    const second = await client.get(first.body.meta.next_page_url);
    expect([...sids(first), ...sids(second)]).toEqual([...all, added.sid]);
  });

  it("defaults to 50 per page and clamps PageSize above 1000", async () => {
    const { client } = await fiveServices();
    const res = await client.get(paths.services);
    expect(res.body.meta.page_size).toBe(50);
    expect(res.body.services).toHaveLength(5);
    expect(res.body.meta.next_page_url).toBeNull();
    const clamped = await client.get(paths.services, { PageSize: 5000 });
    expect(clamped.body.meta.page_size).toBe(1000);
  });

  it("gives no next_page_url when the page holds the last row", async () => {
    const { client } = await fiveServices();
    const res = await client.get(paths.services, { PageSize: 5 });
    expect(res.body.services).toHaveLength(5);
    expect(res.body.meta.next_page_url).toBeNull();
  });

  it.each([
    ["PageSize", "0", 60200],
    ["PageSize", "ten", 60200],
    ["Page", "-1", 60200],
    ["PageToken", "garbage", 21481],
  ])("refuses %s=%s with %i", async (name, value, code) => {
    const res = await api.get(paths.services, { [name]: value });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
  });
});

describe("tenant isolation", () => {
  it("answers 404 / 20404 for another account's Service, on every route under it", async () => {
    const other = await secondAccount();
    const theirs = await createService({}, other.client);
    const auth = new SoftwareAuthenticator();
    const { identity, factor } = await registerPasskey(theirs.sid, auth, { client: other.client });

    const requests: [string, () => Promise<ApiResponse>][] = [
      ["S2", () => api.get(paths.service(theirs.sid))],
      ["S3", () => api.form(paths.service(theirs.sid), { FriendlyName: "Mine now" })],
      ["S5", () => api.delete(paths.service(theirs.sid))],
      ["E1", () => api.form(paths.entities(theirs.sid), { Identity: newIdentity() })],
      ["E2", () => api.get(paths.entity(theirs.sid, identity))],
      ["E3", () => api.get(paths.entities(theirs.sid))],
      ["E4", () => api.delete(paths.entity(theirs.sid, identity))],
      ["F1", () => api.get(paths.factors(theirs.sid, identity))],
      ["F2", () => api.get(paths.factor(theirs.sid, identity, factor.sid))],
      ["F3", () => api.form(paths.factor(theirs.sid, identity, factor.sid), { FriendlyName: "x" })],
      ["F4", () => api.delete(paths.factor(theirs.sid, identity, factor.sid))],
      ["C1", () => api.get(paths.challenges(theirs.sid, identity))],
      ["P1", () => api.json(paths.passkeysFactors(theirs.sid), { friendly_name: "x", identity })],
      ["P2", () => api.json(paths.verifyFactor(theirs.sid), {})],
      ["P3", () => api.json(paths.passkeysChallenges(theirs.sid), { identity })],
      ["P4", () => api.json(paths.approveChallenge(theirs.sid), {})],
    ];
    for (const [name, send] of requests) {
      const res = await send();
      expect(res.status, name).toBe(404);
      expect(res.body.code, name).toBe(20404);
    }

    // Nothing changed for the owner.
    const still = await other.client.get(paths.factor(theirs.sid, identity, factor.sid));
    expect(still.status).toBe(200);
    expect(still.body.friendly_name).toBe(factor.friendly_name);
  });

  it("lists only the caller's Services", async () => {
    const other = await secondAccount();
    const theirs = await createService({ FriendlyName: "Theirs" }, other.client);
    const mine = await createService({ FriendlyName: "Mine" });
    const listed = (await api.get(paths.services)).body.services.map((s: { sid: string }) => s.sid);
    expect(listed).toContain(mine.sid);
    expect(listed).not.toContain(theirs.sid);
    const theirList = (await other.keyClient.get(paths.services)).body.services.map((s: { sid: string }) => s.sid);
    expect(theirList).toEqual([theirs.sid]);
  });

  it("does not let another account approve with an assertion for this account's challenge", async () => {
    const other = await secondAccount();
    const mine = await createService();
    const auth = new SoftwareAuthenticator();
    await registerPasskey(mine.sid, auth);
    const { assertion } = await startSignIn(mine.sid, auth, { origin: ORIGIN });
    const res = await other.client.json(paths.approveChallenge(mine.sid), assertion);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
    expect((await api.json(paths.approveChallenge(mine.sid), assertion)).status).toBe(200);
  });
});
