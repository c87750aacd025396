/**
 * Load measurements of the /v2 API. Every ApproveChallenge and VerifyFactor request is a
 * real, valid, single-use ceremony: factors and challenges are created and their responses
 * signed by the test suite's software authenticator before the clock starts, and each
 * prepared body is sent exactly once.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import autocannon from "autocannon";
import { SoftwareAuthenticator } from "../test/helpers/authenticator";
import type { Server } from "../test/helpers/server";
import { type Groups, read as readCpu, used as cpuUsed } from "./cpu";

export type Measurement = {
  requests: number;
  successes: number;
  seconds: number;
  rps: number;
  /** Latency in ms of requests on established connections (every one but a connection's first). */
  p50: number;
  p99: number;
  max: number;
  /** p99 over every request, each connection's first included (what autocannon itself reports). */
  p99AllRequests: number;
  /** The slowest first request of a connection: connection set-up plus its answer. */
  firstRequestMax: number;
  non2xx: number;
  errors: number;
  /** Why the run was cut short (the time limit, or the server ended), if it was. */
  cutShort?: string;
  /**
   * Milliseconds of CPU (user + system) each process group used from just before the first
   * request to just after the last answer (bench/cpu.ts): `app` is the `next start` process
   * and its descendants, `db` the PostgreSQL server's processes. Absent where /proc cannot be read.
   */
  cpuMs?: Record<string, number>;
  /**
   * OwlBank sign-in only: the server-side sessions (owlbank_sessions rows) the run created,
   * counted in the database afterwards; it must equal `successes`.
   */
  sessionRows?: number;
};

export const CONNECTIONS = 50;

/** The cookies a browser keeps for one site: what Set-Cookie answers set, sent back in one Cookie header. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** The Cookie header a browser would send; empty when it holds none. */
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** `{ cookie }` to spread into a request's headers, or nothing when the jar is empty. */
  headers(): { cookie?: string } {
    return this.cookies.size > 0 ? { cookie: this.header() } : {};
  }

  /** Keeps the cookies a response sets. */
  absorb(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const at = pair.indexOf("=");
      if (at > 0) this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
}

/**
 * Whole sign-in visits in flight at once (`peerVisits`, `signInVisits`): a busy moment of a
 * small site, not a load test.
 */
export const VISITS_IN_FLIGHT = 10;

/** A batch of whole sign-in visits, the same shape on both sides of the comparison. */
export type Visits = {
  visits: number;
  /** Visits that ended with a session issued. */
  succeeded: number;
  seconds: number;
  /** CPU ms the server's process tree used over the whole batch (`app`); absent without /proc. */
  cpuMs?: Record<string, number>;
};

/** The exact `q` quantile (0–1) of `xs`, nearest rank; 0 for none. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function call(server: Server, method: string, path: string, body?: unknown, form = false) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: server.auth,
      ...(body === undefined ? {} : { "content-type": form ? "application/x-www-form-urlencoded" : "application/json" }),
    },
    body: body === undefined ? undefined : form ? new URLSearchParams(body as Record<string, string>) : JSON.stringify(body),
    // A server that stops answering must fail the run, never hang it.
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `work` over `items` with a bounded number in flight. */
export async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

export async function createService(server: Server): Promise<string> {
  const { hostname, origin } = new URL(server.url);
  const service = await call(
    server,
    "POST",
    "/v2/Services",
    {
      FriendlyName: "Bench",
      "Passkeys.RelyingParty.Id": hostname,
      "Passkeys.RelyingParty.Name": "Bench",
      "Passkeys.RelyingParty.Origins": origin,
      "Passkeys.AuthenticatorAttachment": "any",
      "Passkeys.DiscoverableCredentials": "preferred",
      "Passkeys.UserVerification": "preferred",
    },
    true,
  );
  return service.sid as string;
}

