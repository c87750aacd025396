/**
 * "Lost your passkey?": a one-time code texted to the account's number (the local outbox in
 * tests, read from the database), then a new passkey that signs in. The code's rules (6
 * digits, 10 minutes, 5 tries, hashed) are unit-tested in lib/owlbank/code-store.test.ts.
 */
import type { Page } from "@playwright/test";
import { E2E_TARGET, query } from "../helpers/database";
import {
  autofillSettled,
  ceremonyAlert,
  expect,
  latestCode,
  outboxCount,
  signIn,
  signOut,
  signUp,
  test,
  type TestPhone,
  userByPhone,
  verifyFactorsOf,
  writeDb,
} from "./fixtures";

/**
 * Ends every one-minute window in which a repeat request is not texted again (it is counted
 * in the database, under an HMAC of its key, so all of them: other tests can only gain a text).
 */
const aMinutePasses = () => writeDb("UPDATE owlbank_rate_limits SET window_start = window_start - 60000 WHERE key LIKE 'codeRepeat:%'");

/** From the sign-in page: "Lost your passkey?", the number, and the code step. */
async function askForCode(page: Page, phone: TestPhone) {
  await page.getByRole("link", { name: "Lost your passkey?" }).click();
  await expect(page.getByRole("heading", { name: "Lost your passkey?" })).toBeVisible();
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByRole("button", { name: "Text me a code" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("we've texted it a 6-digit code");
}

test("recovery by code on a customer whose authenticator was removed ends with a new passkey that signs in", async ({
  page,
  webauthn,
  authenticator,
  phone,
}) => {
  await signUp(page, phone, { name: "Lou Lost" });
  await signOut(page, authenticator);
  const identity = (await userByPhone(phone.e164))!.verify_identity;

  // The phone with the passkey is gone; this device has an authenticator with nothing on it.
  await authenticator.remove();
  const replacement = await webauthn.add("internal");
  await askForCode(page, phone);

  const code = await latestCode(phone.e164);
  expect(code, "the code went to the local outbox").toMatch(/^\d{6}$/);
  // Only a keyed hash of the code is stored.
  const [stored] = await query<{ code_hash: string }>(E2E_TARGET, "SELECT code_hash FROM owlbank_one_time_codes WHERE phone_number = ?", phone.e164);
  expect(stored.code_hash).toMatch(/^[0-9a-f]{64}$/);
  expect(stored.code_hash).not.toContain(code!);

  await page.getByLabel("Code").fill(code!);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Lou");

  expect(await replacement.credentials()).toHaveLength(1);
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(2);

  // The code is used up.
  expect(await query(E2E_TARGET, "SELECT 1 AS found FROM owlbank_one_time_codes WHERE phone_number = ?", phone.e164)).toEqual([]);

  // And the new passkey signs in by itself.
  await signOut(page, replacement);
  await signIn(page, replacement);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Lou");
});

test("a wrong code says how many tries are left, and after five the code is dead", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Wes Wrong" });
  await signOut(page, authenticator);
  await askForCode(page, phone);
  const code = (await latestCode(phone.e164))!;
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  const codeField = page.getByLabel("Code");
  for (const left of [4, 3, 2, 1]) {
    await codeField.fill(wrong);
    await page.getByRole("button", { name: "Create a passkey on this device" }).click();
    await expect(codeField).toHaveAccessibleDescription(`That code isn't right. You have ${left} ${left === 1 ? "try" : "tries"} left.`);
  }
  await codeField.fill(wrong);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(ceremonyAlert(page)).toHaveText("Too many wrong codes. Ask for a new code.");

  // Even the right code no longer works; no passkey was created.
  await codeField.fill(code);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(ceremonyAlert(page)).toHaveText("Too many wrong codes. Ask for a new code.");
  expect(await verifyFactorsOf((await userByPhone(phone.e164))!.verify_identity)).toHaveLength(1);
});

test("a number without an account gets the same answer and no text message", async ({ page, phone }) => {
  await page.goto("/sign-in");
  await autofillSettled(page);
  await askForCode(page, phone);
  expect(await outboxCount(phone.e164)).toBe(0);

  await page.getByLabel("Code").fill("123456");
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(ceremonyAlert(page)).toHaveText("This code has expired or was already used. Ask for a new code.");
});

test("codes one browser asks for are rate limited, with a readable message", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Rex Limit" });
  await signOut(page, authenticator);
  // OWLBANK_CODE_LIMIT_PER_HOUR defaults to 5 codes per browser and number, and the code that
  // confirmed the number at sign-up was the first.
  await askForCode(page, phone);
  const askAgain = async () => {
    await page.getByRole("button", { name: "Send a new code" }).click();
    await page.getByRole("button", { name: "Text me a code" }).click();
  };

  // Asking again within a minute texts nothing and says so.
  await askAgain();
  await expect(page.getByRole("main").getByRole("status")).toHaveText("We already sent a code a minute ago. It works for 10 minutes.");
  expect(await outboxCount(phone.e164)).toBe(2);

  for (let i = 3; i <= 5; i++) {
    await aMinutePasses();
    await askAgain();
    await expect(page.getByRole("main").getByRole("status")).toContainText("we've texted it a 6-digit code");
  }
  expect(await outboxCount(phone.e164)).toBe(5);

  await aMinutePasses();
  await askAgain();
  await expect(ceremonyAlert(page)).toContainText("Too many attempts. For your security, please wait");
  expect(await outboxCount(phone.e164), "nothing more was sent").toBe(5);
});

test("a cancelled prompt after the code was accepted can be retried without a new code", async ({ page, webauthn, authenticator, phone }) => {
  await signUp(page, phone, { name: "Tom Retry" });
  await signOut(page, authenticator);
  await authenticator.remove();
  const replacement = await webauthn.add("internal");
  await askForCode(page, phone);

  await replacement.setUserVerified(false);
  await page.getByLabel("Code").fill((await latestCode(phone.e164))!);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(ceremonyAlert(page)).toContainText("nothing was created");

  await replacement.setUserVerified(true);
  await page.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  expect((await verifyFactorsOf((await userByPhone(phone.e164))!.verify_identity)).filter((f) => f.status === "verified")).toHaveLength(2);
});
