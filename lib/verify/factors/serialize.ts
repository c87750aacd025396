/**
 * Factor row → Twilio's Factor representation (docs/api.md §7.3).
 */
import type { EntityRow, FactorRow } from "@/db/schema/verify";
import { entityUrl } from "../entities/serialize";
import { isoDate } from "../wire";

export function serializeFactor(row: FactorRow, entity: Pick<EntityRow, "identity">, base: string) {
  return {
    sid: row.sid,
    account_sid: row.accountSid,
    service_sid: row.serviceSid,
    entity_sid: row.entitySid,
    identity: entity.identity,
    date_created: isoDate(row.dateCreated),
    date_updated: isoDate(row.dateUpdated),
    friendly_name: row.friendlyName,
    status: row.status,
    factor_type: row.factorType,
    config: row.config,
    metadata:
      row.status === "verified"
        ? {
            aaguid: row.aaguid,
            // Extensions beyond Twilio's documented keys (docs/api.md §12 item 14); the library passes
            // metadata through untouched and customers must treat them as optional.
            backup_eligible: row.backupEligible,
            backed_up: row.backedUp,
            ...(row.dateLastApproved === null ? {} : { date_last_approved: isoDate(row.dateLastApproved) }),
          }
        : null,
    url: `${entityUrl(base, row.serviceSid, entity.identity)}/Factors/${row.sid}`,
  };
}
