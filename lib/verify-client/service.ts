/**
 * OwlBank's own Verify Service: found or created on first use, then remembered for the
 * life of the process.
 */
import "server-only";
import { config } from "@/lib/env";
import { oneAtATime } from "@/lib/owlbank/one-at-a-time";
import { twilioClient } from "./client";
import { describeVerifyError } from "./errors";

const SERVICE_NAME = "OwlBank";

/**
 * Passkeys settings of the Service. Discoverable credentials are required because
 * "Sign in with Face ID" starts with no user: only a resident key can name its owner.
 * User verification is required because a passkey is OwlBank's only factor: presence alone
 * (a touch, no fingerprint, face or PIN) would let whoever holds an unlocked device or a
 * security key sign in, step up and approve transfers. Verify then refuses a UP-only
 * registration or assertion with 60379 (docs/api.md §9.3 step 6, §9.4 step 7).
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
    "passkeys.userVerification": "required",
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
  // says so when it would refuse an origin that /.well-known/webauthn vouches for, or would
  // accept a passkey that did not verify the user.
  if (verifyClient.serviceSid) {
    await warnAboutOperatorSettings(verifyClient.serviceSid);
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
  // rejects any origin the Service does not list, so keep it in step. A Service created by
  // an older OwlBank with user verification "preferred" is tightened the same way, once per
  // process, with an ordinary Service update (the call Twilio documents for these settings).
  if (!inSync(mine.passkeys as PasskeysJson)) await services(mine.sid).update(desiredSettings());
  return mine.sid;
}

async function warnAboutOperatorSettings(serviceSid: string): Promise<void> {
  const { app } = config();
  let passkeys: PasskeysJson;
  try {
    const service = await twilioClient().verify.v2.services(serviceSid).fetch();
    passkeys = service.passkeys as PasskeysJson;
  } catch (error) {
    // Only a courtesy check: the calls that need the Service will report the real problem.
    console.warn(`[verify] could not read Service ${serviceSid} to check its passkeys settings: ${describeVerifyError(error)}`);
    return;
  }
  if (passkeys?.user_verification !== "required") {
    console.warn(
      `[verify] Service ${serviceSid} has passkeys user verification "${passkeys?.user_verification ?? "unset"}", not "required"; ` +
        "OwlBank's passkeys ask for it, but sign-in and transfer approvals may be accepted on presence alone. Set it to required.",
    );
  }
  const listed = passkeys?.relying_party?.origins ?? [];
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
 * account's Service named "OwlBank" for this relying party, created if missing (under a
 * database lease, so instances starting together create one). Resolved once per process; a
 * failure is not remembered, so the next request tries again.
 */
export function verifyServiceSid(): Promise<string> {
  // One look-up at a time across every instance on the database: two that each found no
  // Service would each create one, and split the customers between them.
  pending ??= oneAtATime("verify-service", resolveServiceSid).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/** The library's context for OwlBank's Service. */
export async function verifyService() {
  return twilioClient().verify.v2.services(await verifyServiceSid());
}
