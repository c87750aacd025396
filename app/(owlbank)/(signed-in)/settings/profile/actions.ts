"use server";
/**
 * The customer's name and phone number. A new name is announced to the passkey manager
 * (Signal API); a new phone number needs a recent passkey approval and a code sent to it,
 * since the number is also how the account is recovered.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { typedText } from "@/lib/owlbank/text";
import { codeRequester, knownCodeRequester } from "@/lib/owlbank/code-requester";
import { codeField, requestCode, tryCode } from "@/lib/owlbank/one-time-codes";
import { codeRefusal, codeRequestMessage, codeSentNotice } from "@/lib/owlbank/one-time-code-messages";
import { formatPhone, phoneField } from "@/lib/owlbank/phone";
import { changeDisplayName, changePhoneNumber } from "@/lib/owlbank/profile";
import { requestAddress, takeLimits, tooManyAttemptsMessage } from "@/lib/owlbank/rate-limits";
import { requireSession, requireUser } from "@/lib/owlbank/session";
import { endOtherSessions } from "@/lib/owlbank/sessions";
import { type CurrentUserDetails, currentUserDetails } from "@/lib/owlbank/signals";
import { hasFreshPasskey, STEP_UP_NEEDED, type StepUpNeeded } from "@/lib/owlbank/step-up";
import { findUserByPhone } from "@/lib/owlbank/users";

export type NameState = {
  ok?: boolean;
  errors?: { name?: string[] };
  message?: string;
  /** What signalCurrentUserDetails() needs, when the user handle is known. */
  signal?: CurrentUserDetails | null;
};

const NameSchema = z.object({
  name: typedText(64, { empty: "Enter your full name." }),
});

/** Renames the customer (OwlBank's record and, through the browser, their passkeys' label). */
export async function changeName(_prev: NameState, formData: FormData): Promise<NameState> {
  const user = await requireUser();
  const parsed = NameSchema.safeParse({ name: formData.get("name") ?? "" });
  if (!parsed.success) return { ok: false, errors: z.flattenError(parsed.error).fieldErrors };
  const updated = await changeDisplayName(user.id, parsed.data.name);
  if (!updated) return { ok: false, message: "We couldn't update your name. Please try again." };
  revalidatePath("/", "layout");
  return { ok: true, message: "Name updated.", signal: currentUserDetails(updated) };
}

const phone = phoneField("Enter your new phone number.");

export type PhoneChangeStart =
  /** `notice`: a repeat request, which texted nothing. */
  | { ok: true; phone: string; display: string; notice?: string }
  | { ok: false; errors?: { phone?: string[] }; message?: string }
  | StepUpNeeded;

/** Checks the new number and texts it a code; needs a recent passkey approval. */
export async function beginPhoneChange(formData: FormData): Promise<PhoneChangeStart> {
  const { user, session } = await requireSession();
  const parsed = z.object({ phone }).safeParse({ phone: formData.get("phone") ?? "" });
  if (!parsed.success) return { ok: false, errors: { phone: z.flattenError(parsed.error).fieldErrors.phone } };
  const number = parsed.data.phone;
  if (number === user.phoneNumber) return { ok: false, errors: { phone: ["This is already your phone number."] } };
  // Whether another account uses a number is said only to a customer who just used their
  // passkey, and only a few times an hour: it is not a free lookup of who banks here.
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  const verdict = await takeLimits([["phoneChange", user.id]]);
  if (!verdict.ok) return { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };
  if (await findUserByPhone(number)) return { ok: false, errors: { phone: ["Another OwlBank account uses this number."] } };

  const sent = await requestCode({
    purpose: "phone_change",
    phone: number,
    address: await requestAddress(),
    requester: await codeRequester(),
    deliver: true,
  });
  if (!sent.ok) return { ok: false, message: codeRequestMessage(sent) };
  return { ok: true, phone: number, display: formatPhone(number), notice: codeSentNotice(sent) };
}

export type PhoneChangeResult = { ok: true; message: string } | { ok: false; errors?: { code?: string[] }; message?: string } | StepUpNeeded;

const ConfirmSchema = z.object({ phone, code: codeField("Enter the 6-digit code we texted to your new number.") });

/** Moves the account to the new number once its code is right; the approval must still be recent. */
export async function confirmPhoneChange(formData: FormData): Promise<PhoneChangeResult> {
  const { user, session } = await requireSession();
  const parsed = ConfirmSchema.safeParse({ phone: formData.get("phone") ?? "", code: formData.get("code") ?? "" });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    return { ok: false, errors: { code: fieldErrors.code }, message: fieldErrors.phone ? "Please start again." : undefined };
  }
  // Checked before the code, so a code is never spent on a request that can't succeed.
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  const { phone: number, code } = parsed.data;
  const checked = await tryCode({
    purpose: "phone_change",
    phone: number,
    code,
    address: await requestAddress(),
    requester: await knownCodeRequester(),
  });
  if (!checked.ok) return codeRefusal(checked);
  const changed = await changePhoneNumber(user.id, number);
  if (!changed.ok) return { ok: false, message: "Another OwlBank account now uses this number." };
  // The number is how an account is recovered: every other browser signed in as this
  // customer must prove itself again.
  await endOtherSessions(user.id, session.id);
  revalidatePath("/settings/profile");
  revalidatePath("/settings/security");
  return { ok: true, message: `Your phone number is now ${formatPhone(number)}.` };
}
