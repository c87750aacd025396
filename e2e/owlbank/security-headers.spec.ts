/**
 * Web hardening as a browser and an attacker's page see it: the headers on every page, a
 * CSP that the app itself never violates, the session cookie's attributes, and refusal of
 * cross-site writes.
 */
import { expect, signUp, test } from "./fixtures";

test("pages carry a nonce CSP without unsafe-eval, and the other security headers", async ({ request }) => {
  for (const path of ["/", "/sign-in", "/sign-up"]) {
    const response = await request.get(path);
    const headers = response.headers();
    const csp = headers["content-security-policy"];
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
    expect(csp, path).not.toContain("unsafe-eval");
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("object-src 'none'");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["permissions-policy"], path).toContain("publickey-credentials-get=(self)");
    expect(headers["permissions-policy"], path).toContain("publickey-credentials-create=(self)");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    // Served over http here: HSTS would be meaningless and is only sent over https.
    expect(headers["strict-transport-security"], path).toBeUndefined();
  }
  const first = (await request.get("/sign-in")).headers()["content-security-policy"];
  const second = (await request.get("/sign-in")).headers()["content-security-policy"];
  expect(first, "a fresh nonce per response").not.toBe(second);
});

test("HSTS is sent when the request arrived over https", async ({ request }) => {
  const response = await request.get("/sign-in", { headers: { "x-forwarded-proto": "https" } });
  expect(response.headers()["strict-transport-security"]).toContain("max-age=");
});

test("a full sign-up runs without a single CSP violation, and the session cookie is locked down", async ({
  page,
  authenticator,
  phone,
}) => {
  expect(authenticator, "a virtual authenticator answers the passkey prompt").toBeDefined();
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) violations.push(message.text());
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
