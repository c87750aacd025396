/**
 * Finding 3 of the session and recovery review (issue #12): anyone could block a customer's
 * recovery without signing in. Each code request replaced the number's live code, and the
 * per-number hourly limit counted everyone's requests, so three strangers' requests killed the
 * customer's code and locked their next request out for an hour. Sign-up codes likewise.
 *
 * Strangers here are browser contexts of their own (their own cookies) from client addresses
 * of their own, asking through the same pages the customer uses.
 */
import type { Browser, Page } from "@playwright/test";
import {
  enterSignUpCode,
  expect,
  latestCode,
  newClientAddress,
  outboxCount,
  signOut,
  signUp,
  startSignUp,
  test,
  type TestPhone,
  userByPhone,
  verifyFactorsOf,
} from "../owlbank/fixtures";

const STRANGERS = 3;

// A sign-up, three more browsers and a recovery: more than the default 30 s on a busy machine.
test.slow();

const codeStatus = (page: Page) => page.getByRole("main").getByRole("status");

/** From the sign-in page: "Lost your passkey?", the number, and "Text me a code". */
async function askForRecoveryCode(page: Page, phone: TestPhone) {
  await page.getByRole("link", { name: "Lost your passkey?" }).click();
  // The sign-in page has a phone number field too: wait for the recovery page's.
  await expect(page.getByRole("heading", { name: "Lost your passkey?" })).toBeVisible();
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByRole("button", { name: "Text me a code" }).click();
  await expect(page.getByLabel("Code")).toBeVisible();
}

/** Runs `ask` in a browser of a stranger's: a context of its own, from an address of its own. */
async function asStranger(browser: Browser, baseURL: string, ask: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": newClientAddress() } });
  try {
    await ask(await context.newPage());
  } finally {
    await context.close();
  }
}

test("finding 3: the customer's own recovery code still works after strangers' requests", async ({
  page,
  browser,
  baseURL,
  webauthn,
  authenticator,
  phone,
}) => {
  await signUp(page, phone, { name: "Cass Customer" });
  await signOut(page, authenticator);
  const identity = (await userByPhone(phone.e164))!.verify_identity;
  await authenticator.remove();
  const replacement = await webauthn.add("internal");

  await askForRecoveryCode(page, phone);
  const code = (await latestCode(phone.e164))!;
  expect(code).toMatch(/^\d{6}$/);
  // The code belongs to this browser: a random cookie out of scripts' reach, not the session.
  const requester = (await page.context().cookies()).find((c) => c.name === "owlbank-code-requester");
  expect(requester).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(requester!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);

  for (let i = 0; i < STRANGERS; i++) {
    await asStranger(browser, baseURL!, async (stranger) => {
      await stranger.goto("/recover");
      await stranger.getByLabel("Phone number").fill(phone.typed);
      await stranger.getByRole("button", { name: "Text me a code" }).click();
      await expect(codeStatus(stranger)).toContainText("we've texted it a 6-digit code");
    });
  }
  // The strangers' codes went to the customer's phone: each asked for one of their own.
  expect(await outboxCount(phone.e164)).toBe(2 + STRANGERS);

  // The code texted to the customer before the strangers asked still recovers the account.
  await page.getByLabel("Code").fill(code);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(2);

  // And the customer's next request is texted, not locked out for an hour.
  await signOut(page, replacement);
  await askForRecoveryCode(page, phone);
  await expect(codeStatus(page)).toContainText("we've texted it a 6-digit code");
  expect(await outboxCount(phone.e164)).toBe(3 + STRANGERS);

  // Asking again at once texts nothing more, and says why.
  await page.getByRole("button", { name: "Send a new code" }).click();
  await page.getByRole("button", { name: "Text me a code" }).click();
  await expect(codeStatus(page)).toHaveText("We already sent a code a minute ago. It works for 10 minutes.");
  expect(await outboxCount(phone.e164)).toBe(3 + STRANGERS);
});

test("finding 3: a sign-up code still works after strangers ask for codes to the same number", async ({
  page,
  browser,
  baseURL,
  authenticator,
  phone,
}) => {
  void authenticator;
  await startSignUp(page, phone, { name: "Sam Signup" });
  const code = (await latestCode(phone.e164))!;

  for (let i = 0; i < STRANGERS; i++) {
    await asStranger(browser, baseURL!, async (stranger) => {
      await stranger.goto("/sign-up");
      await stranger.getByLabel("Phone number").fill(phone.typed);
      await stranger.getByLabel("Full name").fill("Mallory");
      await stranger.getByRole("button", { name: "Create account", exact: true }).click();
      await expect(stranger.getByLabel("Code")).toBeVisible();
    });
  }
  expect(await outboxCount(phone.e164)).toBe(1 + STRANGERS);

  await enterSignUpCode(page, phone, () => code);
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  expect((await userByPhone(phone.e164))?.display_name).toBe("Sam Signup");
});
