/**
 * Registration: Create Passkeys Factor (P1) and Verify Passkeys Factor (P2).
 */
import "server-only";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import type { CreateNewPasskeysFactorRequest } from "twilio/lib/rest/verify/v2/service/newFactor";
import type { VerifyPasskeysFactorRequest } from "twilio/lib/rest/verify/v2/service/newVerifyFactor";
import type { RegistrationResponse } from "./schemas";
import { verifyService } from "./service";

/**
 * Where the passkey should live: `platform` is Face ID / Touch ID / Windows Hello on this
 * device, `cross-platform` a phone (hybrid) or security key, `any` lets the browser offer both.
 */
export type Attachment = "platform" | "cross-platform" | "any";

export type NewPasskey = {
  factorSid: string;
  identity: string;
  /** Hand to `startRegistration({ optionsJSON })` in the browser. */
  optionsJSON: PublicKeyCredentialCreationOptionsJSON;
};

/**
 * Starts a registration for `identity` (created in Verify on demand). `friendlyName` is also
 * the name the authenticator shows, so it must never be the phone number.
 */
export async function createPasskeyFactor(input: {
  identity: string;
  friendlyName: string;
  attachment: Attachment;
}): Promise<NewPasskey> {
  const service = await verifyService();
  // The library forwards this object verbatim (docs/api.md §3.2). Twilio documents snake_case keys;
  // its TypeScript types say camelCase, hence the cast.
  const body = {
    friendly_name: input.friendlyName,
    identity: input.identity,
    config: {
      authenticator_attachment: input.attachment,
      discoverable_credentials: "required",
      // Also said by OwlBank's own Service; sent here too so an operator's Service
      // (VERIFY_SERVICE_SID) that only prefers it still checks UV at registration.
      user_verification: "required",
    },
  };
  const factor = await service.newFactors.create(body as unknown as CreateNewPasskeysFactorRequest);
  const publicKey = (factor.options as { publicKey?: PublicKeyCredentialCreationOptionsJSON } | null)?.publicKey;
  if (!publicKey) throw new Error(`Verify returned factor ${factor.sid} without creation options`);
  return {
    factorSid: factor.sid,
    identity: factor.identity,
    optionsJSON: withHints(publicKey, input.attachment),
  };
}

/**
 * WebAuthn hints (L3) steer the browser's UI: "Use another device" should open the phone /
 * security key flow straight away instead of the local prompt.
 */
function withHints<T extends { hints?: string[] }>(options: T, attachment: Attachment): T {
  if (attachment !== "cross-platform") return options;
  return { ...options, hints: ["hybrid", "security-key"] } as T;
}

export type VerifiedPasskey = { factorSid: string; identity: string; friendlyName: string };

/**
 * Finishes a registration. Verify finds the pending factor through the challenge inside
 * `clientDataJSON`, so the returned factor SID and identity come from Verify, not the browser.
 */
export async function verifyPasskeyFactor(credential: RegistrationResponse): Promise<VerifiedPasskey> {
  const service = await verifyService();
  const body: VerifyPasskeysFactorRequest = {
    id: credential.id,
    rawId: credential.rawId,
    type: credential.type,
    response: {
      attestationObject: credential.response.attestationObject,
      clientDataJSON: credential.response.clientDataJSON,
      transports: credential.response.transports,
    },
  };
  if (credential.authenticatorAttachment) body.authenticatorAttachment = credential.authenticatorAttachment;
  const factor = await service.newVerifyFactors.update(body);
  if (factor.status !== "verified") throw new Error(`Verify left factor ${factor.sid} ${factor.status}`);
  return { factorSid: factor.sid, identity: factor.identity, friendlyName: factor.friendlyName };
}
