/**
 * Asking for and trying one-time codes, with the rate limits in front of whichever
 * CodeSender is configured: per phone number for codes sent, per client address for every
 * request. A number without an account is counted the same way and simply gets no message,
 * so the answers never reveal whether a number banks here.
 */
import "server-only";
import type { CodePurpose } from "@/db/schema/owlbank";
import { type CheckResult, codeSender, type SendResult } from "./code-sender";
import { takeLimits } from "./rate-limits";

export type RateLimited = { ok: false; reason: "rate_limited"; retryAfterSeconds?: number };

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
  const verdict = takeLimits([
    ["recovery", input.address],
    ["codes", input.phone],
  ]);
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
  const verdict = takeLimits([["recovery", input.address]]);
  if (!verdict.ok) return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  return codeSender().check(input.phone, input.code, input.purpose);
}
