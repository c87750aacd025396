import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConsoleShell } from "@/components/verify-console/console-shell";
import { ConsoleDate, Fields, Mono } from "@/components/verify-console/fields";
import { consolePaths, crumbsBelow } from "@/components/verify-console/paths";
import { ResourceLink } from "@/components/verify-console/resource-table";
import { StatusBadge } from "@/components/verify-console/status-badge";
import { consoleAccount, consoleChallenge, consoleFactor, consoleServiceEntity } from "@/lib/verify/console";

export const metadata: Metadata = { title: "Challenge · Verify console (development) · OwlBank", robots: { index: false } };

type Props = { params: Promise<{ serviceSid: string; identity: string; challengeSid: string }> };

/** One challenge: its status and dates, the passkey that answered it, and the entity it belongs to. */
export default async function ConsoleChallengePage({ params }: Props) {
  const account = await consoleAccount();
  const { serviceSid, identity, challengeSid } = await params;
  const found = await consoleServiceEntity(account, serviceSid, identity);
  const challenge = found && (await consoleChallenge(found.entity, challengeSid));
  if (!found || !challenge) notFound();
  const { service, entity } = found;
  const entityHref = consolePaths.entity(service.sid, entity.identity);
  // A challenge keeps its factor's SID after the factor is deleted (no foreign key, on purpose).
  const factor = challenge.factorSid ? await consoleFactor(entity, challenge.factorSid) : undefined;

  return (
    <ConsoleShell
      account={account}
      crumbs={[...crumbsBelow(service, entity), { label: challenge.sid }]}
    >
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Challenge</p>
        <h1 className="mt-1 flex flex-wrap items-center gap-3 font-mono text-xl font-bold tracking-tight text-slate-900">
          {challenge.sid} <StatusBadge status={challenge.status} />
        </h1>
      </div>
      <Fields
        label="Challenge properties"
        items={[
          ["Challenge SID", <Mono key="sid">{challenge.sid}</Mono>],
          ["Status", challenge.status],
          ["Factor type", "passkeys"],
          [
            "Entity",
            <ResourceLink key="entity" href={entityHref}>
              <Mono>{entity.identity}</Mono>
            </ResourceLink>,
          ],
          [
            "Factor",
            factor ? (
              <ResourceLink key="factor" href={consolePaths.factor(service.sid, entity.identity, factor.sid)}>
                {factor.friendlyName} (<Mono>{factor.sid}</Mono>)
              </ResourceLink>
            ) : challenge.factorSid ? (
              <span key="factor">
                <Mono>{challenge.factorSid}</Mono> (deleted)
              </span>
            ) : null,
          ],
          ["Date created", <ConsoleDate key="created" ms={challenge.dateCreated} />],
          ["Date updated", <ConsoleDate key="updated" ms={challenge.dateUpdated} />],
          ["Date responded", <ConsoleDate key="responded" ms={challenge.dateResponded} />],
          ["Expiration date", <ConsoleDate key="expires" ms={challenge.expirationDate} />],
          ["Relying party ID", challenge.rpId],
          ["Origins", challenge.origins.join(", ")],
          ["User verification", challenge.userVerification],
          ["Allowed passkeys", challenge.allowedCredentials === 0 ? "Any (discoverable)" : String(challenge.allowedCredentials)],
        ]}
      />
    </ConsoleShell>
  );
}
