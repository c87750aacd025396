import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConsoleShell } from "@/components/verify-console/console-shell";
import { ConsoleDate, Fields, Mono, YesNo } from "@/components/verify-console/fields";
import { consolePaths, crumbsBelow } from "@/components/verify-console/paths";
import { ResourceLink } from "@/components/verify-console/resource-table";
import { StatusBadge } from "@/components/verify-console/status-badge";
import { consoleAccount, consoleFactor, consoleServiceEntity } from "@/lib/verify/console";

export const metadata: Metadata = { title: "Factor · Verify console (development) · OwlBank", robots: { index: false } };

type Props = { params: Promise<{ serviceSid: string; identity: string; factorSid: string }> };

/**
 * One passkey factor: what Twilio's Factor resource shows, plus what only this backend
 * stores (counter, transports, backup flags). The public key appears only as a fingerprint.
 */
export default async function ConsoleFactorPage({ params }: Props) {
  const account = await consoleAccount();
  const { serviceSid, identity, factorSid } = await params;
  const found = await consoleServiceEntity(account, serviceSid, identity);
  const factor = found && (await consoleFactor(found.entity, factorSid));
  if (!found || !factor) notFound();
  const { service, entity } = found;
  const entityHref = consolePaths.entity(service.sid, entity.identity);
  const rp = factor.config.relying_party;

  return (
    <ConsoleShell
      account={account}
      crumbs={[...crumbsBelow(service, entity), { label: factor.sid }]}
    >
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Factor</p>
        <h1 className="mt-1 flex flex-wrap items-center gap-3 text-2xl font-bold tracking-tight text-slate-900">
          {factor.friendlyName} <StatusBadge status={factor.status} />
        </h1>
      </div>
      <Fields
        label="Factor properties"
        items={[
          ["Factor SID", <Mono key="sid">{factor.sid}</Mono>],
          ["Friendly name", factor.friendlyName],
          ["Status", factor.status],
          ["Factor type", factor.factorType],
          [
            "Entity",
            <ResourceLink key="entity" href={entityHref}>
              <Mono>{entity.identity}</Mono>
            </ResourceLink>,
          ],
          ["Entity SID", <Mono key="entity-sid">{factor.entitySid}</Mono>],
          ["Date created", <ConsoleDate key="created" ms={factor.dateCreated} />],
          ["Date updated", <ConsoleDate key="updated" ms={factor.dateUpdated} />],
          ["Last approved", <ConsoleDate key="approved" ms={factor.dateLastApproved} />],
        ]}
      />
      <Fields
        label="Passkey configuration"
        titled
        items={[
          ["Relying party ID", rp.id],
          ["Relying party name", rp.name],
          ["Origins", rp.origins.join(", ")],
          ["Authenticator attachment", factor.config.authenticator_attachment],
          ["Discoverable credentials", factor.config.discoverable_credentials],
          ["User verification", factor.config.user_verification],
        ]}
      />
      <Fields
        label="Credential"
        titled
        items={[
          ["Credential ID", factor.credentialIdPrefix && <Mono key="id">{factor.credentialIdPrefix}</Mono>],
          ["Public key (SHA-256, first 8 bytes)", factor.publicKeyFingerprint && <Mono key="key">{factor.publicKeyFingerprint}</Mono>],
          ["AAGUID", factor.aaguid && <Mono key="aaguid">{factor.aaguid}</Mono>],
          ["Transports", factor.transports?.join(", ")],
          ["Backup eligible", <YesNo key="be" value={factor.backupEligible} />],
          ["Backed up", <YesNo key="bs" value={factor.backedUp} />],
          ["Signature counter", factor.status === "verified" ? String(factor.counter) : null],
        ]}
      />
    </ConsoleShell>
  );
}
