/**
 * OwlBank's rate limits, as a customer meets them: a readable message, nothing done. Every test
 * of the suite has a client address of its own (X-Forwarded-For from a trusted loopback proxy,
 * see fixtures.ts); the second
 * browsers here claim yet another, so only the limit under test can answer.
 */
import { ceremonyAlert, expect, newClientAddress, signUp, test } from "./fixtures";

test("repeated sign-ups for one phone number are limited with a readable message", async ({ page, browser, baseURL, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Lia Limit" });

  const other = await browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": newClientAddress() } });
  const attempt = await other.newPage();
  await attempt.goto("/sign-up");
  await attempt.getByLabel("Phone number").fill(phone.typed);
  await attempt.getByLabel("Full name").fill("Lia Again");
  // OWLBANK_PHONE_LIMIT_PER_MINUTE is 10, and the sign-up above was the first.
  for (let i = 2; i <= 10; i++) {
    await attempt.getByRole("button", { name: "Create account", exact: true }).click();
    await expect(attempt.getByLabel("Phone number")).toHaveAccessibleDescription(/already exists/);
  }
  await attempt.getByRole("button", { name: "Create account", exact: true }).click();
  await expect(ceremonyAlert(attempt)).toContainText("Too many attempts. For your security, please wait a minute and try again.");
  await other.close();
});

test("too many sign-ins started from one address are limited with a readable message", async ({ browser, baseURL }) => {
  const address = newClientAddress();
  const context = await browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": address } });
  const page = await context.newPage();

  // The sign-in page's autofill starts a sign-in through a server action; note how it is called.
  const started = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
  await page.goto("/sign-in");
  const action = await started;

  // Use up the rest of this address's budget (OWLBANK_SIGN_IN_LIMIT_PER_MINUTE, 120) directly.
  for (let i = 0; i < 125; i++) {
    await context.request.post(action.url(), {
      headers: { "next-action": action.headers()["next-action"], "content-type": action.headers()["content-type"], accept: "text/x-component" },
      data: action.postData() ?? "[]",
    });
  }

  // Loaded afresh, the page's own start is refused too, so the button has no unused autofill
  // challenge to fall back on and must ask for one.
  await page.reload();
  await page.locator('form[data-autofill="ended"]').waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(ceremonyAlert(page)).toContainText("Too many attempts. For your security, please wait");
  await context.close();
});
