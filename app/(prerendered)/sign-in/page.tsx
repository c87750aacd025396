import { signInMetadata, SignInCard } from "@/app/(owlbank)/sign-in/sign-in-card";

export const metadata = signInMetadata;

/**
 * /sign-in for a visitor without a session cookie: the first request of every sign-in, so it
 * is prerendered at build time (no per-request data, no nonce) and served with a CSP built
 * from this page's own hashes (lib/csp.ts). proxy.ts sends anyone with a session cookie to
 * /sign-in/with-session instead, which still redirects a signed-in customer to the dashboard.
 *
 * `dynamic = "error"` makes the build fail if anything it renders starts reading the request,
 * rather than the page silently losing its prerendered HTML (every /sign-in would then be
 * rendered per request: proxy.ts falls back to the twin, with one loud line on stderr).
 */
export const dynamic = "error";

export default function SignInPage() {
  return <SignInCard />;
}
