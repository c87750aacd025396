"use server";
/**
 * Sending money: validate and draft (which issues the passkey challenge), then approve with
 * the browser's assertion. The rules that protect the money are in lib/owlbank/transfers.ts.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { typedText } from "@/lib/owlbank/text";
import { formatCents, parseAmountToCents } from "@/lib/owlbank/money";
import { requireUser } from "@/lib/owlbank/session";
import { approveTransfer, cancelTransfer, startTransfer, type TransferView } from "@/lib/owlbank/transfer-approval";
import { transferRefusalMessage } from "@/lib/owlbank/transfer-messages";
import { MAX_TRANSFER_CENTS } from "@/lib/owlbank/transfers";
import {
  AuthenticationResponseSchema,
  describeVerifyError,
  parseCredentialJson,
  verifyErrorCode,
  verifyErrorMessage,
} from "@/lib/verify-client";

const DraftSchema = z.object({
  // A UUID (lib/owlbank/users.ts): anything else names no account of anyone's.
  fromAccountId: z.string().uuid("Choose the account to send from."),
  payee: typedText(64, { empty: "Enter who you're paying." }),
  amount: z
    .string()
    .trim()
    .min(1, "Enter an amount.")
    .transform((v, ctx) => {
      const cents = parseAmountToCents(v);
      if (cents === undefined) {
        ctx.addIssue({ code: "custom", message: "Enter an amount in dollars and cents, like 25.00." });
        return z.NEVER;
      }
      if (cents <= 0) {
        ctx.addIssue({ code: "custom", message: "Enter an amount above $0.00." });
        return z.NEVER;
      }
      if (cents > MAX_TRANSFER_CENTS) {
        ctx.addIssue({ code: "custom", message: `You can send at most ${formatCents(MAX_TRANSFER_CENTS)} at a time.` });
        return z.NEVER;
      }
      return cents;
    }),
  memo: typedText(140),
});

export type TransferFields = { fromAccountId: string; payee: string; amount: string; memo: string };

export type DraftStart =
  | { ok: true; transfer: TransferView; optionsJSON: PublicKeyCredentialRequestOptionsJSON }
  | { ok: false; errors?: Partial<Record<keyof TransferFields, string[]>>; message?: string };

/** Validates the form, drafts the transfer and returns the approval prompt for it. */
export async function draftTransfer(formData: FormData): Promise<DraftStart> {
  await requireUser();
  const parsed = DraftSchema.safeParse({
    fromAccountId: formData.get("fromAccountId") ?? "",
    payee: formData.get("payee") ?? "",
    amount: formData.get("amount") ?? "",
    memo: formData.get("memo") ?? "",
  });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    return { ok: false, errors: fieldErrors, message: "Please check the highlighted fields." };
  }
  const { fromAccountId, payee, amount, memo } = parsed.data;
  try {
    const started = await startTransfer({ fromAccountId, payee, amountCents: amount, memo });
    if (started.ok) return started;
    return started.reason === "no_account"
      ? { ok: false, errors: { fromAccountId: ["Choose one of your accounts."] } }
      : { ok: false, errors: { amount: ["That's more than the available balance of this account."] } };
  } catch (error) {
    const code = verifyErrorCode(error);
    if (code === 60390 || code === 60392) return { ok: false, message: "You need a passkey to approve transfers. Add one under Security first." };
    console.error(`[transfer] CreateChallenge failed: ${describeVerifyError(error)}`);
    return { ok: false, message: verifyErrorMessage(code) };
  }
}

export type ApprovalResult = { ok: true; message: string } | { ok: false; message: string };

/** Approves a draft with the browser's passkey assertion; money moves only on success. */
export async function approveTransferAction(transferId: string, credentialJson: string): Promise<ApprovalResult> {
  await requireUser();
  const id = z.uuid().safeParse(transferId);
  if (!id.success) return { ok: false, message: transferRefusalMessage("not_found") };
  const assertion = parseCredentialJson(AuthenticationResponseSchema, credentialJson);
  if (!assertion) return { ok: false, message: "Your browser sent an incomplete passkey response. Nothing was sent; please try again." };

  let result: Awaited<ReturnType<typeof approveTransfer>>;
  try {
    result = await approveTransfer(id.data, assertion);
  } catch (error) {
    console.error(`[transfer] approval failed: ${describeVerifyError(error)}`);
    return { ok: false, message: "OwlBank couldn't check the approval right now. Nothing was sent; please try again." };
  }
  revalidatePath("/dashboard");
  if (!result.ok) return { ok: false, message: transferRefusalMessage(result.reason) };
  return { ok: true, message: `Sent ${formatCents(result.transfer.amountCents)} to ${result.transfer.payee}.` };
}

/** The customer went back to change the details: this draft can never be approved. */
export async function cancelTransferAction(transferId: string): Promise<void> {
  await requireUser();
  const id = z.uuid().safeParse(transferId);
  if (id.success) await cancelTransfer(id.data);
}
