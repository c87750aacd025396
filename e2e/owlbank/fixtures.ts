/**
 * Fixtures for OwlBank's browser journeys: Chrome's virtual authenticators (over CDP), a
 * unique phone number per test, helpers that drive the real pages, and access to the server's
 * database (SQLite or PostgreSQL, E2E_DATABASE_URL) for what the UI cannot show. Everything a test creates (users,
 * pending sign-ups, Verify identities) is removed afterwards.
 */
import fs from "node:fs";
import path from "node:path";
import { type CDPSession, expect, type Page, test as base } from "@playwright/test";
import type twilio from "twilio";
import { E2E_TARGET, query, tablesLike } from "../helpers/database";
import { E2E_DATABASE_FILE, E2E_ENGINE_NAME } from "../helpers/env";
import { latestCodeIn } from "../helpers/outbox";
import { verifyClient } from "../helpers/verify";

export { expect };

// ---------------------------------------------------------------------------------------------
// Virtual authenticators

/**
 * `internal` is a platform authenticator (Face ID / Touch ID / Windows Hello); `usb` a security
 * key and `cable` a phone over hybrid (caBLE): the two "Use another device" cases.
 */
export type Transport = "internal" | "usb" | "cable" | "nfc" | "ble";

export type VirtualCredential = {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
  /** PKCS#8, base64: lets a test put a credential back after the browser dropped it. */
  privateKey?: string;
  /** Set by newer Chrome versions, and updated by signalCurrentUserDetails(). */
  userName?: string;
  userDisplayName?: string;
};

/**
 * One authenticator in Chrome's WebAuthn testing environment. With presence simulation on it
 * answers every request at once, including an autofill (conditional) request about 250 ms
 * after page load; turn it off around sign-out and before arming a button ceremony.
 */
export class VirtualAuthenticator {
  constructor(
    private readonly cdp: CDPSession,
    readonly id: string,
    readonly transport: Transport,
  ) {}

  /** Presence simulation: off leaves requests pending; a request pending when it is turned back on stays pending. */
  setPresence(enabled: boolean) {
    return this.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: this.id, enabled });
  }

  /** `false` makes the authenticator fail user verification: the browser reports NotAllowedError, like a cancelled prompt. */
  setUserVerified(isUserVerified: boolean) {
    return this.cdp.send("WebAuthn.setUserVerified", { authenticatorId: this.id, isUserVerified });
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", { authenticatorId: this.id });
    return credentials as VirtualCredential[];
  }

  /** Puts a credential into this authenticator, as if it had been created here (or was never removed). */
  addCredential(credential: VirtualCredential) {
    return this.cdp.send("WebAuthn.addCredential", {
      authenticatorId: this.id,
      credential: {
        credentialId: credential.credentialId,
        isResidentCredential: credential.isResidentCredential,
        rpId: credential.rpId,
        privateKey: credential.privateKey!,
        userHandle: credential.userHandle,
        signCount: credential.signCount,
      },
    });
  }

  remove() {
    return this.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: this.id });
  }
}

/** The page's WebAuthn testing environment: adds authenticators to it. */
export class WebAuthnEnvironment {
  private constructor(private readonly cdp: CDPSession) {}

  static async enable(page: Page): Promise<WebAuthnEnvironment> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    return new WebAuthnEnvironment(cdp);
  }

  /**
   * `synced` makes the authenticator report its passkeys as backup eligible and backed up
   * (the BE/BS flags of a synced passkey provider); by default they are device-bound.
   */
  async add(
    transport: Transport = "internal",
    { presence = true, synced = false }: { presence?: boolean; synced?: boolean } = {},
  ): Promise<VirtualAuthenticator> {
    const { authenticatorId } = await this.cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport,
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: presence,
        ...(synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
      },
    });
    return new VirtualAuthenticator(this.cdp, authenticatorId, transport);
  }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers and the database

/**
 * North American numbers in the 555-01xx range reserved for fiction, across area codes
 * that libphonenumber accepts, so parallel tests (and reruns) practically never collide.
 */
