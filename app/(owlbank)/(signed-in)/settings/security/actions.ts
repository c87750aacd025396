"use server";
/**
 * Managing the signed-in customer's passkeys. Every action re-checks the session and
 * addresses Verify through the user's own identity, so a factor SID belonging to someone
 * else is simply not found.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { typedText } from "@/lib/owlbank/text";
import { config } from "@/lib/env";
import { LeaseBusyError, oneAtATime } from "@/lib/owlbank/one-at-a-time";
import { forgetCredential, rememberCredential, rememberUserHandle } from "@/lib/owlbank/passkey-credentials";
import { currentUser, requireSession, requireUser } from "@/lib/owlbank/session";
import { endOtherSessions, endSessionOf } from "@/lib/owlbank/sessions";
import { type AcceptedCredentials, acceptedCredentials as acceptedCredentialsOf } from "@/lib/owlbank/signals";
import { hasFreshPasskey, recordPasskeyUse, STEP_UP_NEEDED, type StepUpNeeded } from "@/lib/owlbank/step-up";
import {
  createPasskeyFactor,
  describeVerifyError,
  listPasskeys,
  parseCredentialJson,
  RegistrationResponseSchema,
  removePasskey,
  renamePasskey as renameFactor,
  verifyErrorCode,
  verifyErrorMessage,
  verifyPasskeyFactor,
} from "@/lib/verify-client";

const PAGE = "/settings/security";
const FactorSid = z.string().regex(/^YF[0-9a-fA-F]{32}$/, "Unknown passkey.");

function failure(step: string, error: unknown): { ok: false; message: string } {
  console.error(`[passkeys] ${step} failed: ${describeVerifyError(error)}`);
  return { ok: false, message: verifyErrorMessage(verifyErrorCode(error)) };
}

export type AddPasskeyStart =
  | { ok: true; factorSid: string; optionsJSON: PublicKeyCredentialCreationOptionsJSON }
  | { ok: false; message: string }
  | StepUpNeeded;

const AttachmentSchema = z.enum(["platform", "any"]).catch("any");

/**
 * Starts registering another passkey for the signed-in user: on any kind of authenticator,
 * or on this device's own ("platform") when the dashboard offers one here.
 */
export async function beginAddPasskey(attachment?: "platform" | "any"): Promise<AddPasskeyStart> {
  const { user, session } = await requireSession();
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  try {
    // The friendly name is what the passkey manager shows next to the account, so it is
    // the customer's name like at sign-up; they can relabel it here afterwards.
    const factor = await createPasskeyFactor({
      identity: user.verifyIdentity,
      friendlyName: user.displayName,
      attachment: AttachmentSchema.parse(attachment),
    });
    await rememberUserHandle(user.id, factor.optionsJSON.user.id);
    return { ok: true, factorSid: factor.factorSid, optionsJSON: factor.optionsJSON };
  } catch (error) {
    return failure("CreateFactor", error);
  }
}

export type ActionResult = { ok: true; message?: string } | { ok: false; message: string };

/** Finishes registering a passkey; Verify must say it belongs to this user. */
export async function finishAddPasskey(credentialJson: string): Promise<ActionResult> {
  const { user, session } = await requireSession();
  const credential = parseCredentialJson(RegistrationResponseSchema, credentialJson);
  if (!credential) return { ok: false, message: "Your browser sent an incomplete passkey. Please try again." };
  try {
    const factor = await verifyPasskeyFactor(credential);
    if (factor.identity !== user.verifyIdentity) {
      // A registration started for somebody else: never attach it to this account.
      await removePasskey(factor.identity, factor.factorSid);
      return { ok: false, message: "That passkey request belonged to a different session. Please try again." };
    }
    await rememberCredential({ userId: user.id, factorSid: factor.factorSid, credentialId: credential.id });
    await recordPasskeyUse(session.id);
  } catch (error) {
    return failure("VerifyFactor", error);
  } finally {
    revalidatePath(PAGE);
  }
  return { ok: true, message: "Passkey added." };
}

export type FormState = {
  ok?: boolean;
  errors?: { name?: string[] };
  message?: string;
  stepUp?: boolean;
  /** The passkey is the user's only one (perhaps since this page was loaded): ask to confirm. */
  confirmLast?: boolean;
  /** After a deletion: what the browser's signalUnknownCredential() needs, when known. */
  unknownCredential?: { rpId: string; credentialId: string };
};

const RenameSchema = z.object({
  factorSid: FactorSid,
  name: typedText(64, { empty: "Enter a name for this passkey." }),
});

