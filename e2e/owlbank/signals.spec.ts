/**
 * The browser's newer passkey features: the WebAuthn Signal API (tested where the browser has
 * it; Chrome's virtual authenticators act on signals) and related origins at
 * /.well-known/webauthn, which must agree with the Verify Service's origins.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { verifyClient } from "../helpers/verify";
import { expect, signOut, signUp, test, userByPhone, verifyFactorsOf } from "./fixtures";

const passkeyRows = (page: Page) => page.getByRole("list", { name: "Your passkeys" }).getByRole("listitem");

async function skipWithoutSignalApi(page: Page, method: "signalUnknownCredential" | "signalAllAcceptedCredentials" | "signalCurrentUserDetails") {
  const supported = await page.evaluate((m) => typeof (PublicKeyCredential as unknown as Record<string, unknown>)[m] === "function", method);
  test.skip(!supported, `this browser has no PublicKeyCredential.${method}`);
}

test("after deleting a passkey the virtual authenticator no longer offers it", async ({ page, webauthn, authenticator, phone }) => {
  await signUp(page, phone, { name: "Sam Signal" });
  await skipWithoutSignalApi(page, "signalUnknownCredential");

  // A second passkey, on a second device.
  await authenticator.remove();
  const laptop = await webauthn.add("internal");
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeyRows(page)).toHaveCount(2);
  expect(await laptop.credentials()).toHaveLength(1);

  // Delete the newer one (this device's): the browser is told it is gone, and forgets it.
  await passkeyRows(page).nth(1).getByRole("button", { name: "Delete Sam Signal" }).click();
  await passkeyRows(page).nth(1).getByRole("button", { name: "Delete passkey" }).click();
  await expect(passkeyRows(page)).toHaveCount(1);
  await expect.poll(() => laptop.credentials()).toHaveLength(0);

  // So this device offers nothing for OwlBank any more.
  await signOut(page, laptop);
  await laptop.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("no OwlBank passkey");
  expect((await verifyFactorsOf((await userByPhone(phone.e164))!.verify_identity)).filter((f) => f.status === "verified")).toHaveLength(1);
});

test("after sign-in the browser learns which passkeys are still accepted, and drops the others", async ({ page, webauthn, authenticator, phone }) => {
  await signUp(page, phone, { name: "Ada Accepted" });
  await skipWithoutSignalApi(page, "signalAllAcceptedCredentials");
  const [real] = await authenticator.credentials();

  // A security key holding a passkey for the same account that OwlBank no longer accepts
  // (deleted on another computer, say). An authenticator keeps one passkey per account.
  const securityKey = await webauthn.add("usb", { presence: false });
  const stale = {
    credentialId: randomBytes(16).toString("base64"),
    isResidentCredential: true,
    rpId: real.rpId,
    userHandle: real.userHandle,
    signCount: 0,
    privateKey: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
  };
  await securityKey.addCredential(stale);
  expect(await securityKey.credentials()).toHaveLength(1);

  // Sign in with the real one (the phone number limits the prompt to the account's passkeys).
  await signOut(page, authenticator);
  await authenticator.setPresence(true);
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });

  await expect.poll(() => securityKey.credentials()).toHaveLength(0);
  expect((await authenticator.credentials()).map((c) => c.credentialId), "the accepted one stays").toEqual([real.credentialId]);
});

test("a name change is passed on to the passkey manager", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Nia Old" });
  await skipWithoutSignalApi(page, "signalCurrentUserDetails");
  const [before] = await authenticator.credentials();
  test.skip(before.userDisplayName === undefined, "this browser's virtual authenticator does not report user details");
  expect(before.userDisplayName).toBe("Nia Old");

  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByLabel("Full name").fill("Nia New");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Name updated." })).toBeVisible();
  await expect.poll(async () => (await authenticator.credentials())[0]?.userDisplayName).toBe("Nia New");
  expect((await userByPhone(phone.e164))?.display_name).toBe("Nia New");
});

test("/.well-known/webauthn lists the origins the Verify Service accepts", async ({ page, request, baseURL }) => {
  const response = await request.get("/.well-known/webauthn");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("application/json");
  const { origins } = (await response.json()) as { origins: string[] };
  expect(origins[0]).toBe(new URL(baseURL!).origin);

  // The Service exists once OwlBank has started any ceremony (the sign-in page's autofill does).
  await page.goto("/sign-in");
  const client = verifyClient(baseURL);
  await expect
    .poll(async () => {
      const services = await client.verify.v2.services.list();
      const owlbank = services.find(
        (s) => s.friendlyName === "OwlBank" && (s.passkeys as { relying_party?: { id?: string } })?.relying_party?.id === new URL(baseURL!).hostname,
      );
      return (owlbank?.passkeys as { relying_party?: { origins?: string[] } } | undefined)?.relying_party?.origins;
    })
    .toEqual(origins);
});