const AREA_CODES = ["415", "628", "510", "650", "408", "212", "646", "312", "617", "206", "303", "512"];

export type TestPhone = {
  /** As a customer types it: "(415) 555-0123". */
  typed: string;
  /** As OwlBank stores it. */
  e164: string;
  /** The ten national digits, for searching tables. */
  digits: string;
};

function randomPhone(): TestPhone {
  const area = AREA_CODES[Math.floor(Math.random() * AREA_CODES.length)];
  const line = `01${String(Math.floor(Math.random() * 100)).padStart(2, "0")}`;
  return { typed: `(${area}) 555-${line}`, e164: `+1${area}555${line}`, digits: `${area}555${line}` };
}

/** Every number handed to a test since the server under test started (scripts/e2e-reset.mjs clears it). */
const issuedPhonesFile = () => path.resolve(path.dirname(E2E_DATABASE_FILE), "issued-phones.txt");

/** Reads the server's database (either engine): one statement, its rows. */
const rows = <T>(sql: string, ...params: unknown[]) => query<T>(E2E_TARGET, sql, ...params);

export type UserRow = { id: string; phone_number: string; display_name: string; verify_identity: string; created_at: number };

export const userByPhone = async (e164: string) =>
  (await rows<UserRow>("SELECT * FROM owlbank_users WHERE phone_number = ?", e164)).at(0);

export const pendingSignupsFor = (e164: string) =>
  rows<{ verify_identity: string }>("SELECT * FROM owlbank_pending_signups WHERE phone_number = ?", e164);

/** Verify's factors for an identity, read straight from the tables (status, names, aaguid). */
export const verifyFactorsOf = (identity: string) =>
  rows<{ sid: string; status: string; friendly_name: string }>(
    `SELECT f.sid, f.status, f.friendly_name FROM verify_factors f
     JOIN verify_entities e ON e.sid = f.entity_sid WHERE e.identity = ? ORDER BY f.date_created`,
    identity,
  );

export { latestCodeIn };

/** The code in the latest text message in the server's local outbox for a number. */
export const latestCode = (e164: string) => latestCodeIn(E2E_TARGET, e164);

export const outboxCount = async (e164: string) =>
  (await rows<{ n: number }>("SELECT CAST(count(*) AS INTEGER) AS n FROM owlbank_outbox WHERE phone_number = ?", e164))[0].n;

/** The balance, in cents, of one of the user's accounts by name. */
export const balanceOf = async (userId: string, accountName = "Everyday Checking") =>
  (await rows<{ balance_cents: number }>("SELECT balance_cents FROM owlbank_accounts WHERE user_id = ? AND name = ?", userId, accountName))[0]
    .balance_cents;

export type TransferRow = { id: string; status: string; refused_reason: string | null; amount_cents: number; challenge_sid: string };

export const transfersOf = (userId: string) => rows<TransferRow>("SELECT * FROM owlbank_transfers WHERE user_id = ? ORDER BY created_at", userId);

/** Transactions written since sign-up (the demo history is dated days before it): transfers. */
export const transferDebitsOf = (userId: string) =>
  rows<{ description: string; amount_cents: number }>(
    `SELECT t.description, t.amount_cents FROM owlbank_transactions t
     JOIN owlbank_accounts a ON a.id = t.account_id JOIN owlbank_users u ON u.id = a.user_id
     WHERE u.id = ? AND t.created_at >= u.created_at ORDER BY t.created_at`,
    userId,
  );

/** Challenges Verify approved for the identity (sign-ins, step-ups, transfers). */
export const approvedChallenges = async (identity: string) =>
  (
    await rows<{ n: number }>(
      `SELECT CAST(count(*) AS INTEGER) AS n FROM verify_challenges c JOIN verify_entities e ON e.sid = c.entity_sid
       WHERE e.identity = ? AND c.status = 'approved'`,
      identity,
    )
  )[0].n;

/**
 * Writes to the server's database: for simulating time passing or tampering. The statement
 * must run on both engines (`?` placeholders, no SQLite- or PostgreSQL-only syntax).
 */
