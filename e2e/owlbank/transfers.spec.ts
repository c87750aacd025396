/**
 * Sending money with a passkey approval: the review shows payee and amount before the prompt,
 * the approval moves the money exactly once, and every way of getting an approval that isn't
 * this draft's, this user's, in time and for these details leaves the balance unchanged.
 */
import type { Page, Request, Route } from "@playwright/test";
import {
  balanceOf,
  ceremonyAlert,
  expect,
  signUp,
  test,
  transferDebitsOf,
  transfersOf,
  userByPhone,
  WebAuthnEnvironment,
  writeDb,
} from "./fixtures";

/** Fills in "Send money" and opens the review (which drafts the transfer and its challenge). */
async function reviewTransfer(page: Page, { payee, amount, memo = "" }: { payee: string; amount: string; memo?: string }) {
  await page.goto("/transfer");
  await page.getByLabel("Pay to").fill(payee);
  await page.getByLabel("Amount (USD)").fill(amount);
  await page.getByLabel("Memo (optional)").fill(memo);
  await page.getByRole("button", { name: "Review transfer" }).click();
  await expect(page.getByRole("heading", { name: "Review and approve" })).toBeVisible();
}

/** The server-action request that carries a transfer approval (draft id + assertion JSON). */
const isApproval = (request: Request) =>
  request.method() === "POST" && Boolean(request.headers()["next-action"]) && Boolean(request.postData()?.includes("clientDataJSON"));

/** Server actions with plain string arguments are posted as a JSON array of those arguments. */
const approvalArgs = (request: Request) => JSON.parse(request.postData()!) as [transferId: string, credentialJson: string];

/** Rewrites the next approval request with `swap(args)` before it reaches the server. */
async function rewriteNextApproval(page: Page, swap: (args: [string, string]) => Promise<[string, string]> | [string, string]) {
  await page.route("**/transfer", async (route: Route) => {
    const request = route.request();
    if (!isApproval(request)) return route.continue();
    await route.continue({ postData: JSON.stringify(await swap(approvalArgs(request))) });
  });
}

const sent = (page: Page) => page.getByRole("main").getByRole("status").filter({ hasText: /^Sent / });

test("a transfer approved with the customer's passkey moves the money once", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Tia Payer" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);

  await reviewTransfer(page, { payee: "Alex Chen", amount: "25", memo: "Dinner" });
  // The review shows what will be approved before any passkey prompt.
  const review = page.getByRole("region", { name: "Review and approve" });
  await expect(review).toContainText("$25.00");
  await expect(review).toContainText("Alex Chen");
  await expect(review).toContainText("Dinner");
  expect((await transfersOf(user.id)).map((t) => t.status), "drafted, not sent").toEqual(["draft"]);
  expect(await balanceOf(user.id)).toBe(before);

  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(sent(page)).toHaveText("Sent $25.00 to Alex Chen.");
  expect(await balanceOf(user.id)).toBe(before - 25_00);
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["executed"]);
  expect(await transferDebitsOf(user.id)).toEqual([{ description: "Transfer to Alex Chen · Dinner", amount_cents: -25_00 }]);

  await page.getByRole("link", { name: "Back to accounts" }).click();
  await expect(page.getByText("Transfer to Alex Chen · Dinner")).toBeVisible();
});

test("the same approval replayed moves no money, on its own draft or on a new one", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Ray Replay" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);

  await reviewTransfer(page, { payee: "Alex Chen", amount: "25.00" });
  const captured = page.waitForRequest(isApproval);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  const approval = await captured;
  await expect(sent(page)).toBeVisible();
  expect(await balanceOf(user.id)).toBe(before - 25_00);

  // 1. The very same request again, as an attacker who recorded it would send it.
  const headers = approval.headers();
  const replay = await page.request.post(approval.url(), {
    headers: {
      "next-action": headers["next-action"],
      "content-type": headers["content-type"],
      accept: headers["accept"] ?? "text/x-component",
      origin: new URL(approval.url()).origin,
    },
    data: approval.postData()!,
  });
  expect(await replay.text()).toContain("This transfer was already sent. It has not been sent again.");
  expect(await balanceOf(user.id), "no second debit").toBe(before - 25_00);

  // 2. The recorded approval pasted into a new transfer's approval: Verify says it was used.
  const [, recordedAssertion] = approvalArgs(approval);
  await reviewTransfer(page, { payee: "Bo Diaz", amount: "30" });
  await rewriteNextApproval(page, ([draftId]) => [draftId, recordedAssertion]);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toHaveText("This approval was already used. Nothing was sent.");

  expect(await balanceOf(user.id)).toBe(before - 25_00);
  expect(await transferDebitsOf(user.id)).toHaveLength(1);
  // The new draft is untouched: only its own challenge's approval could ever send it.
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["executed", "draft"]);
});

