/**
 * Web hardening as a browser and an attacker's page see it: the headers on every page, a
 * CSP that the app itself never violates, the session cookie's attributes, and refusal of
 * cross-site writes.
 */
import { createHash } from "node:crypto";
import { autofillSettled, expect, signIn, signOut, signUp, test } from "./fixtures";

/** The policy's directives by name: `{ "script-src": "'self' …", … }`. */
const directives = (csp: string) =>
  Object.fromEntries(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values.join(" ")]),
  );

/** A cookie named like next-auth's session cookie, naming no session: what a browser keeps after its session ended elsewhere. */
const DEAD_SESSION_COOKIE = { cookie: "next-auth.session-token=no-such-session" };

/** The console messages Chromium prints for a CSP violation. */
const isViolation = (text: string) => /Content Security Policy|Refused to (execute|load|apply)/i.test(text);

test("pages rendered per request carry a nonce CSP without unsafe-eval, and the other security headers", async ({ request }) => {
  // /sign-in with a session cookie is rendered per request (it may redirect to the dashboard);
  // without one it is the prerendered page, with a hash policy (the next test). So is an
  // address that matches no page: Next's 404 page is rendered per request too.
  const pages: [string, Record<string, string>][] = [
    ["/", {}],
    ["/sign-up", {}],
    ["/recover", {}],
    ["/sign-in", DEAD_SESSION_COOKIE],
    ["/no-such-page", {}],
  ];
  for (const [path, headers] of pages) {
    const response = await request.get(path, { headers });
    const all = response.headers();
    const csp = all["content-security-policy"];
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'(;|$)/);
    expect(csp, path).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/);
    expect(csp, path).not.toContain("unsafe-eval");
    expect(csp, path).not.toContain("unsafe-inline");
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("object-src 'none'");
    expect(all["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(all["permissions-policy"], path).toContain("publickey-credentials-get=(self)");
    expect(all["permissions-policy"], path).toContain("publickey-credentials-create=(self)");
    expect(all["x-content-type-options"], path).toBe("nosniff");
    // Served over http here: HSTS would be meaningless and is only sent over https.
    expect(all["strict-transport-security"], path).toBeUndefined();
    // The page's own scripts carry this response's nonce.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(await response.text(), path).toContain(`nonce="${nonce}"`);
  }
  for (const [path, headers] of [["/sign-up", {}], ["/sign-in", DEAD_SESSION_COOKIE]] as const) {
    const first = (await request.get(path, { headers })).headers()["content-security-policy"];
    const second = (await request.get(path, { headers })).headers()["content-security-policy"];
    expect(first, `a fresh nonce per response on ${path}`).not.toBe(second);
  }
});

test("/sign-in without a session cookie is the prerendered page, with a CSP of its own scripts' hashes", async ({ request }) => {
  const response = await request.get("/sign-in");
  expect(response.status()).toBe(200);
  const csp = response.headers()["content-security-policy"];
  const html = await response.text();
  expect(csp).not.toContain("nonce-");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(html).not.toContain("nonce=");
  const policy = directives(csp);
  expect(policy["script-src"]).toMatch(/^'self'( 'sha256-[A-Za-z0-9+/]{43}=')+ 'strict-dynamic'$/);
  expect(policy["style-src"]).toMatch(/^'self'( 'sha256-[A-Za-z0-9+/]{43}=')*$/);
  // Everything else is the policy every other page gets.
  const perRequest = directives((await request.get("/sign-up")).headers()["content-security-policy"]);
  for (const name of new Set([...Object.keys(policy), ...Object.keys(perRequest)])) {
    if (name !== "script-src" && name !== "style-src") expect(policy[name], name).toBe(perRequest[name]);
  }

  // Exactly the page's scripts: each inline one by the hash of its text, each external one by
  // its integrity value; nothing in the policy that the page does not have.
  const allowed = new Set(policy["script-src"].split(" ").filter((s) => s.startsWith("'sha256-")));
  const expected = new Set<string>();
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const src = /\ssrc="([^"]*)"/.exec(attrs)?.[1];
    if (src) {
      const integrity = /\sintegrity="(sha256-[^"]+)"/.exec(attrs)?.[1];
      expect(integrity, `${src} has an integrity value`).toBeDefined();
      expected.add(`'${integrity}'`);
      // ... which is the hash of the file the browser gets.
      const asset = await request.get(src);
      expect(`sha256-${createHash("sha256").update(await asset.body()).digest("base64")}`, src).toBe(integrity);
    } else {
      expected.add(`'sha256-${createHash("sha256").update(body).digest("base64")}'`);
    }
  }
  expect([...allowed].sort()).toEqual([...expected].sort());

  // A form posted before the page's scripts ran is answered as before: rendered per request.
  const posted = await request.post("/sign-in", { form: { phone: "(415) 555-0100" } });
  expect(posted.status()).toBe(200);
  const postedNonce = /'nonce-([^']+)'/.exec(posted.headers()["content-security-policy"])?.[1];
  expect(await posted.text()).toContain(`nonce="${postedNonce}"`);

  // Built once per server: the same policy for every response, and no render per request.
  expect((await request.get("/sign-in")).headers()["content-security-policy"]).toBe(csp);
  expect(response.headers()["cache-control"]).toBe("private, no-cache");
  expect(response.headers()["x-frame-options"]).toBe("DENY");
  expect(response.headers()["permissions-policy"]).toContain("publickey-credentials-get=(self)");
});

