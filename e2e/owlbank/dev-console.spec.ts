/**
 * The Verify tab (/dev/verify): behind the embedded account's Basic credentials exactly
 * like /v2 (same accounts, same failure count), showing that account's data only, from a
 * Service down to the challenge a sign-in answered, and absent from production unless
 * OWLBANK_DEV_CONSOLE=1 asks for it.
 */
import { randomBytes } from "node:crypto";
import type { Browser, Locator, Page } from "@playwright/test";
import { basic } from "../../test/helpers/basic-auth";
import { startServer } from "../../test/helpers/server";
import { E2E_TARGET, query } from "../helpers/database";
import { VERIFY_ACCOUNT_SID, VERIFY_API_KEY_SECRET, VERIFY_API_KEY_SID, VERIFY_AUTH_TOKEN } from "../helpers/env";
import { expect, newClientAddress, signIn, signOut, signUp, test, userByPhone, writeDb } from "./fixtures";

const CHALLENGE = 'Basic realm="Verify console"';

/** The value beside a label in one of the console's property lists. */
const field = (region: Locator, name: string) =>
  region
    .locator("dt")
    .filter({ hasText: new RegExp(`^${name.replace(/[()]/g, "\\$&")}$`) })
    .locator("xpath=following-sibling::dd");

test("asks for credentials: none, a wrong token or an unknown account get 401 with a Basic challenge", async ({ request }) => {
  const wrong = [
    undefined,
    basic(VERIFY_ACCOUNT_SID, "0".repeat(32)),
    basic(`AC${"0".repeat(32)}`, VERIFY_AUTH_TOKEN),
    basic(VERIFY_API_KEY_SID, "not-the-secret"),
  ];
  for (const path of ["/dev/verify", `/dev/verify/services/VA${"0".repeat(32)}`]) {
    for (const authorization of wrong) {
      const response = await request.get(path, { headers: authorization ? { authorization } : {} });
      expect(response.status(), `${path} with ${authorization ?? "no credentials"}`).toBe(401);
      expect(response.headers()["www-authenticate"]).toBe(CHALLENGE);
      expect(await response.text()).not.toContain("Verify console");
    }
  }
});

test("accepts the account's API key as /v2 does", async ({ request }) => {
  const response = await request.get("/dev/verify", { headers: { authorization: basic(VERIFY_API_KEY_SID, VERIFY_API_KEY_SECRET) } });
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain(VERIFY_ACCOUNT_SID);
});

test("failed attempts count against /v2's auth-failure limit", async ({ request }) => {
  // A client and username of this test's own, so the count starts at zero.
  const headers = { "x-forwarded-for": newClientAddress(), authorization: basic(`AC${randomBytes(16).toString("hex")}`, "guess") };
  // AUTH_FAILURE_LIMIT_PER_MINUTE's default: the e2e server does not set it.
  for (let i = 0; i < 20; i++) expect((await request.get("/dev/verify", { headers })).status()).toBe(401);
  expect((await request.get("/v2/Services", { headers })).status(), "/v2 saw the console's failures").toBe(429);
  const refused = await request.get("/dev/verify", { headers });
  expect(refused.status()).toBe(429);
  expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
});

/** A browser signed in to the tab with the account's credentials, as a developer would be. */
async function consolePage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    httpCredentials: { username: VERIFY_ACCOUNT_SID, password: VERIFY_AUTH_TOKEN },
    extraHTTPHeaders: { "x-forwarded-for": newClientAddress() },
  });
  return context.newPage();
}

