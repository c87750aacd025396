"use client";
/**
 * Signing in, three ways, all ending in next-auth's "passkey" provider:
 *  - autofill: the phone field offers saved passkeys (conditional mediation), armed on load;
 *  - "Sign in with Face ID": a discoverable challenge, no phone number needed;
 *  - "Use another device": the same, hinting the browser towards a phone or security key.
 * Typing a phone number and pressing Continue limits the prompt to that account's passkeys.
 */
import {
  type AuthenticationResponseJSON,
  browserSupportsWebAuthnAutofill,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  WebAuthnAbortService,
} from "@simplewebauthn/browser";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { beginPasskeySignIn, beginPhoneSignIn, type SignInStart } from "@/app/(owlbank)/sign-in/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { CeremonyStatus } from "@/components/ui/notice";
import { SERVER_UNREACHABLE_MESSAGE } from "@/components/ui/server-failure";
import { prefetchCsrfToken, signInWith } from "@/lib/auth/client";
import { authErrorMessage, ceremonyErrorMessage, isAbort, NO_WEBAUTHN_MESSAGE } from "./errors";
import { rememberSignInDevice } from "./offer-here";
import { requestAcceptedCredentialsSignal } from "./signals";
import { useWebAuthnSupport } from "./use-webauthn-support";

type Mode = "face-id" | "another-device" | "phone";

type Status = { progress?: string; error?: string; phoneErrors?: string[] };

type Spare = { started: SignInStart & { ok: true }; at: number };

/**
 * Whether an unused autofill challenge may stand in for a button's: while less than half its
 * life has passed (Verify sets the options' timeout to the challenge's lifetime), so the
 * prompt that follows has time to finish before Verify stops accepting the answer.
 */
const isFresh = (spare: Spare) => Date.now() - spare.at < (spare.started.optionsJSON.timeout ?? 60_000) / 2;

/** WebAuthn L3 hints: steer the browser's chooser without restricting it. */
const HINTS: Record<Mode, PublicKeyCredentialRequestOptionsJSON["hints"]> = {
  "face-id": ["client-device"],
  "another-device": ["hybrid", "security-key"],
  phone: undefined,
};

