"use client";
/**
 * Rendered by the signed-in layout: right after a sign-in, tells the browser's passkey
 * manager every passkey OwlBank still accepts for this customer, so it drops the others.
 */
import { useEffect } from "react";
import { acceptedCredentials } from "@/app/(owlbank)/(signed-in)/settings/security/actions";
import { signalAllAcceptedCredentials, takeAcceptedCredentialsSignalRequest } from "./signals";

export function AcceptedCredentialsSignal() {
  useEffect(() => {
    if (takeAcceptedCredentialsSignalRequest()) void acceptedCredentials().then(signalAllAcceptedCredentials, () => undefined);
  }, []);
  return null;
}
