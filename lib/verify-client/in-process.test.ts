/**
 * The in-process transport: the unmodified `twilio` library, its requests answered by the /v2
 * route handlers without a socket. What the handlers check (Basic auth, the Service, Twilio's
 * error bodies) must hold exactly as over HTTP.
 */
import fs from "node:fs";
import path from "node:path";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { BASE_URL } from "@/test/helpers/api";
import { newIdentity, passkeysServiceForm } from "@/test/helpers/verify";
import { config, loadConfig } from "@/lib/env";
import { inProcessHttpClient, ROUTES, routeOf } from "./in-process";

const ROUTE_DIR = path.resolve(import.meta.dirname, "../../app/(verify-api)/v2");

/** Every route.ts under app/(verify-api)/v2, relative to it. */
function routeFiles(dir = ROUTE_DIR): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [path.relative(ROUTE_DIR, full)] : [];
  });
}

/** A library client for the embedded account (or `authToken`), answered in-process. */
function library(authToken = config().verifyAccount.authToken) {
  const client = twilio(config().verifyAccount.accountSid, authToken, { httpClient: inProcessHttpClient(BASE_URL) });
  client.verify.baseUrl = BASE_URL;
  return client;
}

describe("the /v2 route table", () => {
  it("names every route file, and nothing else", () => {
    expect(ROUTES.map((r) => r.file).sort()).toEqual(routeFiles().sort());
  });

  it("prefers static segments, decodes params as Next does, and ends at the catch-all", () => {
    const passkeys = ROUTES.find((r) => r.file === "Services/[serviceSid]/Passkeys/Factors/route.ts");
    expect(routeOf("/v2/Services/VA1/Passkeys/Factors")).toEqual({ module: passkeys?.module, params: { serviceSid: "VA1" } });
    expect(routeOf("/v2/Services/VA1/Entities/a%20b%2Fc")?.params).toEqual({ serviceSid: "VA1", identity: "a b/c" });
    expect(routeOf("/v2/Nothing/here")?.params).toEqual({ path: ["Nothing", "here"] });
    expect(routeOf("/v2")?.module).toBe(ROUTES[0].module);
    expect(routeOf("/elsewhere")).toBeUndefined();
  });
});

describe("the twilio library over the in-process transport", () => {
  it("creates, reads, lists and deletes as over HTTP: form, JSON and query encodings", async () => {
    const services = library().verify.v2.services;
    const created = await services.create({
      friendlyName: "In process",
      "passkeys.relyingParty.id": "localhost",
      "passkeys.relyingParty.name": "In process",
      "passkeys.relyingParty.origins": BASE_URL,
      "passkeys.authenticatorAttachment": "any",
      "passkeys.discoverableCredentials": "preferred",
      "passkeys.userVerification": "required",
    });
    expect(created.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(created.url).toBe(`${BASE_URL}/v2/Services/${created.sid}`);
    // JSON (the Passkeys factor create is sent as JSON by the library).
    const factor = await services(created.sid).newFactors.create({ friendlyName: "Key", identity: newIdentity() });
    expect(factor.status).toBe("unverified");
    expect((factor.options as { publicKey?: { rp?: { id?: string } } }).publicKey?.rp?.id).toBe("localhost");
    // A query string (PageSize) and paging.
    const page = await services.page({ pageSize: 1 });
    expect(page.instances).toHaveLength(1);
    expect(await services(created.sid).remove()).toBe(true);
  });

  it("still authenticates: a wrong token is Twilio's 401 / 20003", async () => {
    await expect(library("0".repeat(32)).verify.v2.services.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it("answers Twilio's error bodies: an unknown Service is 404 / 20404, a bad parameter 400", async () => {
    const services = library().verify.v2.services;
    await expect(services("VA" + "0".repeat(32)).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(services.create({ friendlyName: "", ...passkeysServiceForm() } as never)).rejects.toMatchObject({ status: 400 });
  });

  it("refuses a URL outside this app instead of answering for another server", async () => {
    const client = twilio(config().verifyAccount.accountSid, config().verifyAccount.authToken, {
      httpClient: inProcessHttpClient(BASE_URL),
    });
    client.verify.baseUrl = "https://verify.twilio.com";
    await expect(client.verify.v2.services.list()).rejects.toThrow(/only serves http:\/\/localhost:3000/);
  });
});

describe("which transport OwlBank's client uses", () => {
  const embedded = { DATABASE_URL: ":memory:", VERIFY_ACCOUNT_SID: `AC${"1".repeat(32)}`, VERIFY_AUTH_TOKEN: "2".repeat(32) };

  it("in-process for the embedded Verify, over HTTP when VERIFY_BASE_URL or Twilio credentials are set", () => {
    expect(loadConfig(embedded).verifyClient.inProcess).toBe(true);
    expect(loadConfig({ ...embedded, VERIFY_BASE_URL: "http://127.0.0.1:4000" }).verifyClient.inProcess).toBe(false);
    expect(loadConfig({ ...embedded, TWILIO_ACCOUNT_SID: `AC${"3".repeat(32)}`, TWILIO_AUTH_TOKEN: "t" }).verifyClient.inProcess).toBe(false);
  });
});
