/**
 * OwlBank's sign-in under load, driven over HTTP the way its pages drive it. Customers sign up
 * through the sign-up page's server actions (the code read from the local outbox) and next-auth's
 * "passkey-signup" provider. Each ceremony starts with the sign-in page's server action
 * `beginPasskeySignIn` (a POST with a `Next-Action` header, which creates a Verify challenge
 * through the twilio library), and the test suite's software authenticator signs its options
 * for one of those customers. The timed request is the one that completes the sign-in:
 * `POST /api/auth/callback/passkey` with next-auth's CSRF token and cookie, as
 * lib/auth/client.ts sends it; it succeeds only if it issued a session.
 */
import fs from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { query, targetOf } from "../e2e/helpers/database";
import { latestCodeIn } from "../e2e/helpers/outbox";
import { SoftwareAuthenticator } from "../test/helpers/authenticator";
import { ROOT, type Server } from "../test/helpers/server";
import { CookieJar, type Measurement, measure, pool, type Visits, VISITS_IN_FLIGHT } from "./api";
import { type Groups, read as readCpu, used as cpuUsed } from "./cpu";

/**
 * React's Flight client, the one Next's router uses to call a server action: `encodeReply`
 * turns the arguments into the request body, `createFromNodeStream` reads the answer.
 */
type Flight = {
  encodeReply: (args: unknown[]) => Promise<string | FormData>;
  createFromNodeStream: <T>(stream: Readable, manifest: unknown) => PromiseLike<T>;
};
const flight = createRequire(import.meta.url)("next/dist/compiled/react-server-dom-webpack/client.node") as Flight;

/**
 * An action that sets a cookie answers with the page re-rendered, whose client components
 * the reader must be able to name: any module id is given a placeholder, never loaded (only
 * the action's result is read).
 */
const anyModule = new Proxy({}, { get: (_, id) => new Proxy({}, { get: (__, name) => ({ id, chunks: [], name }) }) });
const CONSUMER_MANIFEST = { moduleMap: anyModule, serverModuleMap: {}, moduleLoading: null };

type ActionFile = "app/(owlbank)/sign-in/actions.ts" | "app/(owlbank)/sign-up/actions.ts";

/** A server action's id in the current build (it changes with every build). */
function actionId(file: ActionFile, name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, ".next/server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { exportedName?: string; filename?: string }>;
  };
  const found = Object.entries(manifest.node).find(([, action]) => action.exportedName === name && action.filename === file);
  if (!found) throw new Error(`The build has no server action ${name} in ${file}`);
  return found[0];
}

/** A browser's side of the conversation: its cookies, and the requests its pages make. */
class Visitor {
  private readonly jar = new CookieJar();

  constructor(readonly server: Server) {}

  /** The Cookie header a browser would send. */
  cookie(): string {
    return this.jar.header();
  }

  private async fetch(pathname: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    const response = await fetch(`${this.server.url}${pathname}`, {
      ...init,
      headers: { origin: new URL(this.server.url).origin, ...this.jar.headers(), ...init.headers },
      redirect: "manual",
      // A server that stops answering must fail the run, never hang it.
      signal: AbortSignal.timeout(30_000),
    });
    this.jar.absorb(response);
    return response;
  }

  /** Calls a server action as Next's router does from `page`, and returns what it returned. */
  async action<T>(page: string, file: ActionFile, name: string, args: unknown[]): Promise<T> {
    const response = await this.fetch(page, {
      method: "POST",
      headers: { "next-action": actionId(file, name), accept: "text/x-component" },
      body: await flight.encodeReply(args),
    });
    const text = await response.text();
    if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/x-component")) {
      throw new Error(`${name} on ${page} → ${response.status} ${text.slice(0, 300)}`);
    }
    const answer = await flight.createFromNodeStream<{ a: PromiseLike<T> }>(Readable.from([Buffer.from(text)]), CONSUMER_MANIFEST);
    return await answer.a;
  }

  /** A page as a browser navigates to it: the whole HTML read; its status. */
  async page(pathname: string): Promise<number> {
    const response = await this.fetch(pathname, { method: "GET", headers: { accept: "text/html" } });
    await response.arrayBuffer();
    return response.status;
  }

  /** next-auth's CSRF token; the response also sets the cookie it is checked against. */
  async csrfToken(): Promise<string> {
    const response = await this.fetch("/api/auth/csrf", { method: "GET" });
    if (!response.ok) throw new Error(`GET /api/auth/csrf → ${response.status}`);
    return ((await response.json()) as { csrfToken: string }).csrfToken;
  }
}

