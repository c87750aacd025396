/**
 * Challenge row → Twilio's Challenge representation (docs/api.md §7.4).
 */
import type { ChallengeRow } from "@/db/schema/verify";
import { requestOptions } from "@/lib/webauthn/options";
import { entityUrl } from "../entities/serialize";
import { isoDate } from "../wire";

export function challengeOptions(row: ChallengeRow) {
  return requestOptions({
    challenge: row.sid,
    rpId: row.rpId,
    timeout: Math.max(row.expirationDate - row.dateCreated, 0),
    allow: row.allowCredentials,
    userVerification: row.userVerification,
  });
}

/**
 * `url` and `options` depend on where the challenge is shown: P3/P4 echo the endpoint URL
 * and carry the options; C1/C2 give the resource URL and no options (docs/api.md §11, row 18).
 */
export function serializeChallenge(
  row: ChallengeRow,
  identity: string | null,
  base: string,
  view: { endpoint: "Challenges" | "ApproveChallenge" } | { resource: true },
) {
  const common = {
    sid: row.sid,
    account_sid: row.accountSid,
    service_sid: row.serviceSid,
    entity_sid: row.entitySid,
    identity,
    factor_sid: row.factorSid,
    date_created: isoDate(row.dateCreated),
    date_updated: isoDate(row.dateUpdated),
    date_responded: isoDate(row.dateResponded),
    expiration_date: isoDate(row.expirationDate),
    status: row.status,
    responded_reason: "none" as const,
    details: null,
    hidden_details: null,
    metadata: null,
    factor_type: "passkeys" as const,
  };
  if ("endpoint" in view) {
    return {
      ...common,
      url: `${base}/v2/Services/${row.serviceSid}/Passkeys/${view.endpoint}`,
      links: null,
      options: challengeOptions(row),
    };
  }
  const url = `${entityUrl(base, row.serviceSid, identity as string)}/Challenges/${row.sid}`;
  return { ...common, url, links: { notifications: `${url}/Notifications` } };
}
