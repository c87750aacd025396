import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, findChromium } from "./e2e/helpers/browser.mjs";
import { BASE_URL, E2E_PORT, serverEnv } from "./e2e/helpers/env";

const isCI = Boolean(process.env.CI);

/**
 * scripts/test.mjs exports OWLBANK_CHROMIUM after making sure a browser exists; when this
 * config is used directly (`npm run test:e2e`), the same lookup runs here. Playwright's own
 * build wins when installed; otherwise a system Chromium (Debian's package), since machines
 * without internet cannot download Playwright's.
 */
const browser = findChromium();

const chrome = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: browser?.path,
    args: CHROMIUM_ARGS,
  },
};

export default defineConfig({
  // The machine this runs on has two cores: the server under test needs one.
  workers: isCI ? 1 : 2,
  fullyParallel: false,
  forbidOnly: isCI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  // Not test-results/ itself: scripts/test.mjs keeps the reporters' JSON there, and
  // Playwright empties its outputDir at start.
  outputDir: "test-results/playwright",
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      // Request specs against the /v2 contract: no browser is launched.
      name: "verify-api",
      testDir: "e2e/verify-api",
    },
    {
      name: "owlbank",
      testDir: "e2e/owlbank",
      use: chrome,
    },
    {
      // Browser proofs of the session and recovery review's findings. `npm run test:security`
      // runs this project and counts each title's "finding N:" in its summary; the main e2e
      // run (scripts/test.mjs) leaves it out so nothing runs twice.
      name: "security",
      testDir: "e2e/security",
      use: chrome,
    },
  ],
  webServer: {
    // The production build (`next build` runs first in scripts/test.mjs), on a fresh database.
    command: `node scripts/e2e-reset.mjs && node --import ./server/peer-address.mjs node_modules/next/dist/bin/next start -p ${E2E_PORT}`,
    // Any answer means up: an unauthenticated API call gets 401 once the database is open.
    url: `${BASE_URL}/v2/Services`,
    env: serverEnv,
    reuseExistingServer: !isCI,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    // SIGTERM lets the server close SQLite cleanly; it is killed after 5 s anyway.
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
  },
});
