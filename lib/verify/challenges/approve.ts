/**
 * P4, ApproveChallenge: finishes an authentication (docs/api.md §9.4).
 *
 * Every check runs before any write, in the order of docs/api.md §9.4, so each refusal carries its
 * own Twilio code. Parsing uses @simplewebauthn/server's helpers; the signature is checked
 * with a per-credential cached key (lib/webauthn/signature.ts). Only then does one guarded
 * transaction move the challenge out of `pending`.
 */
import "server-only";
import { checkAuthData, parseAuthData } from "@/lib/webauthn/authenticator-data";
import { clientDataFromBytes } from "@/lib/webauthn/client-data";
import { decodeBase64Url, decodeBinary, toBase64Url } from "@/lib/webauthn/encoding";
import { verifyAssertionSignature } from "@/lib/webauthn/signature";
import { findEntityBySid } from "../entities/repository";
import { fail } from "../errors";
import { checkCredentialEnvelope, isObject } from "../factors/credential";
import * as factorRepo from "../factors/repository";
import { json, type VerifyRequest } from "../http";
import { requireService } from "../services/service";
import { strictestUserVerification } from "../wire";
import * as repo from "./repository";
import { serializeChallenge } from "./serialize";

/** The credential id from `id` and/or `rawId` (base64url, base64 or hex), which must agree. */
function credentialIdOf(body: Record<string, unknown>): string {
  const ids = (["id", "rawId", "keyId"] as const).filter((k) => body[k] !== undefined && body[k] !== null);
  if (ids.length === 0) fail("invalid_raw_id", "Missing required parameter rawId: the credential id");
  const decoded = ids.map((k) => decodeBinary(body[k]) ?? fail("invalid_raw_id", `Invalid parameter: ${k} is not base64url`));
  if (!decoded.every((d) => d.equals(decoded[0]))) fail("invalid_raw_id", "Invalid parameter: id and rawId differ");
  return toBase64Url(decoded[0]);
}

