/**
 * OwlBank's Verify Service, provisioned through the real `twilio` library against the /v2
 * route handlers in-process: what the library sends is what Twilio would receive.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BASE_URL, type Form } from "@/test/helpers/api";
import { createService, paths } from "@/test/helpers/verify";

vi.mock("./client", async () => {
  const { default: twilio } = await import("twilio");
  const { api } = await import("@/test/helpers/api");
  const { config } = await import("@/lib/env");
  type LibraryRequest = { method: string; uri: string; headers?: Record<string, string>; data?: Record<string, unknown> };
  const httpClient = {
    async request({ method, uri, headers = {}, data }: LibraryRequest) {
      const json = Object.entries(headers).some(([k, v]) => k.toLowerCase() === "content-type" && v.includes("json"));
      const res = await api.request(method.toUpperCase() as "GET", uri, json ? { json: data } : data ? { form: data as Form } : {});
      return { statusCode: res.status, body: res.text, headers: Object.fromEntries(res.headers) };
    },
  };
  const client = twilio(config().verifyAccount.accountSid, "unused: the in-process client authenticates itself", {
    httpClient: httpClient as never,
  });
  client.verify.baseUrl = BASE_URL;
  return { twilioClient: () => client };
});

/** service.ts remembers the Service for the life of the process: each test is a new process. */
async function freshService() {
  vi.resetModules();
  return import("./service");
}

async function passkeysOf(sid: string) {
  return (await api.get(paths.service(sid))).body.passkeys;
}

describe("OwlBank's Verify Service", () => {
  beforeEach(async () => {
    for (const s of (await api.get(paths.services)).body.services) await api.delete(paths.service(s.sid));
  });

  it("is created requiring user verification", async () => {
    const { verifyServiceSid } = await freshService();
    const sid = await verifyServiceSid();
    expect(await passkeysOf(sid)).toMatchObject({ user_verification: "required", discoverable_credentials: "required" });
  });

  it("tightens a Service an older OwlBank created with user verification preferred", async () => {
    const old = await createService({
      FriendlyName: "OwlBank",
      "Passkeys.RelyingParty.Id": "localhost",
      "Passkeys.RelyingParty.Origins": BASE_URL,
      "Passkeys.AuthenticatorAttachment": "any",
      "Passkeys.DiscoverableCredentials": "required",
      "Passkeys.UserVerification": "preferred",
    });
    const { verifyServiceSid } = await freshService();
    expect(await verifyServiceSid()).toBe(old.sid);
    expect((await passkeysOf(old.sid)).user_verification).toBe("required");
    expect((await api.get(paths.services)).body.services).toHaveLength(1);
  });
});
