import Link from "next/link";
import { redirect } from "next/navigation";
import { SecureBadge, SiteFooter } from "@/components/ui/auth-card";
import { Logo } from "@/components/ui/logo";
import { currentUser } from "@/lib/owlbank/session";

export default async function Home() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <div className="flex min-h-dvh flex-col bg-gradient-to-b from-brand-50 to-slate-50">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between px-4 py-5 sm:px-6">
        <Logo />
        <Link href="/sign-in" className="rounded-lg px-3 py-2 text-sm font-semibold text-brand-800 hover:bg-brand-100">
          Sign in
        </Link>
      </header>
      <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-10 sm:px-6 sm:py-20">
        <SecureBadge />
        <h1 className="mt-4 max-w-2xl text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">Banking that knows it&apos;s you.</h1>
        <p className="mt-4 max-w-xl text-lg text-slate-600">
          OwlBank signs you in with a passkey: your face, your fingerprint or your screen lock. Nothing to remember, nothing to phish.
        </p>
        <div className="mt-8 flex flex-col gap-3 sm:flex-row">
          <Link href="/sign-up" className="inline-flex min-h-12 items-center justify-center rounded-xl bg-brand-700 px-6 font-semibold text-white hover:bg-brand-800">
            Open an account
          </Link>
          <Link href="/sign-in" className="inline-flex min-h-12 items-center justify-center rounded-xl bg-white px-6 font-semibold text-brand-900 ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
            Sign in
          </Link>
        </div>
        <ul className="mt-14 grid gap-4 sm:grid-cols-3">
          {[
            ["No passwords", "A passkey lives on your device or in your password manager, never on our servers."],
            ["Can't be phished", "Passkeys only work on OwlBank's real website, so a fake page gets nothing."],
            ["Works everywhere", "Use Face ID on your phone, or your phone to sign in on a computer."],
          ].map(([title, text]) => (
            <li key={title} className="rounded-2xl bg-white p-5 ring-1 ring-slate-200">
              <h2 className="font-semibold text-slate-900">{title}</h2>
              <p className="mt-1 text-sm text-slate-600">{text}</p>
            </li>
          ))}
        </ul>
      </main>
      <SiteFooter />
    </div>
  );
}