test("two simultaneous deliveries of one approval move the money once", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Dot Double" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "25" });

  // Hold the browser's approval back, then deliver it twice at the same moment.
  let held: Request | undefined;
  await page.route("**/transfer", async (route) => {
    if (!isApproval(route.request())) return route.continue();
    held = route.request();
    await route.abort();
  });
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect.poll(() => held).toBeDefined();

  const deliver = () =>
    page.request
      .post(held!.url(), {
        headers: {
          "next-action": held!.headers()["next-action"],
          "content-type": held!.headers()["content-type"],
          accept: "text/x-component",
          origin: new URL(held!.url()).origin,
        },
        data: held!.postData()!,
      })
      .then((r) => r.text());
  const answers = await Promise.all([deliver(), deliver()]);

  expect(answers.filter((a) => a.includes("Sent $25.00 to Alex Chen."))).toHaveLength(1);
  expect(answers.filter((a) => /already (used|sent)/.test(a))).toHaveLength(1);
  expect(await balanceOf(user.id)).toBe(before - 25_00);
  expect(await transferDebitsOf(user.id)).toHaveLength(1);
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["executed"]);
});

test("a transfer approved with another user's passkey moves no money", async ({ page, browser, baseURL, authenticator, phone, newPhone }) => {
  void authenticator;
  // Mallory banks here too, with her own passkey in her own browser.
  const malloryPhone = await newPhone();
  const malloryContext = await browser.newContext({ baseURL });
  const malloryPage = await malloryContext.newPage();
  await (await WebAuthnEnvironment.enable(malloryPage)).add("internal");
  await signUp(malloryPage, malloryPhone, { name: "Mallory Other" });

  await signUp(page, phone, { name: "Ann Victim" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Mallory Other", amount: "40" });

  // Mallory's passkey signs Ann's challenge (Ann's own prompt offers only Ann's passkeys, so a
  // tampered browser is the only way to try), and that answer is sent as Ann's approval.
  await rewriteNextApproval(page, async ([draftId, annAssertion]) => {
    const clientData = JSON.parse(Buffer.from(JSON.parse(annAssertion).response.clientDataJSON, "base64url").toString("utf8"));
    const malloryAssertion = await malloryPage.evaluate(signChallenge, clientData.challenge as string);
    return [draftId, JSON.stringify(malloryAssertion)];
  });
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toHaveText("That passkey isn't one of yours, or it couldn't be verified. Nothing was sent.");

  expect(await balanceOf(user.id)).toBe(before);
  expect(await transferDebitsOf(user.id)).toHaveLength(0);
  expect((await transfersOf(user.id)).map((t) => t.refused_reason)).toEqual(["verify_60324"]);
  await malloryContext.close();
});

test("an approval that arrives after the challenge expired moves no money", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Eli Late" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "12.50" });

  // Five minutes pass: Verify's challenge expires while the review is on screen.
  const [draft] = await transfersOf(user.id);
  await writeDb("UPDATE verify_challenges SET expiration_date = ? WHERE sid = ?", Date.now() - 1_000, draft.challenge_sid);

  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toHaveText("The approval request expired before it was answered. Nothing was sent. Please start again.");
  expect(await balanceOf(user.id)).toBe(before);
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["refused"]);
});

test("an amount edited after the challenge was issued moves no money", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Ed Edited" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "25" });

  // The draft changes behind the customer's back after they were shown $25.00.
  const [draft] = await transfersOf(user.id);
  await writeDb("UPDATE owlbank_transfers SET amount_cents = ? WHERE id = ?", 2_000_00, draft.id);

  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("The transfer details changed after you were asked to approve them. Nothing was sent.");
  expect(await balanceOf(user.id)).toBe(before);
  expect((await transfersOf(user.id)).map((t) => [t.status, t.refused_reason])).toEqual([["refused", "details_changed"]]);
});