/** `count` VerifyFactor bodies, each for its own pending factor. */
export async function prepareRegistrations(server: Server, serviceSid: string, count: number): Promise<string[]> {
  const authenticator = new SoftwareAuthenticator({ alg: "ES256" });
  const origin = new URL(server.url).origin;
  return pool(Array.from({ length: count }), 16, async () => {
    const factor = await call(server, "POST", `/v2/Services/${serviceSid}/Passkeys/Factors`, {
      friendly_name: "Bench passkey",
      identity: randomUUID(),
    });
    return JSON.stringify(await authenticator.register(factor.options, { origin }));
  });
}

/**
 * `count` ApproveChallenge bodies for one user's passkey. The authenticator reports a zero
 * counter, as synced passkeys do, so the prepared assertions stay valid in any order.
 */
export async function prepareAssertions(server: Server, serviceSid: string, count: number): Promise<string[]> {
  const authenticator = new SoftwareAuthenticator({ alg: "ES256", counterStep: 0, backupEligible: true, backedUp: true });
  const origin = new URL(server.url).origin;
  const identity = randomUUID();
  const factor = await call(server, "POST", `/v2/Services/${serviceSid}/Passkeys/Factors`, {
    friendly_name: "Bench passkey",
    identity,
  });
  await call(server, "POST", `/v2/Services/${serviceSid}/Passkeys/VerifyFactor`, await authenticator.register(factor.options, { origin }));
  return pool(Array.from({ length: count }), 16, async () => {
    const challenge = await call(server, "POST", `/v2/Services/${serviceSid}/Passkeys/Challenges`, { identity });
    return JSON.stringify(await authenticator.authenticate(challenge.options, { origin }));
  });
}

type Load = {
  method: "GET" | "POST";
  path: string;
  /** Bodies sent once each, in order: the run ends when they are used up. */
  bodies?: string[];
  /**
   * Whole requests sent once each, in order, like `bodies`, each with headers of its own
   * instead of `headers`: for ceremonies bound to a cookie of their own (the peer's, whose
   * challenge travels in a signed cookie set when the ceremony started).
   */
  prepared?: { body: string; headers: Record<string, string> }[];
  /** A fixed number of requests without bodies, sent like a batch of ceremonies (the floor). */
  count?: number;
  /** A fresh body per request, for duration-based runs. */
  body?: () => string;
  seconds?: number;
  /**
   * The request headers for one server; by default the API's Basic auth, and a JSON
   * content type on a POST.
   */
  headers?: (server: Server) => Record<string, string>;
  /** Whether a response counts as a success (beyond its status). */
  success?: (status: number, body: string, headers: IncomingHttpHeaders) => boolean;
};

/** The number of requests of a fixed batch; undefined for a run of `seconds`. */
const amount = (load: Load) => load.bodies?.length ?? load.prepared?.length ?? load.count;
/**
 * The longest a run may take. autocannon waits for every response of a fixed batch, so a
 * server that stalls or dies would otherwise hold the run (and CI) forever.
 */
const limitMs = (load: Load) => (amount(load) ? 120_000 : ((load.seconds ?? 5) + 30) * 1000);

/**
 * One load over one server, or over several at once (two instances on one database): then
 * the load generator spreads it, one autocannon instance per server, each with its share of
 * the connections and of a batch's requests (bodies are drawn from one list in the order
 * they are asked for), and the figures are of all the answers together.
 *
 * `cpu`: the process groups whose CPU time the measurement reports (`cpuMs`), by name.
 */