/** The form lib/auth/client.ts posts to `/api/auth/callback/<provider>`. */
const callbackBody = (credential: unknown, csrfToken: string) =>
  new URLSearchParams({ credential: JSON.stringify(credential), callbackUrl: "/dashboard", csrfToken, json: "true" }).toString();

const FORM = "application/x-www-form-urlencoded";

/** The POST that completes a sign-in, from `visitor`'s page: its answer, whether it issued a session. */
async function completeSignIn(visitor: Visitor, credential: unknown, csrfToken: string): Promise<boolean> {
  const response = await fetch(`${visitor.server.url}/api/auth/callback/passkey`, {
    method: "POST",
    headers: { "content-type": FORM, cookie: visitor.cookie(), origin: new URL(visitor.server.url).origin },
    body: callbackBody(credential, csrfToken),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  return sessionIssued(response.status, body, { "set-cookie": response.headers.getSetCookie() });
}

export type Customer = { userId: string; phone: string; authenticator: SoftwareAuthenticator };

type Started<T> = ({ ok: true } & T) | { ok: false; message?: string; errors?: unknown };

function started<T>(what: string, answer: Started<T>): { ok: true } & T {
  if (!answer.ok) throw new Error(`${what} refused: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Opens `count` accounts as the sign-up page does, each with a passkey of its own (a synced
 * passkey's zero counter, so its assertions stay valid in any order), and with ceremonies
 * whose client data carries `origin`. Numbers are +1 628 555 …, apart from the browser
 * run's +1 415 555 ….
 */
export async function signUpCustomers(server: Server, count: number, origin: string): Promise<Customer[]> {
  const first = Math.floor(Math.random() * (10_000 - count));
  return pool(
    Array.from({ length: count }, (_, i) => `+1628555${String(first + i).padStart(4, "0")}`),
    4,
    async (phone) => {
      const visitor = new Visitor(server);
      const details = new FormData();
      details.append("phone", phone);
      details.append("name", "Bench Owl");
      started("beginSignUp", await visitor.action<Started<object>>("/sign-up", "app/(owlbank)/sign-up/actions.ts", "beginSignUp", [details]));
      const code = await latestCodeIn(targetOf(server.databaseUrl), phone);
      if (!code) throw new Error(`No one-time code for ${phone} in the outbox`);
      const withCode = new FormData();
      for (const [name, value] of details) withCode.append(name, value);
      withCode.append("code", code);
      withCode.append("attachment", "platform");
      const { optionsJSON } = started(
        "verifySignUpCode",
        await visitor.action<Started<{ optionsJSON: unknown }>>("/sign-up", "app/(owlbank)/sign-up/actions.ts", "verifySignUpCode", [withCode]),
      );
      const authenticator = new SoftwareAuthenticator({ alg: "ES256", counterStep: 0, backupEligible: true, backedUp: true });
      const credential = await authenticator.register(optionsJSON, { origin });
      const csrfToken = await visitor.csrfToken();
      const response = await fetch(`${server.url}/api/auth/callback/passkey-signup`, {
        method: "POST",
        headers: { "content-type": FORM, cookie: visitor.cookie(), origin: new URL(server.url).origin },
        body: callbackBody(credential, csrfToken),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await response.text();
      if (!sessionIssued(response.status, body, { "set-cookie": response.headers.getSetCookie() })) {
        throw new Error(`Sign-up of ${phone} → ${response.status} ${body.slice(0, 300)}`);
      }
      const [user] = await query<{ id: string }>(targetOf(server.databaseUrl), "SELECT id FROM owlbank_users WHERE phone_number = ?", phone);
      if (!user) throw new Error(`No user row for ${phone} after its sign-up`);
      return { userId: user.id, phone, authenticator };
    },
  );
}

/** What the timed requests of a batch of sign-ins carry: the form bodies, and the cookie next-auth's CSRF check needs. */
export type SignIns = { bodies: string[]; cookie: string };

/**
 * `count` single-use sign-ins, each started with the sign-in page's action on `server` and
 * signed for the customers in turn, with client data from `origin`. One CSRF token and
 * cookie for the batch, as a browser keeps its own across sign-ins; valid on every instance
 * sharing the server's secrets.
 */
export async function prepareSignIns(server: Server, customers: Customer[], count: number, origin: string): Promise<SignIns> {
  const visitor = new Visitor(server);
  const csrfToken = await visitor.csrfToken();
  const bodies = await pool(
    Array.from({ length: count }, (_, i) => customers[i % customers.length]),
    16,
    async (customer) => {
      const { optionsJSON } = started(
        "beginPasskeySignIn",
        await new Visitor(server).action<Started<{ optionsJSON: unknown }>>("/sign-in", "app/(owlbank)/sign-in/actions.ts", "beginPasskeySignIn", []),
      );
      return callbackBody(await customer.authenticator.authenticate(optionsJSON, { origin }), csrfToken);
    },
  );
  return { bodies, cookie: visitor.cookie() };
}

/** The headers of a timed sign-in to `server`: a browser's fetch from the page it is on. */
export const signInHeaders = (signIns: SignIns) => (server: Server) => ({
  "content-type": FORM,
  cookie: signIns.cookie,
  origin: new URL(server.url).origin,
});

/**
 * A completed sign-in: next-auth answers 200 with the callback URL and sets the session
 * cookie; a refusal is a 401 whose URL names the error.
 */
export function sessionIssued(status: number, body: string, headers: IncomingHttpHeaders): boolean {
  // autocannon passes the header names as the server sent them, and a single Set-Cookie as a string.
  const setCookie = Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === "set-cookie")
    .flatMap(([, value]) => value ?? []);
  return status === 200 && !body.includes("error=") && setCookie.some((line) => line.startsWith("next-auth.session-token="));
}

/** The sign-in sessions (owlbank_sessions rows) of these customers. */
export async function signInSessions(server: Server, customers: Customer[]): Promise<number> {
  const ids = customers.map((c) => c.userId);
  const [row] = await query<{ n: number }>(
    targetOf(server.databaseUrl),
    `SELECT COUNT(*) AS n FROM owlbank_sessions WHERE created_by = 'sign_in' AND user_id IN (${ids.map(() => "?").join(", ")})`,
    ...ids,
  );
  return Number(row?.n ?? 0);
}

/**
 * Deletes the customers' sign-in sessions once counted. Each sign-in deletes its customer's
 * dead sessions, which scans that customer's rows: left to grow over thousands of sign-ins,
 * a later row would pay for the earlier ones.
 */
export async function clearSignInSessions(server: Server, customers: Customer[]): Promise<void> {
  const ids = customers.map((c) => c.userId);
  await query(targetOf(server.databaseUrl), `DELETE FROM owlbank_sessions WHERE created_by = 'sign_in' AND user_id IN (${ids.map(() => "?").join(", ")})`, ...ids);
}

/**
 * A batch of prepared sign-ins against `servers`, with the count checked in the database: the
 * sign-in sessions created must equal the successes. They are then deleted (see
 * clearSignInSessions).
 */
export async function measureSignIns(servers: Server[], signIns: SignIns, customers: Customer[], cpu: Groups): Promise<Measurement> {
  const before = await signInSessions(servers[0], customers);
  const m = await measure(
    servers,
    { method: "POST", path: "/api/auth/callback/passkey", bodies: signIns.bodies, headers: signInHeaders(signIns), success: sessionIssued },
    cpu,
  );
  m.sessionRows = (await signInSessions(servers[0], customers)) - before;
  await clearSignInSessions(servers[0], customers);
  return m;
}

/**
 * `count` whole sign-in visits, VISITS_IN_FLIGHT at a time, each making the requests the sign-in
 * page makes (components/passkeys/sign-in-panel.tsx, lib/auth/client.ts): the page itself; on
 * load, together, next-auth's CSRF token (`prefetchCsrfToken`) and the autofill's discoverable
 * challenge (`beginPasskeySignIn`), which "Sign in with Face ID" then signs instead of asking
 * for another; the authenticator's signature (here, in this process: the client's work, not the
 * server's); and the POST that completes it. The page's scripts are not fetched, as the peer's
 * are not (`peerVisits`): static files, cached by a returning browser. Unlike `measure`, whose
 * ceremonies are started before the clock, the server's CPU here is all of a visit's.
 */
export async function signInVisits(server: Server, customers: Customer[], count: number, origin: string): Promise<Visits> {
  const cpu = { app: () => [server.pid] };
  const cpuBefore = readCpu(cpu);
  const startedAt = performance.now();
  const outcomes = await pool(
    Array.from({ length: count }, (_, i) => customers[i % customers.length]),
    VISITS_IN_FLIGHT,
    async (customer) => {
      const visitor = new Visitor(server);
      if ((await visitor.page("/sign-in")) !== 200) return false;
      const [csrfToken, answer] = await Promise.all([
        visitor.csrfToken(),
        visitor.action<Started<{ optionsJSON: unknown }>>("/sign-in", "app/(owlbank)/sign-in/actions.ts", "beginPasskeySignIn", []),
      ]);
      const { optionsJSON } = started("beginPasskeySignIn", answer);
      return completeSignIn(visitor, await customer.authenticator.authenticate(optionsJSON, { origin }), csrfToken);
    },
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { visits: count, succeeded: outcomes.filter(Boolean).length, seconds, cpuMs: cpuUsed(cpuBefore, readCpu(cpu)) };
}