export function SignInPanel() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState<Mode | "autofill" | null>(null);
  // Bumped to re-arm autofill after a button ceremony ends without signing in.
  const [autofillRound, setAutofillRound] = useState(0);
  const phoneRef = useRef<HTMLInputElement>(null);
  // The discoverable challenge autofill is waiting on. A button cancels that request, so the
  // challenge was never signed: using it for the button's ceremony saves a round trip per click.
  const spare = useRef<Spare | null>(null);
  // Exposed as data-autofill on the form, so tests (and curious developers) can tell when
  // the browser holds a pending autofill request ("armed") or none will come ("ended").
  const [autofill, setAutofill] = useState<"starting" | "armed" | "ended">("starting");
  const rearmAutofill = () => {
    setAutofill("starting");
    setAutofillRound((n) => n + 1);
  };

  useEffect(prefetchCsrfToken, []);

  /** Hands the assertion to next-auth; true when a session was created. */
  async function finish(credential: AuthenticationResponseJSON): Promise<boolean> {
    setStatus({ progress: "Checking your passkey…" });
    const result = await signInWith("passkey", { credential: JSON.stringify(credential) });
    if (!result.ok) {
      setStatus({ error: authErrorMessage(result.error) });
      return false;
    }
    setStatus({ progress: "Signed in. Opening your accounts…" });
    // A passkey from another device (phone, security key): the dashboard offers one here.
    rememberSignInDevice(credential.authenticatorAttachment);
    // The signed-in pages tell the passkey manager which passkeys OwlBank still accepts.
    requestAcceptedCredentialsSignal();
    router.replace("/dashboard");
    return true;
  }

  /** The spare autofill challenge if it is fresh (once only), else a new one. */
  async function discoverableChallenge(): Promise<SignInStart> {
    const fresh = spare.current && isFresh(spare.current) ? spare.current.started : null;
    spare.current = null;
    return fresh ?? beginPasskeySignIn();
  }

  // Autofill: one conditional request per round. Each run asks for a fresh challenge, so
  // StrictMode's double effect just means a spare challenge that expires unused.
  useEffect(() => {
    let cancelled = false;
    // An effect cannot await; the round handles its own failures and the cleanup cancels it.
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill())) return setAutofill("ended");
      // Unreachable server: no autofill this time; the buttons say what went wrong.
      const started = await beginPasskeySignIn().catch(() => null);
      if (cancelled) return;
      if (!started?.ok) return setAutofill("ended");
      spare.current = { started, at: Date.now() };
      let credential: AuthenticationResponseJSON;
      setAutofill("armed");
      try {
        credential = await startAuthentication({ optionsJSON: started.optionsJSON, useBrowserAutofill: true });
      } catch (error) {
        // Silent on purpose: the customer never asked for this request. Aborts are ours (a
        // button took over, the page is leaving), and some browsers reject a conditional
        // request at once when the device holds no passkey for OwlBank. The buttons remain.
        if (!isAbort(error)) console.info("Passkey autofill is unavailable:", error instanceof Error ? error.name : error);
        return;
      } finally {
        if (!cancelled) setAutofill("ended");
      }
      if (cancelled) return;
      spare.current = null;
      setBusy("autofill");
      const signedIn = await finish(credential);
      setBusy(null);
      if (!signedIn) rearmAutofill();
    })();
    return () => {
      cancelled = true;
      WebAuthnAbortService.cancelCeremony();
    };
    // finish() only closes over stable setters and the router.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autofillRound]);

  async function run(mode: Mode, start: () => Promise<SignInStart>) {
    if (!supported) {
      setStatus({ error: NO_WEBAUTHN_MESSAGE });
      return;
    }
    // Only one WebAuthn request can be pending: stop the autofill one first.
    WebAuthnAbortService.cancelCeremony();
    setBusy(mode);
    setStatus({ progress: "Preparing a secure sign-in…" });
    try {
      const started = await start();
      if (!started.ok) {
        setStatus({ error: started.message, phoneErrors: started.errors?.phone });
        if (started.errors?.phone) phoneRef.current?.focus();
        return;
      }
      setStatus({
        progress:
          mode === "another-device"
            ? "Scan the code with your phone, or insert your security key…"
            : "Confirm with Face ID, Touch ID or your screen lock…",
      });
      let credential: AuthenticationResponseJSON;
      try {
        credential = await startAuthentication({ optionsJSON: { ...started.optionsJSON, hints: HINTS[mode] } });
      } catch (error) {
        const message = ceremonyErrorMessage(error, "sign-in");
        setStatus(message ? { error: message } : {});
        return;
      }
      if (await finish(credential)) return;
    } catch (error) {
      console.error("A request to OwlBank failed:", error);
      setStatus({ error: SERVER_UNREACHABLE_MESSAGE });
    } finally {
      setBusy(null);
    }
    // Not signed in: offer autofill again.
    rearmAutofill();
  }

  const working = busy !== null;

  return (
    <div className="space-y-6">
      <form
        // POST, so a submit before hydration can never put the phone number in a URL.
        method="post"
        noValidate
        data-autofill={autofill}
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          void run("phone", () => beginPhoneSignIn(data));
        }}
      >
        <Field
          ref={phoneRef}
          id="phone"
          name="phone"
          label="Phone number"
          type="tel"
          inputMode="tel"
          // "webauthn" last: the browser offers saved passkeys in this field's autofill.
          autoComplete="username webauthn"
          placeholder="(415) 555-0123"
          hint="Choose a saved passkey from the suggestions, or type your number."
          errors={status.phoneErrors}
        />
        <Button type="submit" variant="secondary" className="w-full" busy={busy === "phone"} disabled={working && busy !== "phone"}>
          Continue
        </Button>
      </form>

      <div className="flex items-center gap-3 text-xs font-medium uppercase tracking-wider text-slate-400" aria-hidden="true">
        <span className="h-px flex-1 bg-slate-200" />
        or
        <span className="h-px flex-1 bg-slate-200" />
      </div>

      <div className="space-y-3">
        <Button className="w-full" busy={busy === "face-id"} disabled={working && busy !== "face-id"} onClick={() => run("face-id", discoverableChallenge)}>
          Sign in with Face ID
        </Button>
        <Button
          variant="secondary"
          className="w-full"
          busy={busy === "another-device"}
          disabled={working && busy !== "another-device"}
          onClick={() => run("another-device", discoverableChallenge)}
        >
          Use another device
        </Button>
        <p className="text-center text-sm text-slate-500">Face ID also means Touch ID, Windows Hello or your device&apos;s screen lock.</p>
      </div>

      <p className="text-center text-sm">
        <Link href="/recover" className="font-semibold text-brand-800 underline underline-offset-2">
          Lost your passkey?
        </Link>
      </p>

      <CeremonyStatus progress={status.progress} error={status.error ?? (supported ? null : NO_WEBAUTHN_MESSAGE)} />
    </div>
  );
}
