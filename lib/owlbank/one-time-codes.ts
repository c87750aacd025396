/**
 * Asking for and trying one-time codes, with the rate limits in front of whichever
 * CodeSender is configured: per phone number for codes sent, per client address for every
 * request (see ADDRESS_RULES). A number without an account is counted the same way and simply gets no
 * message, so asking for a code never reveals whether a number banks here.
 */
import "server-only";
import { z } from "zod";
import type { CodePurpose } from "@/db/schema/owlbank";
import { type CheckResult, codeSender, type SendResult } from "./code-sender";
import { CODE_LENGTH } from "./code-store";
import { type LimitRule, takeLimits } from "./rate-limits";

export type RateLimited = { ok: false; reason: "rate_limited"; retryAfterSeconds?: number };

/** A form's code field: the digits as typed, spaces around them forgiven. */
export const codeField = (message = `Enter the ${CODE_LENGTH}-digit code from the text message.`) =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^\\d{${CODE_LENGTH}}$`), message);

/**
 * The per-address budget each purpose's codes count against. Opening an account counted the
 * address when its form was sent (signUp), so asking for that code adds nothing more.
 */
const ADDRESS_RULES: Record<CodePurpose, { send: LimitRule | null; check: LimitRule }> = {
  sign_up: { send: null, check: "signUp" },
  recovery: { send: "recovery", check: "recovery" },
  phone_change: { send: "recovery", check: "recovery" },
};

/**
 * Sends a code to `phone` for `purpose` when `deliver` is true, within the limits. With
 * `deliver` false (no such customer) everything but the message itself happens.
 */
export async function requestCode(input: {
  purpose: CodePurpose;
  phone: string;
  address: string;
  deliver: boolean;
}): Promise<SendResult | RateLimited> {
  const { send } = ADDRESS_RULES[input.purpose];
  const checks: [LimitRule, string][] = [["codes", input.phone]];
  if (send) checks.unshift([send, input.address]);
  const verdict = takeLimits(checks);
  if (!verdict.ok) return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  if (!input.deliver) return { ok: true };
  return codeSender().send(input.phone, input.purpose);
}

/** Tries a code typed for `phone`, within the per-address limit (the code has its own try limit). */
export async function tryCode(input: {
  purpose: CodePurpose;
  phone: string;
  code: string;
  address: string;
}): Promise<CheckResult | RateLimited> {
  const verdict = takeLimits([[ADDRESS_RULES[input.purpose].check, input.address]]);
  if (!verdict.ok) return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  return codeSender().check(input.phone, input.code, input.purpose);
}
