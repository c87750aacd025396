/**
 * The words a customer sees when Verify refuses something: one table from Twilio error
 * code to message. Pure data, so client components can translate the codes that come back
 * through next-auth (`verify_60324`) without importing the server client.
 * Codes: docs/api.md §6.2, https://www.twilio.com/docs/errors
 */
const MESSAGES: Record<number, string> = {
  20003: "OwlBank couldn't reach its passkey service. Please try again later.",
  20404: "We couldn't find that passkey. It may already have been removed.",
  20429: "Too many attempts. Please wait a minute and try again.",
  60311: "This passkey couldn't be verified. It may already be registered with OwlBank.",
  60318: "That passkey was never fully set up. Please use another passkey.",
  60322: "This sign-in request was already used. Please try again.",
  60323: "The request timed out. Please try again.",
  60324: "We couldn't confirm it was you with that passkey. Please try again.",
  60326: "Too many passkeys were created today. Please try again tomorrow.",
  60376: "Your browser sent an unreadable passkey. Please try again.",
  // OwlBank's Service requires user verification, so a passkey used on presence alone (a
  // touch, no fingerprint, face or PIN) is by far the likeliest cause of 60379.
  60379: "Your passkey didn't confirm it's you (fingerprint, face or PIN). Try again and unlock it when asked.",
  60380: "This passkey belongs to a different website, or the page is out of date. Please reload and try again.",
  60382: "This passkey was created for a different website.",
  60383: "Setting up the passkey took too long. Please start again.",
  60388: "Please enter your name.",
  60390: "We don't recognise this passkey. It may have been removed from your account.",
  60391: "This sign-in request is no longer valid. Please try again.",
  60392: "No passkey was found for this account.",
};

export const GENERIC_VERIFY_MESSAGE = "Something went wrong on our side. Please try again.";

/** The customer-facing message for a Verify error code (`RestException.code`). */
export function verifyErrorMessage(code: number | undefined): string {
  return (code !== undefined && MESSAGES[code]) || GENERIC_VERIFY_MESSAGE;
}