test("HSTS and upgrade-insecure-requests are sent when the request arrived over https, on either kind of page", async ({ request }) => {
  for (const headers of [{}, DEAD_SESSION_COOKIE]) {
    const response = await request.get("/sign-in", { headers: { ...headers, "x-forwarded-proto": "https" } });
    expect(response.headers()["strict-transport-security"]).toContain("max-age=");
    expect(response.headers()["content-security-policy"]).toMatch(/; upgrade-insecure-requests$/);
  }
});

test("a full sign-up runs without a single CSP violation, and the session cookie is locked down", async ({
  page,
  authenticator,
  phone,
}) => {
  expect(authenticator, "a virtual authenticator answers the passkey prompt").toBeDefined();
  const violations: string[] = [];
  page.on("console", (message) => {
    if (isViolation(message.text())) violations.push(message.text());
  });
  await signUp(page, phone, { name: "Csp Tester" });
  await page.reload();
  expect(violations).toEqual([]);

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name.includes("next-auth.session-token"));
  expect(session, "a session cookie exists").toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");
});

test("a passkey sign-in on the prerendered page runs without a single CSP violation", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Hash Tester" });
  const violations: string[] = [];
  page.on("console", (message) => {
    if (isViolation(message.text())) violations.push(message.text());
  });
  const policies: string[] = [];
  page.on("response", (response) => {
    if (response.request().isNavigationRequest() && new URL(response.url()).pathname === "/sign-in") {
      policies.push(response.headers()["content-security-policy"]);
    }
  });

  // Signing out clears the cookie and loads /sign-in: the prerendered page, hydrated (the
  // autofill flag is set by its script).
  await signOut(page, authenticator);
  expect(policies).toHaveLength(1);
  expect(policies[0]).toMatch(/script-src 'self'( 'sha256-[^']+')+ 'strict-dynamic'/);
  await signIn(page, authenticator);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Hash");
  expect(violations).toEqual([]);
});

test("on the prerendered page, a script the policy does not list does not run", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (isViolation(message.text())) violations.push(message.text());
  });
  // What an injection would add: an inline script, and a script from this very origin
  // ('self' counts for nothing beside 'strict-dynamic').
  await page.route("**/evil.js", (route) => route.fulfill({ contentType: "text/javascript", body: "window.__evilExternal = 1;" }));
  await page.route("**/sign-in", async (route) => {
    if (!route.request().isNavigationRequest()) return route.continue();
    const response = await route.fetch();
    const html = (await response.text()).replace("</head>", '<script>window.__evil = 1;</script><script src="/evil.js"></script></head>');
    await route.fulfill({ response, body: html });
  });
  const response = await page.goto("/sign-in");
  expect(response?.headers()["content-security-policy"]).toMatch(/'strict-dynamic'/);
  // The page's own scripts ran: it hydrated.
  await autofillSettled(page);
  expect(await page.evaluate(() => (window as { __evil?: number }).__evil)).toBeUndefined();
  expect(await page.evaluate(() => (window as { __evilExternal?: number }).__evilExternal)).toBeUndefined();
  expect(violations.filter((v) => /inline script/i.test(v))).toHaveLength(1);
  expect(violations.filter((v) => v.includes("evil.js"))).toHaveLength(1);
  expect(violations).toHaveLength(2);
});

test("a link to /sign-in navigates in the app, to the prerendered page, without a CSP violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (isViolation(message.text())) violations.push(message.text());
  });
  await page.goto("/");
  const documents: string[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest()) documents.push(request.url());
  });
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await autofillSettled(page);
  // And on from it, the same way.
  await page.getByRole("link", { name: "Open an account" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Open");
  expect(documents, "no page load: the router fetched the pages' RSC payloads").toEqual([]);
  expect(violations).toEqual([]);
});

test("/sign-in with a live session still goes to the dashboard; with a dead one it signs in", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Live Cookie" });
  const response = await page.goto("/sign-in");
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(response?.request().redirectedFrom()?.url()).toMatch(/\/sign-in$/);

  // The cookie of a session that has ended: signing out ends it on the server. The browser
  // keeps it (as one would after a sign-out from another device): /sign-in is rendered per
  // request, finds no session, and signing in works.
  const cookie = (await page.context().cookies()).find((c) => c.name.includes("next-auth.session-token"))!;
  await signOut(page, authenticator);
  await page.context().addCookies([cookie]);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (isViolation(message.text())) violations.push(message.text());
  });
  const dead = await page.goto("/sign-in");
  expect(dead?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  await expect(page).toHaveURL(/\/sign-in$/);
  await autofillSettled(page);
  await signIn(page, authenticator);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Live");
  expect(violations).toEqual([]);
});

test("writes from another site are refused, on pages and on the /v2 API", async ({ request }) => {
  const page = await request.post("/sign-in", {
    headers: { origin: "https://evil.example", "content-type": "text/plain;charset=UTF-8" },
    data: "[]",
  });
  expect(page.status()).toBe(403);

  const api = await request.post("/v2/Services", {
    headers: { "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
    data: "FriendlyName=Evil",
  });
  expect(api.status()).toBe(403);
  expect(await api.json()).toMatchObject({ code: 20403, status: 403 });

  // next-auth's routes, which the proxy skips, refuse it themselves: before any CSRF token is read.
  for (const path of ["/api/auth/callback/passkey", "/api/auth/signout"]) {
    const auth = await request.post(path, {
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      data: "csrfToken=x&credential=%7B%7D",
    });
    expect(auth.status(), path).toBe(403);
  }
});

test("next-auth's routes, outside the proxy, carry a policy that lets nothing run", async ({ request }) => {
  for (const path of ["/api/auth/csrf", "/api/auth/signout", "/api/health"]) {
    const csp = (await request.get(path)).headers()["content-security-policy"];
    expect(csp, path).toContain("default-src 'none'");
    expect(csp, path).toContain("frame-ancestors 'none'");
  }
});
