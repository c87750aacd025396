"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { signOut } from "@/lib/auth/client";

/** Ends the session (next-auth clears the cookie) and returns to the sign-in page. */
export function SignOutButton({ className = "" }: { className?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="ghost"
      size="sm"
      className={className}
      busy={busy}
      onClick={async () => {
        setBusy(true);
        await signOut("/sign-in");
      }}
    >
      Sign out
    </Button>
  );
}
