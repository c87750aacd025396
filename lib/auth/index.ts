/**
 * The session, for server code, and the next-auth route handler.
 */
import "server-only";
import NextAuth, { getServerSession } from "next-auth";
import { cache } from "react";
import { authOptions } from "./config";

/** The current session, read once per request (React `cache`). */
export const auth = cache(() => getServerSession(authOptions()));

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/** next-auth's App Router handler, with options built on first request. */
async function handler(req: Request, context: RouteContext): Promise<Response> {
  return NextAuth(req as never, context as never, authOptions());
}

export { handler as GET, handler as POST };
