/**
 * Findings 1 and 2 of the session review, proven against the production server: a session
 * cookie copied from the customer's browser (a stolen cookie) stops working whenever the
 * server ends that session, and a step-up belongs to the one session that performed it.
 * Each title starts with its finding's number: `npm run test:security` counts them.
 */
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { startServer } from "../../test/helpers/server";
import { targetOf } from "../helpers/database";
import {
  approvedChallenges,
  autofillSettled,
  expect,
  latestCodeIn,
  outboxCount,
  latestCode,
  signIn,
  signUp,
  test,
  userByPhone,
  type VirtualAuthenticator,
  type VirtualCredential,
  verifyFactorsOf,
  WebAuthnEnvironment,
  writeDb,
} from "../owlbank/fixtures";

/** A second browser holding a copy of `from`'s cookies: what a thief does with a stolen cookie. */
async function copyCookies(browser: Browser, from: BrowserContext, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  await context.addCookies(await from.cookies());
  return context.newPage();
}

/** Whether `page`'s cookies still open the dashboard (a refused session lands on the sign-in page). */
async function signedIn(page: Page): Promise<boolean> {
  await page.goto("/dashboard");
  return /\/dashboard$/.test(page.url());
}

/** The customer on another device of theirs, with a copy of their passkey, signed in there. */
async function signInElsewhere(browser: Browser, baseURL: string, credential: VirtualCredential): Promise<{ page: Page; authenticator: VirtualAuthenticator }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const authenticator = await (await WebAuthnEnvironment.enable(page)).add("internal", { presence: false });
  await authenticator.addCredential(credential);
  await page.goto("/sign-in");
  await autofillSettled(page);
  await signIn(page, authenticator);
  return { page, authenticator };
}

/** Every session of the customer last stepped up ten minutes ago, past the five-minute window. */
const makeStepUpsStale = (userId: string) =>
  writeDb("UPDATE owlbank_sessions SET stepped_up_at = ? WHERE user_id = ?", Date.now() - 10 * 60_000, userId);

// Each test drives two or three browsers through passkey ceremonies.
test.describe.configure({ timeout: 90_000 });

const verifiedFactors = async (identity: string) => (await verifyFactorsOf(identity)).filter((f) => f.status === "verified");

test("finding 1: an old session cannot add a passkey or change the number because the customer stepped up elsewhere", async ({
  page,
  browser,
  baseURL,
  authenticator,
  phone,
  newPhone,
}) => {
  await signUp(page, phone, { name: "Ola Owner" });
  const user = (await userByPhone(phone.e164))!;
  const thief = await copyCookies(browser, page.context(), baseURL!);
  // The thief's own device, able to create passkeys of its own.
  await (await WebAuthnEnvironment.enable(thief)).add("internal");
  await makeStepUpsStale(user.id);

  // The customer signs in on another device: a fresh passkey approval, in that session only.
  const [credential] = await authenticator.credentials();
  await signInElsewhere(browser, baseURL!, credential);

  // The stolen session is asked for the customer's passkey, which it does not have.
  await thief.goto("/settings/security");
  await thief.getByRole("button", { name: "Add a passkey" }).click();
  await expect(thief.getByRole("main").getByRole("alert")).toBeVisible();
  expect(await verifiedFactors(user.verify_identity), "no passkey was added by the old session").toHaveLength(1);

  const next = await newPhone();
  await thief.goto("/settings/profile");
  await thief.getByLabel("New phone number").fill(next.typed);
  await thief.getByRole("button", { name: "Text me a code" }).click();
  await expect(thief.getByRole("main").getByRole("alert")).toBeVisible();
  expect(await outboxCount(next.e164), "no code was texted to the thief's number").toBe(0);
  expect((await userByPhone(phone.e164))?.id).toBe(user.id);
});

test("finding 2: a copied cookie stops working after sign-out", async ({ page, browser, baseURL, authenticator, phone }) => {
  await signUp(page, phone, { name: "Sid Signout" });
  const thief = await copyCookies(browser, page.context(), baseURL!);
  expect(await signedIn(thief), "the copy works while the session lives").toBe(true);

  await page.goto("/dashboard");
  await authenticator.setPresence(false);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  expect(await signedIn(thief)).toBe(false);
  expect(await (await thief.request.get("/api/auth/session")).json()).toEqual({});
});

