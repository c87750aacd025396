"use client";
/**
 * What a customer sees when a page or a form action fails (Verify unreachable while the
 * security page lists passkeys, the network gone mid-action): words and a way on, instead of
 * Next's bare "Application error". The details stay in the server's log; the digest finds them.
 */
import Link from "next/link";
import { useEffect } from "react";
import { AuthCard } from "@/components/ui/auth-card";
import { Button } from "@/components/ui/button";

export default function OwlBankError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => console.error(error), [error]);
  const digest = (error as { digest?: unknown } | null)?.digest;
  return (
    <AuthCard title="Something went wrong" intro="OwlBank couldn't finish loading this page. Your money and your passkeys are safe.">
      <div className="flex flex-wrap items-center gap-3">
        {/* A fresh render from the server, not just this screen again. */}
        <Button onClick={retry}>Try again</Button>
        <Link href="/" className="font-semibold text-brand-800 underline-offset-2 hover:underline">
          Go to the home page
        </Link>
      </div>
      {typeof digest === "string" ? <p className="mt-5 text-xs text-slate-500">Reference for support: {digest}</p> : null}
    </AuthCard>
  );
}
