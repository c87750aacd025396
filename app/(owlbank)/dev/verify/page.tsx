import type { Metadata } from "next";
import { ConsoleShell } from "@/components/verify-console/console-shell";
import { ConsoleDate, Mono } from "@/components/verify-console/fields";
import { consolePaths } from "@/components/verify-console/paths";
import { ResourceLink, ResourceTable } from "@/components/verify-console/resource-table";
import { consoleAccount, consoleServices } from "@/lib/verify/console";

export const metadata: Metadata = { title: "Verify console (development) · OwlBank", robots: { index: false } };

type Props = { searchParams: Promise<{ page?: string | string[] }> };

/**
 * The Verify console: the Services of the account whose credentials the browser sent, and
 * from there everything they hold. Read-only. It exists in development, and in production
 * only with OWLBANK_DEV_CONSOLE=1; proxy.ts asks for the credentials.
 */
export default async function VerifyConsolePage({ searchParams }: Props) {
  const account = await consoleAccount();
  const { page } = await searchParams;
  const services = await consoleServices(account, typeof page === "string" ? page : undefined);

  return (
    <ConsoleShell account={account} crumbs={[{ label: "Services" }]}>
      <div>
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Verify console</h1>
        <p className="mt-2 text-slate-600">
          The Services of this account, and their entities, passkeys and challenges, as the /v2 API holds them. Read-only.
        </p>
      </div>
      <ResourceTable
        label="Services"
        columns={["Friendly name", "Service SID", "Relying party", "Date created"]}
        empty="This account has no Services yet."
        rows={services.rows.map((s) => ({
          key: s.sid,
          cells: [
            <ResourceLink key="name" href={consolePaths.service(s.sid)}>
              {s.friendlyName}
            </ResourceLink>,
            <Mono key="sid">{s.sid}</Mono>,
            s.passkeys.relying_party.id,
            <ConsoleDate key="date" ms={s.dateCreated} />,
          ],
        }))}
        nextHref={services.next && `${consolePaths.services}?page=${services.next}`}
        firstHref={page ? consolePaths.services : undefined}
      />
    </ConsoleShell>
  );
}
