"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { authClient } from "../../lib/auth-client";

export default function SignInPage() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function signIn() {
    setPending(true);
    setError(undefined);
    const { error } = await authClient.signIn.passkey();
    setPending(false);
    if (error) setError(error.message ?? "Sign-in failed");
    else router.push("/");
  }

  return (
    <main>
      <h1>Sign in</h1>
      <button type="button" onClick={signIn} disabled={pending}>
        Sign in with passkey
      </button>
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
