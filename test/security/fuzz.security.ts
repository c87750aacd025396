/**
 * Property-based fuzzing of every /v2 endpoint, in process (the route handlers called with
 * real `Request`s). FUZZ_RUNS (default 10,000) requests per run are shared out between the
 * properties below; FUZZ_SEED replays a run (the seed is printed, and fast-check prints the
 * seed and path of any counterexample).
 *
 * Every answer must be a Twilio error body with a 4xx status, or a 2xx the input deserved
 * (see `successAllowed` and `stillValid`). Never a 5xx, a stack trace, a file path, a
 * request that hangs, or a success for a mutated credential.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ApproveChallengeRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Passkeys/ApproveChallenge/route";
import { accountAuth, apiKeyAuth, api, BASE_URL } from "@/test/helpers/api";
import { b64url, fromB64url, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import {
  createChallenge,
  createFactor,
  createService,
  newIdentity,
  ORIGIN,
  paths,
  registerPasskey,
} from "@/test/helpers/verify";
import {
  createChallengeBodyArb,
  createFactorBodyArb,
  CONTENT_TYPES,
  type Fixture,
  formEntriesArb,
  formOf,
  type FuzzRequest,
  requestArb,
  successAllowed,
} from "./support/fuzz-model";
import { record } from "./support/metrics";
import { caseArb, type Ceremony, mutate, stillValid } from "./support/mutations";
import { type Answer, answerProblems } from "./support/twilio-body";

const TOTAL_RUNS = Math.max(Number(process.env.FUZZ_RUNS ?? 10_000) || 10_000, 100);
const SEED = Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x0b1b4c;
/** A request that takes longer than this has hung; in process they take about a millisecond. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BODY = 64 * 1024;

/** Shares of TOTAL_RUNS per property; the generic property takes the rounding remainder. */
const SHARES = { json: 0.12, forms: 0.12, oversize: 0.03, registration: 0.15, assertion: 0.18 };
const runs = Object.fromEntries(Object.entries(SHARES).map(([k, v]) => [k, Math.max(Math.round(TOTAL_RUNS * v), 10)])) as Record<
  keyof typeof SHARES,
  number
>;
const genericRuns = Math.max(TOTAL_RUNS - Object.values(runs).reduce((a, b) => a + b, 0), 10);

let requests = 0;
let failures = 0;
/** How often each answer (status/code) came back, to show the fuzzer gets past the front door. */
const outcomes = new Map<string, number>();

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what} got no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function send(req: FuzzRequest): Promise<Answer> {
  requests++;
  const res = await withTimeout(
    api.request(req.method, req.path, { raw: req.body, headers: req.headers, auth: req.auth ?? null }),
    `${req.method} ${req.path.slice(0, 120)}`,
  );
  let body: unknown;
  try {
    body = res.text === "" ? undefined : JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  const code = (body as { code?: unknown } | undefined)?.code;
  const key = `${res.status}${res.status >= 400 ? `/${String(code)}` : ""}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: res.text, body };
}

/** Fails the property (so fast-check shrinks and reports the seed) on any bad answer. */
function check(req: FuzzRequest, answer: Answer, successOk: boolean): void {
  const requestText = `${req.path} ${req.body ?? ""} ${JSON.stringify(req.headers)}`;
  const problems = answerProblems(answer, { successAllowed: successOk, requestText });
  if (problems.length > 0) {
    failures++;
    const shown = { ...req, body: req.body && req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body };
    throw new Error(`${problems.join("; ")}\nrequest: ${JSON.stringify(shown).slice(0, 2000)}\nanswer ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
}

const params = (i: number, numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED + i, endOnFailure: false });

let f: Fixture;
/** A second Service, unknown to the generic properties, for the credential mutations. */
let m: { serviceSid: string; identity: string; entitySid: string; credentialId: Buffer; auth: SoftwareAuthenticator };

beforeAll(async () => {
  const serviceSid = (await createService()).sid;
  const auth = new SoftwareAuthenticator();
  const reg = await registerPasskey(serviceSid, auth);
  const unverified = await createFactor(serviceSid, { identity: reg.identity, friendly_name: "pending" });
  const challenge = await createChallenge(serviceSid, { identity: reg.identity });
  f = {
    accountAuth: accountAuth(),
    apiKeyAuth: apiKeyAuth(),
    serviceSid,
    identity: reg.identity,
    entitySid: reg.created.entity_sid,
    factorSid: reg.factor.sid,
    unverifiedFactorSid: unverified.sid,
    challengeSid: challenge.sid,
  };

  const mutationService = (await createService({ FriendlyName: "Mutations" })).sid;
  const mAuth = new SoftwareAuthenticator();
  const mReg = await registerPasskey(mutationService, mAuth);
  m = {
    serviceSid: mutationService,
    identity: mReg.identity,
    entitySid: mReg.created.entity_sid,
    credentialId: fromB64url(mReg.credentialId),
    auth: mAuth,
  };
  console.log(`fuzz: ${TOTAL_RUNS} requests, seed ${SEED} (set FUZZ_SEED=${SEED} to replay, FUZZ_RUNS to scale)`);
});