export async function measure(on: Server | Server[], load: Load, cpu: Groups = {}): Promise<Measurement> {
  const servers = Array.isArray(on) ? on : [on];
  let successes = 0;
  let used = 0;
  // Timed here rather than from autocannon's `duration`, which ends on a whole-second tick
  // and so understates the rate of a fixed batch of ceremonies.
  let firstSent = 0;
  let lastAnswered = 0;
  const isSuccess = load.success ?? ((status: number) => status >= 200 && status < 300);
  const total = amount(load);
  // Each connection's first request is kept apart. A saturated Node server accepts one new
  // connection per turn of its event loop (seen with strace: one accept4 per turn, with a
  // plain node:http server too), and every turn serves all the connections already open. So
  // the last of 50 connections opened at once waits tens of turns, seconds on a heavy route:
  // that is the server's accept policy under a stampede, not the endpoint's latency, and
  // real clients (Twilio's library, OwlBank) keep their connections alive.
  const established: number[] = [];
  const firstRequests: number[] = [];
  const seen = new WeakSet<object>();
  // Read before the first connection and again once the run has ended: the server is idle on
  // either side, so the difference is what the load cost it.
  const cpuBefore = readCpu(cpu);
  const runs = servers.map((server, i) => {
    /** Server i's share of n: n / servers, the remainder to the first ones. */
    const share = (n: number) => Math.floor(n / servers.length) + (i < n % servers.length ? 1 : 0);
    // Without a callback autocannon returns its instance, which is also a promise of the result.
    const run = autocannon({
      url: server.url,
      connections: share(CONNECTIONS),
      ...(total ? { amount: share(total) } : { duration: load.seconds ?? 5 }),
      requests: [
        {
          method: load.method,
          path: load.path,
          headers: load.headers?.(server) ?? {
            authorization: server.auth,
            ...(load.method === "POST" ? { "content-type": "application/json" } : {}),
          },
          setupRequest: (request: autocannon.Request) => {
            firstSent ||= performance.now();
            if (load.bodies) return { ...request, body: load.bodies[used++ % load.bodies.length] };
            if (load.prepared) {
              const next = load.prepared[used++ % load.prepared.length];
              // A copy: autocannon writes the Content-Length into the headers it is given.
              return { ...request, body: next.body, headers: { ...next.headers } };
            }
            if (load.body) return { ...request, body: load.body() };
            return request;
          },
          onResponse: (status: number, body: string, _context: object, headers: IncomingHttpHeaders | undefined) => {
            lastAnswered = performance.now();
            if (isSuccess(status, body, headers ?? {})) successes += 1;
          },
        },
      ],
    }) as Promise<autocannon.Result> & Pick<autocannon.Instance, "stop" | "on">;
    run.on("response", (client: object, _status: number, _bytes: number, ms: number) => {
      if (seen.has(client)) established.push(ms);
      else {
        seen.add(client);
        firstRequests.push(ms);
      }
    });
    return run;
  });
  let cutShort: string | undefined;
  const started = Date.now();
  const watchdog = setInterval(() => {
    const ended = servers.map((server) => server.ended()).find(Boolean);
    if (ended) cutShort = `the server ended (${ended}) during the run`;
    else if (Date.now() - started > limitMs(load)) cutShort = `no end after ${limitMs(load) / 1000} s`;
    if (cutShort) for (const run of runs) run.stop();
  }, 500);
  let results: autocannon.Result[];
  try {
    results = await Promise.all(runs);
  } finally {
    clearInterval(watchdog);
  }
  const cpuMs = cpuUsed(cpuBefore, readCpu(cpu));
  const sumOf = (of: (r: autocannon.Result) => number) => results.reduce((n, r) => n + of(r), 0);
  const requests = sumOf((r) => r.requests.total);
  if (cutShort) console.log(`${load.method} ${load.path}: cut short, ${cutShort} (${requests} requests sent, ${successes} successes)`);
  const seconds = lastAnswered > firstSent ? (lastAnswered - firstSent) / 1000 : Math.max(...results.map((r) => r.duration));
  return {
    requests,
    successes,
    seconds,
    rps: successes / seconds,
    p50: Math.round(quantile(established, 0.5)),
    p99: Math.round(quantile(established, 0.99)),
    max: Math.round(quantile(established, 1)),
    p99AllRequests: Math.round(quantile([...established, ...firstRequests], 0.99)),
    firstRequestMax: Math.round(quantile(firstRequests, 1)),
    non2xx: sumOf((r) => r.non2xx),
    errors: sumOf((r) => r.errors + r.timeouts),
    cutShort,
    cpuMs,
  };
}

export const approved = (status: number, body: string) => status === 200 && body.includes('"status":"approved"');
export const verified = (status: number, body: string) => status === 200 && body.includes('"status":"verified"');
