/**
 * Services (S1–S5): the form encoding the library sends, the full representation, and
 * the cascade on delete.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "@/db/schema/verify";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { api, BASE_URL, twilioError } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createService, newIdentity, paths, registerPasskey } from "@/test/helpers/verify";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const SERVICE_KEYS = [
  "sid",
  "account_sid",
  "friendly_name",
  "code_length",
  "lookup_enabled",
  "psd2_enabled",
  "skip_sms_to_landlines",
  "dtmf_input_required",
  "tts_name",
  "do_not_share_warning_enabled",
  "custom_code_enabled",
  "push",
  "totp",
  "default_template_sid",
  "whatsapp",
  "passkeys",
  "verify_event_subscription_enabled",
  "date_created",
  "date_updated",
  "url",
  "links",
].sort();

describe("S1 create Service", () => {
  it("creates a Service from the library's captured form body (docs/api.md §3.1) and answers 201 with every field", async () => {
    const res = await api.request("POST", paths.services, {
      raw:
        "FriendlyName=Fancy&LookupEnabled=false&Passkeys.RelyingParty.Id=example.com" +
        "&Passkeys.RelyingParty.Origins=https%3A%2F%2Fexample.com&Passkeys.RelyingParty.Origins=https%3A%2F%2Flogin.example.com" +
        "&Passkeys.AuthenticatorAttachment=platform",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(201);
    const s = res.body;
    expect(Object.keys(s).sort()).toEqual(SERVICE_KEYS);
    expect(s.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(s.account_sid).toBe(config().verifyAccount.accountSid);
    expect(s.friendly_name).toBe("Fancy");
    expect(s.lookup_enabled).toBe(false);
    expect(s.code_length).toBe(6);
    expect(s.dtmf_input_required).toBe(true);
    expect(s.tts_name).toBeNull();
    expect(s.default_template_sid).toBeNull();
    expect(s.push).toEqual({ include_date: false, apn_credential_sid: null, fcm_credential_sid: null });
    expect(s.totp).toEqual({ issuer: null, time_step: 30, code_length: 6, skew: 1 });
    expect(s.whatsapp).toEqual({ msg_service_sid: null, from: null });
    expect(s.passkeys).toEqual({
      relying_party: { id: "example.com", name: null, origins: ["https://example.com", "https://login.example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: null,
      user_verification: null,
    });
    expect(s.date_created).toMatch(ISO);
    expect(s.date_updated).toMatch(ISO);
    const url = `${BASE_URL}/v2/Services/${s.sid}`;
    expect(s.url).toBe(url);
    expect(s.links).toEqual({
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    });
  });

  it("builds url and links from the host and scheme the client used", async () => {
    const res = await api.request("POST", paths.services, {
      form: { FriendlyName: "Proxied" },
      headers: { host: "verify.example.test", "x-forwarded-proto": "https" },
    });
    expect(res.body.url).toBe(`https://verify.example.test/v2/Services/${res.body.sid}`);
    expect(res.body.links.entities).toBe(`https://verify.example.test/v2/Services/${res.body.sid}/Entities`);
  });

  it("accepts origins comma-separated, as repeated keys, and both at once", async () => {
    const comma = await api.form(paths.services, {
      FriendlyName: "Comma",
      "Passkeys.RelyingParty.Origins": "https://a.example.com, https://b.example.com",
    });
    expect(comma.body.passkeys.relying_party.origins).toEqual(["https://a.example.com", "https://b.example.com"]);

    const repeated = await api.form(paths.services, {
      FriendlyName: "Repeated",
      "Passkeys.RelyingParty.Origins": ["https://a.example.com", "https://b.example.com"],
    });
    expect(repeated.body.passkeys.relying_party.origins).toEqual(["https://a.example.com", "https://b.example.com"]);

    const both = await api.form(paths.services, {
      FriendlyName: "Both",
      "Passkeys.RelyingParty.Origins": ["https://a.example.com,https://b.example.com", "https://c.example.com", "https://a.example.com"],
    });
    expect(both.body.passkeys.relying_party.origins).toEqual([
      "https://a.example.com",
      "https://b.example.com",
      "https://c.example.com",
    ]);
  });

  it("normalises bare host names to https:// origins, as in the quickstart curl", async () => {
    const res = await api.form(paths.services, {
      FriendlyName: "Bare",
      "Passkeys.RelyingParty.Origins": "example.com,login.example.com:8443",
    });
    expect(res.status).toBe(201);
    expect(res.body.passkeys.relying_party.origins).toEqual(["https://example.com", "https://login.example.com:8443"]);
  });

  it("accepts http only for localhost and app origins", async () => {
    const res = await api.form(paths.services, {
      FriendlyName: "Local",
      "Passkeys.RelyingParty.Id": "localhost",
      "Passkeys.RelyingParty.Origins": ["http://localhost:3000", "android:apk-key-hash:abc_DEF-123"],
    });
    expect(res.status).toBe(201);
    expect(res.body.passkeys.relying_party.origins).toEqual(["http://localhost:3000", "android:apk-key-hash:abc_DEF-123"]);

    const insecure = await api.form(paths.services, { FriendlyName: "Insecure", "Passkeys.RelyingParty.Origins": "http://example.com" });
    expect(insecure.status).toBe(400);
    expect(insecure.body).toMatchObject(twilioError(60432, 400));

    const withPath = await api.form(paths.services, { FriendlyName: "Path", "Passkeys.RelyingParty.Origins": "https://example.com/login" });
    expect(withPath.status).toBe(400);
    expect(withPath.body.code).toBe(60371);
  });

  it("matches the dotted passkeys keys case-insensitively", async () => {
    const res = await api.form(paths.services, {
      friendlyname: "Lower",
      "Passkeys.RelyingParty.id": "example.com",
      "passkeys.relyingparty.name": "Example",
      "PASSKEYS.RELYINGPARTY.ORIGINS": "https://example.com",
      "passkeys.userverification": "required",
      "Passkeys.discoverableCredentials": "required",
      "passkeys.authenticatorattachment": "cross-platform",
    });
    expect(res.status).toBe(201);
    expect(res.body.friendly_name).toBe("Lower");
    expect(res.body.passkeys).toEqual({
      relying_party: { id: "example.com", name: "Example", origins: ["https://example.com"] },
      authenticator_attachment: "cross-platform",
      discoverable_credentials: "required",
      user_verification: "required",
    });
  });

  it("stores and echoes the non-passkeys settings the library can send", async () => {
    const res = await api.form(paths.services, {
      FriendlyName: "Settings",
      CodeLength: 8,
      LookupEnabled: true,
      SkipSmsToLandlines: true,
      DtmfInputRequired: false,
      TtsName: "owl",
      Psd2Enabled: true,
      DoNotShareWarningEnabled: true,
      CustomCodeEnabled: true,
      "Push.IncludeDate": true,
      "Push.ApnCredentialSid": "CR00000000000000000000000000000001",
      "Push.FcmCredentialSid": "CR00000000000000000000000000000002",
      "Totp.Issuer": "OwlBank",
      "Totp.TimeStep": 60,
      "Totp.CodeLength": 8,
      "Totp.Skew": 2,
      DefaultTemplateSid: "HJ00000000000000000000000000000000",
      "Whatsapp.MsgServiceSid": "MG00000000000000000000000000000000",
      "Whatsapp.From": "+15005550006",
      VerifyEventSubscriptionEnabled: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      code_length: 8,
      lookup_enabled: true,
      skip_sms_to_landlines: true,
      dtmf_input_required: false,
      tts_name: "owl",
      psd2_enabled: true,
      do_not_share_warning_enabled: true,
      custom_code_enabled: true,
      push: { include_date: true, apn_credential_sid: "CR00000000000000000000000000000001", fcm_credential_sid: "CR00000000000000000000000000000002" },
      totp: { issuer: "OwlBank", time_step: 60, code_length: 8, skew: 2 },
      default_template_sid: "HJ00000000000000000000000000000000",
      whatsapp: { msg_service_sid: "MG00000000000000000000000000000000", from: "+15005550006" },
      verify_event_subscription_enabled: true,
    });
  });

  it("accepts the quickstart's Name as an alias of FriendlyName", async () => {
    const res = await api.form(paths.services, { Name: "Quickstart" });
    expect(res.status).toBe(201);
    expect(res.body.friendly_name).toBe("Quickstart");
  });

  it.each([
    ["a missing FriendlyName", { LookupEnabled: "false" }, 20001, 400],
    ["an empty FriendlyName", { FriendlyName: "" }, 60200, 400],
    ["a FriendlyName over 32 characters", { FriendlyName: "x".repeat(33) }, 60200, 400],
    ["a relying party id with a scheme", { FriendlyName: "x", "Passkeys.RelyingParty.Id": "https://example.com" }, 60372, 400],
    ["a relying party id with a port", { FriendlyName: "x", "Passkeys.RelyingParty.Id": "example.com:443" }, 60372, 400],
    ["a relying party id that is an IP address", { FriendlyName: "x", "Passkeys.RelyingParty.Id": "10.0.0.1" }, 60372, 400],
    ["an unknown attachment", { FriendlyName: "x", "Passkeys.AuthenticatorAttachment": "usb" }, 60377, 400],
    ["an unknown user verification", { FriendlyName: "x", "Passkeys.UserVerification": "always" }, 60200, 400],
    ["an unknown discoverable credentials value", { FriendlyName: "x", "Passkeys.DiscoverableCredentials": "yes" }, 60200, 400],
    ["a non-boolean LookupEnabled", { FriendlyName: "x", LookupEnabled: "yes" }, 60200, 400],
    ["an out-of-range CodeLength", { FriendlyName: "x", CodeLength: "11" }, 60200, 400],
  ])("refuses %s", async (_, form, code, status) => {
    const res = await api.form(paths.services, form);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(twilioError(code, status));
    expect(typeof res.body.message).toBe("string");
  });

  it("names the parameter in the 60200 message", async () => {
    const res = await api.form(paths.services, { FriendlyName: "x".repeat(40) });
    expect(res.body.message).toMatch(/^Invalid parameter: FriendlyName/);
    const missing = await api.form(paths.services, {});
    expect(missing.body.message).toBe("Missing required parameter FriendlyName in the post body");
  });
});

describe("S2 fetch Service", () => {
  it("returns the Service as created", async () => {
    const created = await createService();
    const res = await api.get(paths.service(created.sid));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
  });

  it("answers an unknown Service with 404 / 20404", async () => {
    const res = await api.get(paths.service("VA00000000000000000000000000000000"));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject(twilioError(20404, 404));
    expect(res.body.message).toBe("The requested resource /v2/Services/VA00000000000000000000000000000000 was not found");
  });

  it("answers a malformed Service SID with 404", async () => {
    expect((await api.get(paths.service("not-a-sid"))).status).toBe(404);
  });
});

describe("S3 update Service", () => {
  it("changes only the parameters sent and answers 200", async () => {
    const created = await createService({ LookupEnabled: true });
    const res = await api.form(paths.service(created.sid), {
      FriendlyName: "Renamed",
      "Passkeys.UserVerification": "required",
    });
    expect(res.status).toBe(200);
    expect(res.body.friendly_name).toBe("Renamed");
    expect(res.body.lookup_enabled).toBe(true);
    expect(res.body.passkeys).toEqual({ ...created.passkeys, user_verification: "required" });
    expect(res.body.date_created).toBe(created.date_created);
    expect((await api.get(paths.service(created.sid))).body).toEqual(res.body);
  });

  it("replaces the origins when they are sent", async () => {
    const created = await createService();
    const res = await api.form(paths.service(created.sid), {
      "Passkeys.RelyingParty.Origins": ["https://example.com", "https://m.example.com"],
    });
    expect(res.body.passkeys.relying_party.origins).toEqual(["https://example.com", "https://m.example.com"]);
    expect(res.body.passkeys.relying_party.id).toBe("example.com");
  });

  it("clears a passkeys setting sent empty, and echoes the empty string", async () => {
    const created = await createService();
    const res = await api.form(paths.service(created.sid), {
      "Passkeys.AuthenticatorAttachment": "",
      "Passkeys.UserVerification": "",
    });
    expect(res.status).toBe(200);
    expect(res.body.passkeys.authenticator_attachment).toBe("");
    expect(res.body.passkeys.user_verification).toBe("");
    expect(res.body.passkeys.discoverable_credentials).toBe("preferred");
  });

  it("does not rewrite the config stored on existing factors", async () => {
    const service = await createService();
    const identity = newIdentity();
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator(), { identity });
    await api.form(paths.service(service.sid), {
      "Passkeys.RelyingParty.Name": "Renamed RP",
      "Passkeys.UserVerification": "required",
    });
    const fetched = await api.get(paths.factor(service.sid, identity, factor.sid));
    expect(fetched.body.config).toEqual(factor.config);
  });

  it("refuses an invalid value and changes nothing", async () => {
    const created = await createService();
    const res = await api.form(paths.service(created.sid), { FriendlyName: "ok", "Passkeys.UserVerification": "sometimes" });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(60200);
    expect((await api.get(paths.service(created.sid))).body.friendly_name).toBe(created.friendly_name);
  });

  it("answers an unknown Service with 404 / 20404", async () => {
    const res = await api.form(paths.service("VA00000000000000000000000000000000"), { FriendlyName: "x" });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(20404);
  });
});

describe("S4 list Services", () => {
  it("answers 200 with the services envelope", async () => {
    const created = await createService();
    const res = await api.get(paths.services);
    expect(res.status).toBe(200);
    expect(res.body.meta.key).toBe("services");
    expect(res.body.services).toContainEqual(created);
  });
});

describe("S5 delete Service", () => {
  it("answers 204 with an empty body, then 404", async () => {
    const created = await createService();
    const res = await api.delete(paths.service(created.sid));
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await api.get(paths.service(created.sid))).status).toBe(404);
    expect((await api.delete(paths.service(created.sid))).status).toBe(404);
  });

  it("cascades to entities, factors and challenges", async () => {
    const service = await createService();
    const auth = new SoftwareAuthenticator();
    const { identity, factor } = await registerPasskey(service.sid, auth);
    const challenge = await api.json(paths.passkeysChallenges(service.sid), { identity });
    expect(challenge.status).toBe(201);

    const stored = () =>
      Promise.all([
        db().select().from(schema.entities).where(eq(schema.entities.serviceSid, service.sid)),
        db().select().from(schema.factors).where(eq(schema.factors.sid, factor.sid)),
        db().select().from(schema.challenges).where(eq(schema.challenges.sid, challenge.body.sid)),
      ]);
    expect((await stored()).map((rows) => rows.length)).toEqual([1, 1, 1]);

    expect((await api.delete(paths.service(service.sid))).status).toBe(204);

    expect(await stored()).toEqual([[], [], []]);
  });
});
