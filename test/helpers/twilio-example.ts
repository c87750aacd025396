/**
 * Twilio's published passkeys example (docs/api.md §9.5): a VerifyFactor body for factor
 * YF048d…e0f of entity YE4fd3…12b on relying party example.com, and the ApproveChallenge
 * body signed later by the same credential for challenge YC0498…e27.
 *
 * The bytes are the ones Twilio publishes in its VerifyFactor / ApproveChallenge examples and
 * ships as fixtures in github.com/twilio/twilio-verify-passkeys
 * (shared/src/androidInstrumentedTest/.../mocks/CredentialManagerMock.kt). They are
 * internally consistent: the attestation is `none` with an ES256 key, and the assertion's
 * signature verifies with that key.
 */
import type { ChallengeRow, EntityRow, FactorRow, ServiceRow } from "@/db/schema/verify";
import { challenges, entities, factors, services } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { ensureEmbeddedAccount } from "@/lib/verify/accounts";
import { newSid } from "@/lib/verify/sid";
import { b64url } from "./authenticator";

export const EXAMPLE = {
  entitySid: "YE4fd3aaf4e45324d0f3e134607b21912b",
  factorSid: "YF048d1a7ec3a2a6970059c2766bbc7e0f",
  challengeSid: "YC0498ecec6aef0aebf4f6bdf0d16e8e27",
  identity: "ff483d1ff591898a9942916050d2ca3f",
  rpId: "example.com",
  origin: "https://example.com",
  credentialId: "6ySmhJd6qGUMCthiqszyb4Od4U6TFn0v3DLz-1EZrNQ",
  credentialIdHex: "eb24a684977aa8650c0ad862aaccf26f839de14e93167d2fdc32f3fb5119acd4",
} as const;

/** The VerifyFactor (P2) request body, verbatim. */
export const VERIFY_FACTOR_BODY = {
  id: "6ySmhJd6qGUMCthiqszyb4Od4U6TFn0v3DLz-1EZrNQ",
  rawId: "eb24a684977aa8650c0ad862aaccf26f839de14e93167d2fdc32f3fb5119acd4",
  authenticatorAttachment: "platform",
  type: "public-key",
  response: {
    attestationObject:
      "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViko3mm9u6vuaVeN4wRgDTidR5oL6ufLTCrE9ISVYbOGUdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAIOskpoSXeqhlDArYYqrM8m-DneFOkxZ9L9wy8_tRGazUpQECAyYgASFYIOP8op-6gZJ1H0wHNLe2k7cgBqaSUR4pdcBqtOHPaYUhIlggsXZWuWfZS-6YpbeU9dsB2UoroACSKXJOrdE_auaUIf4",
    clientDataJSON:
      "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiV1VZd05EaGtNV0UzWldNellUSmhOamszTURBMU9XTXlOelkyWW1Kak4yVXdaZyIsIm9yaWdpbiI6Imh0dHBzOi8vZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
    transports: ["internal", "hybrid"],
  },
};

/** The ApproveChallenge (P4) request body, verbatim (counter 1, flags UP+UV). */
export const APPROVE_CHALLENGE_BODY = {
  id: "6ySmhJd6qGUMCthiqszyb4Od4U6TFn0v3DLz-1EZrNQ",
  rawId: "eb24a684977aa8650c0ad862aaccf26f839de14e93167d2fdc32f3fb5119acd4",
  authenticatorAttachment: "platform",
  type: "public-key",
  response: {
    clientDataJSON:
      "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiV1VNd05EazRaV05sWXpaaFpXWXdZV1ZpWmpSbU5tSmtaakJrTVRabE9HVXlOdyIsIm9yaWdpbiI6Imh0dHBzOi8vZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
    authenticatorData: "o3mm9u6vuaVeN4wRgDTidR5oL6ufLTCrE9ISVYbOGUcFAAAAAQ",
    signature: "MEYCIQDDs662ykELzpmxkQaOR6HY5GwO7nX5z7jc7q9GbWZmvwIhAMEm4VBjWKzn60eGF8VtO6uqkRtSQpJvixCEy9Pr6E4o",
    userHandle: "WUU0ZmQzYWFmNGU0NTMyNGQwZjNlMTM0NjA3YjIxOTEyYg",
  },
};

const exampleConfig: FactorRow["config"] = {
  relying_party: { id: EXAMPLE.rpId, name: "Example", origins: [EXAMPLE.origin] },
  authenticator_attachment: "platform",
  discoverable_credentials: "preferred",
  user_verification: "preferred",
};

/**
 * Seeds, directly in the database, a Service (RP example.com) of the embedded account with
 * the example's entity and its pending factor, whose challenge is base64url(factor SID).
 */
export async function seedExampleFactor(): Promise<{ serviceSid: string }> {
  await ensureEmbeddedAccount();
  const now = Date.now();
  const serviceSid = newSid("VA");
  const d = db();
  const service: ServiceRow = {
    sid: serviceSid,
    accountSid: config().verifyAccount.accountSid,
    friendlyName: "Example",
    settings: {},
    passkeys: exampleConfig,
    dateCreated: now,
    dateUpdated: now,
  };
  const entity: EntityRow = {
    sid: EXAMPLE.entitySid,
    serviceSid,
    accountSid: service.accountSid,
    identity: EXAMPLE.identity,
    dateCreated: now,
    dateUpdated: now,
  };
  const factor: FactorRow = {
    sid: EXAMPLE.factorSid,
    serviceSid,
    accountSid: service.accountSid,
    entitySid: EXAMPLE.entitySid,
    friendlyName: "friendly_name",
    status: "unverified",
    factorType: "passkeys",
    config: exampleConfig,
    challenge: b64url(EXAMPLE.factorSid),
    registrationExpiresAt: now + 600_000,
    algorithms: [-7, -8, -257],
    credentialId: null,
    publicKey: null,
    counter: 0,
    transports: null,
    aaguid: null,
    backupEligible: null,
    backedUp: null,
    dateLastApproved: null,
    dateCreated: now,
    dateUpdated: now,
  };
  await d.insert(services).values(service);
  await d.insert(entities).values(entity);
  await d.insert(factors).values(factor);
  return { serviceSid };
}

/** Seeds the example's pending authentication challenge for the example entity. */
export async function seedExampleChallenge(serviceSid: string): Promise<void> {
  const now = Date.now();
  const row: ChallengeRow = {
    sid: EXAMPLE.challengeSid,
    serviceSid,
    accountSid: config().verifyAccount.accountSid,
    entitySid: EXAMPLE.entitySid,
    factorSid: null,
    challenge: b64url(EXAMPLE.challengeSid),
    rpId: EXAMPLE.rpId,
    origins: [EXAMPLE.origin],
    userVerification: "preferred",
    allowCredentials: [{ type: "public-key", id: EXAMPLE.credentialId, transports: ["internal"] }],
    status: "pending",
    dateResponded: null,
    expirationDate: now + 300_000,
    dateCreated: now,
    dateUpdated: now,
  };
  await db().insert(challenges).values(row);
}
