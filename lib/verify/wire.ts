/**
 * Small shared pieces of the wire format: dates, enums and relying-party values.
 */
import { fail, invalidParameter, type VerifyErrorKind } from "./errors";

/** ISO 8601, UTC, second precision (docs/api.md §4.2). */
export function isoDate(ms: number): string;
export function isoDate(ms: number | null): string | null;
export function isoDate(ms: number | null): string | null {
  return ms === null ? null : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export const ATTACHMENTS = ["platform", "cross-platform", "any"] as const;
export const REQUIREMENTS = ["required", "preferred", "discouraged"] as const;
export type Attachment = (typeof ATTACHMENTS)[number];
export type Requirement = (typeof REQUIREMENTS)[number];

/**
 * A Service that requires user verification requires it of every passkey registered and every
 * assertion approved in it: a factor's or challenge's own weaker setting does not lower it
 * (docs/api.md §9.3 step 6, §9.4 step 7). Otherwise a factor created with `preferred`, or one
 * registered before the Service was tightened, would let a UP-only passkey through.
 */
export function strictestUserVerification(own: Requirement, service: string | null | undefined): Requirement {
  return service === "required" ? "required" : own;
}

export function oneOf<T extends string>(
  values: readonly T[],
  value: unknown,
  name: string,
  kind: VerifyErrorKind = "invalid_parameter",
): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    const message = `Invalid parameter: ${name} must be one of ${values.join(", ")}`;
    return kind === "invalid_parameter" ? invalidParameter(name, `must be one of ${values.join(", ")}`) : fail(kind, message);
  }
  return value as T;
}

/**
 * A relying party id is a bare domain: no scheme, port, path or IP address. `localhost`
 * is allowed for development, as browsers allow it.
 */
export function relyingPartyId(value: unknown, name: string): string {
  const ok =
    typeof value === "string" &&
    value.length <= 253 &&
    (value === "localhost" ||
      /^(?=.*[a-z])([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i.test(value)) &&
    !/^[\d.]+$/.test(value);
  if (!ok) {
    fail(
      "invalid_relying_party_id",
      `Invalid parameter: ${name} must be a domain such as example.com, without scheme, port or path`,
    );
  }
  return (value as string).toLowerCase();
}

/**
 * Normalises one origin. Bare hosts, as in Twilio's quickstart curl, become `https://host`;
 * plain http is allowed only for localhost, as browsers only treat that as secure.
 */
export function normaliseOrigin(raw: string, name: string): string {
  const value = raw.trim();
  if (/^android:apk-key-hash:[A-Za-z0-9_-]+$/.test(value)) return value;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail("invalid_relying_party", `Invalid parameter: ${name}: "${value}" is not an origin`);
  }
  const isLocal = url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLocal)) {
    fail("unsupported_relying_party", `Invalid parameter: ${name}: "${value}" must use https (http only for localhost)`);
  }
  if (url.username || url.password || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    fail("invalid_relying_party", `Invalid parameter: ${name}: "${value}" must be an origin, without path or query`);
  }
  return url.origin;
}

/** Origins arrive comma-separated, as repeated keys, or both (docs/api.md §3.1). */
export function originsFrom(values: string[], name: string): string[] {
  const origins = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => normaliseOrigin(v, name));
  return [...new Set(origins)];
}
