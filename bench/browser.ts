/**
 * Browser-side figures on the production build: the JavaScript the sign-in page ships
 * (gzip), beside what a page with no client code of ours ships (the framework's own floor),
 * and the time from a click on "Sign in with Face ID" to the dashboard, with Chrome's
 * virtual authenticator answering the passkey prompt.
 */
import { gzipSync } from "node:zlib";
import { type CDPSession, chromium, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, findChromium } from "../e2e/helpers/browser.mjs";
import { targetOf } from "../e2e/helpers/database";
import { latestCodeIn } from "../e2e/helpers/outbox";

export type BrowserFigures = { signInJsGzipBytes: number; frameworkJsGzipBytes: number; clickToDashboardMs: number[] };

/** Every script the page loads, gzipped the way a server would send it. */
async function scriptBytes(page: Page, url: string): Promise<number> {
  const bodies: Promise<Buffer>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") bodies.push(response.body());
  });
  await page.goto(url, { waitUntil: "networkidle" });
  const all = await Promise.all(bodies);
  return all.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
}

type Timed = Window & { owlbankClickToDashboardMs?: number };

/** Runs in the page: records the click, then the first frame with the dashboard's heading. */
const TIME_CLICK_TO_DASHBOARD = () => {
  const w = window as Timed;
  delete w.owlbankClickToDashboardMs;
  document.addEventListener(
    "click",
    (event) => {
      const clickedAt = event.timeStamp;
      const observer = new MutationObserver(() => {
        if (!document.querySelector("h1")?.textContent?.startsWith("Welcome back")) return;
        observer.disconnect();
        requestAnimationFrame((frameAt) => (w.owlbankClickToDashboardMs = frameAt - clickedAt));
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    },
    { capture: true, once: true },
  );
};

const presence = (cdp: CDPSession, authenticatorId: string, enabled: boolean) =>
  cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });

/** `databaseUrl` is the server's DATABASE_URL (a SQLite `file:` URL or `postgres://…`), where its outbox is read. */
export async function measureBrowser(baseUrl: string, databaseUrl: string, samples: number): Promise<BrowserFigures> {
  const found = findChromium();
  if (!found) throw new Error("No Chromium found: install Debian's chromium (apt-get install -y chromium)");
  const browser = await chromium.launch({ executablePath: found.path, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ baseURL: baseUrl });
    const signInJsGzipBytes = await scriptBytes(await context.newPage(), "/sign-in");
    // A path no route serves: Next's own 404 page under the root layout, which holds no client
    // component of ours (every OwlBank page ships at least the error boundary, app/(owlbank)/error.tsx).
    const frameworkJsGzipBytes = await scriptBytes(await context.newPage(), "/framework-floor-no-such-page");

    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    const phone = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
    await page.goto("/sign-up");
    await page.getByLabel("Phone number").fill(phone);
    await page.getByLabel("Full name").fill("Bench Owl");
    await page.getByRole("button", { name: "Create account", exact: true }).click();
    // The code the server "texted" the number, from its local outbox.
    await page.getByLabel("Code").waitFor();
    await page.getByLabel("Code").fill((await latestCodeIn(targetOf(databaseUrl), phone)) ?? "");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(/\/dashboard$/, { timeout: 30_000 });

    const clickToDashboardMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      // With presence on, the authenticator would answer the sign-in page's autofill request
      // by itself; off until that request is pending, so the click is what signs in.
      await presence(cdp, authenticatorId, false);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/sign-in$/);
      await page.locator('form[data-autofill="armed"], form[data-autofill="ended"]').waitFor({ state: "attached" });
      await page.waitForTimeout(300);
      await presence(cdp, authenticatorId, true);

      // Timed inside the page, from the click event to the first frame after the dashboard's
      // heading is in the document: Playwright's own overhead (actionability checks,
      // polling) is not the product's. The navigation is client-side, so the window lives on.
      await page.evaluate(TIME_CLICK_TO_DASHBOARD);
      await page.getByRole("button", { name: "Sign in with Face ID" }).click();
      await page.getByRole("heading", { level: 1, name: /Welcome back/ }).waitFor({ timeout: 30_000 });
      clickToDashboardMs.push(await page.waitForFunction(() => (window as Timed).owlbankClickToDashboardMs).then((h) => h.jsonValue() as Promise<number>));
    }
    return { signInJsGzipBytes, frameworkJsGzipBytes, clickToDashboardMs };
  } finally {
    await browser.close();
  }
}
