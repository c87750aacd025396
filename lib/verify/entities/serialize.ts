/**
 * Entity row → Twilio's Entity representation (docs/api.md §7.2).
 */
import type { EntityRow } from "@/db/schema/verify";
import { isoDate } from "../wire";

export const entityUrl = (base: string, serviceSid: string, identity: string) =>
  `${base}/v2/Services/${serviceSid}/Entities/${identity}`;

export function serializeEntity(row: EntityRow, base: string) {
  const url = entityUrl(base, row.serviceSid, row.identity);
  return {
    sid: row.sid,
    identity: row.identity,
    account_sid: row.accountSid,
    service_sid: row.serviceSid,
    date_created: isoDate(row.dateCreated),
    date_updated: isoDate(row.dateUpdated),
    url,
    links: {
      factors: `${url}/Factors`,
      new_factors: `${url}/Factors`,
      challenges: `${url}/Challenges`,
    },
  };
}
