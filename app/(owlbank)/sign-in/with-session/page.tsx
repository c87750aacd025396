import { redirect } from "next/navigation";
import { signInMetadata, SignInCard } from "@/app/(owlbank)/sign-in/sign-in-card";
import { currentUser } from "@/lib/owlbank/session";

export const metadata = signInMetadata;

/**
 * /sign-in for a request that carries a session cookie (proxy.ts rewrites it here; the address
 * bar still says /sign-in). A live session goes to the dashboard; a dead cookie (signed out
 * elsewhere, expired) gets the sign-in page, rendered per request with the nonce CSP like every
 * page of app/(owlbank)/. Also where a /sign-in form posted before the page's scripts ran goes,
 * and every /sign-in request when the prerendered page's policy cannot be built (lib/csp.ts).
 */
export default async function SignInWithSessionPage() {
  if (await currentUser()) redirect("/dashboard");
  return <SignInCard />;
}
