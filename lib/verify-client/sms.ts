/**
 * One-time codes by SMS through Twilio Verify's SMS channel (Verifications and
 * VerificationCheck). Twilio makes, sends, expires and counts the code; OwlBank only names
 * the number and forwards what the customer typed. Used only with real Twilio credentials:
 * the embedded /v2 API implements passkeys, not SMS.
 */
import "server-only";
import { verifyService } from "./service";

/** Sends (or re-sends) a code to `to`, an E.164 number. */
export async function sendSmsCode(to: string): Promise<void> {
  const service = await verifyService();
  await service.verifications.create({ to, channel: "sms" });
}

/** True when `code` is the pending code for `to`; Twilio counts the attempt either way. */
export async function checkSmsCode(to: string, code: string): Promise<boolean> {
  const service = await verifyService();
  const check = await service.verificationChecks.create({ to, code });
  return check.status === "approved";
}
