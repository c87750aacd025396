/**
 * next-auth for OwlBank: JWT sessions, and two Credentials providers whose "credential" is
 * a WebAuthn response. Neither trusts the browser about who the user is: Verify checks the
 * passkey and names the identity, and OwlBank maps that identity to its user.
 */
import "server-only";
import type { AuthOptions, User as SessionUser } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { config } from "@/lib/env";
import {
  approvePasskeyChallenge,
  AuthenticationResponseSchema,
  describeVerifyError,
  parseCredentialJson,
  RegistrationResponseSchema,
  removeIdentity,
  removePasskey,
  verifyErrorCode,
  verifyPasskeyFactor,
} from "@/lib/verify-client";
import { rememberCredential, rememberUserHandle } from "@/lib/owlbank/passkey-credentials";
import { completeRecovery } from "@/lib/owlbank/recovery";
import { recordPasskeyUse } from "@/lib/owlbank/step-up";
import { completeSignup, findUserByIdentity } from "@/lib/owlbank/users";
import { AuthError } from "./errors";

/** Sessions last a working day; a bank should not keep people signed in for a month. */
const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

const toSessionUser = (user: { id: string; displayName: string }): SessionUser => ({ id: user.id, name: user.displayName });

/** Re-throws a Verify refusal as its code, and anything else as "unavailable" after logging it. */
function refusal(error: unknown, step: string): AuthError {
  if (error instanceof AuthError) return error;
  const code = verifyErrorCode(error);
  if (code !== undefined) return new AuthError(`verify_${code}`);
  console.error(`[auth] ${step} failed: ${describeVerifyError(error)}`);
  return new AuthError("verify_unavailable");
}

/** Sign in with an existing passkey: ApproveChallenge, then the user Verify named. */
const passkey = CredentialsProvider({
  id: "passkey",
  name: "Passkey",
  credentials: { credential: { type: "text" } },
  async authorize(credentials) {
    const assertion = parseCredentialJson(AuthenticationResponseSchema, credentials?.credential);
    if (!assertion) throw new AuthError("invalid_credential");
    let approved: { identity: string; factorSid: string };
    try {
      approved = await approvePasskeyChallenge(assertion);
    } catch (error) {
      throw refusal(error, "ApproveChallenge");
    }
    const user = findUserByIdentity(approved.identity);
    if (!user) throw new AuthError("no_account");
    // Verify found the factor by this credential id and checked the userHandle against it,
    // so both are now known to be this user's (the Signal API needs them).
    recordPasskeyUse(user.id);
    rememberCredential({ userId: user.id, factorSid: approved.factorSid, credentialId: assertion.id });
    rememberUserHandle(user.id, assertion.response.userHandle);
    return toSessionUser(user);
  },
});

/**
 * The browser's registration response, verified by Verify (P2): the passkey is now proven to
 * be held by whoever sent it, and Verify says which factor and identity it belongs to.
 */
async function verifiedRegistration(credential: unknown) {
  const registration = parseCredentialJson(RegistrationResponseSchema, credential);
  if (!registration) throw new AuthError("invalid_credential");
  try {
    return { registration, verified: await verifyPasskeyFactor(registration) };
  } catch (error) {
    throw refusal(error, "VerifyFactor");
  }
}

/**
 * Finish opening an account: VerifyFactor, then create the user from the pending sign-up
 * of the factor Verify verified. Until this succeeds there is no user row.
 */
const passkeySignup = CredentialsProvider({
  id: "passkey-signup",
  name: "New passkey",
  credentials: { credential: { type: "text" } },
  async authorize(credentials) {
    const { registration, verified } = await verifiedRegistration(credentials?.credential);
    const result = completeSignup(verified.factorSid, verified.identity);
    if (!result.ok) {
      // The passkey is verified in Verify but completes no sign-up: remove it so it can't
      // sign anyone in, and so the person can try again from a clean slate. If the identity
      // is an existing customer's (a registration from another flow sent here), only this
      // factor goes: their other passkeys must survive.
      const cleanup = findUserByIdentity(verified.identity)
        ? removePasskey(verified.identity, verified.factorSid)
        : removeIdentity(verified.identity);
      await cleanup.catch((error: unknown) =>
        console.error(`[auth] cleanup after refused sign-up failed: ${describeVerifyError(error)}`),
      );
      throw new AuthError(result.reason);
    }
    rememberCredential({ userId: result.user.id, factorSid: verified.factorSid, credentialId: registration.id });
    return toSessionUser(result.user);
  },
});

/**
 * Finish a recovery: VerifyFactor for the registration started after the one-time code was
 * accepted (app/(owlbank)/recover/actions.ts), then sign in as the user it was started for.
 */
const passkeyRecovery = CredentialsProvider({
  id: "passkey-recovery",
  name: "Recovered passkey",
  credentials: { credential: { type: "text" } },
  async authorize(credentials) {
    const { registration, verified } = await verifiedRegistration(credentials?.credential);
    const result = completeRecovery(verified.factorSid, verified.identity);
    if (!result.ok) {
      // A verified passkey that completes no recovery must not stay able to sign in.
      await removePasskey(verified.identity, verified.factorSid).catch((error: unknown) =>
        console.error(`[auth] cleanup after refused recovery failed: ${describeVerifyError(error)}`),
      );
      throw new AuthError(result.reason);
    }
    recordPasskeyUse(result.user.id);
    rememberCredential({ userId: result.user.id, factorSid: verified.factorSid, credentialId: registration.id });
    return toSessionUser(result.user);
  },
});

let memo: AuthOptions | undefined;

/**
 * Built on first use rather than at import, so `next build` needs no configuration
 * (config() creates data/secrets.json when it runs).
 */
export function authOptions(): AuthOptions {
  if (memo) return memo;
  const { app, authSecret } = config();
  // next-auth reads NEXTAUTH_URL for its own absolute URLs; it should equal APP_URL, and
  // zero-configuration starts should not have to set both.
  process.env.NEXTAUTH_URL ??= app.url;
  memo = {
    secret: authSecret,
    providers: [passkey, passkeySignup, passkeyRecovery],
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    // The session cookie is HttpOnly and SameSite=Lax by default; Secure (and the
    // __Secure- prefix) whenever OwlBank is served over https.
    useSecureCookies: app.url.startsWith("https://"),
    pages: { signIn: "/sign-in", error: "/sign-in" },
    callbacks: {
      // Only the user id travels in the cookie; names and balances are read fresh from
      // the database on every request.
      jwt({ token, user }) {
        return user ? { sub: user.id } : token;
      },
      session({ session, token }) {
        return { expires: session.expires, user: { id: token.sub ?? "" } };
      },
    },
  };
  return memo;
}
