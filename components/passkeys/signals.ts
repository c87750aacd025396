"use client";
/**
 * The WebAuthn Signal API (https://w3c.github.io/webauthn/#sctn-signal-methods): telling the
 * browser's passkey manager what OwlBank knows, so it stops offering passkeys that can no
 * longer sign in and shows the customer's current name. Each call is feature-detected, and
 * failures are ignored: signals are hints, never part of a ceremony's outcome.
 */

type UnknownCredential = { rpId: string; credentialId: string };
type AllAcceptedCredentials = { rpId: string; userId: string; allAcceptedCredentialIds: string[] };
type CurrentUserDetails = { rpId: string; userId: string; name: string; displayName: string };

/** The Signal API methods, which TypeScript's DOM library may not describe yet. */
type SignalMethods = {
  signalUnknownCredential?: (options: UnknownCredential) => Promise<void>;
  signalAllAcceptedCredentials?: (options: AllAcceptedCredentials) => Promise<void>;
  signalCurrentUserDetails?: (options: CurrentUserDetails) => Promise<void>;
};

function api(): SignalMethods | undefined {
  return typeof PublicKeyCredential === "undefined" ? undefined : (PublicKeyCredential as unknown as SignalMethods);
}

async function quietly(run: () => Promise<void>, what: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    console.info(`Passkey signal ${what} was not accepted:`, error instanceof Error ? error.name : error);
  }
}

/** After a passkey is deleted: this credential will never be accepted again. */
export async function signalUnknownCredential(options: UnknownCredential | null | undefined): Promise<void> {
  const pkc = api();
  if (!options || typeof pkc?.signalUnknownCredential !== "function") return;
  await quietly(() => pkc.signalUnknownCredential!(options), "unknown credential");
}

/** After sign-in: the complete list of the user's credentials OwlBank accepts. */
export async function signalAllAcceptedCredentials(options: AllAcceptedCredentials | null | undefined): Promise<void> {
  const pkc = api();
  if (!options || typeof pkc?.signalAllAcceptedCredentials !== "function") return;
  await quietly(() => pkc.signalAllAcceptedCredentials!(options), "all accepted credentials");
}

/** After a name change: the names the passkey manager should show for this account. */
export async function signalCurrentUserDetails(options: CurrentUserDetails | null | undefined): Promise<void> {
  const pkc = api();
  if (!options || typeof pkc?.signalCurrentUserDetails !== "function") return;
  await quietly(() => pkc.signalCurrentUserDetails!(options), "current user details");
}

const SIGNAL_REQUEST_KEY = "owlbank.signalAcceptedCredentials";

/**
 * Asks the next signed-in page to send signalAllAcceptedCredentials (AcceptedCredentialsSignal).
 * Sending it from the sign-in page would put a server action in the router's queue ahead
 * of the navigation to the dashboard, and a hint must never hold up a sign-in.
 */
export function requestAcceptedCredentialsSignal(): void {
  try {
    sessionStorage.setItem(SIGNAL_REQUEST_KEY, "1");
  } catch {
    // Storage can be disabled (private modes); the signal is a nicety, never required.
  }
}

/** Whether a signal was asked for; the request is consumed, so it is sent once per sign-in. */
export function takeAcceptedCredentialsSignalRequest(): boolean {
  try {
    const requested = sessionStorage.getItem(SIGNAL_REQUEST_KEY) === "1";
    sessionStorage.removeItem(SIGNAL_REQUEST_KEY);
    return requested;
  } catch {
    return false;
  }
}
