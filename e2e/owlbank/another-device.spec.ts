/**
 * "Use another device": a passkey on a security key (USB) or on a phone reached over hybrid
 * (caBLE), for both opening an account and signing in.
 */
import { expect, signOut, signUp, test, userByPhone, verifyFactorsOf } from "./fixtures";

for (const transport of ["usb", "cable"] as const) {
  test(`signs up and signs in with a ${transport === "usb" ? "security key" : "phone over hybrid"} through "Use another device"`, async ({
    page,
    webauthn,
    phone,
  }) => {
    const roaming = await webauthn.add(transport);

    await signUp(page, phone, { name: "Kim Roaming", button: "Use another device" });
    const [credential] = await roaming.credentials();
    expect(credential?.isResidentCredential).toBe(true);
    const user = (await userByPhone(phone.e164))!;
    expect((await verifyFactorsOf(user.verify_identity)).map((f) => f.status)).toEqual(["verified"]);

    await signOut(page, roaming);
    await roaming.setPresence(true);
    await page.getByRole("button", { name: "Use another device" }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Kim");
  });
}
