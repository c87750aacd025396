/**
 * Why a transfer was not sent, in words. Every refusal ends with what happened to the
 * money, since that is the customer's first question.
 */
import { verifyErrorMessage } from "@/lib/verify-client/messages";

const NOTHING_SENT = "Nothing was sent.";

const MESSAGES: Record<string, string> = {
  not_found: `We couldn't find that transfer. ${NOTHING_SENT}`,
  already_executed: "This transfer was already sent. It has not been sent again.",
  already_refused: `This transfer can no longer be approved. ${NOTHING_SENT} Please start a new one.`,
  cancelled: `This transfer was cancelled. ${NOTHING_SENT}`,
  challenge_mismatch: `That passkey approval was for a different request. ${NOTHING_SENT} Please start again.`,
  identity_mismatch: `That passkey isn't one of yours. ${NOTHING_SENT}`,
  details_changed: `The transfer details changed after you were asked to approve them. ${NOTHING_SENT} Please start again.`,
  expired: `The approval request expired before it was answered. ${NOTHING_SENT} Please start again.`,
  insufficient_funds: `There isn't enough money in the account for this transfer. ${NOTHING_SENT}`,
  // Verify's refusals of the approval itself (Twilio codes, docs/api.md §6.2).
  verify_60322: `This approval was already used. ${NOTHING_SENT}`,
  verify_60323: `The approval request expired before it was answered. ${NOTHING_SENT} Please start again.`,
  verify_60324: `That passkey isn't one of yours, or it couldn't be verified. ${NOTHING_SENT}`,
  verify_60390: `We don't recognise this passkey. ${NOTHING_SENT}`,
  verify_60391: `That approval doesn't match any request. ${NOTHING_SENT} Please start again.`,
};

/** The message for a refusal reason from lib/owlbank/transfers.ts or transfer-approval.ts. */
export function transferRefusalMessage(reason: string): string {
  if (MESSAGES[reason]) return MESSAGES[reason];
  const verify = /^verify_(\d+)$/.exec(reason);
  return `${verifyErrorMessage(verify ? Number(verify[1]) : undefined)} ${NOTHING_SENT}`;
}
