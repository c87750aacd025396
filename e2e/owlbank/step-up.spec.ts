/**
 * Sensitive settings need a recent passkey approval (OWLBANK_STEP_UP_MAX_AGE_MINUTES, 5 by
 * default) in the same session: adding or deleting a passkey and changing the phone number.
 * Tests make the last approval old by moving the sessions' `stepped_up_at` back, as time
 * passing would.
 */
import type { Browser, Page } from "@playwright/test";
import { E2E_TARGET, query } from "../helpers/database";
import {
  approvedChallenges,
  ceremonyAlert,
  expect,
  latestCode,
  outboxCount,
  signUp,
  test,
  type TestPhone,
  userByPhone,
  verifyFactorsOf,
  WebAuthnEnvironment,
  writeDb,
} from "./fixtures";

const passkeyRows = (page: Page) => page.getByRole("list", { name: "Your passkeys" }).getByRole("listitem");

/** Ten minutes ago, beyond the five-minute window, in every session of the customer. */
async function makeApprovalStale(userId: string) {
  await writeDb("UPDATE owlbank_sessions SET stepped_up_at = ? WHERE user_id = ?", Date.now() - 10 * 60_000, userId);
}

/** Another customer opens an account with `phone`, in a browser of their own. */
async function signUpElsewhere(browser: Browser, baseURL: string, phone: TestPhone, name: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await (await WebAuthnEnvironment.enable(page)).add("internal");
  await signUp(page, phone, { name });
  await context.close();
}

/** The latest step-up of any of the customer's sessions. */
const lastPasskeyAt = async (userId: string) =>
  (await query<{ at: number }>(E2E_TARGET, "SELECT max(stepped_up_at) AS at FROM owlbank_sessions WHERE user_id = ?", userId))[0].at;

test("deleting a passkey after the last approval went stale asks for a passkey first", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Sue Stale" });
  const user = (await userByPhone(phone.e164))!;
  await makeApprovalStale(user.id);
  const before = await approvedChallenges(user.verify_identity);

  await page.goto("/settings/security");
  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Delete Sue Stale" }).click();
  await row.getByRole("checkbox", { name: /I understand/ }).check();
  await row.getByRole("button", { name: "Delete passkey" }).click();

  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You have no passkeys" })).toBeVisible();
  expect(await approvedChallenges(user.verify_identity), "one step-up approval happened first").toBe(before + 1);
  expect(Date.now() - (await lastPasskeyAt(user.id))).toBeLessThan(60_000);
  expect((await verifyFactorsOf(user.verify_identity)).filter((f) => f.status === "verified")).toHaveLength(0);
});

test("a fresh approval is not asked for again", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Fin Fresh" });
  const user = (await userByPhone(phone.e164))!;
  const before = await approvedChallenges(user.verify_identity);

  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  // This device already holds the passkey, so the add itself fails; what matters is that no
  // step-up came first: sign-up was a passkey ceremony a moment ago.
  await expect(ceremonyAlert(page)).toContainText("already holds one of your passkeys");
  expect(await approvedChallenges(user.verify_identity)).toBe(before);
});

test("a failed step-up changes nothing", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Nat Nope" });
  const user = (await userByPhone(phone.e164))!;
  await makeApprovalStale(user.id);

  await page.goto("/settings/security");
  await authenticator.setUserVerified(false);
  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Delete Nat Nope" }).click();
  await row.getByRole("checkbox", { name: /I understand/ }).check();
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(row.getByRole("alert")).toContainText("No passkey was used, so nothing was changed.");
  expect((await verifyFactorsOf(user.verify_identity)).filter((f) => f.status === "verified")).toHaveLength(1);
});

