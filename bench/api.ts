/**
 * Load measurements of the /v2 API. Every ApproveChallenge and VerifyFactor request is a
 * real, valid, single-use ceremony: factors and challenges are created and their responses
 * signed by the test suite's software authenticator before the clock starts, and each
 * prepared body is sent exactly once.
 */
import { randomUUID } from "node:crypto";
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
};

export const CONNECTIONS = 50;

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
async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
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
  /** A fixed number of requests without bodies, sent like a batch of ceremonies (the floor). */
  count?: number;
  /** A fresh body per request, for duration-based runs. */
  body?: () => string;
  seconds?: number;
  /** Whether a response counts as a success (beyond its status). */
  success?: (status: number, body: string) => boolean;
};

/** The number of requests of a fixed batch; undefined for a run of `seconds`. */
const amount = (load: Load) => load.bodies?.length ?? load.count;
/**
 * The longest a run may take. autocannon waits for every response of a fixed batch, so a
 * server that stalls or dies would otherwise hold the run (and CI) forever.
 */
const limitMs = (load: Load) => (amount(load) ? 120_000 : ((load.seconds ?? 5) + 30) * 1000);

/** `cpu`: the process groups whose CPU time the measurement reports (`cpuMs`), by name. */
export async function measure(server: Server, load: Load, cpu: Groups = {}): Promise<Measurement> {
  let successes = 0;
  let used = 0;
  // Timed here rather than from autocannon's `duration`, which ends on a whole-second tick
  // and so understates the rate of a fixed batch of ceremonies.
  let firstSent = 0;
  let lastAnswered = 0;
  const isSuccess = load.success ?? ((status: number) => status >= 200 && status < 300);
  // Read before the first connection and again once the run has ended: the server is idle on
  // either side, so the difference is what the load cost it.
  const cpuBefore = readCpu(cpu);
  // Without a callback autocannon returns its instance, which is also a promise of the result.
  const run = autocannon({
    url: server.url,
    connections: CONNECTIONS,
    ...(amount(load) ? { amount: amount(load) } : { duration: load.seconds ?? 5 }),
    requests: [
      {
        method: load.method,
        path: load.path,
        headers: {
          authorization: server.auth,
          ...(load.method === "POST" ? { "content-type": "application/json" } : {}),
        },
        setupRequest: (request: autocannon.Request) => {
          firstSent ||= performance.now();
          if (load.bodies) return { ...request, body: load.bodies[used++ % load.bodies.length] };
          if (load.body) return { ...request, body: load.body() };
          return request;
        },
        onResponse: (status: number, body: string) => {
          lastAnswered = performance.now();
          if (isSuccess(status, body)) successes += 1;
        },
      },
    ],
  }) as Promise<autocannon.Result> & Pick<autocannon.Instance, "stop" | "on">;
  // Each connection's first request is kept apart. A saturated Node server accepts one new
  // connection per turn of its event loop (seen with strace: one accept4 per turn, with a
  // plain node:http server too), and every turn serves all the connections already open. So
  // the last of 50 connections opened at once waits tens of turns, seconds on a heavy route:
  // that is the server's accept policy under a stampede, not the endpoint's latency, and
  // real clients (Twilio's library, OwlBank) keep their connections alive.
  const established: number[] = [];
  const firstRequests: number[] = [];
  const seen = new WeakSet<object>();
  run.on("response", (client: object, _status: number, _bytes: number, ms: number) => {
    if (seen.has(client)) established.push(ms);
    else {
      seen.add(client);
      firstRequests.push(ms);
    }
  });
  let cutShort: string | undefined;
  const started = Date.now();
  const watchdog = setInterval(() => {
    const ended = server.ended();
    if (ended) cutShort = `the server ended (${ended}) during the run`;
    else if (Date.now() - started > limitMs(load)) cutShort = `no end after ${limitMs(load) / 1000} s`;
    if (cutShort) run.stop();
  }, 500);
  let result: autocannon.Result;
  try {
    result = await run;
  } finally {
    clearInterval(watchdog);
  }
  const cpuMs = cpuUsed(cpuBefore, readCpu(cpu));
  if (cutShort) console.log(`${load.method} ${load.path}: cut short, ${cutShort} (${result.requests.total} requests sent, ${successes} successes)`);
  const seconds = lastAnswered > firstSent ? (lastAnswered - firstSent) / 1000 : result.duration;
  return {
    requests: result.requests.total,
    successes,
    seconds,
    rps: successes / seconds,
    p50: Math.round(quantile(established, 0.5)),
    p99: Math.round(quantile(established, 0.99)),
    max: Math.round(quantile(established, 1)),
    p99AllRequests: Math.round(quantile([...established, ...firstRequests], 0.99)),
    firstRequestMax: Math.round(quantile(firstRequests, 1)),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cutShort,
    cpuMs,
  };
}

export const approved = (status: number, body: string) => status === 200 && body.includes('"status":"approved"');
export const verified = (status: number, body: string) => status === 200 && body.includes('"status":"verified"');
