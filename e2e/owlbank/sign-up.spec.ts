/**
 * Opening an account with a passkey: the happy path on this device, the code that proves the
 * number, what a cancelled prompt leaves behind, form validation, and where the number may live.
 */
import { E2E_ENGINE_NAME } from "../helpers/env";
import {
  ceremonyAlert,
  enterSignUpCode,
  expect,
  findInVerifyTables,
  latestCode,
  outboxCount,
  pendingSignupsFor,
  signUp,
  startSignUp,
  test,
  userByPhone,
  verifyEntityExists,
  verifyFactorsOf,
} from "./fixtures";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The engine in the title: the suite runs once on SQLite and once on PostgreSQL.
test.describe(`Sign-up on ${E2E_ENGINE_NAME}`, () => {
  test("signs up with a platform passkey and lands on a dashboard with demo accounts", async ({ page, authenticator, phone }) => {
    await signUp(page, phone, { name: "Ana Silva" });

    await expect(page.getByText("Everyday Checking").first()).toBeVisible();
    await expect(page.getByText("Savings", { exact: true }).first()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Recent activity" })).toBeVisible();
    await expect(page.getByText("Payroll deposit · Acme Corp")).toBeVisible();

    const user = await userByPhone(phone.e164);
    expect(user, "the user row exists once the passkey is verified").toBeDefined();
    expect(user!.display_name).toBe("Ana Silva");
    expect(user!.verify_identity).toMatch(UUID);
    expect(await pendingSignupsFor(phone.e164), "the pending sign-up is consumed").toHaveLength(0);

    const factors = await verifyFactorsOf(user!.verify_identity);
    expect(factors.map((f) => f.status)).toEqual(["verified"]);

    const [credential, ...others] = await authenticator.credentials();
    expect(others).toHaveLength(0);
    expect(credential.isResidentCredential, "usernameless sign-in needs a discoverable credential").toBe(true);
  });

  test("a cancelled passkey prompt shows a readable message, and trying again needs no new code", async ({ page, authenticator, phone }) => {
    // Failing user verification is how the virtual authenticator says "the person cancelled":
    // the browser rejects with NotAllowedError, as it does when the prompt is dismissed.
    await authenticator.setUserVerified(false);
    await startSignUp(page, phone, { name: "Bo Cancel" });
    await enterSignUpCode(page, phone);

    await expect(ceremonyAlert(page)).toContainText("nothing was created");
    await expect(page).toHaveURL(/\/sign-up$/);
    expect(await userByPhone(phone.e164), "no user row").toBeUndefined();
    expect(await authenticator.credentials()).toHaveLength(0);

    await authenticator.setUserVerified(true);
    await page.getByRole("button", { name: "Create a passkey on this device" }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
    expect((await userByPhone(phone.e164))?.display_name).toBe("Bo Cancel");
    expect(await outboxCount(phone.e164), "one code for the whole sign-up").toBe(1);
  });

  test("a retry, then Start over, remove each abandoned attempt's Verify identity at once", async ({ page, authenticator, phone }) => {
    await authenticator.setUserVerified(false);
    await startSignUp(page, phone, { name: "Cy Cancel" });
    await enterSignUpCode(page, phone);
    await expect(ceremonyAlert(page)).toContainText("nothing was created");
    // Kept for the retry: the number is confirmed, and only this browser knows the factor.
    const [first] = (await pendingSignupsFor(phone.e164)).map((p) => p.verify_identity);
    expect(await verifyEntityExists(first)).toBe(true);

    await page.getByRole("button", { name: "Create a passkey on this device" }).click();
    const identities = async () => (await pendingSignupsFor(phone.e164)).map((p) => p.verify_identity);
    await expect.poll(async () => (await identities()).length === 1 && (await identities())[0] !== first, { message: "the retry replaced the attempt" }).toBe(true);
    await expect(ceremonyAlert(page)).toContainText("nothing was created");
    const [second] = await identities();
    await expect.poll(() => verifyEntityExists(first), { message: "the first attempt's identity is gone" }).toBe(false);

    await page.getByRole("button", { name: "Start over" }).click();
    await expect(page.getByLabel("Full name")).toHaveValue("Cy Cancel");
    await expect.poll(() => pendingSignupsFor(phone.e164)).toHaveLength(0);
    await expect.poll(() => verifyEntityExists(second), { message: "the second attempt's identity is gone" }).toBe(false);
    expect(await userByPhone(phone.e164)).toBeUndefined();
  });

  test("a number only opens an account with the code texted to it", async ({ page, authenticator, phone }) => {
    void authenticator;
    await startSignUp(page, phone, { name: "Mo Typo" });
    await expect(page.getByRole("status").filter({ hasText: "We texted a 6-digit code" })).toBeVisible();
    const right = (await latestCode(phone.e164))!;
    expect(right).toMatch(/^\d{6}$/);

    // Whoever typed someone else's number gets no further: nothing is set up until the code.
    await page.getByLabel("Code").fill(right === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByLabel("Code")).toHaveAccessibleDescription(/isn't right\. You have 4 tries left/);
    expect(await pendingSignupsFor(phone.e164)).toHaveLength(0);
    expect(await userByPhone(phone.e164)).toBeUndefined();

    await page.getByLabel("Code").fill(right);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
    expect((await userByPhone(phone.e164))?.display_name).toBe("Mo Typo");
  });

  test("after sign-up the phone number appears in no Verify table", async ({ page, authenticator, phone }) => {
    void authenticator;
    await signUp(page, phone, { name: "Dee Private" });
    expect((await userByPhone(phone.e164))?.phone_number, "OwlBank stores it, in E.164").toBe(phone.e164);

    expect(await findInVerifyTables([phone.e164, phone.digits, phone.typed])).toEqual([]);
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
    expect(await userByPhone(phone.e164)).toBeUndefined();
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
    expect((await userByPhone(phone.e164))?.display_name).toBe("Eve First");
    await other.close();
  });
});
