/**
 * CodeSender over Twilio Verify's SMS channel. Twilio generates the code, sends it, expires it
 * (10 minutes by default) and limits attempts (5 checks); OwlBank's own rate limits apply on
 * top (lib/owlbank/one-time-codes.ts). Codes go through the same Verify Service as passkeys.
 *
 * Twilio keeps one pending code per number, whatever it was for, so the purpose is not passed
 * on: a code sent to confirm a number at sign-up would also confirm a phone change to it. Each
 * still proves only that its holder has that phone, which is all either flow asks; a purpose
 * that needed more would need a Verify Service of its own.
 *
 * Nor can a code be bound to the browser that asked for it, as the local outbox does: Twilio
 * has one verification per number, and a request while it is pending sends the same code again
 * (https://www.twilio.com/docs/verify/api/verification). So a stranger's request does not kill
 * the customer's code, but Twilio's own 5 sends and 5 checks per verification are shared by
 * everyone asking for that number (60203, 60202). What OwlBank can do is in front of Twilio
 * (one-time-codes.ts): every browser has its own hourly limit per number under a higher
 * per-number cap, a repeat request within a minute is not forwarded, and a browser that never
 * asked for a code has nothing checked. Binding fully would mean OwlBank making the codes and
 * sending them through Twilio Programmable Messaging instead of Verify.
 * Error codes: https://www.twilio.com/docs/errors (60200, 60202, 60203, 60410, 20404, 20429).
 */
import "server-only";
import { checkSmsCode, describeVerifyError, sendSmsCode, verifyErrorCode } from "@/lib/verify-client";
import type { CheckResult, CodeSender, SendResult } from "./code-sender";

export class TwilioVerifySms implements CodeSender {
  async send(to: string): Promise<SendResult> {
    try {
      await sendSmsCode(to);
      return { ok: true };
    } catch (error) {
      const code = verifyErrorCode(error);
      if (code === 60200 || code === 21211 || code === 21614) return { ok: false, reason: "invalid_number" };
      if (code === 60203 || code === 20429 || code === 60410) return { ok: false, reason: "rate_limited" };
      console.error(`[codes] SMS send failed: ${describeVerifyError(error)}`);
      return { ok: false, reason: "unavailable" };
    }
  }

  async check(to: string, code: string): Promise<CheckResult> {
    try {
      return (await checkSmsCode(to, code)) ? { ok: true } : { ok: false, reason: "wrong_code" };
    } catch (error) {
      const twilioCode = verifyErrorCode(error);
      // 20404: no pending verification for the number: expired, used, or never sent.
      if (twilioCode === 20404) return { ok: false, reason: "expired" };
      if (twilioCode === 60202) return { ok: false, reason: "too_many_tries" };
      console.error(`[codes] SMS check failed: ${describeVerifyError(error)}`);
      return { ok: false, reason: "unavailable" };
    }
  }
}
