/**
 * Why a passkey sign-in or sign-up was refused. next-auth passes the message of an error
 * thrown in `authorize()` to the browser (`signInWith()` resolves with `{ error }`), so these
 * short keys are all that crosses; components/passkeys/errors.ts turns them into words.
 */
export type AuthErrorKey =
  | `verify_${number}`
  | "verify_unavailable"
  | "unavailable"
  | "invalid_credential"
  | "no_account"
  | "no_pending_signup"
  | "signup_expired"
  | "phone_taken"
  | "no_pending_recovery"
  | "recovery_expired";

export class AuthError extends Error {
  constructor(readonly key: AuthErrorKey) {
    super(key);
  }
}
