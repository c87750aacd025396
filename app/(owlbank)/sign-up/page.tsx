import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignUpForm } from "@/components/passkeys/sign-up-form";
import { AuthCard } from "@/components/ui/auth-card";
import { currentUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Open an account · OwlBank" };

export default async function SignUpPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <AuthCard
      title="Open an account"
      intro="It takes a minute. Instead of a password you'll create a passkey, so only you can get in."
      footer={
        <>
          Already bank with us?{" "}
          <Link href="/sign-in" className="font-semibold text-brand-800 underline-offset-2 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm />
    </AuthCard>
  );
}
