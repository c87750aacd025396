/**
 * next-auth for OwlBank: three Credentials providers whose "credential" is a WebAuthn
 * response, and server-side sessions. None trusts the browser about who the user is: Verify
 * checks the passkey and names the identity, and OwlBank maps that identity to its user.
 *
 * Each sign-in creates a row in owlbank_sessions (lib/owlbank/sessions.ts); next-auth's
 * encrypted JWT cookie carries only that row's id, and every request checks the row. So a
 * session ends when the server says so (sign-out, revocation, its lifetimes), not when the
 * cookie does. next-auth v4 offers its database strategy only with OAuth and email
 * providers, never with Credentials; see docs/decisions.md.
 */
import "server-only";
import type { AuthOptions, RequestInternal, User as SessionUser } from "next-auth";
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
import { createSession, endOtherSessions, endSession, liveSession } from "@/lib/owlbank/sessions";
import { completeSignup, findUserByIdentity } from "@/lib/owlbank/users";
import { clientAddress } from "@/lib/client-address";
import type { SessionOrigin } from "@/db/schema/owlbank";
import { AuthError } from "./errors";
import { decode, encode } from "./jwt";
import { databaseFailure } from "@/lib/db";

type AuthorizeRequest = Pick<RequestInternal, "headers">;

/**
 * The server-side session for a customer who just passed a passkey ceremony, as next-auth's
 * user: `sessionId` goes into the cookie (see the jwt callback).
 */
async function startSession(user: { id: string; displayName: string }, createdBy: SessionOrigin, req: AuthorizeRequest): Promise<SessionUser> {
  const headers = new Headers(req.headers as Record<string, string> | undefined);
  const session = await createSession({
    userId: user.id,
    createdBy,
    userAgent: headers.get("user-agent"),
    address: clientAddress(headers),
  });
  return { id: user.id, name: user.displayName, sessionId: session.id };
}

/** Thrown by the jwt callback for a cookie whose session is over: next-auth then clears the cookie. */
class SessionEnded extends Error {
  constructor() {
    super("The session has ended on the server");
  }
}

/** Re-throws a Verify refusal as its code, and anything else as "unavailable" after logging it. */
function refusal(error: unknown, step: string): AuthError {
  if (error instanceof AuthError) return error;
  const code = verifyErrorCode(error);
  if (code !== undefined) return new AuthError(`verify_${code}`);
  console.error(`[auth] ${step} failed: ${describeVerifyError(error)}`);
  return new AuthError("verify_unavailable");
}

/**
 * next-auth hands the message of anything `authorize` throws to the browser (`?error=` and
 * `signIn()`'s result). Only an AuthError's short key may cross; anything else (a database
 * error's message holds its query and parameters) is logged here and sent as "unavailable".
 */
function keysOnly(authorize: NonNullable<Parameters<typeof CredentialsProvider>[0]["authorize"]>): typeof authorize {
  return async (credentials, req) => {
    try {
      return await authorize(credentials, req);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      console.error(`[auth] sign-in failed: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message?.split("\n")[0]}`);
      throw new AuthError("unavailable");
    }
  };
}

/** Sign in with an existing passkey: ApproveChallenge, then the user Verify named. */
const passkey = CredentialsProvider({
  id: "passkey",
  name: "Passkey",
  credentials: { credential: { type: "text" } },
  authorize: keysOnly(async (credentials, req) => {
    const assertion = parseCredentialJson(AuthenticationResponseSchema, credentials?.credential);
    if (!assertion) throw new AuthError("invalid_credential");
    let approved: { identity: string; factorSid: string };
    try {
      approved = await approvePasskeyChallenge(assertion);
    } catch (error) {
      throw refusal(error, "ApproveChallenge");
    }
    const user = await findUserByIdentity(approved.identity);
    if (!user) throw new AuthError("no_account");
    // Verify found the factor by this credential id and checked the userHandle against it,
    // so both are now known to be this user's (the Signal API needs them).
    await rememberCredential({ userId: user.id, factorSid: approved.factorSid, credentialId: assertion.id });
    // Learnt once; the user row read above already says whether it is known.
    if (!user.webauthnUserId) await rememberUserHandle(user.id, assertion.response.userHandle);
    return startSession(user, "sign_in", req);
  }),
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
  authorize: keysOnly(async (credentials, req) => {
    const { registration, verified } = await verifiedRegistration(credentials?.credential);
    const result = await completeSignup(verified.factorSid, verified.identity);
    if (!result.ok) {
      // The passkey is verified in Verify but completes no sign-up: remove it so it can't
      // sign anyone in, and so the person can try again from a clean slate. If the identity
      // is an existing customer's (a registration from another flow sent here), only this
      // factor goes: their other passkeys must survive.
      const cleanup = (await findUserByIdentity(verified.identity))
        ? removePasskey(verified.identity, verified.factorSid)
        : removeIdentity(verified.identity);
      await cleanup.catch((error: unknown) =>
        console.error(`[auth] cleanup after refused sign-up failed: ${describeVerifyError(error)}`),
      );
      throw new AuthError(result.reason);
    }
    await rememberCredential({ userId: result.user.id, factorSid: verified.factorSid, credentialId: registration.id });
    return startSession(result.user, "sign_up", req);
  }),
});

