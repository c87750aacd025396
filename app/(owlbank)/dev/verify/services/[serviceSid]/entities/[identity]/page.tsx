import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConsoleShell } from "@/components/verify-console/console-shell";
import { ConsoleDate, Fields, Mono } from "@/components/verify-console/fields";
import { consolePaths, crumbsBelow } from "@/components/verify-console/paths";
import { ResourceLink, ResourceTable } from "@/components/verify-console/resource-table";
import { StatusBadge } from "@/components/verify-console/status-badge";
import { consoleAccount, consoleChallenges, consoleFactors, consoleServiceEntity } from "@/lib/verify/console";

export const metadata: Metadata = { title: "Entity · Verify console (development) · OwlBank", robots: { index: false } };

type Props = {
  params: Promise<{ serviceSid: string; identity: string }>;
  searchParams: Promise<{ factors?: string | string[]; challenges?: string | string[] }>;
};

const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

/** One entity (a user, to the Service): its passkey factors and its challenges, each list paged on its own. */
export default async function ConsoleEntityPage({ params, searchParams }: Props) {
  const account = await consoleAccount();
  const { serviceSid, identity } = await params;
  const found = await consoleServiceEntity(account, serviceSid, identity);
  if (!found) notFound();
  const { service, entity } = found;
  const query = await searchParams;
  const factorsToken = one(query.factors);
  const challengesToken = one(query.challenges);
  const [factors, challenges] = await Promise.all([consoleFactors(entity, factorsToken), consoleChallenges(entity, challengesToken)]);

  const here = consolePaths.entity(service.sid, entity.identity);
  // Paging one list keeps the other where it was.
  const withTokens = (tokens: { factors?: string; challenges?: string }) => {
    const search = new URLSearchParams(Object.entries(tokens).filter((e): e is [string, string] => Boolean(e[1])));
    return search.size ? `${here}?${search}` : here;
  };

  return (
    <ConsoleShell
      account={account}
      crumbs={[...crumbsBelow(service), { label: entity.identity }]}
    >
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Entity</p>
        <h1 className="mt-1 break-all font-mono text-xl font-bold tracking-tight text-slate-900">{entity.identity}</h1>
      </div>
      <Fields
        label="Entity properties"
        items={[
          ["Entity SID", <Mono key="sid">{entity.sid}</Mono>],
          ["Identity", <Mono key="identity">{entity.identity}</Mono>],
          [
            "Service",
            <ResourceLink key="service" href={consolePaths.service(service.sid)}>
              {service.friendlyName}
            </ResourceLink>,
          ],
          ["Date created", <ConsoleDate key="created" ms={entity.dateCreated} />],
          ["Date updated", <ConsoleDate key="updated" ms={entity.dateUpdated} />],
        ]}
      />
      <ResourceTable
        label="Factors"
        columns={["Friendly name", "Factor SID", "Status", "Factor type", "Date created"]}
        empty="No factors."
        rows={factors.rows.map((f) => ({
          key: f.sid,
          cells: [
            <ResourceLink key="name" href={consolePaths.factor(service.sid, entity.identity, f.sid)}>
              {f.friendlyName}
            </ResourceLink>,
            <Mono key="sid">{f.sid}</Mono>,
            <StatusBadge key="status" status={f.status} />,
            f.factorType,
            <ConsoleDate key="created" ms={f.dateCreated} />,
          ],
        }))}
        nextHref={factors.next && withTokens({ factors: factors.next, challenges: challengesToken })}
        firstHref={factorsToken ? withTokens({ challenges: challengesToken }) : undefined}
      />
      <ResourceTable
        label="Challenges"
        columns={["Challenge SID", "Status", "Factor", "Date created", "Expiration date"]}
        empty="No challenges."
        rows={challenges.rows.map((c) => ({
          key: c.sid,
          cells: [
            <ResourceLink key="sid" href={consolePaths.challenge(service.sid, entity.identity, c.sid)}>
              <Mono>{c.sid}</Mono>
            </ResourceLink>,
            <StatusBadge key="status" status={c.status} />,
            c.factorSid ? <Mono key="factor">{c.factorSid}</Mono> : null,
            <ConsoleDate key="created" ms={c.dateCreated} />,
            <ConsoleDate key="expires" ms={c.expirationDate} />,
          ],
        }))}
        nextHref={challenges.next && withTokens({ factors: factorsToken, challenges: challenges.next })}
        firstHref={challengesToken ? withTokens({ factors: factorsToken }) : undefined}
      />
    </ConsoleShell>
  );
}
