/**
 * Asking for and trying one-time codes, with the rate limits in front of whichever
 * CodeSender is configured: per client address for every request (see ADDRESS_RULES), and for
 * codes sent, per requester (the browser that asked) and number under a higher per-number cap.
 * Counting per requester is what keeps strangers asking for codes to a customer's number from
 * locking the customer out. A number without an account is counted the same way and simply
 * gets no message, so asking for a code never reveals whether a number banks here.
 */
import "server-only";
import { z } from "zod";
import type { CodePurpose } from "@/db/schema/owlbank";
import { type CheckResult, codeSender, type SendResult } from "./code-sender";
import { CODE_LENGTH } from "./code-store";
import { forgetLimit, type LimitRule, takeLimit, takeLimits } from "./rate-limits";

export type RateLimited = { ok: false; reason: "rate_limited"; retryAfterSeconds?: number };

/** The same requester asked again within a minute: nothing was texted, the code sent then still works. */
export type AlreadySent = { ok: true; alreadySent: true };

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

type Decision = { send: true } | AlreadySent | RateLimited;

const repeatKey = (input: { purpose: CodePurpose; phone: string; requester: string }) => `${input.purpose}\n${input.phone}\n${input.requester}`;

/**
 * Which limits a request passes. A request refused for its address costs the number nothing,
 * and a repeat within a minute costs neither the requester's nor the number's hourly count,
 * since nothing is sent. Each count is one atomic statement that also answers, so two
 * requests at once never both pass on one count: in particular only one of them claims the
 * minute's send (`codeRepeat`), and the other is told a code was already sent.
 */
async function decide(input: { purpose: CodePurpose; phone: string; address: string; requester: string }): Promise<Decision> {
  const { send } = ADDRESS_RULES[input.purpose];
  if (send) {
    const verdict = await takeLimit(send, input.address);
    if (!verdict.ok) return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  }
  const repeat = repeatKey(input);
  if (!(await takeLimit("codeRepeat", repeat)).ok) return { ok: true, alreadySent: true };
  const verdict = await takeLimits([
    ["codes", `${input.phone}\n${input.requester}`],
    ["numberCodes", input.phone],
  ]);
  if (!verdict.ok) {
    // Nothing will be sent, so the next request must not hear that a code was.
    await forgetLimit("codeRepeat", repeat);
    return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  }
  return { send: true };
}

/**
 * Sends a code to `phone` for `purpose`, bound to `requester`, when `deliver` is true, within
 * the limits. With `deliver` false (no such customer) everything but the message itself
 * happens, including the answer to a repeat request.
 */
export async function requestCode(input: {
  purpose: CodePurpose;
  phone: string;
  address: string;
  requester: string;
  deliver: boolean;
}): Promise<SendResult | AlreadySent | RateLimited> {
  const decision = await decide(input);
  if (!("send" in decision)) return decision;
  if (!input.deliver) return { ok: true };
  const sent = await codeSender().send(input.phone, input.purpose, input.requester);
  // Nothing went out, so asking again at once must really try again.
  if (!sent.ok) await forgetLimit("codeRepeat", repeatKey(input));
  return sent;
}

/**
 * Tries a code typed for `phone` in `requester`'s browser, within the per-address limit (the
 * code has its own try limit). A browser that never asked for a code has none to try, so
 * nothing is passed on: with Twilio, whose tries are shared by everyone, that keeps them for
 * browsers that asked.
 */
export async function tryCode(input: {
  purpose: CodePurpose;
  phone: string;
  code: string;
  address: string;
  requester: string | null;
}): Promise<CheckResult | RateLimited> {
  const verdict = await takeLimits([[ADDRESS_RULES[input.purpose].check, input.address]]);
  if (!verdict.ok) return { ok: false, reason: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  if (!input.requester) return { ok: false, reason: "no_code" };
  const checked = await codeSender().check(input.phone, input.code, input.purpose, input.requester);
  // The code sent is used up or dead, so "we already sent a code" would no longer be true.
  if (checked.ok || checked.reason === "too_many_tries") await forgetLimit("codeRepeat", repeatKey({ ...input, requester: input.requester }));
  return checked;
}