export const writeDb = async (sql: string, ...params: unknown[]): Promise<void> => {
  await query(E2E_TARGET, sql, ...params);
};

export const verifyEntityExists = async (identity: string) =>
  (await rows("SELECT 1 AS found FROM verify_entities WHERE identity = ?", identity)).length > 0;

/**
 * Every place in a `verify_*` table whose value contains one of `needles`: bytes (bytea, BLOB)
 * as Latin-1, and JSON columns, which PostgreSQL hands back parsed, as their JSON text.
 */
export async function findInVerifyTables(needles: string[]): Promise<{ table: string; column: string }[]> {
  const tables = await tablesLike(E2E_TARGET, "verify_");
  expect(tables.length, `the ${E2E_ENGINE_NAME} database has Verify tables to scan`).toBeGreaterThan(0);
  const hits: { table: string; column: string }[] = [];
  for (const name of tables) {
    for (const row of await rows<Record<string, unknown>>(`SELECT * FROM "${name}"`)) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text = Buffer.isBuffer(value) ? value.toString("latin1") : typeof value === "object" ? JSON.stringify(value) : String(value);
        if (needles.some((n) => text.includes(n))) hits.push({ table: name, column });
      }
    }
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Verify, through the library (cleanup only)

let owlbankService: string | undefined;

/** The SID of the Service OwlBank created for itself in the e2e account (once it exists). */
async function owlbankServiceSid(client: twilio.Twilio, rpId: string): Promise<string | undefined> {
  owlbankService ??= (await client.verify.v2.services.list()).find(
    (s) => s.friendlyName === "OwlBank" && (s.passkeys as { relying_party?: { id?: string } } | null)?.relying_party?.id === rpId,
  )?.sid;
  return owlbankService;
}

