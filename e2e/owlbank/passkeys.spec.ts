/**
 * The security settings page: the customer's passkeys as Verify lists them, adding one,
 * renaming and deleting, and the guard on deleting the last one.
 */
import type { Page, Route } from "@playwright/test";
import { ceremonyAlert, expect, signOut, signUp, test, userByPhone, verifyFactorsOf } from "./fixtures";

const passkeyRows = (page: Page) => page.getByRole("list", { name: "Your passkeys" }).getByRole("listitem");

test("lists the passkey with where it is stored, when it was created and last used", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Mia Listed" });
  await page.getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("heading", { name: "Passkeys" })).toBeVisible();

  await expect(passkeyRows(page)).toHaveCount(1);
  const row = passkeyRows(page).first();
  await expect(row.getByRole("heading", { name: "Mia Listed" })).toBeVisible();
  // Chrome's virtual authenticator reports an all-zero AAGUID and no backup flags.
  await expect(row).toContainText("Passkey provider not disclosed");
  await expect(row).toContainText("Only on this device");
  await expect(row).toContainText("Not used to sign in yet");

  await signOut(page, authenticator);
  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await page.goto("/settings/security");
  await expect(passkeyRows(page).first()).toContainText("Last used");
});

test("adds a second passkey, renames it and deletes it", async ({ page, webauthn, authenticator, phone }) => {
  await signUp(page, phone, { name: "Ned Two" });
  await page.goto("/settings/security");
  await expect(passkeyRows(page)).toHaveCount(1);

  // A second device: a synced passkey provider. The first authenticator leaves so Chrome
  // cannot offer it (it holds an excluded credential).
  await authenticator.remove();
  const synced = await webauthn.add("internal", { synced: true });
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Passkey added." })).toBeVisible();
  await expect(passkeyRows(page)).toHaveCount(2);
  expect(await synced.credentials()).toHaveLength(1);
  const second = passkeyRows(page).nth(1);
  await expect(second).toContainText("Synced across your devices");

  const identity = (await userByPhone(phone.e164))!.verify_identity;
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(2);

  // Rename the new one.
  await second.getByRole("button", { name: /^Rename/ }).click();
  const nameField = second.getByLabel("Passkey name");
  await nameField.fill("Work laptop");
  await second.getByRole("button", { name: "Save" }).click();
  await expect(passkeyRows(page).nth(1).getByRole("heading", { name: "Work laptop" })).toBeVisible();
  expect((await verifyFactorsOf(identity)).map((f) => f.friendly_name)).toContain("Work laptop");

  // An empty name is refused next to the field.
  const renamed = passkeyRows(page).nth(1);
  await renamed.getByRole("button", { name: "Rename Work laptop" }).click();
  await renamed.getByLabel("Passkey name").fill("   ");
  await renamed.getByRole("button", { name: "Save" }).click();
  await expect(renamed.getByLabel("Passkey name")).toHaveAccessibleDescription(/Enter a name/);
  await renamed.getByRole("button", { name: "Cancel" }).click();

  // Delete it: one confirmation, no extra warning since another passkey remains.
  const [deleted] = await synced.credentials();
  await renamed.getByRole("button", { name: "Delete Work laptop" }).click();
  await expect(renamed).not.toContainText("This is your only passkey");
  await renamed.getByRole("button", { name: "Delete passkey" }).click();
  await expect(passkeyRows(page)).toHaveCount(1);
  await expect(passkeyRows(page).first().getByRole("heading", { name: "Ned Two" })).toBeVisible();
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(1);

  // The deleted passkey can no longer sign in, even offered by a device that still holds it
  // (browsers with the Signal API drop it by themselves: put it back to check the server).
  if ((await synced.credentials()).length === 0) await synced.addCredential(deleted);
  await signOut(page, synced);
  await synced.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(ceremonyAlert(page)).toContainText("We don't recognise this passkey");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("two tabs deleting both passkeys at once leave one, and the later tab asks to confirm", async ({ page, webauthn, authenticator, phone }) => {
  await signUp(page, phone, { name: "Rae Tabs" });
  await page.goto("/settings/security");
  await authenticator.remove();
  await webauthn.add("internal", { synced: true });
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeyRows(page)).toHaveCount(2);

  // A second tab, opened while both passkeys exist: each tab deletes a different one.
  const other = await page.context().newPage();
  await other.goto("/settings/security");
  await expect(passkeyRows(other)).toHaveCount(2);
  const here = passkeyRows(page).nth(0);
  const there = passkeyRows(other).nth(1);
  await here.getByRole("button", { name: /^Delete/ }).click();
  await there.getByRole("button", { name: /^Delete/ }).click();
  await Promise.all([here.getByRole("button", { name: "Delete passkey" }).click(), there.getByRole("button", { name: "Delete passkey" }).click()]);

  // One deletion goes through; the other finds the only passkey left and asks first.
  const refusal = (p: Page) => p.getByRole("alert").filter({ hasText: "This is your only passkey" });
  await expect.poll(async () => (await refusal(page).count()) + (await refusal(other).count()), { timeout: 15_000 }).toBe(1);
  const identity = (await userByPhone(phone.e164))!.verify_identity;
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(1);
  const refused = (await refusal(page).count()) > 0 ? page : other;
  await expect(refused.getByRole("checkbox", { name: /I understand/ })).toBeVisible();
});

test("a form whose request is lost shows a readable error page, and Try again brings the page back", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Eli Error" });
  await page.goto("/settings/security");

  // The rename's server action never reaches OwlBank.
  const offline = (route: Route) => (route.request().headers()["next-action"] ? route.abort("internetdisconnected") : route.continue());
  await page.route("**/settings/security", offline);
  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Rename Eli Error" }).click();
  await row.getByLabel("Passkey name").fill("Laptop");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: "Something went wrong" })).toBeVisible();
  await expect(page.getByText("Your money and your passkeys are safe.")).toBeVisible();

  await page.unroute("**/settings/security", offline);
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(passkeyRows(page).first().getByRole("heading", { name: "Eli Error" })).toBeVisible();
});

test("adding a passkey on a device that already holds one says so", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Ola Same" });
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("already holds one of your passkeys");
  await expect(passkeyRows(page)).toHaveCount(1);
});

test("deleting the only passkey needs an explicit confirmation", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Pat Last" });
  await page.goto("/settings/security");

  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Delete Pat Last" }).click();
  await expect(row).toContainText("This is your only passkey");
  const confirm = row.getByRole("checkbox", { name: /I understand/ });
  await expect(confirm).not.toBeChecked();

  // Without the box ticked nothing is deleted.
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(passkeyRows(page)).toHaveCount(1);
  const identity = (await userByPhone(phone.e164))!.verify_identity;
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(1);

  await confirm.check();
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You have no passkeys" })).toBeVisible();
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(0);
});

test("the server refuses to delete the last passkey without the confirmation", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Quin Guard" });
  await page.goto("/settings/security");
  const row = passkeyRows(page).first();
  await row.getByRole("button", { name: "Delete Quin Guard" }).click();
  // Take away the browser-side guard, as a hand-made request would.
  await row.getByRole("checkbox").evaluate((box: HTMLInputElement) => {
    box.required = false;
  });
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(row.getByRole("alert")).toContainText("This is your only passkey");
  const identity = (await userByPhone(phone.e164))!.verify_identity;
  expect((await verifyFactorsOf(identity)).filter((f) => f.status === "verified")).toHaveLength(1);
});
