/**
 * The browser's side of next-auth: the two requests its `signIn()` and `signOut()` make,
 * without next-auth/react. That client costs ~12 KB of gzipped JavaScript and two extra
 * round trips per sign-in (it fetches the provider list and the CSRF token on every call);
 * here the token is fetched once, while the customer is still looking at the page.
 */

type Outcome = { ok: true } | { ok: false; error: string | null };

let csrfToken: Promise<string> | undefined;

async function fetchCsrfToken(): Promise<string> {
  const response = await fetch("/api/auth/csrf", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /api/auth/csrf answered ${response.status}`);
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return csrfToken;
}

/**
 * Fetches next-auth's CSRF token ahead of need (it also sets the cookie it is checked
 * against). Pages that sign in call this on load, so the click pays for one request only.
 */
export function prefetchCsrfToken(): void {
  if (csrfToken) return;
  csrfToken = fetchCsrfToken();
  // A failed fetch is not kept: the next sign-in asks again (and reports the error itself).
  csrfToken.catch(() => (csrfToken = undefined));
}

/** POSTs to one of next-auth's endpoints the way its client does; resolves to the `url` it answers with. */
async function post(path: string, fields: Record<string, string>): Promise<{ response: Response; url: URL | null }> {
  prefetchCsrfToken();
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, csrfToken: await csrfToken!, json: "true" }),
  });
  const data = (await response.json().catch(() => ({}))) as { url?: string };
  return { response, url: data.url ? new URL(data.url, window.location.origin) : null };
}

/**
 * Signs in through a credentials provider of lib/auth/config.ts. next-auth answers with a
 * `url`: the callback on success, its sign-in page with `?error=` (the key that
 * `authorize()` threw) on failure, or with `?csrf=true` when the token was stale.
 */
export async function signInWith(provider: string, fields: Record<string, string>): Promise<Outcome> {
  const attempt = () => post(`/api/auth/callback/${provider}`, { ...fields, callbackUrl: "/dashboard" });
  try {
    let { response, url } = await attempt();
    if (url?.searchParams.get("csrf") === "true") {
      // The CSRF cookie changed since the token was fetched (another tab signed out): once more with a new one.
      csrfToken = undefined;
      ({ response, url } = await attempt());
    }
    const error = url?.searchParams.get("error") ?? null;
    return response.ok && url && !error && url.searchParams.get("csrf") !== "true" ? { ok: true } : { ok: false, error };
  } catch {
    // Offline, or the server is down: no key, so the caller shows its generic message.
    return { ok: false, error: null };
  }
}

/** Ends the session, then loads `callbackUrl` afresh so nothing of the signed-in pages stays in memory. */
export async function signOut(callbackUrl: string): Promise<void> {
  const { url } = await post("/api/auth/signout", { callbackUrl });
  window.location.assign(url?.href ?? callbackUrl);
}
