import type { Metadata } from "next";
import Link from "next/link";
import { SignInPanel } from "@/components/passkeys/sign-in-panel";
import { AuthCard } from "@/components/ui/auth-card";

export const signInMetadata: Metadata = { title: "Sign in · OwlBank" };

/**
 * The sign-in page's content, the same for everyone: served prerendered to visitors without a
 * session cookie (app/(prerendered)/sign-in/page.tsx) and rendered per request for those with
 * one (./with-session/page.tsx). See proxy.ts for which one a request gets.
 */
export function SignInCard() {
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
