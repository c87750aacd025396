/**
 * P2, VerifyFactor: finishes a passkey registration (docs/api.md §9.3).
 *
 * The checks run in the order of docs/api.md §9.3 so each failure names its own Twilio code; the
 * attestation is then verified in full by @simplewebauthn/server before anything is stored.
 */
import "server-only";
import { verifyRegistrationResponse } from "@simplewebauthn/server";
import { convertAAGUIDToString, decodeAttestationObject, decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";
import type { FactorRow } from "@/db/schema/verify";
import { databaseFailure } from "@/lib/db";
import { AUTH_DATA_HEADER_BYTES, checkAuthData, parseAuthData } from "@/lib/webauthn/authenticator-data";
import { parseClientData } from "@/lib/webauthn/client-data";
import { decodeBase64Url, decodeBinary, toBase64Url } from "@/lib/webauthn/encoding";
import { knownTransports } from "@/lib/webauthn/options";
import { importCoseKey } from "@/lib/webauthn/signature";
import { findEntityBySid } from "../entities/repository";
import { fail } from "../errors";
import { json, type VerifyRequest } from "../http";
import { requireService } from "../services/service";
import { strictestUserVerification } from "../wire";
import { checkCredentialEnvelope, isObject } from "./credential";
import * as repo from "./repository";
import { serializeFactor } from "./serialize";

/** Attestation formats accepted: `none`, and `packed` (self or full) verified by the library. */
const FORMATS = new Set(["none", "packed"]);

export async function verifyFactor(req: VerifyRequest<{ serviceSid: string }>) {
  const service = await requireService(req);
  const body = await req.json("unsupported_verification_content_type");
  const response = body.response;
  if (!isObject(response)) fail("invalid_authenticator_response", "Missing required parameter response: the AuthenticatorAttestationResponse");
  checkCredentialEnvelope(body);

  // Steps 2–3: client data, then the pending factor it names.
  const clientData = parseClientData(response.clientDataJSON);
  if (!clientData) fail("invalid_client_data", "Invalid parameter: response.clientDataJSON must be base64url-encoded WebAuthn client data");
  if (clientData.type !== "webauthn.create") {
    fail("invalid_client_data", `Client data type is "${clientData.type}", expected "webauthn.create"`);
  }
  const factor = await repo.findFactorByChallenge(service.sid, clientData.challenge);
  if (!factor) fail("factor_not_found", "No pending passkeys factor in this Service matches the client data challenge");
  if (factor.status === "verified") fail("illegal_factor_status", `Factor ${factor.sid} is already verified`);
  if (Date.now() >= factor.registrationExpiresAt) {
    fail("illegal_factor_status", `The registration window of factor ${factor.sid} has expired; create a new factor`);
  }

  // Step 4: origin.
  const { relying_party: rp } = factor.config;
  if (!rp.origins.includes(clientData.origin)) {
    fail("invalid_client_data", `Client data origin "${clientData.origin}" is not one of ${rp.origins.join(", ")}`);
  }
  if (clientData.crossOrigin) fail("invalid_client_data", "Cross-origin registrations are not accepted");

  // Steps 5–6: attestation object and its authenticator data.
  const attestationBytes = decodeBase64Url(response.attestationObject);
  if (!attestationBytes) fail("invalid_attestation_object", "Invalid parameter: response.attestationObject must be base64url");
  let fmt: string;
  let authDataBytes: Uint8Array;
  try {
    const attestation = decodeAttestationObject(new Uint8Array(attestationBytes));
    fmt = attestation.get("fmt");
    authDataBytes = attestation.get("authData");
  } catch {
    return fail("invalid_attestation_object", "Invalid parameter: response.attestationObject is not a CBOR attestation object");
  }
  if (typeof fmt !== "string" || !(authDataBytes instanceof Uint8Array)) {
    fail("invalid_attestation_object", "The attestation object lacks fmt or authData");
  }
  if (!FORMATS.has(fmt)) fail("invalid_attestation_object", `Attestation format "${fmt}" is not supported; use none or packed`);
  // docs/api.md §6.2 splits the blame: data short of the fixed header is not authenticator data at all
  // (60379); a whole header with a broken credential after it is bad attested data (60387).
  if (authDataBytes.length < AUTH_DATA_HEADER_BYTES) {
    fail("invalid_authenticator_data", `The authenticator data in the attestation object is shorter than ${AUTH_DATA_HEADER_BYTES} bytes`);
  }
  const authData = parseAuthData(authDataBytes);
  if (!authData) fail("invalid_attested_credential_data", "The attested credential data in the attestation object is malformed");
  // The factor's setting was raised to the Service's when it was created; the Service is read
  // again because it may have been tightened since (docs/api.md §9.3 step 6).
  const uvRequired = strictestUserVerification(factor.config.user_verification, service.passkeys.user_verification) === "required";
  const problem = checkAuthData(authData, rp.id, uvRequired);
  if (problem) fail("invalid_authenticator_data", problem.message);
  if (!authData.flags.at || !authData.credentialID || !authData.credentialPublicKey || !authData.aaguid) {
    fail("invalid_attested_credential_data", "The authenticator data carries no attested credential data (AT flag)");
  }

  // Step 7: the key and the credential id.
  let alg: unknown;
  try {
    alg = decodeCredentialPublicKey(authData.credentialPublicKey).get(3);
  } catch {
    fail("invalid_public_key", "The credential public key is not a valid COSE key");
  }
  if (typeof alg !== "number" || !factor.algorithms.includes(alg)) {
    fail("invalid_public_key", `Public key algorithm ${String(alg)} was not offered; expected one of ${factor.algorithms.join(", ")}`);
  }
  try {
    // The key must be usable for sign-in: right curve, a point on it, a sane RSA modulus.
    importCoseKey(authData.credentialPublicKey);
  } catch (error) {
    fail("invalid_public_key", `The credential public key is not usable: ${(error as Error).message}`);
  }
  const credentialId = toBase64Url(authData.credentialID);
  for (const key of ["id", "rawId"] as const) {
    if (body[key] === undefined || body[key] === null) continue;
    const decoded = decodeBinary(body[key]);
    if (!decoded || !decoded.equals(Buffer.from(authData.credentialID))) {
      fail("invalid_raw_id", `Invalid parameter: ${key} does not match the credential id in the attestation`);
    }
  }

  // Step 8 starts here: the library re-checks everything above and verifies the attestation statement.
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: {
        id: credentialId,
        rawId: credentialId,
        type: "public-key",
        // The library reads base64url only: re-encode what was decoded above, so padded or
        // standard base64 from older clients verifies too (docs/api.md §9).
        response: {
          clientDataJSON: toBase64Url(decodeBase64Url(response.clientDataJSON) as Buffer),
          attestationObject: toBase64Url(attestationBytes),
        },
        clientExtensionResults: {},
      },
      expectedChallenge: factor.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: uvRequired,
      supportedAlgorithmIDs: factor.algorithms,
    });
  } catch (error) {
    return fail("factor_verification_failed", `Factor verification failed: ${(error as Error).message}`);
  }
  if (!verification.verified) fail("factor_verification_failed", "Factor verification failed: the attestation did not verify");

  const info = verification.registrationInfo;
  const existing = await repo.findFactorByCredential(service.sid, credentialId);
  // The factor itself holds it when a concurrent copy of this request won: that is 60383 below.
  if (existing && existing.sid !== factor.sid) {
    fail("factor_verification_failed", "This credential is already registered in this Service");
  }

  const now = Date.now();
  const verified: FactorRow = {
    ...factor,
    status: "verified",
    credentialId,
    publicKey: Buffer.from(info.credential.publicKey),
    counter: info.credential.counter,
    transports: knownTransports(response.transports),
    aaguid: convertAAGUIDToString(authData.aaguid),
    backupEligible: authData.flags.be,
    backedUp: authData.flags.bs,
    dateUpdated: now,
  };
  let won: boolean;
  try {
    won = await repo.markVerified(service.sid, factor.sid, verified);
  } catch (error) {
    // The unique index caught a concurrent registration of the same credential.
    if (databaseFailure(error) === "unique_violation") {
      return fail("factor_verification_failed", "This credential is already registered in this Service");
    }
    throw error;
  }
  if (!won) {
    // Lost the guarded write: either a concurrent copy verified it, or it was deleted meanwhile.
    if (!(await repo.findFactor(service.sid, factor.sid))) fail("factor_not_found", "The factor was deleted during verification");
    fail("illegal_factor_status", `Factor ${factor.sid} is already verified`);
  }

  const entity = await findEntityBySid(service.sid, factor.entitySid);
  if (!entity) fail("factor_not_found", "The factor was deleted during verification");
  return json(200, serializeFactor(verified, entity, req.base));
}