afterAll(() => {
  record({ kind: "fuzz", requests, failures, seed: SEED, transport: "in-process" });
  const top = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`);
  console.log(`fuzz: ${requests} requests, ${failures} bad answers; answers seen: ${top.join(" ")}`);
});

describe(`fuzzing /v2 in process (seed ${SEED})`, () => {
  it(`answers ${genericRuns} arbitrary requests (any path, method, auth, headers, body) with 4xx Twilio errors or deserved successes`, async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(f), async (req) => {
        check(req, await send(req), successAllowed(req, f));
      }),
      params(0, genericRuns),
    );
  });

  it(`answers ${runs.json} structured P1/P3 JSON bodies (both spellings, wrong types, huge values)`, async () => {
    const bodies = fc.oneof(
      createFactorBodyArb(f).map((b) => ({ path: paths.passkeysFactors(f.serviceSid), b })),
      createChallengeBodyArb(f).map((b) => ({ path: paths.passkeysChallenges(f.serviceSid), b })),
    );
    const arb = fc.record({
      target: bodies,
      contentType: fc.oneof({ weight: 6, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      auth: fc.constantFrom(f.accountAuth, f.apiKeyAuth),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ target, contentType, auth }) => {
        const req: FuzzRequest = { method: "POST", path: target.path, auth, headers: { "content-type": contentType }, body: JSON.stringify(target.b) };
        check(req, await send(req), successAllowed(req, f));
      }),
      params(1, runs.json),
    );
  });

  it(`answers ${runs.forms} form bodies on S1/S3/E1/F3/F5/C3/C4`, async () => {
    const formPaths = [
      paths.services,
      paths.service(f.serviceSid),
      paths.entities(f.serviceSid),
      paths.factor(f.serviceSid, f.identity, f.factorSid),
      paths.factor(f.serviceSid, f.identity, f.unverifiedFactorSid),
      paths.factors(f.serviceSid, f.identity),
      paths.challenges(f.serviceSid, f.identity),
      paths.challenge(f.serviceSid, f.identity, f.challengeSid),
    ];
    const arb = fc.record({
      path: fc.constantFrom(...formPaths),
      entries: formEntriesArb,
      contentType: fc.constantFrom("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/json", "text/plain"),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ path, entries, contentType }) => {
        const req: FuzzRequest = { method: "POST", path, auth: f.accountAuth, headers: { "content-type": contentType }, body: formOf(entries) };
        check(req, await send(req), successAllowed(req, f));
      }),
      params(2, runs.forms),
    );
  });

  it(`refuses ${runs.oversize} bodies over 64 KB on every endpoint that reads one, with 413 (or 400)`, async () => {
    const bodyPaths = [
      paths.services,
      paths.service(f.serviceSid),
      paths.entities(f.serviceSid),
      paths.factor(f.serviceSid, f.identity, f.factorSid),
      paths.factors(f.serviceSid, f.identity),
      paths.challenges(f.serviceSid, f.identity),
      paths.challenge(f.serviceSid, f.identity, f.challengeSid),
      paths.passkeysFactors(f.serviceSid),
      paths.verifyFactor(f.serviceSid),
      paths.passkeysChallenges(f.serviceSid),
      paths.approveChallenge(f.serviceSid),
    ];
    const arb = fc.record({
      path: fc.constantFrom(...bodyPaths),
      size: fc.integer({ min: MAX_BODY + 1, max: 400_000 }),
      shape: fc.constantFrom("json", "form", "text"),
      declared: fc.boolean(),
      contentType: fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain"),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ path, size, shape, declared, contentType }) => {
        const filler = "A".repeat(size);
        const body = shape === "json" ? `{"friendly_name":"${filler}"}` : shape === "form" ? `FriendlyName=${filler}` : filler;
        const headers: Record<string, string> = { "content-type": contentType };
        if (declared) headers["content-length"] = String(Buffer.byteLength(body));
        const req: FuzzRequest = { method: "POST", path, auth: f.accountAuth, headers, body };
        const answer = await send(req);
        check(req, answer, false);
        if (answer.status !== 413 && answer.status !== 400) {
          throw new Error(`a ${size}-byte body on ${path} was answered ${answer.status}, not 413/400: ${answer.text.slice(0, 300)}`);
        }
      }),
      params(3, runs.oversize),
    );
  });

  /**
   * Mutates one field of a valid credential and checks the verdict against `stillValid`.
   * A refused credential changes nothing, so its base (pending factor or challenge, and the
   * authenticator's answer) is reused; a fresh one is made after an acceptance, and every
   * 25 runs for variety.
   */
  async function mutationProperty(ceremony: Ceremony, numRuns: number, seedOffset: number) {
    const registrar = new SoftwareAuthenticator({ attestation: "packed" });
    let base: { original: Record<string, unknown>; credentialId: Buffer; uses: number } | undefined;
    const freshBase = async () => {
      if (ceremony === "registration") {
        const created = await createFactor(m.serviceSid, { identity: newIdentity() });
        const original = (await registrar.register(created.options, { origin: ORIGIN })) as unknown as Record<string, unknown>;
        return { original, credentialId: fromB64url(original.id as string), uses: 0 };
      }
      const challenge = await createChallenge(m.serviceSid, { identity: m.identity });
      const original = (await m.auth.authenticate(challenge.options, { origin: ORIGIN })) as unknown as Record<string, unknown>;
      return { original, credentialId: m.credentialId, uses: 0 };
    };
    const path = ceremony === "registration" ? paths.verifyFactor(m.serviceSid) : paths.approveChallenge(m.serviceSid);
    await fc.assert(
      fc.asyncProperty(caseArb(ceremony), async ({ field, mutation }) => {
        if (!base || base.uses >= 25) base = await freshBase();
        base.uses++;
        const { original, credentialId } = base;
        const sent = mutate(original, field, mutation);
        const req: FuzzRequest = {
          method: "POST",
          path,
          auth: f.accountAuth,
          headers: { "content-type": sent.contentType },
          body: JSON.stringify(sent.body) ?? "",
        };
        const answer = await send(req);
        // An accepted credential is used up (factor verified, challenge approved).
        if (answer.status < 300) base = undefined;
        check(req, answer, stillValid(ceremony, original, sent, { credentialId, entitySid: m.entitySid }));
      }),
      params(seedOffset, numRuns),
    );
  }

  it(`refuses ${runs.registration} valid-looking registrations with one field mutated (P2)`, async () => {
    await mutationProperty("registration", runs.registration, 4);
  });

  it(`refuses ${runs.assertion} valid-looking assertions with one field mutated (P4)`, async () => {
    await mutationProperty("assertion", runs.assertion, 5);
  });
});

describe("bodies that never end", () => {
  const approveUrl = () => new URL(paths.approveChallenge(f.serviceSid), BASE_URL);
  const context = () => ({ params: Promise.resolve({ serviceSid: f.serviceSid }) });

  /** A 10 MB stream in 16 KB chunks that counts what the server pulled from it. */
  function endless() {
    const chunk = new TextEncoder().encode("A".repeat(16 * 1024));
    const state = { pulled: 0 };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= 10 * 1024 * 1024) return controller.close();
        state.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, state };
  }

  it("stops reading an undeclared (chunked) body soon after 64 KB and answers 413", async () => {
    const { stream, state } = endless();
    const request = new Request(approveUrl(), {
      method: "POST",
      headers: { authorization: f.accountAuth, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    requests++;
    const res = await withTimeout(ApproveChallengeRoute.POST(request, context()), "endless body");
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, code: expect.any(Number) });
    expect(state.pulled).toBeLessThan(MAX_BODY + 4 * 16 * 1024);
  });

  it("refuses a declared oversize body before reading any of it", async () => {
    const { stream, state } = endless();
    const request = new Request(approveUrl(), {
      method: "POST",
      headers: { authorization: f.accountAuth, "content-type": "application/json", "content-length": String(10 * 1024 * 1024) },
      body: stream,
      duplex: "half",
    } as RequestInit);
    requests++;
    const res = await withTimeout(ApproveChallengeRoute.POST(request, context()), "declared oversize body");
    expect(res.status).toBe(413);
    // The stream may pre-fill its queue once; the server itself must not read past that.
    expect(state.pulled).toBeLessThanOrEqual(16 * 1024);
  });

  it("still works for a valid request after all of the above (the fixture survived)", async () => {
    const res = await api.get(paths.factor(f.serviceSid, f.identity, f.factorSid));
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe("verified");
    expect(b64url(m.credentialId)).toBeTruthy();
  });
});
