/**
 * A smaller fuzz run against the production server over real sockets, for what only the
 * framework in front of the route handlers decides: raw paths (dot segments, double and
 * trailing slashes, encoded slashes, unicode, very long segments), HEAD and OPTIONS, and
 * bodies on the wire. FUZZ_HTTP_RUNS (default 400) requests; FUZZ_SEED replays.
 *
 * Under /v2 every answer must be a Twilio JSON body with a 4xx status (or a success that
 * is not for P2/P4, HEAD/OPTIONS excepted), never a 5xx, a stack trace or a hang (the
 * client's per-request timeout). Paths
 * that normalise to a page outside /v2 may answer with that page.
 */
import fs from "node:fs";
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createService, registerPasskey } from "@/test/helpers/verify";
import { CONTENT_TYPES, formEntriesArb, formOf, sidArb, weirdJson } from "./support/fuzz-model";
import { httpClient, send as rawSend } from "./support/http";
import { record } from "./support/metrics";
import { knownBug } from "./support/refusal";
import { type Server, startServer } from "@/test/helpers/server";
import { answerProblems, type Answer } from "./support/twilio-body";

const RUNS = Math.max(Number(process.env.FUZZ_HTTP_RUNS ?? 400) || 400, 20);
const SEED = Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x0b1b4c;

let server: Server;
let serviceSid: string;
let identity: string;
let requests = 0;
let failures = 0;

beforeAll(async () => {
  server = await startServer();
  const client = httpClient(server.url, server.auth);
  serviceSid = (await createService({}, client)).sid;
  identity = (await registerPasskey(serviceSid, new SoftwareAuthenticator(), { client })).identity;
});

afterAll(async () => {
  record({ kind: "fuzz", requests, failures, seed: SEED, transport: "http" });
  await server?.stop();
  if (server) fs.rmSync(server.dir, { recursive: true, force: true });
});

type Raw = { method: string; path: string; headers: Record<string, string>; body?: string };

async function send(req: Raw): Promise<Answer> {
  requests++;
  const res = await rawSend(new URL(req.path, server.url), req.method, req.headers, req.body).catch((error: Error) => {
    throw new Error(`no answer (hung or reset) for ${req.method} ${req.path.slice(0, 200)}: ${error.message}`);
  });
  let body: unknown;
  try {
    body = res.text === "" ? undefined : JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: res.text, body };
}

/** The path as the router sees it: %2e dots decoded, dot segments resolved, slashes collapsed. */
function routed(path: string): string {
  const pathname = path.split("?")[0].replace(/%2e/gi, ".");
  return new URL(pathname.replace(/\/{2,}/g, "/"), "http://x").pathname;
}

