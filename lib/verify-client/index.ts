/**
 * OwlBank's only way to Verify: the official `twilio` library, pointed at this app's /v2
 * API by default or at Twilio itself (see client.ts).
 */
export { createPasskeyChallenge, approvePasskeyChallenge, type ApprovedChallenge } from "./authentication";
export { describeVerifyError, isVerifyError, verifyErrorCode } from "./errors";
export {
  hasVerifiedPasskey,
  listPasskeys,
  removeIdentity,
  removePasskey,
  renamePasskey,
  type PasskeyFactor,
} from "./factors";
export { verifyErrorMessage } from "./messages";
export { createPasskeyFactor, verifyPasskeyFactor, type Attachment, type NewPasskey } from "./registration";
export { checkSmsCode, sendSmsCode } from "./sms";
export {
  AuthenticationResponseSchema,
  parseCredentialJson,
  RegistrationResponseSchema,
  type AuthenticationResponse,
  type RegistrationResponse,
} from "./schemas";
export { verifyServiceSid } from "./service";
