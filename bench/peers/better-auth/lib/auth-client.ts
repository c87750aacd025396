import { passkeyClient } from "@better-auth/passkey/client";
import { createAuthClient } from "better-auth/react";

/** The browser's side of Better Auth; it talks to /api/auth on the page's own origin. */
export const authClient = createAuthClient({ plugins: [passkeyClient()] });
