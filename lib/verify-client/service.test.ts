/**
 * OwlBank's Verify Service, provisioned through OwlBank's own `twilio` client, which answers
 * from the /v2 route handlers in-process (in-process.ts): what the library sends is what
 * Twilio would receive.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BASE_URL } from "@/test/helpers/api";
import { createService, paths } from "@/test/helpers/verify";

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
