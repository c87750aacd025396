/**
 * Wire → domain for Entities.
 */
import { fail, missingParameter } from "../errors";
import type { FormBody } from "../http";
import { isIdentity } from "../sid";

export function parseIdentity(value: unknown, name = "Identity"): string {
  if (!isIdentity(value)) {
    fail(
      "invalid_identity",
      `Invalid parameter: ${name} must be 8 to 64 letters and digits in groups joined by single hyphens, such as a UUID`,
    );
  }
  return value;
}

/** E1 */
export function parseCreateEntity(body: FormBody): { identity: string } {
  const identity = body.get("Identity");
  if (identity === undefined) missingParameter("Identity");
  return { identity: parseIdentity(identity) };
}
