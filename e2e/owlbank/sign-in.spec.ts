/**
 * Signing in with a passkey on this device: the Face ID button with no phone number typed,
 * passkey autofill on the phone field, the phone number with Continue, and the failures.
 */
import type { Route } from "@playwright/test";
import { ceremonyAlert, expect, signOut, signUp, test } from "./fixtures";

test("signs out, then back in with the Face ID button and no phone number typed", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Fay Button" });
  await signOut(page, authenticator);
  await expect(page.getByLabel("Phone number")).toHaveValue("");

  // signOut() waited for the autofill request to be pending; it stays unanswered when
  // presence comes back, so the button's own request is what signs us in.
  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();

  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Fay");
});

test("the Face ID button signs with the challenge autofill was holding: no request before the prompt", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Flo Spare" });
  await signOut(page, authenticator);
  const actions: string[] = [];
  page.on("request", (r) => {
    if (r.headers()["next-action"]) actions.push(r.url());
  });

  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Flo");
  // The only server action after the click is the signed-in layout's passkey-list hint.
  expect(actions.filter((url) => new URL(url).pathname === "/sign-in")).toEqual([]);
});

test("signs in through passkey autofill on the phone field", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Gus Autofill" });
  await signOut(page, authenticator);

  await expect(page.getByLabel("Phone number")).toHaveAttribute("autocomplete", "username webauthn");
  // With presence on, the authenticator picks the passkey from the autofill request that
  // the page arms on load, with no click at all.
  await authenticator.setPresence(true);
  await page.reload();

  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Gus");
});

test("signs in after typing the phone number and pressing Continue", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Hal Typed" });
  await signOut(page, authenticator);

  await authenticator.setPresence(true);
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
});

test("a device with no OwlBank passkey gets a readable message", async ({ page, authenticator }) => {
  void authenticator;
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(ceremonyAlert(page)).toContainText("no OwlBank passkey");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("a cancelled sign-in prompt leaves the visitor signed out with a message", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Ida Cancel" });
  await signOut(page, authenticator);

  await authenticator.setUserVerified(false);
  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(ceremonyAlert(page)).toContainText("No passkey was used");

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("a sign-in that cannot reach OwlBank says so, and works once the connection is back", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Lia Offline" });
  await signOut(page, authenticator);

  // Server actions post to the page's own URL; the connection drops for those only.
  const offline = (route: Route) => (route.request().headers()["next-action"] ? route.abort("internetdisconnected") : route.continue());
  await page.route("**/sign-in", offline);
  await authenticator.setPresence(true);
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(ceremonyAlert(page)).toContainText("We couldn't reach OwlBank");
  await expect(page.getByRole("button", { name: "Continue" })).toBeEnabled();

  await page.unroute("**/sign-in", offline);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
});

test("a signed-out visitor cannot reach the dashboard or the security settings", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("button", { name: "Sign in with Face ID" })).toBeVisible();

  await page.goto("/settings/security");
  await expect(page).toHaveURL(/\/sign-in$/);

  const response = await page.request.get("/dashboard", { maxRedirects: 0 });
  expect(response.status(), "the server itself redirects; no dashboard HTML is sent").toBeGreaterThanOrEqual(300);
  expect(response.status()).toBeLessThan(400);
});

test("the session cookie is HttpOnly and SameSite=Lax", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Jo Cookie" });
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session, "next-auth's session cookie is set").toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");
  // APP_URL is http in the test run, so the cookie must not be Secure (it would be dropped).
  expect(session!.secure).toBe(false);
});