export async function approveChallenge(req: VerifyRequest<{ serviceSid: string }>) {
  const service = await requireService(req);
  const body = await req.json("unsupported_approval_content_type");

  // Step 1: the shape of the assertion.
  const response = body.response;
  if (!isObject(response)) fail("invalid_authenticator_response", "Missing required parameter response: the AuthenticatorAssertionResponse");
  const authDataBytes = decodeBase64Url(response.authenticatorData);
  if (!authDataBytes) fail("invalid_authenticator_data", "Invalid parameter: response.authenticatorData must be base64url");
  const clientDataBytes = decodeBase64Url(response.clientDataJSON);
  if (!clientDataBytes) fail("invalid_client_data", "Invalid parameter: response.clientDataJSON must be base64url");
  const signature = decodeBase64Url(response.signature);
  if (!signature) fail("invalid_signature", "Invalid parameter: response.signature must be base64url");
  checkCredentialEnvelope(body);
  const credentialId = credentialIdOf(body);

  // Steps 2–3: client data, then the challenge it names.
  const clientData = clientDataFromBytes(clientDataBytes);
  if (!clientData) fail("invalid_client_data", "Invalid parameter: response.clientDataJSON must be base64url-encoded WebAuthn client data");
  if (clientData.type !== "webauthn.get") {
    fail("invalid_client_data", `Client data type is "${clientData.type}", expected "webauthn.get"`);
  }
  // The factor is read before the challenge (its checks still come at step 5). A concurrent
  // approval of the same challenge commits both rows at once; read in this order, this
  // request sees it in the challenge (60322 below) whenever it saw it in the factor, and
  // never an advanced counter beside a still-pending challenge (60324, "cloned").
  const factor = await factorRepo.findFactorByCredential(service.sid, credentialId);
  const challenge = await repo.findChallengeByValue(service.sid, clientData.challenge);
  if (!challenge) fail("challenge_not_found", "No challenge in this Service matches the client data challenge");
  if (challenge.status === "approved" || challenge.status === "denied") {
    fail("challenge_already_responded", `Challenge ${challenge.sid} has already been ${challenge.status}`);
  }
  const now = Date.now();
  if (challenge.status === "expired" || now >= challenge.expirationDate) {
    await repo.expireChallenge(service.sid, challenge.sid, now);
    fail("challenge_expired", `Challenge ${challenge.sid} has expired; create a new one`);
  }

  // Step 4: origin.
  if (!challenge.origins.includes(clientData.origin)) {
    fail("invalid_client_data", `Client data origin "${clientData.origin}" is not one of ${challenge.origins.join(", ")}`);
  }
  if (clientData.crossOrigin || clientData.topOrigin !== undefined) {
    fail("invalid_client_data", "Cross-origin assertions are not accepted");
  }

  // Step 5: the credential's factor (read above), and whether it may answer this challenge.
  if (!factor || !factor.publicKey) fail("factor_not_found", "No passkeys factor in this Service has this credential");
  if (factor.status !== "verified") fail("factor_unverified", `Factor ${factor.sid} is not verified`);
  if (factor.config.relying_party.id !== challenge.rpId) {
    fail("relying_party_mismatch", `The credential belongs to relying party ${factor.config.relying_party.id}, the challenge to ${challenge.rpId}`);
  }
  if ((challenge.entitySid && factor.entitySid !== challenge.entitySid) || (challenge.factorSid && factor.sid !== challenge.factorSid)) {
    fail("challenge_verification_failed", "This credential is not allowed for this challenge");
  }

  // Step 6: userHandle, when present, names the factor's entity (its ASCII SID).
  if (response.userHandle !== undefined && response.userHandle !== null && response.userHandle !== "") {
    const handle = decodeBase64Url(response.userHandle);
    if (!handle || handle.toString("latin1") !== factor.entitySid) {
      fail("challenge_verification_failed", "The userHandle does not belong to the credential's entity");
    }
  }

  // Step 7: authenticator data.
  const authData = parseAuthData(authDataBytes);
  if (!authData) fail("invalid_authenticator_data", "Invalid parameter: response.authenticatorData is malformed");
  // A passkey registered as "UV required" keeps that demand on a challenge that only prefers
  // it (one made for its identity, or discoverable, takes the Service's setting); and the
  // Service's current setting counts too, in case it was tightened after the challenge was made.
  const uvRequired =
    challenge.userVerification === "required" ||
    strictestUserVerification(factor.config.user_verification, service.passkeys.user_verification) === "required";
  const problem = checkAuthData(authData, challenge.rpId, uvRequired);
  if (problem) fail("invalid_authenticator_data", problem.message);

  // Step 9 before 8, so a clone is named as such: either counter non-zero and not increasing.
  if ((authData.counter > 0 || factor.counter > 0) && authData.counter <= factor.counter) {
    fail("challenge_verification_failed", `Signature counter ${authData.counter} is not above the stored ${factor.counter}: possible cloned authenticator`);
  }

  // Step 8: the signature. Every other check the library's verifyAuthenticationResponse
  // makes has been made above; calling it would re-import the key on every sign-in.
  const verified = await verifyAssertionSignature({
    cacheKey: `${factor.sid}:${credentialId}`,
    publicKey: factor.publicKey,
    authenticatorData: authDataBytes,
    clientDataJSON: clientDataBytes,
    signature,
  });
  // A bad signature leaves the challenge pending until it expires (docs/api.md §9.4 step 8).
  if (!verified) fail("challenge_verification_failed", "The assertion signature does not verify with the stored public key");

  // Step 10: one guarded write.
  const outcome = await repo.approve({
    serviceSid: service.sid,
    challengeSid: challenge.sid,
    entitySid: factor.entitySid,
    factorSid: factor.sid,
    storedCounter: factor.counter,
    newCounter: authData.counter,
    now,
  });
  if (outcome === "lost_challenge") fail("challenge_already_responded", `Challenge ${challenge.sid} has already been answered`);
  if (outcome === "lost_factor") {
    fail("challenge_verification_failed", "The factor changed during approval (deleted, or its counter moved); try again");
  }

  const entity = await findEntityBySid(service.sid, factor.entitySid);
  const approved = { ...challenge, status: "approved" as const, entitySid: factor.entitySid, factorSid: factor.sid, dateResponded: now, dateUpdated: now };
  return json(200, serializeChallenge(approved, entity?.identity ?? null, req.base, { endpoint: "ApproveChallenge" }));
}
