/**
 * Binary values on the wire. Twilio's web SDK and browsers send base64url; Twilio's own
 * VerifyFactor example sends `rawId` as hex, and older clients send padded base64
 * (docs/api.md §9, and §11 row 13). Everything is normalised to base64url without padding.
 */

/** Decodes base64url, padded base64 or hex; `null` when the value is none of them. */
export function decodeBinary(value: unknown): Buffer | null {
  if (typeof value !== "string" || value.length === 0) return null;
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0 && value.length >= 32) {
    // Hex is only tried for long even-length strings: a short one could be base64url too.
    return Buffer.from(value, "hex");
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const unpadded = value.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return null;
  return Buffer.from(unpadded.replace(/\+/g, "-").replace(/\//g, "_"), "base64url");
}

/** Decodes base64url (or padded base64) only: the encoding of WebAuthn response members. */
export function decodeBase64Url(value: unknown): Buffer | null {
  if (typeof value !== "string" || value.length === 0) return null;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const unpadded = value.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return null;
  return Buffer.from(unpadded.replace(/\+/g, "-").replace(/\//g, "_"), "base64url");
}

export const toBase64Url = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes).toString("base64url");
