"use client";
import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * Whether this browser can do WebAuthn. The server can't know, so it renders as if it can
 * and the client corrects that after hydration without a flash of error for most people.
 */
export function useWebAuthnSupport(): boolean {
  return useSyncExternalStore(noSubscription, browserSupportsWebAuthn, () => true);
}
