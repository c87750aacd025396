/**
 * The parts of `clientDataJSON` the server decides on before any key is touched.
 */
import { decodeBase64Url } from "./encoding";

export type ClientData = {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
};

/** Decodes and shape-checks `clientDataJSON`; `null` when it is not a WebAuthn client data object. */
export function parseClientData(value: unknown): ClientData | null {
  const bytes = decodeBase64Url(value);
  return bytes ? clientDataFromBytes(bytes) : null;
}

/** As `parseClientData`, for bytes already decoded (the signature covers these exact bytes). */
export function clientDataFromBytes(bytes: Buffer): ClientData | null {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.type !== "string" || typeof d.challenge !== "string" || typeof d.origin !== "string") {
    return null;
  }
  return {
    type: d.type,
    // Browsers send the challenge base64url-encoded; normalise stray padding.
    challenge: d.challenge.replace(/=+$/, ""),
    origin: d.origin,
    crossOrigin: d.crossOrigin === true,
    topOrigin: typeof d.topOrigin === "string" ? d.topOrigin : undefined,
  };
}
