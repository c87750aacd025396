/**
 * Races against the production server over HTTP (and the same races in process): one
 * credential answer sent many times at once must be accepted exactly once, and a counter
 * must never go backwards however many sign-ins of one credential run in parallel.
 *
 * RACE_ROUNDS (default 3) repeats each single-winner race with fresh credentials.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, type ApiResponse, api } from "@/test/helpers/api";
import { type AssertionJSON, SoftwareAuthenticator } from "@/test/helpers/authenticator";
import {
  approve,
  createChallenge,
  createFactor,
  createService,
  newIdentity,
  ORIGIN,
  paths,
  registerPasskey,
} from "@/test/helpers/verify";
import { httpClient } from "./support/http";
import { record } from "./support/metrics";
import { expectTwilioError } from "./support/refusal";
import { inProcessRows, type Rows, serverRows } from "./support/rows";
import { type Server, startServer } from "@/test/helpers/server";

const ROUNDS = Math.max(Number(process.env.RACE_ROUNDS ?? 3) || 3, 1);

/** Fires every request at once and waits for all of them. */
async function race(name: string, contenders: number, expected: number, send: () => Promise<ApiResponse>) {
  const results = await Promise.all(Array.from({ length: contenders }, () => send()));
  const winners = results.filter((r) => r.status >= 200 && r.status < 300);
  if (expected > 0) record({ kind: "race", name, winners: winners.length, contenders, expected });
  const codes = new Map<number, number>();
  for (const r of results) if (r.status >= 400) codes.set(r.body?.code, (codes.get(r.body?.code) ?? 0) + 1);
  return { results, winners, losers: results.filter((r) => r.status >= 300), codes };
}

/** The server's log, which explains a 5xx (set by the HTTP block). */
let serverLog: (() => string) | undefined;

function expectRefusals(losers: ApiResponse[], codes: number[]) {
  for (const r of losers) {
    const log = r.status >= 500 && serverLog ? `\nserver log (tail):\n${serverLog().slice(-6000)}` : "";
    expect(codes, r.text + log).toContain(r.body?.code);
    expectTwilioError(r, r.body.code, r.status);
  }
}

