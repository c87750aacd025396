/**
 * After signing in with a passkey from another device (a phone over hybrid), the dashboard
 * offers to create a passkey on this one, where this device has a platform authenticator.
 */
import { expect, signOut, signUp, test, userByPhone, verifyFactorsOf } from "./fixtures";

const offer = (page: import("@playwright/test").Page) => page.getByRole("region", { name: "Create a passkey on this device?" });

test("after a sign-in with a phone, the dashboard offers a passkey here, and creating it works", async ({ page, webauthn, phone }) => {
  const phoneOverHybrid = await webauthn.add("cable");
  await signUp(page, phone, { name: "Hana Hybrid", button: "Use another device" });
  await expect(offer(page), "signing up offers nothing").toHaveCount(0);

  await signOut(page, phoneOverHybrid);
  await phoneOverHybrid.setPresence(true);
  await page.getByRole("button", { name: "Use another device" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });

  // This computer has Touch ID / Windows Hello.
  const here = await webauthn.add("internal");
  await page.reload();
  await expect(offer(page)).toBeVisible();
  await offer(page).getByRole("button", { name: "Create a passkey here" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Passkey created." })).toBeVisible();

  expect(await here.credentials()).toHaveLength(1);
  expect((await verifyFactorsOf((await userByPhone(phone.e164))!.verify_identity)).filter((f) => f.status === "verified")).toHaveLength(2);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Hana");
  await expect(offer(page)).toHaveCount(0);
});

test("the offer can be dismissed, and stays dismissed", async ({ page, webauthn, phone }) => {
  const phoneOverHybrid = await webauthn.add("cable");
  await signUp(page, phone, { name: "Dee Dismiss", button: "Use another device" });
  await signOut(page, phoneOverHybrid);
  await phoneOverHybrid.setPresence(true);
  await page.getByRole("button", { name: "Use another device" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });

  await webauthn.add("internal");
  await page.reload();
  await offer(page).getByRole("button", { name: "Not now" }).click();
  await expect(offer(page)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Dee");
  await expect(offer(page)).toHaveCount(0);
});
