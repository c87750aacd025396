/**
 * "Send money" as a passkey ceremony: a draft gets a Verify challenge for the signed-in
 * user's identity, and only Verify's approval of exactly that challenge, by one of this
 * user's passkeys, executes it (lib/owlbank/transfers.ts holds the rules and the money).
 */
import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { approvePasskeyChallenge, type AuthenticationResponse, createPasskeyChallenge, verifyErrorCode } from "@/lib/verify-client";
import { rememberCredential } from "./passkey-credentials";
import { requireSession, requireUser } from "./session";
import { recordPasskeyUse } from "./step-up";
import { type DraftDetails, type ExecuteResult, executeTransfer, findOwnAccount, findTransfer, refuseDraft, saveDraft } from "./transfers";

export type TransferView = {
  id: string;
  payee: string;
  amountCents: number;
  memo: string;
  fromAccountName: string;
  fromAccountLast4: string;
};

export type StartResult =
  | { ok: true; transfer: TransferView; optionsJSON: PublicKeyCredentialRequestOptionsJSON }
  | { ok: false; reason: "no_account" | "insufficient_funds" };

/**
 * Drafts a transfer and issues its approval challenge, bound to the user's identity so only
 * their passkeys can answer it. Verify failures are thrown for the caller to report.
 */
export async function startTransfer(details: DraftDetails): Promise<StartResult> {
  const user = await requireUser();
  const account = await findOwnAccount(user.id, details.fromAccountId);
  if (!account) return { ok: false, reason: "no_account" };
  if (account.balanceCents < details.amountCents) return { ok: false, reason: "insufficient_funds" };

  const challenge = await createPasskeyChallenge({ identity: user.verifyIdentity });
  const draft = await saveDraft(user.id, details, { sid: challenge.challengeSid, expiresAt: challenge.expiresAt });
  return {
    ok: true,
    transfer: {
      id: draft.id,
      payee: draft.payee,
      amountCents: draft.amountCents,
      memo: draft.memo,
      fromAccountName: account.name,
      fromAccountLast4: account.number,
    },
    optionsJSON: challenge.optionsJSON,
  };
}

/**
 * Approves and executes a draft with the browser's assertion. Verify checks the passkey and
 * uses the challenge up (a replay gets 60322, another user's passkey 60324, a late answer
 * 60323); then executeTransfer checks the approval is this draft's and this user's.
 */
export async function approveTransfer(transferId: string, assertion: AuthenticationResponse): Promise<ExecuteResult> {
  const { user, session } = await requireSession();
  const draft = await findTransfer(user.id, transferId);
  if (!draft) return { ok: false, reason: "not_found" };
  // Nothing to approve any more: no need to ask Verify, and nothing can move again.
  if (draft.status === "executed") return { ok: false, reason: "already_executed" };
  if (draft.status === "refused") return { ok: false, reason: "already_refused" };

  let approved: Awaited<ReturnType<typeof approvePasskeyChallenge>>;
  try {
    approved = await approvePasskeyChallenge(assertion);
  } catch (error) {
    const code = verifyErrorCode(error);
    if (code === undefined) throw error;
    // "Already used" says nothing against this draft: it may be its own approval arriving
    // twice, while the first one is executing it. Any other refusal ends the draft.
    if (code !== 60322) await refuseDraft(user.id, draft.id, `verify_${code}`);
    return { ok: false, reason: `verify_${code}` };
  }
  if (approved.identity === user.verifyIdentity) {
    await recordPasskeyUse(session.id);
    await rememberCredential({ userId: user.id, factorSid: approved.factorSid, credentialId: assertion.id });
  }
  return executeTransfer({ userId: user.id, verifyIdentity: user.verifyIdentity, transferId: draft.id, approved });
}

/** The customer backed out of the review: the draft can no longer be approved. */
export async function cancelTransfer(transferId: string): Promise<void> {
  const user = await requireUser();
  await refuseDraft(user.id, transferId, "cancelled");
}
