/**
 * Twilio SIDs: two letters and 32 hex digits. They double as WebAuthn challenges
 * (docs/api.md §9.1), so the 32 hex digits are 128 bits from the CSPRNG.
 */
import { randomBytes } from "node:crypto";

export type SidPrefix = "AC" | "SK" | "VA" | "YE" | "YF" | "YC";
export type Sid<P extends SidPrefix> = `${P}${string}`;

export type AccountSid = Sid<"AC">;
export type ServiceSid = Sid<"VA">;
export type EntitySid = Sid<"YE">;
export type FactorSid = Sid<"YF">;
export type ChallengeSid = Sid<"YC">;

export function newSid<P extends SidPrefix>(prefix: P): Sid<P> {
  return `${prefix}${randomBytes(16).toString("hex")}`;
}

export function isSid<P extends SidPrefix>(prefix: P, value: unknown): value is Sid<P> {
  return typeof value === "string" && new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value);
}

/**
 * Entity identity rule (docs/api.md §7.2): 8–64 characters, groups of ASCII letters and digits
 * joined by single hyphens. A UUID passes; an e-mail address or phone number does not.
 */
export function isIdentity(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length >= 8 &&
    value.length <= 64 &&
    /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(value)
  );
}