/**
 * Finish a recovery: VerifyFactor for the registration started after the one-time code was
 * accepted (app/(owlbank)/recover/actions.ts), then sign in as the user it was started for.
 */
const passkeyRecovery = CredentialsProvider({
  id: "passkey-recovery",
  name: "Recovered passkey",
  credentials: { credential: { type: "text" } },
  authorize: keysOnly(async (credentials, req) => {
    const { registration, verified } = await verifiedRegistration(credentials?.credential);
    const result = await completeRecovery(verified.factorSid, verified.identity);
    if (!result.ok) {
      // A verified passkey that completes no recovery must not stay able to sign in.
      await removePasskey(verified.identity, verified.factorSid).catch((error: unknown) =>
        console.error(`[auth] cleanup after refused recovery failed: ${describeVerifyError(error)}`),
      );
      throw new AuthError(result.reason);
    }
    await rememberCredential({ userId: result.user.id, factorSid: verified.factorSid, credentialId: registration.id });
    // Whoever held the lost passkey, or a copied cookie, is signed out: only the browser that
    // just recovered the account stays in.
    const signedIn = await startSession(result.user, "recovery", req);
    await endOtherSessions(result.user.id, signedIn.sessionId ?? null);
    return signedIn;
  }),
});

let memo: AuthOptions | undefined;

/**
 * Built on first use rather than at import, so `next build` needs no configuration
 * (config() creates data/secrets.json when it runs).
 */
export function authOptions(): AuthOptions {
  if (memo) return memo;
  const { app, authSecret, owlbank } = config();
  // next-auth reads NEXTAUTH_URL for its own absolute URLs; it should equal APP_URL, and
  // zero-configuration starts should not have to set both.
  process.env.NEXTAUTH_URL ??= app.url;
  memo = {
    secret: authSecret,
    providers: [passkey, passkeySignup, passkeyRecovery],
    // The cookie never outlives the server-side session's absolute lifetime; next-auth
    // re-issues it on reads, but the row's fixed end is what counts.
    session: { strategy: "jwt", maxAge: Math.ceil(owlbank.sessionLifetimeMs / 1000) },
    // next-auth's own cookie format, with its key derived once per process (./jwt.ts).
    jwt: { encode, decode },
    // The session cookie is HttpOnly and SameSite=Lax by default; Secure (and the
    // __Secure- prefix) whenever OwlBank is served over https.
    useSecureCookies: app.url.startsWith("https://"),
    pages: { signIn: "/sign-in", error: "/sign-in" },
    callbacks: {
      // Only the user and session ids travel in the cookie; everything else is read fresh
      // from the database on every request, the session row first.
      async jwt({ token, user }) {
        if (user) return { sub: user.id, sid: user.sessionId };
        let session: Awaited<ReturnType<typeof liveSession>> = null;
        try {
          session = typeof token.sid === "string" ? await liveSession(token.sid) : null;
        } catch (error) {
          // A database outage says nothing about the session: keep the cookie rather than
          // sign everyone out. Nothing is granted on it: every page and action looks the row
          // up again (lib/owlbank/session.ts), fails the same way, and shows "Try again".
          if (databaseFailure(error) === "unavailable") return token;
          throw error;
        }
        if (!session || session.userId !== token.sub) throw new SessionEnded();
        return token;
      },
      session({ session, token }) {
        return { expires: session.expires, user: { id: token.sub ?? "" }, sessionId: String(token.sid) };
      },
    },
    events: {
      // Signing out ends the session for every copy of the cookie, not just this browser's.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await endSession(token.sid);
      },
    },
    logger: {
      // A cookie whose session ended is routine (sign-out elsewhere, expiry), not an error.
      error(code, metadata) {
        const error = metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error;
        if (code === "JWT_SESSION_ERROR" && error instanceof SessionEnded) return;
        console.error(`[next-auth][error][${code}]`, metadata);
      },
    },
  };
  return memo;
}