test("drills from the OwlBank Service into a new customer's entity, passkey and sign-in challenge, and back", async ({
  page,
  browser,
  baseURL,
  authenticator,
  phone,
}) => {
  test.slow(); // a sign-up, a sign-in, then eight console pages
  await signUp(page, phone, { name: "Dev Console" });
  // A sign-in leaves an approved challenge bound to the customer's entity.
  await signOut(page, authenticator);
  await signIn(page, authenticator);
  const identity = (await userByPhone(phone.e164))!.verify_identity;
  const [{ service_sid: serviceSid }] = await query<{ service_sid: string }>(E2E_TARGET, "SELECT service_sid FROM verify_entities WHERE identity = ?", identity);

  const tab = await consolePage(browser, baseURL!);
  await tab.goto("/dev/verify");
  await expect(tab.getByRole("heading", { level: 1 })).toHaveText("Verify console");
  const serviceRow = tab.getByRole("table", { name: "Services" }).getByRole("row").filter({ hasText: serviceSid });
  await expect(serviceRow).toContainText("localhost");
  await serviceRow.getByRole("link", { name: "OwlBank", exact: true }).click();

  await expect(tab).toHaveURL(`/dev/verify/services/${serviceSid}`);
  const serviceFields = tab.getByRole("region", { name: "Service properties" });
  await expect(serviceFields).toContainText(serviceSid);
  await expect(field(serviceFields, "Relying party ID")).toHaveText("localhost");
  await tab.getByRole("table", { name: "Entities" }).getByRole("link", { name: identity }).click();

  const entityUrl = `/dev/verify/services/${serviceSid}/entities/${identity}`;
  await expect(tab).toHaveURL(entityUrl);
  await expect(tab.getByRole("heading", { level: 1 })).toHaveText(identity);
  const factorRows = tab.getByRole("table", { name: "Factors" }).getByRole("row");
  await expect(factorRows).toHaveCount(2); // the header and the passkey made at sign-up
  await expect(factorRows.nth(1)).toContainText("verified");
  await expect(factorRows.nth(1)).toContainText("passkeys");
  const approved = tab.getByRole("table", { name: "Challenges" }).getByRole("row").filter({ hasText: "approved" }).first();
  await expect(approved).toBeVisible();
  const challengeSid = (await approved.getByRole("link").textContent())!.trim();
  expect(challengeSid).toMatch(/^YC[0-9a-f]{32}$/);

  await factorRows.nth(1).getByRole("link").click();
  await expect(tab).toHaveURL(new RegExp(`^${baseURL}${entityUrl}/factors/YF[0-9a-f]{32}$`));
  const factorSid = tab.url().split("/").at(-1)!;
  const factorFields = tab.getByRole("region", { name: "Factor properties" });
  await expect(field(factorFields, "Status")).toHaveText("verified");
  await expect(field(factorFields, "Factor type")).toHaveText("passkeys");
  const credential = tab.getByRole("region", { name: "Credential" });
  await expect(field(credential, "Public key (SHA-256, first 8 bytes)")).toHaveText(/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/);
  await factorFields.getByRole("link", { name: identity }).click();
  await expect(tab).toHaveURL(entityUrl);

  await tab.getByRole("link", { name: challengeSid }).click();
  await expect(tab).toHaveURL(`${entityUrl}/challenges/${challengeSid}`);
  const challengeFields = tab.getByRole("region", { name: "Challenge properties" });
  await expect(field(challengeFields, "Status")).toHaveText("approved");
  await expect(field(challengeFields, "Factor type")).toHaveText("passkeys");
  await challengeFields.getByRole("link", { name: factorSid }).click();
  await expect(tab).toHaveURL(`${entityUrl}/factors/${factorSid}`);
  await tab.goBack();
  await challengeFields.getByRole("link", { name: identity }).click();
  await expect(tab).toHaveURL(entityUrl);

  // Up the breadcrumb trail to where it started.
  await tab.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Services" }).click();
  await expect(tab).toHaveURL("/dev/verify");
  await tab.context().close();
});

test("never shows another account's Service, in the list or by its SID", async ({ browser, baseURL }) => {
  // Another tenant of the same backend, written straight into the tables: the e2e server
  // embeds one account, so there is no other way to make a second.
  const other = `AC${randomBytes(16).toString("hex")}`;
  const serviceSid = `VA${randomBytes(16).toString("hex")}`;
  const now = Date.now();
  await writeDb("INSERT INTO verify_accounts (sid, auth_token_hash, date_created) VALUES (?, ?, ?)", other, "0".repeat(64), now);
  await writeDb(
    `INSERT INTO verify_services (sid, account_sid, friendly_name, settings, passkeys, date_created, date_updated)
     VALUES (?, ?, 'Someone else', '{}', ?, ?, ?)`,
    serviceSid,
    other,
    JSON.stringify({
      relying_party: { id: "example.com", name: "Else", origins: ["https://example.com"] },
      authenticator_attachment: "platform",
      discoverable_credentials: "preferred",
      user_verification: "preferred",
    }),
    now,
    now,
  );
  try {
    const tab = await consolePage(browser, baseURL!);
    await tab.goto("/dev/verify");
    await expect(tab.getByRole("heading", { level: 1 })).toHaveText("Verify console");
    await expect(tab.getByText("Someone else")).toHaveCount(0);
    await expect(tab.getByText(serviceSid)).toHaveCount(0);
    const direct = await tab.goto(`/dev/verify/services/${serviceSid}`);
    expect(direct?.status()).toBe(404);
    await tab.context().close();
  } finally {
    // The Service goes with its account (ON DELETE CASCADE).
    await writeDb("DELETE FROM verify_accounts WHERE sid = ?", other);
  }
});

test("production without OWLBANK_DEV_CONSOLE=1 has no console, even for the right credentials", async () => {
  test.setTimeout(120_000);
  const server = await startServer();
  try {
    for (const headers of [{}, { authorization: server.auth }] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/dev/verify`, { headers });
      expect(response.status).toBe(404);
      expect(response.headers.get("www-authenticate")).toBeNull();
    }
  } finally {
    await server.stop();
  }
});
