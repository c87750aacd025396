/**
 * Finding 5: user verification was never required, so an assertion showing only user
 * presence (a touch, no fingerprint, face or PIN) moved money, and a passkey created that way
 * opened an account. OwlBank's Verify Service now requires UV for every ceremony.
 *
 * The browser is made to ignore the server's requirement, as a modified or buggy client
 * would: an init script rewrites `userVerification` to "discouraged" before the request
 * reaches the authenticator, so Chrome's virtual authenticator answers on presence alone.
 * The transfer and sign-up tests check that what reached the server really was UP-only.
 * Sign-up needs an authenticator without UV at all (see addPresenceOnlyAuthenticator).
 */
import { createHash } from "node:crypto";
import type { Page, Request } from "@playwright/test";
import {
  autofillSettled,
  balanceOf,
  ceremonyAlert,
  enterSignUpCode,
  expect,
  signOut,
  signUp,
  startSignUp,
  test,
  transferDebitsOf,
  transfersOf,
  userByPhone,
  VirtualAuthenticator,
} from "../owlbank/fixtures";

const UV_MESSAGE = "Your passkey didn't confirm it's you (fingerprint, face or PIN). Try again and unlock it when asked.";

/** WebAuthn authenticator data flags (byte 32): user present and user verified. */
const UP = 0x01;
const UV = 0x04;

type UvWindow = Window & { askedUserVerification?: string[] };

/**
 * From the next navigation on, every passkey request leaves the page with user verification
 * "discouraged", whatever OwlBank asked for; what it asked for is kept in
 * `window.askedUserVerification`.
 */
async function ignoreUserVerification(page: Page) {
  await page.addInitScript(() => {
    const w = window as UvWindow;
    w.askedUserVerification = [];
    const credentials = navigator.credentials;
    const get = credentials.get.bind(credentials);
    const create = credentials.create.bind(credentials);
    credentials.get = (options?: CredentialRequestOptions) => {
      if (!options?.publicKey) return get(options);
      w.askedUserVerification!.push(String(options.publicKey.userVerification));
      return get({ ...options, publicKey: { ...options.publicKey, userVerification: "discouraged" } });
    };
    credentials.create = (options?: CredentialCreationOptions) => {
      if (!options?.publicKey) return create(options);
      const selection = options.publicKey.authenticatorSelection ?? {};
      w.askedUserVerification!.push(String(selection.userVerification));
      return create({ ...options, publicKey: { ...options.publicKey, authenticatorSelection: { ...selection, userVerification: "discouraged" } } });
    };
  });
}

const askedUserVerification = (page: Page) => page.evaluate(() => (window as UvWindow).askedUserVerification ?? []);

/** A request carrying a passkey credential: a transfer approval (server action) or a sign-up (next-auth). */
const isCredentialPost = (request: Request) => request.method() === "POST" && Boolean(request.postData()?.includes("clientDataJSON"));

/** A base64url member of the posted credential, whether a server action (JSON) or next-auth (form) carried it. */
function postedMember(request: Request, name: "authenticatorData" | "attestationObject"): Buffer {
  const raw = request.postData() ?? "";
  const body = raw.includes("%22") ? decodeURIComponent(raw.replace(/\+/g, " ")) : raw;
  const match = new RegExp(`${name}\\\\*"\\s*:\\s*\\\\*"([A-Za-z0-9_-]+)`).exec(body);
  expect(match, `the posted credential carries ${name}`).toBeTruthy();
  return Buffer.from(match![1], "base64url");
}

/** The flags of the authenticator data inside an attestation object: the byte after localhost's RP ID hash. */
function registrationFlags(attestationObject: Buffer): number {
  const rpIdHash = createHash("sha256").update("localhost").digest();
  const at = attestationObject.indexOf(rpIdHash);
  expect(at, "the attestation object holds authenticator data for localhost").toBeGreaterThanOrEqual(0);
  return attestationObject[at + 32];
}

/**
 * A platform authenticator with no biometric or PIN. Chrome asks a UV-capable authenticator
 * for UV when creating a discoverable credential even if the page discouraged it, so a
 * UP-only registration needs one that cannot verify the user at all.
 */
async function addPresenceOnlyAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: false, automaticPresenceSimulation: true },
  });
  return new VirtualAuthenticator(cdp, authenticatorId, "internal");
}

async function reviewTransfer(page: Page, payee: string, amount: string) {
  await page.goto("/transfer");
  await page.getByLabel("Pay to").fill(payee);
  await page.getByLabel("Amount (USD)").fill(amount);
  await page.getByRole("button", { name: "Review transfer" }).click();
  await expect(page.getByRole("heading", { name: "Review and approve" })).toBeVisible();
}

test("finding 5: a UP-only transfer approval is refused and moves no money", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Uma Presence" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);

  await ignoreUserVerification(page);
  await reviewTransfer(page, "Mallory Touch", "40");
  const posted = page.waitForRequest(isCredentialPost);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  const flags = postedMember(await posted, "authenticatorData")[32];
  expect(flags & UP, "the assertion shows user presence").toBe(UP);
  expect(flags & UV, "the assertion does not show user verification").toBe(0);

  await expect(ceremonyAlert(page)).toHaveText(`${UV_MESSAGE} Nothing was sent.`);
  expect(await balanceOf(user.id), "the balance is unchanged").toBe(before);
  expect(await transferDebitsOf(user.id), "no transfer was executed").toEqual([]);
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["refused"]);
  expect(await askedUserVerification(page), "OwlBank asked the browser for user verification").toEqual(["required"]);
});

test("finding 5: a passkey created without user verification opens no account", async ({ page, phone }) => {
  const authenticator = await addPresenceOnlyAuthenticator(page);
  await ignoreUserVerification(page);
  await startSignUp(page, phone, { name: "Pat Presence" });
  const posted = page.waitForRequest(isCredentialPost);
  await enterSignUpCode(page, phone);
  const flags = registrationFlags(postedMember(await posted, "attestationObject"));
  expect(flags & UP, "the registration shows user presence").toBe(UP);
  expect(flags & UV, "the registration does not show user verification").toBe(0);

  await expect(ceremonyAlert(page)).toHaveText(UV_MESSAGE);
  expect(await askedUserVerification(page), "OwlBank asked the browser for user verification").toEqual(["required"]);
  // The browser did make the passkey; OwlBank refused it.
  expect(await authenticator.credentials()).toHaveLength(1);
  await expect(page).toHaveURL(/\/sign-up$/);
  expect(await userByPhone(phone.e164), "no user row").toBeUndefined();
});

test("finding 5: a UP-only sign-in is refused", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Sam Presence" });
  await signOut(page, authenticator);

  await ignoreUserVerification(page);
  await page.reload();
  await autofillSettled(page);
  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();

  await expect(ceremonyAlert(page)).toHaveText(UV_MESSAGE);
  expect(await askedUserVerification(page)).toContain("required");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/dashboard");
  await expect(page, "still signed out").toHaveURL(/\/sign-in/);
});