/** Characters kept raw in a segment; `%` only as a valid escape (malformed ones are a known bug below). */
const segmentArb = (known: string[]) =>
  fc
    .oneof(
      { weight: 5, arbitrary: fc.constantFrom(...known) },
      { weight: 2, arbitrary: sidArb("VA", known) },
      { weight: 1, arbitrary: fc.constantFrom(".", "..", "%2e%2e", "%2E", "%2F", "a%2Fb", "%20", "%00", "~", "*", "%C3%A9") },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
      { weight: 1, arbitrary: fc.nat({ max: 1500 }).map((n) => "A".repeat(n)) },
    )
    // Empty segments ("//") are redirected by Next: a known bug below, kept out of this property.
    .map((s) => (s === "" ? "x" : s.replace(/%(?![0-9A-Fa-f]{2})/g, "%25").replace(/[?#/\\]/g, encodeURIComponent)));

describe(`fuzzing /v2 over HTTP against the production server (seed ${SEED})`, () => {
  it(`answers ${RUNS} raw requests with Twilio JSON errors or deserved successes, never a 5xx`, async () => {
    const known = () => [serviceSid, identity, "Services", "Entities", "Factors", "Challenges", "Passkeys", "VerifyFactor", "ApproveChallenge"];
    const arb = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
      segments: fc.array(segmentArb(known()), { minLength: 0, maxLength: 7 }),
      trailingSlash: fc.boolean(),
      query: fc.option(fc.constantFrom("?PageSize=1", "?PageSize=0", "?PageToken=x", "?a=%FF", "?Status=pending&Order=desc", "?" + "q=1&".repeat(500)), { nil: "" }),
      auth: fc.oneof({ weight: 5, arbitrary: fc.constant(server.auth) }, { weight: 1, arbitrary: fc.constantFrom("", "Basic Og==", "Bearer x") }),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      body: fc.oneof(fc.constant(undefined), formEntriesArb.map(formOf), weirdJson.map((v) => JSON.stringify(v) ?? "")),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (g) => {
        const start = g.segments[0] === "Services" ? "/v2/" : "/v2/Services/";
        // Node's HTTP parser caps the request head at 16 KB (431, then a reset while the body
        // is still being written); keep paths under it so every request gets a real answer.
        const segments = g.segments.map((x) => x.slice(0, 1500));
        const path = `${start}${segments.join("/")}${g.trailingSlash && segments.length > 0 ? "/" : ""}${g.query}`;
        const headers: Record<string, string> = { "content-type": g.contentType };
        if (g.auth) headers.authorization = g.auth;
        // The fixture service must survive: never DELETE it (S5 is covered in process).
        const method = g.method === "DELETE" && path.includes(serviceSid) ? "GET" : g.method;
        const req: Raw = { method, path, headers, body: method === "GET" || method === "HEAD" ? undefined : g.body };
        const answer = await send(req);

        // A path that resolves to /v2 itself meets the known bug below (Next's HTML 404).
        const underV2 = routed(path).startsWith("/v2/") && routed(path) !== "/v2/";
        const passkeysWrite = /\/Passkeys\/(VerifyFactor|ApproveChallenge)\/?$/.test(routed(path));
        let problems: string[];
        if (method === "HEAD" || method === "OPTIONS") {
          problems = answer.status >= 500 ? [`server error ${answer.status}`] : [];
        } else if (!underV2 || !answer.contentType.startsWith("application/json")) {
          // A page outside /v2 (the path normalised away from it) may answer with HTML, and
          // Node's HTTP parser answers 431 itself when the request line exceeds its 16 KB.
          const nodeLimit = answer.status === 431;
          problems = answer.status >= 500 ? [`server error ${answer.status}`] : underV2 && !nodeLimit ? [`non-JSON answer ${answer.status} under /v2`] : [];
        } else {
          problems = answerProblems(answer, { successAllowed: !passkeysWrite, requestText: `${path} ${req.body ?? ""}` });
        }
        if (problems.length > 0) {
          failures++;
          throw new Error(`${problems.join("; ")}\nrequest: ${method} ${path.slice(0, 300)}\nanswer ${answer.status} ${answer.contentType}: ${answer.text.slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED + 10, endOnFailure: false },
    );
  });

  it("answers HEAD and OPTIONS without a body or a 5xx", async () => {
    const head = await send({ method: "HEAD", path: `/v2/Services/${serviceSid}`, headers: { authorization: server.auth } });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    const options = await send({ method: "OPTIONS", path: `/v2/Services/${serviceSid}`, headers: {} });
    expect(options.status).toBeLessThan(500);
  });

  /**
   * Streams up to 10 MB in 64 KB chunks, pausing between chunks so the answer is seen as
   * soon as it comes, and stops writing then: a server that refuses early answers while
   * most of the body is still unsent. `declared` sends a Content-Length instead of chunking.
   */
  function streamBody(path: string, headers: Record<string, string>, declared?: number) {
    requests++;
    return new Promise<Answer & { written: number }>((resolve, reject) => {
      let written = 0;
      let answered = false;
      const head = declared === undefined ? headers : { ...headers, "content-length": String(declared) };
      const req = http.request(new URL(path, server.url), { method: "POST", headers: head, agent: false, timeout: 30_000 }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          req.destroy();
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text, body, written });
        });
      });
      req.on("error", (error) => (answered ? undefined : reject(new Error(`${path}: ${error.message} after ${written} bytes`))));
      req.on("timeout", () => req.destroy(new Error("no answer within 30 s to a streamed body")));
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const limit = declared ?? 10_000_000;
      const pump = () => {
        if (answered) return;
        if (written >= limit) return void req.end();
        written += chunk.length;
        req.write(chunk);
        setTimeout(pump, 5);
      };
      pump();
    });
  }

  /**
   * `streamBody`, tried again when the connection was reset before the answer could be read.
   * The server answers 413 and closes while the client is still sending; the unread body in
   * the server's receive buffer makes the kernel reset the connection, and a reset can discard
   * the 413 the client had not read yet (nginx's lingering_close exists for this). A reset is
   * still an early refusal, so it must come before 1 MB was written.
   */
  async function refusedStream(path: string, headers: Record<string, string>, declared?: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await streamBody(path, headers, declared);
      } catch (error) {
        const reset = /(EPIPE|ECONNRESET) after (\d+) bytes/.exec((error as Error).message);
        if (!reset || attempt === 3) throw error;
        expect(Number(reset[2]), `reset of ${path}`).toBeLessThan(1_000_000);
      }
    }
  }

  it("refuses bodies of megabytes with 413 over HTTP before they are sent, declared or chunked", async () => {
    const endpoints = [`/v2/Services`, `/v2/Services/${serviceSid}/Passkeys/Factors`, `/v2/Services/${serviceSid}/Passkeys/ApproveChallenge`];
    for (const path of endpoints) {
      const contentType = path.includes("Passkeys") ? "application/json" : "application/x-www-form-urlencoded";
      const headers = { authorization: server.auth, "content-type": contentType };
      for (const declared of [5_000_000, undefined]) {
        const answer = await refusedStream(path, headers, declared);
        const how = declared ? "declared" : "chunked";
        expect(answer.status, `${how} ${path}: ${answer.text}`).toBe(413);
        expect(answerProblems(answer, { successAllowed: false })).toEqual([]);
        // Refused early: long before the 5–10 MB were written.
        expect(answer.written, `${how} ${path}`).toBeLessThan(1_000_000);
      }
    }
  });

  // Next decodes dynamic segments before any route code runs and answers a malformed escape
  // with 500 text/plain; proxy.ts answers such paths first (found by this suite).
  it("answers a malformed percent-escape in a /v2 path with a Twilio 4xx", async () => {
    for (const path of [`/v2/Services/%ZZ`, `/v2/Services/${serviceSid}/Entities/%E0%A4%A`, `/v2/Services/${serviceSid}/Entities/%`]) {
      const answer = await send({ method: "GET", path, headers: { authorization: server.auth } });
      expect(answerProblems(answer, { successAllowed: false }), `${path}: ${answer.status} ${answer.text}`).toEqual([]);
    }
  });

  // Next answers a path with an empty segment with a 308 to the collapsed path, and the
  // library never follows redirects (docs/api.md §1: nothing under /v2 may redirect); an empty path parameter
  // (e.g. an empty identity) produces exactly such a path. Known bug: Next's router
  // redirects before proxy.ts runs, so only a custom server could answer it.
  knownBug("answers a /v2 path with an empty segment with a Twilio 4xx, not a redirect (answers 308)", async () => {
    const answer = await send({ method: "GET", path: `/v2/Services/${serviceSid}/Entities//Factors`, headers: { authorization: server.auth } });
    expect(answerProblems(answer, { successAllowed: false }), `${answer.status} ${answer.text}`).toEqual([]);
  });

  // The catch-all /v2/[...path] needs at least one segment; /v2 has its own route so it gets
  // Twilio's JSON 404 rather than Next's HTML page (found by this suite).
  it("answers /v2 itself with Twilio's JSON 404", async () => {
    const answer = await send({ method: "GET", path: "/v2", headers: { authorization: server.auth } });
    expect(answerProblems(answer, { successAllowed: false }), answer.text.slice(0, 200)).toEqual([]);
  });
});
