import type { ReactNode } from "react";
import { AcceptedCredentialsSignal } from "@/components/passkeys/accepted-credentials-signal";
import { SignOutButton } from "@/components/passkeys/sign-out-button";
import { Logo } from "@/components/ui/logo";
import { NavLink } from "@/components/ui/nav-link";
import { requireUser } from "@/lib/owlbank/session";

/**
 * The signed-in frame. Its requireUser() only spares a flash of chrome for signed-out
 * visitors; each page checks again next to the data it reads.
 */
export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <div className="flex min-h-dvh flex-col bg-slate-50">
      <header className="bg-brand-950 text-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
          <Logo href="/dashboard" inverted />
          <div className="flex items-center gap-2">
            <span className="hidden text-sm text-brand-100 sm:inline">{user.displayName}</span>
            <SignOutButton className="text-white hover:bg-white/10" />
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto flex max-w-5xl gap-1 px-2 pb-2 sm:px-4">
          <NavLink href="/dashboard">Accounts</NavLink>
          <NavLink href="/transfer">Send money</NavLink>
          <NavLink href="/settings/security">Security</NavLink>
          <NavLink href="/settings/profile">Profile</NavLink>
        </nav>
      </header>
      <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">{children}</main>
      <AcceptedCredentialsSignal />
    </div>
  );
}
