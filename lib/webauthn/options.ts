/**
 * WebAuthn options in the JSON shape browsers' `parseCreationOptionsFromJSON` /
 * `parseRequestOptionsFromJSON` and @simplewebauthn/browser consume (docs/api.md §9.1, §9.2).
 */
import type {
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { toBase64Url } from "./encoding";

/** ES256, EdDSA, RS256: what platform authenticators, security keys and Windows Hello use. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export const REGISTRATION_TIMEOUT_MS = 600_000;

const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

/** Keeps only transports WebAuthn defines: a browser rejects options naming others. */
export function knownTransports(value: unknown): AuthenticatorTransport[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((t): t is AuthenticatorTransport => typeof t === "string" && TRANSPORTS.has(t)))];
}

export function credentialDescriptor(credentialId: string, transports: string[] | null): PublicKeyCredentialDescriptorJSON {
  const known = knownTransports(transports);
  return { type: "public-key", id: credentialId, ...(known.length ? { transports: known } : {}) };
}

export function creationOptions(input: {
  rp: { id: string; name: string };
  userHandle: string;
  userName: string;
  challenge: string;
  exclude: PublicKeyCredentialDescriptorJSON[];
  attachment: "platform" | "cross-platform" | "any";
  residentKey: "required" | "preferred" | "discouraged";
  userVerification: "required" | "preferred" | "discouraged";
}): { publicKey: PublicKeyCredentialCreationOptionsJSON } {
  return {
    publicKey: {
      rp: input.rp,
      // Twilio's user.id is the ASCII Entity SID; it comes back as the assertion's userHandle.
      user: { id: toBase64Url(input.userHandle), name: input.userName, displayName: input.userName },
      challenge: toBase64Url(input.challenge),
      pubKeyCredParams: SUPPORTED_ALGORITHMS.map((alg) => ({ type: "public-key" as const, alg })),
      timeout: REGISTRATION_TIMEOUT_MS,
      excludeCredentials: input.exclude,
      authenticatorSelection: {
        ...(input.attachment === "any" ? {} : { authenticatorAttachment: input.attachment }),
        requireResidentKey: input.residentKey === "required",
        residentKey: input.residentKey,
        userVerification: input.userVerification,
      },
      attestation: "none",
    },
  };
}

export function requestOptions(input: {
  challenge: string;
  rpId: string;
  timeout: number;
  allow: PublicKeyCredentialDescriptorJSON[];
  userVerification: "required" | "preferred" | "discouraged";
}): { publicKey: PublicKeyCredentialRequestOptionsJSON } {
  return {
    publicKey: {
      challenge: toBase64Url(input.challenge),
      timeout: input.timeout,
      rpId: input.rpId,
      allowCredentials: input.allow,
      userVerification: input.userVerification,
    },
  };
}
