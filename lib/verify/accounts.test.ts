/**
 * Start-up's rule for credentials: the configured account and its configured API key are
 * the only ones accepted; an earlier account SID is retired with its data moved over.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiClient, basic } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createService, paths, registerPasskey } from "@/test/helpers/verify";
import { provisionAccount, provisionOnlyConfiguredAccount } from "./accounts";
import { newSid } from "./sid";

const account = (withKey = true) => ({
  accountSid: newSid("AC"),
  authToken: randomBytes(16).toString("hex"),
  ...(withKey ? { apiKeySid: newSid("SK"), apiKeySecret: randomBytes(24).toString("base64url") } : {}),
});
const asAccount = (a: { accountSid: string; authToken: string }) => apiClient(basic(a.accountSid, a.authToken));
const asKey = (a: { apiKeySid?: string; apiKeySecret?: string }) => apiClient(basic(a.apiKeySid!, a.apiKeySecret!));

describe("provisionOnlyConfiguredAccount", () => {
  it("revokes an API key that is not configured, on the configured account too", async () => {
    const configured = account();
    await provisionAccount(configured);
    const rotated = { ...configured, ...account(), accountSid: configured.accountSid, authToken: configured.authToken };
    expect((await provisionOnlyConfiguredAccount(rotated)).revokedApiKeys).toBe(1);
    expect((await asKey(configured).get(paths.services)).status).toBe(401);
    expect((await asKey(rotated).get(paths.services)).status).toBe(200);
  });

  it("leaves an account configured without a key with no key at all", async () => {
    const before = account();
    await provisionAccount(before);
    const configured = { accountSid: before.accountSid, authToken: before.authToken };
    await provisionOnlyConfiguredAccount(configured);
    expect((await asKey(before).get(paths.services)).status).toBe(401);
    expect((await asAccount(configured).get(paths.services)).status).toBe(200);
  });

  it("retires an earlier account SID and moves its Services, with their passkeys, to the configured one", async () => {
    const old = account();
    await provisionAccount(old);
    const service = await createService({ FriendlyName: "OwlBank" }, asAccount(old));
    const registered = await registerPasskey(service.sid, new SoftwareAuthenticator(), { client: asAccount(old) });

    const renamed = account(false);
    expect(await provisionOnlyConfiguredAccount(renamed)).toEqual({ renamedAccounts: expect.any(Number), revokedApiKeys: expect.any(Number) });
    expect((await asAccount(old).get(paths.services)).status).toBe(401);
    expect((await asKey(old).get(paths.services)).status).toBe(401);

    const client = asAccount(renamed);
    const listed = await client.get(paths.services);
    expect(listed.body.services.map((s: { sid: string; account_sid: string }) => [s.sid, s.account_sid])).toContainEqual([service.sid, renamed.accountSid]);
    const factors = await client.get(paths.factors(service.sid, registered.identity));
    expect(factors.status).toBe(200);
    expect(factors.body.factors.map((f: { account_sid: string }) => f.account_sid)).toEqual([renamed.accountSid]);
  });
});