test("finding 2: a copied cookie stops working after the customer recovers the account", async ({ page, browser, baseURL, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Ria Recover" });
  const thief = await copyCookies(browser, page.context(), baseURL!);
  expect(await signedIn(thief)).toBe(true);

  // The customer, on a new phone with no passkey, recovers with a code texted to their number.
  const context = await browser.newContext({ baseURL });
  const recovering = await context.newPage();
  await (await WebAuthnEnvironment.enable(recovering)).add("internal");
  await recovering.goto("/recover");
  await recovering.getByLabel("Phone number").fill(phone.typed);
  await recovering.getByRole("button", { name: "Text me a code" }).click();
  await expect(recovering.getByLabel("Code")).toBeVisible();
  let code: string | undefined;
  await expect.poll(async () => (code = await latestCode(phone.e164))).toBeTruthy();
  await recovering.getByLabel("Code").fill(code!);
  await recovering.getByRole("button", { name: "Create a passkey on this device" }).click();
  await expect(recovering).toHaveURL(/\/dashboard$/, { timeout: 15_000 });

  expect(await signedIn(thief), "the stolen cookie is refused").toBe(false);
  expect(await signedIn(page), "so is every other session of the customer").toBe(false);
  expect(await signedIn(recovering), "the browser that recovered stays in").toBe(true);
});

test("finding 2: a copied cookie stops working after the customer deletes a passkey", async ({ page, browser, baseURL, authenticator, phone }) => {
  await signUp(page, phone, { name: "Dee Delete" });
  const thief = await copyCookies(browser, page.context(), baseURL!);
  expect(await signedIn(thief)).toBe(true);

  // On their phone, the customer deletes the passkey they believe compromised.
  const [credential] = await authenticator.credentials();
  const { page: phoneSession } = await signInElsewhere(browser, baseURL!, credential);
  await phoneSession.goto("/settings/security");
  const row = phoneSession.getByRole("list", { name: "Your passkeys" }).getByRole("listitem").first();
  await row.getByRole("button", { name: "Delete Dee Delete" }).click();
  await row.getByRole("checkbox", { name: /I understand/ }).check();
  await row.getByRole("button", { name: "Delete passkey" }).click();
  await expect(phoneSession.getByRole("main").getByRole("status").filter({ hasText: "You have no passkeys" })).toBeVisible();

  expect(await signedIn(thief)).toBe(false);
  expect(await signedIn(page)).toBe(false);
  expect(await signedIn(phoneSession), "the session that deleted it stays in").toBe(true);
});

test("finding 2: a copied cookie stops working after “Sign out everywhere else”, which needs a fresh step-up", async ({
  page,
  browser,
  baseURL,
  authenticator,
  phone,
}) => {
  await signUp(page, phone, { name: "Eve Elsewhere" });
  const user = (await userByPhone(phone.e164))!;
  const thief = await copyCookies(browser, page.context(), baseURL!);
  // The customer, later, on their phone: a session of its own.
  const [credential] = await authenticator.credentials();
  const phoneSession = await signInElsewhere(browser, baseURL!, credential);
  await makeStepUpsStale(user.id);

  await phoneSession.page.goto("/settings/security");
  const sessions = phoneSession.page.getByRole("list", { name: "Where you're signed in" }).getByRole("listitem");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: "This device" })).toHaveCount(1);
  await expect(sessions.first()).toContainText(/Chrome on \w+/);
  const before = await approvedChallenges(user.verify_identity);
  await phoneSession.page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(phoneSession.page.getByRole("main").getByRole("status").filter({ hasText: "1 other session is signed out." })).toBeVisible();
  expect(await approvedChallenges(user.verify_identity), "a step-up approval came first").toBe(before + 1);
  await expect(sessions).toHaveCount(1);

  expect(await signedIn(thief)).toBe(false);
  expect(await signedIn(page)).toBe(false);
  expect(await signedIn(phoneSession.page)).toBe(true);
});

test("finding 2: a copied cookie stops working after the customer signs out that one session", async ({ page, browser, baseURL, authenticator, phone }) => {
  await signUp(page, phone, { name: "Uma Unknown" });
  const thief = await copyCookies(browser, page.context(), baseURL!);
  const [credential] = await authenticator.credentials();
  const phoneSession = await signInElsewhere(browser, baseURL!, credential);

  await phoneSession.page.goto("/settings/security");
  const other = phoneSession.page
    .getByRole("list", { name: "Where you're signed in" })
    .getByRole("listitem")
    .filter({ hasNotText: "This device" });
  await other.getByRole("button", { name: /^Sign out / }).click();
  await expect(other).toHaveCount(0);

  expect(await signedIn(thief)).toBe(false);
  expect(await signedIn(phoneSession.page)).toBe(true);
});

test("finding 2: a polling session expires at its absolute lifetime", async ({ browser, newPhone }) => {
  test.setTimeout(120_000);
  // A server of its own, whose sessions live 20 seconds and idle out after 10.
  const server = await startServer({
    env: { OWLBANK_SESSION_LIFETIME_SECONDS: "20", OWLBANK_SESSION_IDLE_SECONDS: "10", OWLBANK_DEV_OUTBOX: "1" },
  });
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await (await WebAuthnEnvironment.enable(page)).add("internal");
    const phone = await newPhone();
    await signUp(page, phone, { name: "Polly Poll", codeFor: (e164) => latestCodeIn(targetOf(server.databaseUrl), e164) });
    const began = Date.now();

    // Polling every 2 seconds keeps it from idling out, and next-auth re-issues the cookie on
    // every read, but nothing moves the session's end.
    let lastLive = 0;
    while (Date.now() - began < 26_000) {
      const session = await (await page.request.get("/api/auth/session")).json();
      if (session?.user?.id) lastLive = Date.now() - began;
      else break;
      await page.waitForTimeout(2_000);
    }
    expect(lastLive, "the session lived while it was young").toBeGreaterThan(12_000);
    expect(lastLive, "and ended at its absolute lifetime").toBeLessThan(20_000);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/sign-in$/);
    await context.close();
  } finally {
    await server.stop();
  }
});

