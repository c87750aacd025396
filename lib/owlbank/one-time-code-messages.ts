/**
 * What a customer reads when a one-time code can't be sent or isn't accepted.
 */
import type { CheckResult, SendResult } from "./code-sender";
import { CODE_TTL_MS } from "./code-store";
import type { AlreadySent, RateLimited } from "./one-time-codes";
import { tooManyAttemptsMessage } from "./rate-limits";

type Refused<T> = Extract<T, { ok: false }>;

/** Twilio's own limits say no wait; an hour is the window of OwlBank's per-number limit. */
const waitOf = (result: object) => ("retryAfterSeconds" in result && typeof result.retryAfterSeconds === "number" ? result.retryAfterSeconds : 3600);

/**
 * The same browser asked again within a minute, so nothing was texted. Said the same whether
 * or not the number banks here: the repeat is counted for every number alike.
 */
export const CODE_ALREADY_SENT = `We already sent a code a minute ago. It works for ${CODE_TTL_MS / 60_000} minutes.`;

/** What to show above the code field after a request was accepted: only a repeat has something to say. */
export const codeSentNotice = (result: SendResult | AlreadySent): string | undefined =>
  "alreadySent" in result ? CODE_ALREADY_SENT : undefined;

export function codeRequestMessage(result: Refused<SendResult | RateLimited>): string {
  switch (result.reason) {
    case "rate_limited":
      return tooManyAttemptsMessage(waitOf(result));
    case "invalid_number":
      return "We can't send a text message to this number. Check it and try again.";
    case "unavailable":
      return "We couldn't send a text message right now. Please try again in a few minutes.";
  }
}

export function codeCheckMessage(result: Refused<CheckResult | RateLimited>): string {
  switch (result.reason) {
    case "wrong_code": {
      const left = "triesLeft" in result ? result.triesLeft : undefined;
      return left === undefined
        ? "That code isn't right. Check the text message and try again."
        : `That code isn't right. You have ${left} ${left === 1 ? "try" : "tries"} left.`;
    }
    case "too_many_tries":
      return "Too many wrong codes. Ask for a new code.";
    case "expired":
    case "no_code":
      return "This code has expired or was already used. Ask for a new code.";
    case "rate_limited":
      return tooManyAttemptsMessage(waitOf(result));
    case "unavailable":
      return "We couldn't check the code right now. Please try again in a few minutes.";
  }
}

/** A refused code as a form shows it: a wrong code next to the field, anything else above the form. */
export function codeRefusal(result: Refused<CheckResult | RateLimited>): { ok: false; errors?: { code: string[] }; message?: string } {
  const message = codeCheckMessage(result);
  return result.reason === "wrong_code" ? { ok: false, errors: { code: [message] } } : { ok: false, message };
}
