/**
 * Every way the Verify API can refuse a request, and the one table that turns each into
 * Twilio's error body (docs/api.md §6). Services throw `VerifyError`; the route wrapper in
 * `http.ts` is the only place that writes an error response.
 */

const TABLE = {
  missing_parameter: { code: 20001, status: 400 },
  authentication_failed: { code: 20003, status: 401 },
  method_not_allowed: { code: 20004, status: 405 },
  cross_site_request: { code: 20403, status: 403 },
  not_found: { code: 20404, status: 404 },
  too_many_requests: { code: 20429, status: 429 },
  service_unavailable: { code: 20503, status: 503 },
  invalid_page_token: { code: 21481, status: 400 },
  invalid_parameter: { code: 60200, status: 400 },
  payload_too_large: { code: 60200, status: 413 },
  entity_exists: { code: 60301, status: 409 },
  factor_verification_failed: { code: 60311, status: 403 },
  factor_unverified: { code: 60318, status: 403 },
  challenge_already_responded: { code: 60322, status: 403 },
  challenge_expired: { code: 60323, status: 403 },
  challenge_verification_failed: { code: 60324, status: 403 },
  invalid_factor_sid: { code: 60362, status: 400 },
  invalid_challenge_sid: { code: 60364, status: 400 },
  invalid_identity: { code: 60367, status: 400 },
  invalid_factor_type: { code: 60369, status: 400 },
  invalid_factor_config: { code: 60370, status: 400 },
  invalid_relying_party: { code: 60371, status: 400 },
  invalid_relying_party_id: { code: 60372, status: 400 },
  invalid_raw_id: { code: 60376, status: 400 },
  invalid_authenticator_attachment: { code: 60377, status: 400 },
  invalid_authenticator_response: { code: 60378, status: 400 },
  invalid_authenticator_data: { code: 60379, status: 400 },
  invalid_client_data: { code: 60380, status: 400 },
  invalid_signature: { code: 60381, status: 400 },
  relying_party_mismatch: { code: 60382, status: 400 },
  illegal_factor_status: { code: 60383, status: 400 },
  invalid_public_key: { code: 60385, status: 400 },
  invalid_attestation_object: { code: 60386, status: 400 },
  invalid_attested_credential_data: { code: 60387, status: 400 },
  missing_display_name: { code: 60388, status: 400 },
  factor_not_found: { code: 60390, status: 404 },
  challenge_not_found: { code: 60391, status: 404 },
  entity_not_found: { code: 60392, status: 404 },
  missing_authenticator_criteria: { code: 60393, status: 400 },
  unsupported_relying_party: { code: 60432, status: 400 },
  unsupported_approval_content_type: { code: 60433, status: 400 },
  unsupported_verification_content_type: { code: 60434, status: 400 },
} as const satisfies Record<string, { code: number; status: number }>;

export type VerifyErrorKind = keyof typeof TABLE;

export class VerifyError extends Error {
  readonly kind: VerifyErrorKind;
  constructor(kind: VerifyErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }

  get code(): number {
    return TABLE[this.kind].code;
  }

  get status(): number {
    return TABLE[this.kind].status;
  }

  /** Twilio's error body. No `type`/`title` pair: that would switch the library to RFC 9457 parsing. */
  toBody() {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
  }
}

/** Throws: for the early exits of validation and the WebAuthn checks. */
export function fail(kind: VerifyErrorKind, message: string): never {
  throw new VerifyError(kind, message);
}

export const invalidParameter = (name: string, why?: string): never =>
  fail("invalid_parameter", why ? `Invalid parameter: ${name}: ${why}` : `Invalid parameter: ${name}`);

export const missingParameter = (name: string): never =>
  fail("missing_parameter", `Missing required parameter ${name} in the post body`);

export const notFound = (path: string): never =>
  fail("not_found", `The requested resource ${path} was not found`);