async function removeIdentity(client: twilio.Twilio, rpId: string, identity: string) {
  const sid = await owlbankServiceSid(client, rpId);
  if (!sid) return;
  await client.verify.v2
    .services(sid)
    .entities(identity)
    .remove()
    .catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Journeys

/** Fills in the sign-up form and asks for the code (the first step of opening an account). */
export async function startSignUp(
  page: Page,
  phone: TestPhone,
  { name = "Ana Silva", button = "Create account" }: { name?: string; button?: "Create account" | "Use another device" } = {},
) {
  await page.goto("/sign-up");
  await page.getByLabel("Phone number").fill(phone.typed);
  await page.getByLabel("Full name").fill(name);
  await page.getByRole("button", { name: button, exact: true }).click();
  await expect(page.getByLabel("Code")).toBeVisible();
}

/** Where a journey reads the code texted to a number: the server's outbox (`latestCodeIn`) as a rule. */
export type CodeReader = (e164: string) => string | undefined | Promise<string | undefined>;

/** Types the code texted to the number (read from the server's outbox) and continues. */
export async function enterSignUpCode(page: Page, phone: TestPhone, codeFor: CodeReader = latestCode) {
  let code: string | undefined;
  await expect.poll(async () => (code = await codeFor(phone.e164)), { message: `a code texted to ${phone.e164}` }).toBeTruthy();
  await page.getByLabel("Code").fill(code!);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Opens an account through the sign-up page and waits for the dashboard. */
export async function signUp(
  page: Page,
  phone: TestPhone,
  options: { name?: string; button?: "Create account" | "Use another device"; codeFor?: CodeReader } = {},
) {
  const { name = "Ana Silva" } = options;
  await startSignUp(page, phone, options);
  await enterSignUpCode(page, phone, options.codeFor);
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Welcome back, ${name.split(" ")[0]}`);
}

/**
 * Signs out. Presence simulation goes off first: the sign-in page it lands on arms passkey
 * autofill, which the authenticator would otherwise answer straight away.
 */
export async function signOut(page: Page, authenticator: VirtualAuthenticator) {
  await authenticator.setPresence(false);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await autofillSettled(page);
}

/**
 * Waits until the sign-in page's autofill request is settled: pending in the browser
 * ("armed"), or refused at once ("ended", as Chrome does when no authenticator can serve
 * conditional UI, e.g. a security key). Presence turned on after that does not answer a
 * pending request (Chrome's virtual authenticator answers only requests that arrive while
 * presence is on), so a following button click is what signs in. The grace period covers
 * the step between the page's flag and the browser's request.
 */
export async function autofillSettled(page: Page) {
  await expect(page.locator('form[data-autofill="armed"], form[data-autofill="ended"]')).toBeAttached();
  await page.waitForTimeout(300);
}

/** Signs in with the Face ID button, presence turned on just for it (after signOut()). */
export async function signIn(page: Page, authenticator: VirtualAuthenticator) {
  await authenticator.setPresence(true);
  await page.getByRole("button", { name: "Sign in with Face ID" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
}

/** The ceremony's message: inside <main>, because Next's route announcer is an alert too. */
export const ceremonyAlert = (page: Page) => page.getByRole("main").getByRole("alert");

type Fixtures = {
  /** Chrome's WebAuthn testing environment for this page. */
  webauthn: WebAuthnEnvironment;
  /** A platform authenticator ("Face ID") with presence simulation on. */
  authenticator: VirtualAuthenticator;
  /** A fresh phone number; the account, sign-ups and Verify identity made with it are removed after the test. */
  phone: TestPhone;
  /** More fresh phone numbers, cleaned up the same way. */
  newPhone: () => Promise<TestPhone>;
};

let addressesIssued = 0;

/**
 * A client address of its own for each test (IPv6 documentation range, unique within the run):
 * each test is another customer, and OwlBank's per-address limits (60 sign-ups a minute) would
 * otherwise count the whole suite as one client, which a fast machine runs past in a minute.
 */
export const newClientAddress = () => `2001:db8:${(process.pid & 0xffff).toString(16)}::${(++addressesIssued).toString(16)}`;

// The fixture callback is named `provide`, not Playwright's usual `use`, so React's hook lint rule leaves it alone.
export const test = base.extend<Fixtures>({
  // The server trusts loopback as a proxy (e2e/helpers/env.ts), so this is the test's address.
  extraHTTPHeaders: async ({ extraHTTPHeaders }, provide) => {
    await provide({ ...extraHTTPHeaders, "x-forwarded-for": newClientAddress() });
  },

  webauthn: async ({ page }, provide) => {
    await provide(await WebAuthnEnvironment.enable(page));
  },

  authenticator: async ({ webauthn }, provide) => {
    await provide(await webauthn.add("internal"));
  },

  newPhone: async ({ baseURL }, provide) => {
    const issued: TestPhone[] = [];
    await provide(async () => {
      // The server's rate limits count per number for up to an hour and outlive a test's
      // cleanup, so a number is never handed out twice while that server runs.
      const used = new Set(fs.existsSync(issuedPhonesFile()) ? fs.readFileSync(issuedPhonesFile(), "utf8").split("\n") : []);
      let phone = randomPhone();
      for (let i = 0; i < 100 && (used.has(phone.e164) || (await userByPhone(phone.e164))); i++) phone = randomPhone();
      fs.appendFileSync(issuedPhonesFile(), `${phone.e164}\n`);
      issued.push(phone);
      return phone;
    });

    const client = verifyClient(baseURL);
    const rpId = new URL(baseURL!).hostname;
    for (const phone of issued) {
      const found = await rows<{ identity: string }>(
        `SELECT verify_identity AS identity FROM owlbank_users WHERE phone_number = ?
         UNION SELECT verify_identity FROM owlbank_pending_signups WHERE phone_number = ?`,
        phone.e164,
        phone.e164,
      );
      // Accounts, transactions, transfers and the rest go with the user (ON DELETE CASCADE).
      for (const table of ["owlbank_users", "owlbank_pending_signups", "owlbank_one_time_codes", "owlbank_outbox"]) {
        await query(E2E_TARGET, `DELETE FROM ${table} WHERE phone_number = ?`, phone.e164);
      }
      for (const { identity } of found) await removeIdentity(client, rpId, identity);
    }
  },

  phone: async ({ newPhone }, provide) => {
    await provide(await newPhone());
  },
});
