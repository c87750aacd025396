/**
 * Recognising Verify's refusals. The library throws `RestException` with Twilio's numeric
 * `code`; everything else (network, bugs) is "unexpected" and logged by the caller.
 */
import "server-only";
import twilio from "twilio";

/** The Twilio error code of a Verify refusal, or undefined for any other failure. */
export function verifyErrorCode(error: unknown): number | undefined {
  if (error instanceof twilio.RestException) return error.code;
  // Bundlers can load the library twice; fall back to the shape RestException has
  // (it sets no `name` of its own).
  const e = error as { code?: unknown; status?: unknown; moreInfo?: unknown };
  if (error instanceof Error && typeof e.code === "number" && typeof e.status === "number" && "moreInfo" in e) {
    return e.code;
  }
  return undefined;
}

/** True when Verify refused with one of `codes`. */
export function isVerifyError(error: unknown, ...codes: number[]): boolean {
  const code = verifyErrorCode(error);
  return code !== undefined && codes.includes(code);
}

/**
 * A short, loggable description of a failure: the Twilio code and status, never the request
 * body (which could carry a credential) and never customer data.
 */
export function describeVerifyError(error: unknown): string {
  const code = verifyErrorCode(error);
  if (code !== undefined) return `Verify error ${code} (HTTP ${(error as { status?: number }).status ?? "?"})`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
