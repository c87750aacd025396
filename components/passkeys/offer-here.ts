"use client";
/**
 * Whether to offer "create a passkey on this device": set after a sign-in or recovery that
 * used a passkey from another device (a phone over hybrid, a security key), cleared when the
 * customer creates one here, declines, or signs in with this device's own passkey. Kept in
 * localStorage because it is about this browser, not the account; it grants nothing (adding
 * a passkey is authorised by the server as always).
 */
import { useSyncExternalStore } from "react";

const KEY = "owlbank.offerPasskeyHere";
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

/** Remembers how the customer just signed in: an offer follows a cross-platform passkey. */
export function rememberSignInDevice(attachment: string | null | undefined) {
  try {
    if (attachment === "cross-platform") localStorage.setItem(KEY, "1");
    else localStorage.removeItem(KEY);
  } catch {
    // Storage can be disabled (private modes); the offer is a nicety, never required.
  }
  notify();
}

export function dismissPasskeyOffer() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // See above.
  }
  notify();
}

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

/** True when this browser should offer a passkey here (false while rendering on the server). */
export function usePasskeyOfferPending(): boolean {
  return useSyncExternalStore(subscribe, read, () => false);
}
