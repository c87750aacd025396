/**
 * OwlBank's own Verify Service: found or created on first use, then remembered for the
 * life of the process.
 */
import "server-only";
import { config } from "@/lib/env";
import { twilioClient } from "./client";
import { describeVerifyError } from "./errors";

const SERVICE_NAME = "OwlBank";

/**
 * Passkeys settings of the Service. Discoverable credentials are required because
 * "Sign in with Face ID" starts with no user: only a resident key can name its owner.
 */
function desiredSettings() {
  const { app } = config();
  return {
    "passkeys.relyingParty.id": app.rpId,
    "passkeys.relyingParty.name": SERVICE_NAME,
    // Twilio documents origins as one comma-separated string (docs/api.md §3.1); the same list is
    // served at /.well-known/webauthn, so every related origin is accepted here too.
    "passkeys.relyingParty.origins": app.origins.join(","),
    "passkeys.authenticatorAttachment": "any",
    "passkeys.discoverableCredentials": "required",
    "passkeys.userVerification": "preferred",
  };
}

type PasskeysJson = {
  relying_party?: { id?: string | null; name?: string | null; origins?: string[] | null } | null;
  authenticator_attachment?: string | null;
  discoverable_credentials?: string | null;
  user_verification?: string | null;
} | null;

/** True when the Service already carries exactly the settings OwlBank wants. */
function inSync(passkeys: PasskeysJson): boolean {
  const want = desiredSettings();
  const rp = passkeys?.relying_party;
  return (
    rp?.id === want["passkeys.relyingParty.id"] &&
    rp?.name === want["passkeys.relyingParty.name"] &&
    rp?.origins?.join(",") === want["passkeys.relyingParty.origins"] &&
    passkeys?.authenticator_attachment === want["passkeys.authenticatorAttachment"] &&
    passkeys?.discoverable_credentials === want["passkeys.discoverableCredentials"] &&
    passkeys?.user_verification === want["passkeys.userVerification"]
  );
}

async function resolveServiceSid(): Promise<string> {
  const { verifyClient, app } = config();
  // An operator-provided Service is theirs to configure; OwlBank does not rewrite it, but
  // says so when it would refuse an origin that /.well-known/webauthn vouches for.
  if (verifyClient.serviceSid) {
    await warnAboutMissingOrigins(verifyClient.serviceSid);
    return verifyClient.serviceSid;
  }

  const services = twilioClient().verify.v2.services;
  const mine = (await services.list()).find(
    (s) => s.friendlyName === SERVICE_NAME && (s.passkeys as PasskeysJson)?.relying_party?.id === app.rpId,
  );
  if (!mine) {
    const created = await services.create({ friendlyName: SERVICE_NAME, ...desiredSettings() });
    return created.sid;
  }
  // APP_URL may have changed since the Service was created (a new port, say): WebAuthn
  // rejects any origin the Service does not list, so keep it in step.
  if (!inSync(mine.passkeys as PasskeysJson)) await services(mine.sid).update(desiredSettings());
  return mine.sid;
}

async function warnAboutMissingOrigins(serviceSid: string): Promise<void> {
  const { app } = config();
  let listed: string[];
  try {
    const service = await twilioClient().verify.v2.services(serviceSid).fetch();
    listed = (service.passkeys as PasskeysJson)?.relying_party?.origins ?? [];
  } catch (error) {
    // Only a courtesy check: the calls that need the Service will report the real problem.
    console.warn(`[verify] could not read Service ${serviceSid} to compare origins: ${describeVerifyError(error)}`);
    return;
  }
  const missing = app.origins.filter((o) => !listed.includes(o));
  if (missing.length) {
    console.warn(
      `[verify] Service ${serviceSid} does not list ${missing.join(", ")} among its passkeys origins; ` +
        "passkeys used there will be refused. Add them to the Service or to WEBAUTHN_RELATED_ORIGINS consistently.",
    );
  }
}

let pending: Promise<string> | undefined;

/**
 * The SID of OwlBank's Verify Service: VERIFY_SERVICE_SID when set, otherwise the
 * account's Service named "OwlBank" for this relying party, created if missing. Resolved
 * once per process; a failure is not remembered, so the next request tries again.
 */
export function verifyServiceSid(): Promise<string> {
  pending ??= resolveServiceSid().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/** The library's context for OwlBank's Service. */
export async function verifyService() {
  return twilioClient().verify.v2.services(await verifyServiceSid());
}
