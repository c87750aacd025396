/**
 * Passkey ceremonies through the official library, answered by the software authenticator
 * (test/helpers/authenticator.ts), which signs for any origin it is given.
 */
import type { ServiceContext } from "twilio/lib/rest/verify/v2/service";
import type { ApprovePasskeysChallengeRequest } from "twilio/lib/rest/verify/v2/service/approveChallenge";
import type { CreateNewPasskeysFactorRequestConfig } from "twilio/lib/rest/verify/v2/service/newFactor";
import type { AssertionJSON, SoftwareAuthenticator } from "../../test/helpers/authenticator";

export { SoftwareAuthenticator } from "../../test/helpers/authenticator";

/** `options.publicKey` of a P1 response (creation options), as far as the specs read it. */
export type CreationOptions = {
  publicKey: {
    rp: { id: string; name: string };
    user: { id: string; name: string; displayName: string };
    challenge: string;
    pubKeyCredParams: { type: string; alg: number }[];
    timeout: number;
    excludeCredentials: { type: string; id: string; transports?: string[] }[];
    authenticatorSelection: Record<string, unknown>;
    attestation: string;
  };
};

/** `options.publicKey` of a P3/P4 response (request options). */
export type RequestOptions = {
  publicKey: {
    challenge: string;
    timeout: number;
    rpId: string;
    allowCredentials: { type: string; id: string; transports?: string[] }[];
    userVerification: string;
  };
};

/** The library types `userHandle` as an optional string; browsers report `null` when absent. */
export const asApproval = (assertion: AssertionJSON) => assertion as unknown as ApprovePasskeysChallengeRequest;

/**
 * P1 then P2: creates a passkeys factor for `identity` and verifies it with a credential the
 * authenticator makes for `origin`. Returns both library results and the credential id.
 */
export async function registerPasskey(
  service: ServiceContext,
  authenticator: SoftwareAuthenticator,
  { identity, origin, friendlyName = "Test passkey", config }: {
    identity: string;
    origin: string;
    friendlyName?: string;
    config?: CreateNewPasskeysFactorRequestConfig;
  },
) {
  const created = await service.newFactors.create({ friendlyName, identity, ...(config ? { config } : {}) });
  const credential = await authenticator.register(created.options, { origin });
  const verified = await service.newVerifyFactors.update(credential);
  return { created, verified, credentialId: credential.id };
}

/** P3 then P4 for `body` (`{}` = discoverable), signed by the authenticator for `origin`. */
export async function signIn(
  service: ServiceContext,
  authenticator: SoftwareAuthenticator,
  { origin, body = {}, credentialId }: { origin: string; body?: { identity?: string; factorSid?: string }; credentialId?: string },
) {
  const challenge = await service.newChallenge().create(body);
  const assertion = await authenticator.authenticate(challenge.options, { origin, credentialId });
  const approved = await service.approveChallenge.update(asApproval(assertion));
  return { challenge, assertion, approved };
}
