// Which Chromium the browser specs drive. Shared by scripts/test.mjs (which may install one)
// and playwright.config.ts (which launches it), so both always pick the same binary.
import fs from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";

/** The variable through which the chosen binary reaches playwright.config.ts. */
export const BROWSER_ENV = "OWLBANK_CHROMIUM";

/**
 * Flags for a distribution Chromium running as root in a container without a GPU. Without
 * the background-networking ones it keeps dialling Google's hosts, which a closed network refuses.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const isExecutable = (file) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** Playwright's own build, when `npx playwright install chromium` has been run. */
export function playwrightChromium() {
  try {
    const file = chromium.executablePath();
    return file && isExecutable(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** A distribution Chromium (Debian's `chromium` package), for machines that cannot download Playwright's. */
export function systemChromium() {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const candidates = [
    "/usr/bin/chromium",
    ...["chromium", "chromium-browser"].flatMap((name) => dirs.map((dir) => path.join(dir, name))),
  ];
  return candidates.find(isExecutable);
}

/**
 * The browser to use: an explicit OWLBANK_CHROMIUM wins, then Playwright's own build, then a
 * system Chromium. `undefined` when there is none.
 * @returns {{ path: string, source: "env" | "playwright" | "system" } | undefined}
 */
export function findChromium() {
  const fromEnv = process.env[BROWSER_ENV];
  if (fromEnv && isExecutable(fromEnv)) return { path: fromEnv, source: "env" };
  const own = playwrightChromium();
  if (own) return { path: own, source: "playwright" };
  const system = systemChromium();
  if (system) return { path: system, source: "system" };
  return undefined;
}