test("changing the phone number needs a recent passkey approval and a code sent to the new number", async ({
  page,
  authenticator,
  phone,
  newPhone,
}) => {
  void authenticator;
  await signUp(page, phone, { name: "Pia Phone" });
  const user = (await userByPhone(phone.e164))!;
  await makeApprovalStale(user.id);
  const before = await approvedChallenges(user.verify_identity);
  const next = await newPhone();
  const textsToOldNumber = await outboxCount(phone.e164);

  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByLabel("New phone number").fill(next.typed);
  await page.getByRole("button", { name: "Text me a code" }).click();
  await expect(page.getByText(/We texted a 6-digit code to/)).toBeVisible();
  expect(await approvedChallenges(user.verify_identity), "a step-up came first").toBe(before + 1);

  const code = await latestCode(next.e164);
  expect(code).toMatch(/^\d{6}$/);
  expect(await outboxCount(phone.e164), "nothing went to the old number").toBe(textsToOldNumber);

  const codeField = page.getByLabel("Code");
  await codeField.fill(String((Number(code) + 1) % 1_000_000).padStart(6, "0"));
  await page.getByRole("button", { name: "Confirm new number" }).click();
  await expect(codeField).toHaveAccessibleDescription("That code isn't right. You have 4 tries left.");
  expect((await userByPhone(phone.e164))?.id).toBe(user.id);

  await codeField.fill(code!);
  await page.getByRole("button", { name: "Confirm new number" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Your phone number is now" })).toBeVisible();
  expect((await userByPhone(next.e164))?.id).toBe(user.id);
  expect(await userByPhone(phone.e164)).toBeUndefined();
});

test("a phone number another account uses is refused before any code is sent", async ({ page, browser, baseURL, authenticator, phone, newPhone }) => {
  void authenticator;
  const taken = await newPhone();
  await signUpElsewhere(browser, baseURL!, taken, "Oda Other");
  const textsToTaken = await outboxCount(taken.e164);

  await signUp(page, phone, { name: "Ivy Taken" });
  await page.goto("/settings/profile");
  await page.getByLabel("New phone number").fill(taken.typed);
  await page.getByRole("button", { name: "Text me a code" }).click();
  await expect(page.getByLabel("New phone number")).toHaveAccessibleDescription("Another OwlBank account uses this number.");
  expect(await outboxCount(taken.e164), "no code was sent").toBe(textsToTaken);
});

test("whether a number is taken is said only after a passkey approval, and five times an hour", async ({ page, browser, baseURL, authenticator, phone, newPhone }) => {
  const taken = await newPhone();
  await signUpElsewhere(browser, baseURL!, taken, "Oda Owner");

  await signUp(page, phone, { name: "Zed Probe" });
  await makeApprovalStale((await userByPhone(phone.e164))!.id);
  await page.goto("/settings/profile");
  const field = page.getByLabel("New phone number");
  const send = page.getByRole("button", { name: "Text me a code" });

  // The passkey prompt is refused: the answer says nothing about the number.
  await authenticator.setUserVerified(false);
  await field.fill(taken.typed);
  await send.click();
  await expect(ceremonyAlert(page)).toContainText("No passkey was used");
  await expect(field).not.toHaveAccessibleDescription(/Another OwlBank account/);

  // With the approval, OWLBANK_PHONE_CHANGE_LIMIT_PER_HOUR (5) answers, then a refusal.
  await authenticator.setUserVerified(true);
  for (let i = 1; i <= 5; i++) {
    await send.click();
    await expect(field).toHaveAccessibleDescription("Another OwlBank account uses this number.");
    await field.fill(taken.typed);
  }
  await send.click();
  await expect(ceremonyAlert(page)).toContainText("Too many attempts");
});

test("a customer with no passkey left is told how to confirm it's them", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Noa None" });
  const user = (await userByPhone(phone.e164))!;
  await page.goto("/settings/security");
  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Delete Noa None" }).click();
  await row.getByRole("checkbox", { name: /I understand/ }).check();
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You have no passkeys" })).toBeVisible();

  await makeApprovalStale(user.id);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("use “Lost your passkey?” to get a code by text");
});
