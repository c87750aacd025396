/**
 * Checks common to the two credential bodies (P2 and P4): `type` and `authenticatorAttachment`.
 */
import { fail, invalidParameter } from "../errors";

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function checkCredentialEnvelope(body: Record<string, unknown>): void {
  if (body.type !== undefined && body.type !== "public-key") invalidParameter("type", 'must be "public-key"');
  const attachment = body.authenticatorAttachment;
  // Browsers may report null; only other values are wrong (docs/api.md §8.9).
  if (attachment !== undefined && attachment !== null && attachment !== "platform" && attachment !== "cross-platform") {
    fail("invalid_authenticator_attachment", 'Invalid parameter: authenticatorAttachment must be "platform" or "cross-platform"');
  }
}
