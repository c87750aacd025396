/**
 * Wire → domain for Services (S1, S3): Twilio's form parameters become a typed patch.
 */
import type { PasskeysSettings, ServiceSettings } from "@/db/schema/verify";
import { invalidParameter, missingParameter } from "../errors";
import type { FormBody } from "../http";
import { ATTACHMENTS, oneOf, originsFrom, REQUIREMENTS, relyingPartyId } from "../wire";

/** Twilio parameter → stored settings key, for the settings a passkeys server only echoes. */
export const BOOLEANS: Record<string, string> = {
  LookupEnabled: "lookup_enabled",
  SkipSmsToLandlines: "skip_sms_to_landlines",
  DtmfInputRequired: "dtmf_input_required",
  Psd2Enabled: "psd2_enabled",
  DoNotShareWarningEnabled: "do_not_share_warning_enabled",
  CustomCodeEnabled: "custom_code_enabled",
  VerifyEventSubscriptionEnabled: "verify_event_subscription_enabled",
  "Push.IncludeDate": "push.include_date",
};
export const STRINGS: Record<string, string> = {
  TtsName: "tts_name",
  DefaultTemplateSid: "default_template_sid",
  "Push.ApnCredentialSid": "push.apn_credential_sid",
  "Push.FcmCredentialSid": "push.fcm_credential_sid",
  "Totp.Issuer": "totp.issuer",
  "Whatsapp.MsgServiceSid": "whatsapp.msg_service_sid",
  "Whatsapp.From": "whatsapp.from",
};
export const INTEGERS: Record<string, { key: string; min: number; max: number }> = {
  CodeLength: { key: "code_length", min: 4, max: 10 },
  "Totp.TimeStep": { key: "totp.time_step", min: 20, max: 60 },
  "Totp.CodeLength": { key: "totp.code_length", min: 3, max: 8 },
  "Totp.Skew": { key: "totp.skew", min: 0, max: 2 },
};

export type ServicePatch = {
  friendlyName?: string;
  settings: ServiceSettings;
  passkeys: {
    id?: string;
    name?: string;
    origins?: string[];
    authenticator_attachment?: string;
    discoverable_credentials?: string;
    user_verification?: string;
  };
};

function friendlyName(body: FormBody, required: boolean): string | undefined {
  // The quickstart's curl sends `Name`; the library and OAI send `FriendlyName` (docs/api.md §11, row 4).
  const value = body.get("FriendlyName") ?? body.get("Name");
  if (value === undefined) return required ? missingParameter("FriendlyName") : undefined;
  if (value.trim() === "" || value.length > 32) {
    invalidParameter("FriendlyName", "must be 1 to 32 characters");
  }
  return value;
}

/** An empty value clears a passkeys setting, as Twilio documents ("can be empty"). */
function passkeysPatch(body: FormBody): ServicePatch["passkeys"] {
  const patch: ServicePatch["passkeys"] = {};
  const id = body.get("Passkeys.RelyingParty.Id");
  if (id !== undefined) patch.id = id === "" ? "" : relyingPartyId(id, "Passkeys.RelyingParty.Id");
  const name = body.get("Passkeys.RelyingParty.Name");
  if (name !== undefined) {
    if (name.length > 255) invalidParameter("Passkeys.RelyingParty.Name", "must be at most 255 characters");
    patch.name = name;
  }
  if (body.has("Passkeys.RelyingParty.Origins")) {
    patch.origins = originsFrom(body.all("Passkeys.RelyingParty.Origins"), "Passkeys.RelyingParty.Origins");
  }
  const attachment = body.get("Passkeys.AuthenticatorAttachment");
  if (attachment !== undefined) {
    patch.authenticator_attachment =
      attachment === ""
        ? ""
        : oneOf(ATTACHMENTS, attachment, "Passkeys.AuthenticatorAttachment", "invalid_authenticator_attachment");
  }
  for (const [param, key] of [
    ["Passkeys.DiscoverableCredentials", "discoverable_credentials"],
    ["Passkeys.UserVerification", "user_verification"],
  ] as const) {
    const value = body.get(param);
    if (value !== undefined) patch[key] = value === "" ? "" : oneOf(REQUIREMENTS, value, param);
  }
  return patch;
}

function settingsPatch(body: FormBody): ServiceSettings {
  const settings: ServiceSettings = {};
  for (const [param, key] of Object.entries(BOOLEANS)) {
    const v = body.get(param);
    if (v === undefined) continue;
    if (v !== "true" && v !== "false") invalidParameter(param, "must be true or false");
    settings[key] = v === "true";
  }
  for (const [param, key] of Object.entries(STRINGS)) {
    const v = body.get(param);
    if (v === undefined) continue;
    if (v.length > 255) invalidParameter(param, "must be at most 255 characters");
    settings[key] = v;
  }
  for (const [param, { key, min, max }] of Object.entries(INTEGERS)) {
    const v = body.get(param);
    if (v === undefined) continue;
    if (!/^\d{1,3}$/.test(v) || Number(v) < min || Number(v) > max) {
      invalidParameter(param, `must be an integer from ${min} to ${max}`);
    }
    settings[key] = Number(v);
  }
  return settings;
}

export function parseCreateService(body: FormBody): ServicePatch & { friendlyName: string } {
  return {
    friendlyName: friendlyName(body, true) as string,
    settings: settingsPatch(body),
    passkeys: passkeysPatch(body),
  };
}

export function parseUpdateService(body: FormBody): ServicePatch {
  return { friendlyName: friendlyName(body, false), settings: settingsPatch(body), passkeys: passkeysPatch(body) };
}

/** Applies a patch to stored passkeys settings; untouched members keep their value. */
export function applyPasskeysPatch(current: PasskeysSettings, patch: ServicePatch["passkeys"]): PasskeysSettings {
  return {
    relying_party: {
      id: patch.id ?? current.relying_party.id,
      name: patch.name ?? current.relying_party.name,
      origins: patch.origins ?? current.relying_party.origins,
    },
    authenticator_attachment: patch.authenticator_attachment ?? current.authenticator_attachment,
    discoverable_credentials: patch.discoverable_credentials ?? current.discoverable_credentials,
    user_verification: patch.user_verification ?? current.user_verification,
  };
}