function scenarios(where: string, setup: () => { client: () => ApiClient; rows: () => Rows }) {
  let serviceSid: string;
  let client: () => ApiClient;
  let rows: () => Rows;

  beforeAll(async () => {
    ({ client, rows } = setup());
    serviceSid = (await createService({}, client())).sid;
  });

  async function signInAnswer(auth: SoftwareAuthenticator, identity: string): Promise<{ challengeSid: string; assertion: AssertionJSON }> {
    const challenge = await createChallenge(serviceSid, { identity }, client());
    return { challengeSid: challenge.sid, assertion: await auth.authenticate(challenge.options, { origin: ORIGIN }) };
  }

  it(`${where}: 100 simultaneous ApproveChallenge with one assertion approve it exactly once (×${ROUNDS})`, async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth, { client: client() });
    for (let round = 0; round < ROUNDS; round++) {
      const { challengeSid, assertion } = await signInAnswer(auth, reg.identity);
      const { winners, losers, codes } = await race(`${where}: 100 × ApproveChallenge`, 100, 1, () => approve(serviceSid, assertion, client()));
      expect(winners.length, `answers by code: ${JSON.stringify([...codes])}`).toBe(1);
      expect(losers).toHaveLength(99);
      expect(winners[0].body).toMatchObject({ sid: challengeSid, status: "approved", factor_sid: reg.factor.sid });
      // Losers saw the challenge answered (60322), or lost the guarded write (60324).
      expectRefusals(losers, [60322, 60324]);
      expect(await rows().one("verify_challenges", ["status", "factor_sid"], { sid: challengeSid })).toEqual({
        status: "approved",
        factor_sid: reg.factor.sid,
      });
      expect(await rows().one("verify_factors", ["counter"], { sid: reg.factor.sid })).toEqual({ counter: round + 1 });
    }
  });

  it(`${where}: 50 simultaneous VerifyFactor with one attestation verify exactly one factor (×${ROUNDS})`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const auth = new SoftwareAuthenticator();
      const created = await createFactor(serviceSid, { identity: newIdentity() }, client());
      const credential = await auth.register(created.options, { origin: ORIGIN });
      const { winners, losers, codes } = await race(`${where}: 50 × VerifyFactor`, 50, 1, () =>
        client().json(paths.verifyFactor(serviceSid), credential),
      );
      expect(winners.length, `answers by code: ${JSON.stringify([...codes])}`).toBe(1);
      expect(winners[0].body).toMatchObject({ sid: created.sid, status: "verified" });
      expectRefusals(losers, [60383, 60311]);
      const stored = await rows().all("verify_factors", ["sid", "status"], { credential_id: credential.id });
      expect(stored).toEqual([{ sid: created.sid, status: "verified" }]);
    }
  });

  it(`${where}: 30 pending factors attesting one credential at once register it exactly once (×${ROUNDS})`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const auth = new SoftwareAuthenticator();
      const first = await createFactor(serviceSid, { identity: newIdentity() }, client());
      const original = await auth.register(first.options, { origin: ORIGIN });
      const attempts = [original];
      for (let i = 1; i < 30; i++) {
        const created = await createFactor(serviceSid, { identity: newIdentity() }, client());
        attempts.push(await auth.register(created.options, { origin: ORIGIN, tamper: { reuseCredentialId: original.id, ignoreExclude: true } }));
      }
      let next = 0;
      const { winners, losers, codes } = await race(`${where}: 30 factors × one credential`, 30, 1, () =>
        client().json(paths.verifyFactor(serviceSid), attempts[next++]),
      );
      expect(winners.length, `answers by code: ${JSON.stringify([...codes])}`).toBe(1);
      expectRefusals(losers, [60311]);
      expect(await rows().all("verify_factors", ["sid"], { credential_id: original.id })).toHaveLength(1);
    }
  });

  it(`${where}: 30 simultaneous first P1 calls for one identity create exactly one entity`, async () => {
    const identity = newIdentity();
    const { winners } = await race(`${where}: 30 × CreateFactor, one new identity`, 30, 30, () =>
      client().json(paths.passkeysFactors(serviceSid), { friendly_name: "laptop", identity }),
    );
    expect(winners).toHaveLength(30);
    expect(new Set(winners.map((w) => w.body.entity_sid)).size).toBe(1);
    expect(await rows().all("verify_entities", ["sid"], { identity })).toHaveLength(1);
  });

  it(`${where}: counters never go backwards when one credential approves 40 challenges in parallel`, async () => {
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(serviceSid, auth, { client: client() });
    // Signed in order, so the counters are 1…40; sent in a shuffled order, all at once.
    const answers: { challengeSid: string; assertion: AssertionJSON }[] = [];
    for (let i = 0; i < 40; i++) answers.push(await signInAnswer(auth, reg.identity));
    const shuffled = answers.map((a, i) => ({ a, k: (i * 7919) % 40 })).sort((x, y) => x.k - y.k).map((x) => x.a);

    const seen: number[] = [];
    let running = true;
    const monitor = (async () => {
      while (running) {
        seen.push((await rows().one("verify_factors", ["counter"], { sid: reg.factor.sid }))?.counter as number);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    let i = 0;
    const { winners, losers, codes } = await race(`${where}: 40 sign-ins, one credential`, 40, 0, () =>
      approve(serviceSid, shuffled[i++].assertion, client()),
    );
    running = false;
    await monitor;
    seen.push((await rows().one("verify_factors", ["counter"], { sid: reg.factor.sid }))?.counter as number);

    const backwards = seen.findIndex((c, k) => k > 0 && c < seen[k - 1]);
    record({ kind: "race", name: `${where}: counter monotonic under 40 parallel sign-ins`, winners: backwards === -1 ? 1 : 0, contenders: 40, expected: 0 });
    expect(backwards, `counter went backwards: ${seen.join(",")}`).toBe(-1);
    expect(winners.length, `answers by code: ${JSON.stringify([...codes])}`).toBeGreaterThanOrEqual(1);
    // A refused sign-in carried a counter not above the stored one, or lost the guarded write.
    expectRefusals(losers, [60324]);
    const approvedCounters = winners.map((w) => answers.findIndex((a) => a.challengeSid === w.body.sid) + 1);
    const final = seen[seen.length - 1];
    expect(final).toBe(Math.max(...approvedCounters));
    // Every approved challenge really is approved, every refused one still pending.
    const statuses = await rows().all("verify_challenges", ["sid", "status"], { sid: answers.map((a) => a.challengeSid) });
    const approvedSids = new Set(winners.map((w) => w.body.sid));
    for (const s of statuses) expect(s.status).toBe(approvedSids.has(s.sid as string) ? "approved" : "pending");
    // And the credential still signs in afterwards (counter 41 > final).
    const after = await signInAnswer(auth, reg.identity);
    expect((await approve(serviceSid, after.assertion, client())).status).toBe(200);
  });
}

describe("against the production server over HTTP", () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer();
    serverLog = server.output;
  });

  afterAll(async () => {
    await server?.stop();
    if (server) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  scenarios("http", () => ({
    client: () => httpClient(server.url, server.auth),
    rows: () => serverRows(server.databaseUrl),
  }));
});

describe("in process", () => {
  scenarios("in-process", () => ({
    client: () => api,
    rows: () => inProcessRows,
  }));
});
