/**
 * Service row → Twilio's Service representation (docs/api.md §7.1): every field present, null when unset.
 */
import type { ServiceRow } from "@/db/schema/verify";
import { isoDate } from "../wire";

export function serializeService(row: ServiceRow, base: string) {
  const s = row.settings;
  const get = <T>(key: string, fallback: T | null = null) => (key in s ? (s[key] as T) : fallback);
  const url = `${base}/v2/Services/${row.sid}`;
  return {
    sid: row.sid,
    account_sid: row.accountSid,
    friendly_name: row.friendlyName,
    code_length: get<number>("code_length", 6),
    lookup_enabled: get<boolean>("lookup_enabled", false),
    psd2_enabled: get<boolean>("psd2_enabled", false),
    skip_sms_to_landlines: get<boolean>("skip_sms_to_landlines", false),
    dtmf_input_required: get<boolean>("dtmf_input_required", true),
    tts_name: get<string>("tts_name"),
    do_not_share_warning_enabled: get<boolean>("do_not_share_warning_enabled", false),
    custom_code_enabled: get<boolean>("custom_code_enabled", false),
    push: {
      include_date: get<boolean>("push.include_date", false),
      apn_credential_sid: get<string>("push.apn_credential_sid"),
      fcm_credential_sid: get<string>("push.fcm_credential_sid"),
    },
    totp: {
      issuer: get<string>("totp.issuer"),
      time_step: get<number>("totp.time_step", 30),
      code_length: get<number>("totp.code_length", 6),
      skew: get<number>("totp.skew", 1),
    },
    default_template_sid: get<string>("default_template_sid"),
    whatsapp: {
      msg_service_sid: get<string>("whatsapp.msg_service_sid"),
      from: get<string>("whatsapp.from"),
    },
    passkeys: row.passkeys,
    verify_event_subscription_enabled: get<boolean>("verify_event_subscription_enabled", false),
    date_created: isoDate(row.dateCreated),
    date_updated: isoDate(row.dateUpdated),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  };
}
