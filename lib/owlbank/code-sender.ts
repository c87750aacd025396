/**
 * How a one-time code reaches a phone. Two implementations: the local outbox (the default,
 * works offline and in tests) and Twilio Verify's SMS channel (with Twilio credentials). With
 * Twilio the provider owns the code, so the interface is "send to" and "check for", never
 * "here is the code".
 */
import "server-only";
import type { CodePurpose } from "@/db/schema/owlbank";
import { config } from "@/lib/env";
import { LocalOutbox } from "./local-outbox";
import { TwilioVerifySms } from "./twilio-verify-sms";

export type SendResult = { ok: true } | { ok: false; reason: "unavailable" | "rate_limited" | "invalid_number" };

export type CheckResult =
  | { ok: true }
  | { ok: false; reason: "wrong_code"; triesLeft?: number }
  | { ok: false; reason: "no_code" | "expired" | "too_many_tries" | "unavailable" };

export interface CodeSender {
  /**
   * Sends a code to `to` (E.164) for `purpose`, asked for by `requester` (the browser, see
   * code-requester.ts); that requester's earlier code for it may stop working.
   */
  send(to: string, purpose: CodePurpose, requester: string): Promise<SendResult>;
  /** Checks what was typed in `requester`'s browser (null: it never asked for a code); a right code is used up. */
  check(to: string, code: string, purpose: CodePurpose, requester: string | null): Promise<CheckResult>;
}

const globalForSender = globalThis as unknown as { owlbankCodeSender?: CodeSender };

/** The configured sender (OWLBANK_CODE_DELIVERY), made once per process. */
export function codeSender(): CodeSender {
  globalForSender.owlbankCodeSender ??= config().owlbank.codeDelivery === "twilio" ? new TwilioVerifySms() : new LocalOutbox();
  return globalForSender.owlbankCodeSender;
}
