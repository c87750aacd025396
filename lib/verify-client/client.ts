/**
 * The one `twilio` client OwlBank uses, built exactly as a Twilio customer would build it.
 * By default it points at this app's own /v2 API with the embedded account; with Twilio
 * credentials it talks to the real Verify (config() decides, see lib/env.ts).
 */
import "server-only";
import twilio from "twilio";
import { config } from "@/lib/env";

export type TwilioClient = ReturnType<typeof twilio>;

let memo: TwilioClient | undefined;

/** The process-wide Twilio client for Verify. */
export function twilioClient(): TwilioClient {
  if (memo) return memo;
  const { accountSid, authToken, baseUrl } = config().verifyClient;
  const client = twilio(accountSid, authToken);
  // The Verify domain's base URL is public API of the library (docs/api.md §1). TWILIO_REGION and
  // TWILIO_EDGE would rewrite this host, so deployments pointing elsewhere leave them unset.
  if (baseUrl) client.verify.baseUrl = baseUrl.replace(/\/+$/, "");
  memo = client;
  return client;
}
