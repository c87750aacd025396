import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignInPanel } from "@/components/passkeys/sign-in-panel";
import { AuthCard } from "@/components/ui/auth-card";
import { currentUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Sign in · OwlBank" };

export default async function SignInPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <AuthCard
      title="Sign in"
      intro="Use the passkey you created when you opened your account."
      footer={
        <>
          New to OwlBank?{" "}
          <Link href="/sign-up" className="font-semibold text-brand-800 underline-offset-2 hover:underline">
            Open an account
          </Link>
        </>
      }
    >
      <SignInPanel />
    </AuthCard>
  );
}
