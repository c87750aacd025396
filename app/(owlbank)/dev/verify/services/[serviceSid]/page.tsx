import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConsoleShell } from "@/components/verify-console/console-shell";
import { ConsoleDate, Fields, Mono } from "@/components/verify-console/fields";
import { consolePaths } from "@/components/verify-console/paths";
import { ResourceLink, ResourceTable } from "@/components/verify-console/resource-table";
import { consoleAccount, consoleEntities, consoleService } from "@/lib/verify/console";

export const metadata: Metadata = { title: "Service · Verify console (development) · OwlBank", robots: { index: false } };

type Props = { params: Promise<{ serviceSid: string }>; searchParams: Promise<{ page?: string | string[] }> };

/** One Service: its passkeys settings and its entities. */
export default async function ConsoleServicePage({ params, searchParams }: Props) {
  const account = await consoleAccount();
  const { serviceSid } = await params;
  const service = await consoleService(account, serviceSid);
  if (!service) notFound();
  const { page } = await searchParams;
  const entities = await consoleEntities(service, typeof page === "string" ? page : undefined);
  const rp = service.passkeys.relying_party;

  return (
    <ConsoleShell account={account} crumbs={[{ label: "Services", href: consolePaths.services }, { label: service.friendlyName }]}>
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Service</p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900">{service.friendlyName}</h1>
      </div>
      <Fields
        label="Service properties"
        items={[
          ["Service SID", <Mono key="sid">{service.sid}</Mono>],
          ["Friendly name", service.friendlyName],
          ["Relying party ID", rp.id],
          ["Relying party name", rp.name],
          ["Origins", rp.origins?.join(", ")],
          ["Authenticator attachment", service.passkeys.authenticator_attachment],
          ["Discoverable credentials", service.passkeys.discoverable_credentials],
          ["User verification", service.passkeys.user_verification],
          ["Date created", <ConsoleDate key="created" ms={service.dateCreated} />],
          ["Date updated", <ConsoleDate key="updated" ms={service.dateUpdated} />],
        ]}
      />
      <ResourceTable
        label="Entities"
        columns={["Identity", "Entity SID", "Date created", "Date updated"]}
        empty="No entities yet: one appears when a user registers their first passkey."
        rows={entities.rows.map((e) => ({
          key: e.sid,
          cells: [
            <ResourceLink key="identity" href={consolePaths.entity(service.sid, e.identity)}>
              <Mono>{e.identity}</Mono>
            </ResourceLink>,
            <Mono key="sid">{e.sid}</Mono>,
            <ConsoleDate key="created" ms={e.dateCreated} />,
            <ConsoleDate key="updated" ms={e.dateUpdated} />,
          ],
        }))}
        nextHref={entities.next && `${consolePaths.service(service.sid)}?page=${entities.next}`}
        firstHref={page ? consolePaths.service(service.sid) : undefined}
      />
    </ConsoleShell>
  );
}
