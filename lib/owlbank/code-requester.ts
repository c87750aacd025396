/**
 * Which browser asked for a one-time code. A code belongs to the browser that asked for it,
 * so a stranger asking for a code to the same number gets one of their own instead of
 * replacing the customer's, and counts against limits of their own.
 *
 * The browser is known by a random cookie set when it first asks for a code. It is not the
 * session: recovery and sign-up happen signed out, and a phone change must not depend on which
 * session is current. Only a SHA-256 of the cookie is stored: the value has 256 random bits,
 * so the hash needs no key to be irreversible.
 */
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { cookies } from "next/headers";
import { config } from "@/lib/env";

/** A day: far longer than a code (10 minutes) or a limit's window (an hour); renewed on each request. */
const MAX_AGE_SECONDS = 24 * 60 * 60;

const VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Over https the cookie gets the __Host- prefix, which browsers accept only with Secure,
 * Path=/ and no Domain, so no subdomain or plain-http page can plant one.
 */
function cookieName(): { name: string; secure: boolean } {
  const secure = config().app.url.startsWith("https://");
  return { name: secure ? "__Host-owlbank-code-requester" : "owlbank-code-requester", secure };
}

/** The stored form of a requester cookie's value. */
export const requesterHash = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/** This browser's requester, giving it a cookie first if it has none (for asking for a code). */
export async function codeRequester(): Promise<string> {
  const jar = await cookies();
  const { name, secure } = cookieName();
  let value = jar.get(name)?.value;
  if (!value || !VALUE.test(value)) value = randomBytes(32).toString("base64url");
  jar.set(name, value, { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: MAX_AGE_SECONDS });
  return requesterHash(value);
}

/** This browser's requester, or null if it never asked for a code (for checking one). */
export async function knownCodeRequester(): Promise<string | null> {
  const value = (await cookies()).get(cookieName().name)?.value;
  return value && VALUE.test(value) ? requesterHash(value) : null;
}
