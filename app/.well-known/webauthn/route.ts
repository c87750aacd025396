/**
 * WebAuthn related origins (https://w3c.github.io/webauthn/#sctn-related-origins): the
 * origins allowed to use this relying party id, from APP_URL and WEBAUTHN_RELATED_ORIGINS.
 * lib/verify-client/service.ts gives the Verify Service the same list, so a passkey the
 * browser accepts on a related origin is one Verify accepts too.
 */
import { config } from "@/lib/env";

// Read at request time: configuration belongs to the running server, not to the build.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ origins: config().app.origins }, { headers: { "Cache-Control": "public, max-age=300" } });
}
