/**
 * Opening an account with a passkey: the happy path on this device, what a cancelled prompt
 * leaves behind (nothing), form validation, and where the phone number may live.
 */
import {
  ceremonyAlert,
  expect,
  findInVerifyTables,
  pendingSignupsFor,
  signUp,
  test,
  userByPhone,
  verifyEntityExists,
  verifyFactorsOf,
} from "./fixtures";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("signs up with a platform passkey and lands on a dashboard with demo accounts", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Ana Silva" });

  await expect(page.getByText("Everyday Checking").first()).toBeVisible();
  await expect(page.getByText("Savings", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("heading", { name: "Recent activity" })).toBeVisible();
  await expect(page.getByText("Payroll deposit · Acme Corp")).toBeVisible();

  const user = userByPhone(phone.e164);
  expect(user, "the user row exists once the passkey is verified").toBeDefined();
  expect(user!.display_name).toBe("Ana Silva");
  expect(user!.verify_identity).toMatch(UUID);
  expect(pendingSignupsFor(phone.e164), "the pending sign-up is consumed").toHaveLength(0);

  const factors = verifyFactorsOf(user!.verify_identity);
  expect(factors.map((f) => f.status)).toEqual(["verified"]);

  const [credential, ...others] = await authenticator.credentials();
  expect(others).toHaveLength(0);
  expect(credential.isResidentCredential, "usernameless sign-in needs a discoverable credential").toBe(true);
});

test("a cancelled passkey prompt shows a readable message and leaves no half-made account", async ({ page, authenticator, phone }) => {
  // Failing user verification is how the virtual authenticator says "the person cancelled":
  // the browser rejects with NotAllowedError, as it does when the prompt is dismissed.
  await authenticator.setUserVerified(false);

  await page.goto("/sign-up");
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByLabel("Full name").fill("Bo Cancel");
  await page.getByRole("button", { name: "Create account", exact: true }).click();

  await expect(ceremonyAlert(page)).toContainText("nothing was created");
  await expect(page).toHaveURL(/\/sign-up$/);
  // The form keeps what was typed, ready for another try.
  await expect(page.getByLabel("Full name")).toHaveValue("Bo Cancel");

  expect(userByPhone(phone.e164), "no user row").toBeUndefined();
  expect(await authenticator.credentials()).toHaveLength(0);
  // The pending sign-up and its Verify identity are dropped right away, not at expiry.
  await expect.poll(() => pendingSignupsFor(phone.e164)).toHaveLength(0);

  // And trying again works.
  await authenticator.setUserVerified(true);
  await page.getByRole("button", { name: "Create account", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  expect(userByPhone(phone.e164)?.display_name).toBe("Bo Cancel");
});

test("the cancelled sign-up's Verify identity is removed too", async ({ page, authenticator, phone }) => {
  await authenticator.setUserVerified(false);
  await page.goto("/sign-up");
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByLabel("Full name").fill("Cy Cancel");

  // Catch the identity while the sign-up is pending, before the prompt fails.
  await authenticator.setPresence(false);
  await page.getByRole("button", { name: "Create account", exact: true }).click();
  await expect.poll(() => pendingSignupsFor(phone.e164)).toHaveLength(1);
  const identity = pendingSignupsFor(phone.e164)[0].verify_identity;
  expect(verifyEntityExists(identity)).toBe(true);

  // Reload: the pending prompt goes away unanswered. Start again, failing verification.
  await page.reload();
  await authenticator.setPresence(true);
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByLabel("Full name").fill("Cy Cancel");
  await page.getByRole("button", { name: "Create account", exact: true }).click();
  await expect(ceremonyAlert(page)).toContainText("nothing was created");

  // The second attempt's identity is gone from Verify; the first waits for its expiry sweep.
  await expect.poll(() => pendingSignupsFor(phone.e164).map((p) => p.verify_identity)).toEqual([identity]);
  expect(userByPhone(phone.e164)).toBeUndefined();
});

test("after sign-up the phone number appears in no Verify table", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Dee Private" });
  expect(userByPhone(phone.e164)?.phone_number, "OwlBank stores it, in E.164").toBe(phone.e164);

  expect(findInVerifyTables([phone.e164, phone.digits, phone.typed])).toEqual([]);
});

test("explains what is wrong with the form, next to each field", async ({ page, authenticator, phone }) => {
  void authenticator;
  await page.goto("/sign-up");
  await page.getByLabel("Phone number").fill("12345");
  await page.getByRole("button", { name: "Create account", exact: true }).click();

  const phoneField = page.getByLabel("Phone number");
  await expect(phoneField).toHaveAttribute("aria-invalid", "true");
  await expect(phoneField).toHaveAccessibleDescription(/Enter a valid phone number/);
  await expect(page.getByLabel("Full name")).toHaveAccessibleDescription(/Enter your full name/);
  expect(userByPhone(phone.e164)).toBeUndefined();
});

test("a phone number that already banks here cannot open a second account", async ({ page, browser, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Eve First" });

  const other = await browser.newPage();
  await other.goto("/sign-up");
  await other.getByLabel("Phone number").fill(phone.typed);
  await other.getByLabel("Full name").fill("Eve Second");
  await other.getByRole("button", { name: "Create account", exact: true }).click();
  await expect(other.getByLabel("Phone number")).toHaveAccessibleDescription(/already exists/);
  expect(userByPhone(phone.e164)?.display_name).toBe("Eve First");
  await other.close();
});