test("a cancelled passkey prompt sends nothing and can be approved again", async ({ page, authenticator, phone }) => {
  await signUp(page, phone, { name: "Cal Cancel" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "5" });

  await authenticator.setUserVerified(false);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("No passkey was used, so nothing was sent.");
  expect(await balanceOf(user.id)).toBe(before);

  await authenticator.setUserVerified(true);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(sent(page)).toHaveText("Sent $5.00 to Alex Chen.");
  expect(await balanceOf(user.id)).toBe(before - 5_00);
});

test("an approval lost on the way says so, and approving again sends the money once", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Lou Lost" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "7" });

  // The connection drops before the approval reaches OwlBank: the screen must not stay on "Sending…".
  const offline = (route: Route) => (isApproval(route.request()) ? route.abort("internetdisconnected") : route.continue());
  await page.route("**/transfer", offline);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("We couldn't confirm your transfer");
  await expect(page.getByRole("button", { name: "Change details" })).toBeEnabled();
  expect(await balanceOf(user.id)).toBe(before);

  await page.unroute("**/transfer", offline);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(sent(page)).toHaveText("Sent $7.00 to Alex Chen.");
  expect(await balanceOf(user.id)).toBe(before - 7_00);
});

test("an approval whose answer is lost moves the money once, however often it is approved again", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Kit Twice" });
  const user = (await userByPhone(phone.e164))!;
  const before = await balanceOf(user.id);
  await reviewTransfer(page, { payee: "Alex Chen", amount: "9" });

  // OwlBank receives and executes the approval; its answer never reaches the browser.
  const answerLost = async (route: Route) => {
    if (!isApproval(route.request())) return route.continue();
    await route.fetch();
    await route.abort("connectionreset");
  };
  await page.route("**/transfer", answerLost);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText("Check Recent activity");
  expect(await balanceOf(user.id)).toBe(before - 9_00);

  await page.unroute("**/transfer", answerLost);
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(ceremonyAlert(page)).toContainText(/already (sent|used)/);
  await expect(sent(page)).toHaveCount(0);
  expect(await balanceOf(user.id)).toBe(before - 9_00);
  expect((await transfersOf(user.id)).map((t) => t.status)).toEqual(["executed"]);
});

test("explains what is wrong with the transfer form, next to each field", async ({ page, authenticator, phone }) => {
  void authenticator;
  await signUp(page, phone, { name: "Fae Form" });
  await page.goto("/transfer");
  await page.getByLabel("Amount (USD)").fill("12.345");
  await page.getByRole("button", { name: "Review transfer" }).click();
  await expect(page.getByLabel("Pay to")).toHaveAccessibleDescription(/Enter who you're paying/);
  await expect(page.getByLabel("Amount (USD)")).toHaveAccessibleDescription(/like 25.00/);

  await page.getByLabel("Pay to").fill("Alex Chen");
  await page.getByLabel("Amount (USD)").fill("9,000");
  await page.getByRole("button", { name: "Review transfer" }).click();
  await expect(page.getByLabel("Amount (USD)")).toHaveAccessibleDescription(/more than the available balance/);
  expect(await transfersOf((await userByPhone(phone.e164))!.id)).toEqual([]);
});

/**
 * Runs in a browser page: a WebAuthn assertion over `challenge` (base64url) by whichever
 * passkey that page's authenticator holds, as AuthenticationResponseJSON.
 */
async function signChallenge(challenge: string) {
  const toBytes = (b64url: string) => Uint8Array.from(atob(b64url.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const toB64url = (buffer: ArrayBuffer | null) =>
    buffer === null ? null : btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const credential = (await navigator.credentials.get({
    publicKey: { challenge: toBytes(challenge), rpId: location.hostname, allowCredentials: [], userVerification: "preferred", timeout: 30_000 },
  })) as PublicKeyCredential;
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: {},
    response: {
      clientDataJSON: toB64url(response.clientDataJSON),
      authenticatorData: toB64url(response.authenticatorData),
      signature: toB64url(response.signature),
      userHandle: toB64url(response.userHandle),
    },
  };
}
