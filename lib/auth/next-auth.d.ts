import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: DefaultSession["user"] & { id: string };
    /** The owlbank_sessions row this cookie names (lib/owlbank/sessions.ts). */
    sessionId: string;
  }
  interface User {
    /** Set by authorize(): the server-side session the sign-in created. */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** The server-side session's id: the only thing besides `sub` in the cookie. */
    sid?: string;
  }
}
