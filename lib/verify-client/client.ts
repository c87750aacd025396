/**
 * The one `twilio` client OwlBank uses, built exactly as a Twilio customer would build it.
 * By default it talks to this app's own /v2 API with the embedded account, without leaving
 * the process (in-process.ts); with VERIFY_BASE_URL it sends the same requests over HTTP to
 * that server, and with Twilio credentials to the real Verify (config() decides, see lib/env.ts).
 */
import "server-only";
import twilio from "twilio";
import { config } from "@/lib/env";
import { inProcessHttpClient } from "./in-process";

export type TwilioClient = ReturnType<typeof twilio>;

let memo: TwilioClient | undefined;

/** The process-wide Twilio client for Verify. */
export function twilioClient(): TwilioClient {
  if (memo) return memo;
  const { accountSid, authToken, baseUrl, inProcess } = config().verifyClient;
  const base = baseUrl?.replace(/\/+$/, "");
  const client = twilio(
    accountSid,
    authToken,
    // The library's own HTTP client otherwise: axios, over a socket.
    inProcess && base ? { httpClient: inProcessHttpClient(new URL(base).origin) } : {},
  );
  // The Verify domain's base URL is public API of the library (docs/api.md §1). TWILIO_REGION and
  // TWILIO_EDGE would rewrite this host, so deployments pointing elsewhere leave them unset.
  if (base) client.verify.baseUrl = base;
  memo = client;
  return client;
}