/** Renames one of the user's passkeys (OwlBank's label only; the device keeps its own). */
export async function renamePasskey(_prev: FormState, formData: FormData): Promise<FormState> {
  const user = await requireUser();
  const parsed = RenameSchema.safeParse({ factorSid: formData.get("factorSid"), name: formData.get("name") ?? "" });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    return { ok: false, errors: { name: fieldErrors.name }, message: fieldErrors.factorSid?.[0] };
  }
  try {
    await renameFactor(user.verifyIdentity, parsed.data.factorSid, parsed.data.name);
  } catch (error) {
    return failure("UpdateFactor", error);
  }
  revalidatePath(PAGE);
  return { ok: true, message: "Passkey renamed." };
}

const DeleteSchema = z.object({
  factorSid: FactorSid,
  confirmLast: z.literal("yes").optional(),
});

/**
 * Deletes one of the user's passkeys. Deleting the last one locks the customer out, so it
 * needs an explicit confirmation, checked here and not only in the browser.
 */
export async function deletePasskey(_prev: FormState, formData: FormData): Promise<FormState> {
  const { user, session } = await requireSession();
  const parsed = DeleteSchema.safeParse({
    factorSid: formData.get("factorSid"),
    confirmLast: formData.get("confirmLast") ?? undefined,
  });
  if (!parsed.success) return { ok: false, message: "Unknown passkey." };
  const { factorSid, confirmLast } = parsed.data;
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  try {
    // The count and the deletion must not interleave with another deletion of this user's.
    const refused = await oneAtATime(`passkeys:${user.id}`, async (): Promise<FormState | null> => {
      const passkeys = await listPasskeys(user.verifyIdentity);
      if (!passkeys.some((p) => p.sid === factorSid)) return { ok: false, message: "That passkey no longer exists." };
      if (passkeys.length === 1 && confirmLast !== "yes") {
        return {
          ok: false,
          confirmLast: true,
          message: "This is your only passkey. Confirm that you understand you will not be able to sign in without it.",
        };
      }
      await removePasskey(user.verifyIdentity, factorSid);
      return null;
    });
    if (refused) return refused;
  } catch (error) {
    if (error instanceof LeaseBusyError) return { ok: false, message: "Another change to your passkeys is still in progress. Please try again in a moment." };
    return failure("DeleteFactor", error);
  }
  const credentialId = await forgetCredential(user.id, factorSid);
  // A passkey is deleted because it is lost or suspect: whatever signed in with it, or
  // copied a cookie, is signed out. This session just stepped up, so it stays.
  await endOtherSessions(user.id, session.id);
  revalidatePath(PAGE);
  return {
    ok: true,
    message: "Passkey deleted.",
    unknownCredential: credentialId ? { rpId: config().app.rpId, credentialId } : undefined,
  };
}

/**
 * The credential ids Verify accepts for the signed-in user, for the browser's
 * signalAllAcceptedCredentials() after a sign-in; null when OwlBank can't vouch for all.
 */
export async function acceptedCredentials(): Promise<AcceptedCredentials | null> {
  // Called right after sign-in; without a session there is simply nothing to say (a
  // redirect from here would race the page's own navigation).
  const user = await currentUser();
  if (!user) return null;
  try {
    return await acceptedCredentialsOf(user);
  } catch (error) {
    console.error(`[passkeys] ListFactors for signals failed: ${describeVerifyError(error)}`);
    return null;
  }
}

export type SessionsState = { ok?: boolean; message?: string; stepUp?: boolean };

const SessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/**
 * Signs out one of the customer's other sessions (a lost phone, a shared computer). Needs a
 * fresh passkey approval in this session: a stolen session must not evict the customer.
 */
export async function signOutSession(_prev: SessionsState, formData: FormData): Promise<SessionsState> {
  const { user, session } = await requireSession();
  const parsed = SessionIdSchema.safeParse(formData.get("sessionId"));
  if (!parsed.success) return { ok: false, message: "Unknown session." };
  if (parsed.data === session.id) return { ok: false, message: "To sign out of this device, use “Sign out” at the top of the page." };
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  const ended = await endSessionOf(user.id, parsed.data);
  revalidatePath(PAGE);
  return ended ? { ok: true, message: "That session is signed out." } : { ok: false, message: "That session had already ended." };
}

/** Signs out every session of the customer but this one; needs a fresh passkey approval here. */
export async function signOutEverywhereElse(): Promise<SessionsState> {
  const { user, session } = await requireSession();
  if (!hasFreshPasskey(session)) return STEP_UP_NEEDED;
  const ended = await endOtherSessions(user.id, session.id);
  revalidatePath(PAGE);
  return { ok: true, message: ended === 1 ? "1 other session is signed out." : `${ended} other sessions are signed out.` };
}
