import { connection } from "next/server";
import type { ReactNode } from "react";

/**
 * Every page in app/(owlbank)/ renders per request, so that its scripts carry that request's
 * CSP nonce (proxy.ts): a page prerendered at build time would ship without one and be
 * blocked. Most of them read the session anyway; this makes it true of every page here, even
 * one that reads nothing. The one prerendered page, /sign-in for visitors without a session
 * cookie, lives outside this group (app/(prerendered)/) and gets a hash-based CSP instead.
 */
export default async function PerRequestLayout({ children }: { children: ReactNode }) {
  await connection();
  return children;
}
