import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { RecoveryForm } from "@/components/passkeys/recovery-form";
import { AuthCard } from "@/components/ui/auth-card";
import { currentUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Lost your passkey? · OwlBank" };

export default async function RecoverPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <AuthCard
      title="Lost your passkey?"
      intro="We'll text a one-time code to your account's phone number. Then you'll create a new passkey and be signed in."
      footer={
        <>
          Found it?{" "}
          <Link href="/sign-in" className="font-semibold text-brand-800 underline-offset-2 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <RecoveryForm />
    </AuthCard>
  );
}
