/**
 * Crash safety of the production server, on the engine the suite runs on (SQLite, or
 * PostgreSQL with OWLBANK_TEST_ENGINE=postgres).
 *
 * The server is killed: sign-ups (P1+P2) and sign-ins (P3+P4) run against it over HTTP
 * until it has acknowledged some writes, then it is killed with SIGKILL while requests are
 * still in flight, and restarted on the same database. Every write the server acknowledged
 * must still be there and consistent (factor verified with its credential, challenge
 * approved by its factor, counter stored), and the database must pass its integrity checks
 * (SQLite: `PRAGMA integrity_check` and `foreign_key_check`; PostgreSQL: amcheck's heap and
 * B-tree checks). The ledger is checked in full after every round, so a write acknowledged
 * in round 1 must survive all later crashes too.
 *
 * The database is killed (PostgreSQL only): the same load runs against a server whose
 * PostgreSQL, a server of this file's own, is SIGKILLed mid-load. While it is down every /v2
 * answer must be a 503 with Twilio's code 20503 and a clean body, within 10 s; once
 * PostgreSQL is restarted on the same data directory (it runs crash recovery), the same
 * application process must serve again by itself, with every acknowledged write there.
 *
 * CRASH_ROUNDS (default 3) sets the number of kills of each kind; CRASH_WORKERS (default 6)
 * the number of concurrent clients.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query, type Target, tablesLike, targetOf } from "@/e2e/helpers/database";
import type { ApiClient, ApiResponse } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { type Credentials, newCredentials, type Server, serverEngine, startServer, tempDir } from "@/test/helpers/server";
import { createService, newIdentity, ORIGIN, paths, registerPasskey } from "@/test/helpers/verify";
import { startPostgres } from "../../scripts/postgres.mjs";
import { httpClient, send } from "./support/http";
import { record } from "./support/metrics";
import { leak } from "./support/twilio-body";

const ROUNDS = Math.max(Number(process.env.CRASH_ROUNDS ?? 3) || 3, 1);
const WORKERS = Math.max(Number(process.env.CRASH_WORKERS ?? 6) || 6, 1);
const ENGINE = serverEngine();
const ENGINE_NAME = ENGINE === "postgres" ? "PostgreSQL" : "SQLite";
/** The longest a /v2 request may take to be answered while the database is down. */
const OUTAGE_ANSWER_MS = 10_000;
/** The longest the application may take to serve again once the database is back. */
const RECOVERY_MS = 30_000;

type User = { auth: SoftwareAuthenticator; identity: string; factorSid: string; credentialId: string; worker: number };
type Approval = { challengeSid: string; factorSid: string; identity: string; counter: number };
/** Everything the server acknowledged with a 2xx, across all rounds of one scenario. */
type Ledger = { users: User[]; approvals: Approval[] };

/** One server under crash load: its database, its account, its Service and what it acknowledged. */
type Scenario = {
  dir: string;
  credentials: Credentials;
  databaseUrl?: string;
  server?: Server;
  serviceSid: string;
  ledger: Ledger;
};

const clientOf = (s: Scenario): ApiClient => httpClient((s.server as Server).url, (s.server as Server).auth);

/** An answer the server gave after the kill, with how long after the kill it came. */
type LateAnswer = { what: string; status: number; text: string; body: unknown; contentType: string; afterKillMs: number };

const late = (what: string, res: ApiResponse, killedAt: number): LateAnswer => ({
  what,
  status: res.status,
  text: res.text,
  body: res.body,
  contentType: res.headers.get("content-type") ?? "",
  afterKillMs: Date.now() - killedAt,
});

/**
 * Runs sign-ups and sign-ins from WORKERS clients until `killAfter` writes were acknowledged,
 * then runs `crash` at once. Each worker signs in only with its own users, one at a time, so
 * counters never race here (that is concurrency.security.ts's job). A worker stops after the
 * request it has in flight when the crash begins; a 2xx to it still counts as acknowledged,
 * and any other answer it gets is returned in `afterKill` for the caller to judge.
 */
async function loadThenCrash(
  s: Scenario,
  round: number,
  killAfter: number,
  crash: () => Promise<void>,
): Promise<{ acknowledged: number; refused: string[]; inFlight: number; afterKill: LateAnswer[] }> {
  let acknowledged = 0;
  let killing: Promise<void> | undefined;
  let killedAt = 0;
  const refused: string[] = [];
  const afterKill: LateAnswer[] = [];
  const target = s.server as Server;
  const client = httpClient(target.url, target.auth);
  /** Workers between the start and the end of a sign-up or sign-in: requests the kill interrupts. */
  let busy = 0;
  let inFlight = 0;

  const acknowledge = () => {
    acknowledged++;
    if (acknowledged >= killAfter && !killing) {
      // The acknowledging worker has its answer; every other busy worker is mid-request.
      inFlight = busy - 1;
      killedAt = Date.now();
      killing = crash();
    }
  };

  /** The answer when it has `status`; otherwise records why not and returns undefined. */
  const expectAnswer = (what: string, res: ApiResponse, status: number): ApiResponse | undefined => {
    if (res.status === status) return res;
    if (killing) afterKill.push(late(what, res, killedAt));
    else refused.push(`${what} ${res.status}: ${res.text}`);
    return undefined;
  };

  async function worker(w: number) {
    let step = 0;
    while (!killing) {
      step++;
      const mine = s.ledger.users.filter((u) => u.worker === w);
      busy++;
      try {
        if (mine.length === 0 || step % 2 === 1) {
          const identity = newIdentity();
          const auth = new SoftwareAuthenticator();
          const p1 = await client.json(paths.passkeysFactors(s.serviceSid), { friendly_name: "crash test", identity });
          const created = expectAnswer("P1", p1, 201)?.body;
          if (!created) continue;
          const credential = await auth.register(created.options, { origin: ORIGIN });
          if (!expectAnswer("P2", await client.json(paths.verifyFactor(s.serviceSid), credential), 200)) continue;
          s.ledger.users.push({ auth, identity, factorSid: created.sid, credentialId: credential.id, worker: w });
          acknowledge();
        } else {
          const user = mine[step % mine.length];
          const p3 = await client.json(paths.passkeysChallenges(s.serviceSid), { identity: user.identity });
          const challenge = expectAnswer("P3", p3, 201)?.body;
          if (!challenge) continue;
          const assertion = await user.auth.authenticate(challenge.options, { origin: ORIGIN });
          if (!expectAnswer("P4", await client.json(paths.approveChallenge(s.serviceSid), assertion), 200)) continue;
          const counter = Buffer.from(assertion.response.authenticatorData, "base64url").readUInt32BE(33);
          s.ledger.approvals.push({ challengeSid: challenge.sid, factorSid: user.factorSid, identity: user.identity, counter });
          acknowledge();
        }
      } catch (error) {
        // Once the kill is under way, refused connections and resets are the point.
        if (killing) return;
        throw new Error(`round ${round}, worker ${w}: ${(error as Error).message}\n${target.output().slice(-3000)}`);
      } finally {
        busy--;
      }
    }
  }

  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await killing;
  return { acknowledged, refused, inFlight, afterKill };
}

/**
 * The engine's own consistency checks. SQLite: integrity_check and foreign_key_check (the
 * read-write open recovers the WAL the killed process left, as the next server would).
 * PostgreSQL (after its crash recovery): amcheck's heap check of every verify_* table and
 * B-tree check of every index on them; on a server without amcheck, full scans instead.
 */
async function integrityOf(target: Target): Promise<string> {
  if (target.engine === "sqlite") {
    const integrity = (await query<{ integrity_check: string }>(target, "PRAGMA integrity_check")).map((r) => r.integrity_check).join("; ");
    const foreignKeys = await query(target, "PRAGMA foreign_key_check");
    return foreignKeys.length > 0 ? `${integrity}; foreign_key_check: ${JSON.stringify(foreignKeys).slice(0, 500)}` : integrity;
  }
  const tables = await tablesLike(target, "verify_");
  if (tables.length === 0) return "no verify_* tables";
  try {
    await query(target, "CREATE EXTENSION IF NOT EXISTS amcheck");
  } catch (error) {
    console.warn(`[crash] amcheck unavailable (${(error as Error).message}): scanning the tables instead`);
    for (const table of tables) await query(target, `SELECT count(*) AS n FROM ${table}`);
    return "ok";
  }
  const problems: string[] = [];
  for (const table of tables) {
    const corrupt = await query(target, "SELECT blkno, offnum, msg FROM verify_heapam(?::regclass)", table);
    if (corrupt.length > 0) problems.push(`${table}: ${JSON.stringify(corrupt).slice(0, 500)}`);
  }
  const indexes = await query<{ name: string }>(
    target,
    `SELECT c.relname AS name FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_am am ON am.oid = c.relam
     WHERE t.relname LIKE 'verify\\_%' AND am.amname = 'btree'`,
  );
  for (const { name } of indexes) {
    try {
      await query(target, "SELECT bt_index_check(?::regclass, true)", name);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return problems.length > 0 ? problems.join("; ") : "ok";
}

/** The rows of `table` whose sid is in `sids`, by sid (in batches, one query each). */
async function rowsBySid(target: Target, columns: string, table: string, sids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(sids)];
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500);
    const rows = await query(target, `SELECT sid, ${columns} FROM ${table} WHERE sid IN (${batch.map(() => "?").join(", ")})`, ...batch);
    for (const row of rows) out.set(row.sid as string, row);
  }
  return out;
}

/** Checks the database directly: integrity, then every acknowledged write of `ledger`. */
async function checkDatabase(databaseUrl: string, ledger: Ledger): Promise<{ integrity: string; lost: string[] }> {
  const target = targetOf(databaseUrl);
  const integrity = await integrityOf(target);
  const lost: string[] = [];
  const factorSids = [...ledger.users.map((u) => u.factorSid), ...ledger.approvals.map((a) => a.factorSid)];
  const factors = await rowsBySid(
    target,
    "status, credential_id, public_key IS NOT NULL AS has_key, counter, date_last_approved",
    "verify_factors",
    factorSids,
  );
  const challenges = await rowsBySid(target, "status, factor_sid, date_responded", "verify_challenges", ledger.approvals.map((a) => a.challengeSid));
  for (const u of ledger.users) {
    const row = factors.get(u.factorSid);
    // query() gives booleans as 1/0 on both engines.
    if (!row || row.status !== "verified" || row.credential_id !== u.credentialId || Number(row.has_key) !== 1) {
      lost.push(`factor ${u.factorSid}: ${JSON.stringify(row)}`);
    }
  }
  const highest = new Map<string, number>();
  for (const a of ledger.approvals) {
    const row = challenges.get(a.challengeSid);
    if (!row || row.status !== "approved" || row.factor_sid !== a.factorSid || row.date_responded === null) {
      lost.push(`challenge ${a.challengeSid}: ${JSON.stringify(row)}`);
    }
    highest.set(a.factorSid, Math.max(highest.get(a.factorSid) ?? 0, a.counter));
  }
  for (const [sid, counter] of highest) {
    const row = factors.get(sid);
    if (!row || Number(row.counter) < counter || row.date_last_approved === null) {
      lost.push(`counter of ${sid}: stored ${JSON.stringify(row)}, acknowledged ${counter}`);
    }
  }
  return { integrity, lost };
}

/**
 * The server agrees over its API: every acknowledged factor and approval reads back, and the
 * last users still sign in (their stored counters are below their authenticators').
 */
async function checkOverApi(s: Scenario): Promise<void> {
  const c = clientOf(s);
  for (const u of s.ledger.users) {
    const res = await c.get(paths.factor(s.serviceSid, u.identity, u.factorSid));
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe("verified");
  }
  for (const a of s.ledger.approvals) {
    const res = await c.get(paths.challenge(s.serviceSid, a.identity, a.challengeSid));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: "approved", factor_sid: a.factorSid });
  }
  for (const u of s.ledger.users.slice(-3)) {
    const p3 = await c.json(paths.passkeysChallenges(s.serviceSid), { identity: u.identity });
    expect(p3.status, p3.text).toBe(201);
    const assertion = await u.auth.authenticate(p3.body.options, { origin: ORIGIN });
    const res = await c.json(paths.approveChallenge(s.serviceSid), assertion);
    expect(res.status, res.text).toBe(200);
    const counter = Buffer.from(assertion.response.authenticatorData, "base64url").readUInt32BE(33);
    s.ledger.approvals.push({ challengeSid: p3.body.sid, factorSid: u.factorSid, identity: u.identity, counter });
  }
}

const newScenario = (prefix: string): Scenario => ({
  dir: tempDir(prefix),
  credentials: newCredentials(),
  serviceSid: "",
  ledger: { users: [], approvals: [] },
});

describe(`crash safety (${ENGINE_NAME}): ${ROUNDS} SIGKILLs of the production server under load`, () => {
  const s = newScenario("owlbank-crash-");

  beforeAll(async () => {
    s.server = await startServer({ dir: s.dir, credentials: s.credentials });
    s.databaseUrl = s.server.databaseUrl;
    s.serviceSid = (await createService({}, clientOf(s))).sid;
  });

  afterAll(async () => {
    await s.server?.stop();
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every acknowledged sign-up and sign-in survives a SIGKILL of the server mid-load`, async () => {
      if (!s.server) s.server = await startServer({ dir: s.dir, credentials: s.credentials, databaseUrl: s.databaseUrl });
      const server = s.server;
      const { acknowledged, refused, inFlight, afterKill } = await loadThenCrash(s, round, 15 + 10 * round, () => server.kill());
      s.server = undefined;
      expect(acknowledged).toBeGreaterThanOrEqual(15 + 10 * round);
      // The kill landed mid-load: other clients were between request and answer.
      expect(inFlight).toBeGreaterThan(0);
      // Nothing was refused: the load is all valid, and a killed server answers nothing at all.
      expect(refused).toEqual([]);
      expect(afterKill.map((a) => `${a.what} ${a.status}: ${a.text.slice(0, 300)}`)).toEqual([]);

      const { integrity, lost } = await checkDatabase(server.databaseUrl, s.ledger);
      record({
        kind: "crash",
        killed: "server",
        engine: ENGINE,
        round,
        acknowledged: s.ledger.users.length + s.ledger.approvals.length,
        lost: lost.length,
        integrity,
        inFlight,
      });
      expect(integrity).toBe("ok");
      expect(lost).toEqual([]);

      // The restarted server agrees, over its API.
      s.server = await startServer({ dir: s.dir, credentials: s.credentials, databaseUrl: s.databaseUrl });
      await checkOverApi(s);
    });
  }
});

/** Problems with an answer given while the database is down: it must be a clean Twilio 503 (20503), in time. */
function outageProblems(a: LateAnswer, elapsedMs: number): string[] {
  const problems: string[] = [];
  const b = a.body as Record<string, unknown> | undefined;
  if (a.status !== 503) problems.push(`status ${a.status}`);
  if (!a.contentType.toLowerCase().startsWith("application/json")) problems.push(`content-type "${a.contentType}"`);
  if (typeof b !== "object" || b === null) problems.push("body is not a JSON object");
  else {
    if (b.code !== 20503) problems.push(`code ${String(b.code)}`);
    if (b.status !== 503) problems.push(`body status ${String(b.status)}`);
    if (typeof b.message !== "string" || b.message === "") problems.push("no message");
    if (typeof b.more_info !== "string" || !/^https:\/\//.test(b.more_info)) problems.push("more_info is not a URL");
  }
  const leaked = leak(a.text);
  if (leaked) problems.push(`body leaks internals: ${JSON.stringify(leaked)}`);
  if (elapsedMs > OUTAGE_ANSWER_MS) problems.push(`answered after ${elapsedMs} ms`);
  return problems.length > 0 ? [`${a.what}: ${problems.join(", ")} — ${a.text.slice(0, 300)}`] : [];
}

/** One /v2 request sent while the database is down, timed, on a connection of its own. */
async function probe(s: Scenario, what: string, method: string, path: string, body?: unknown): Promise<{ answer?: LateAnswer; error?: string; ms: number }> {
  const server = s.server as Server;
  const started = Date.now();
  const headers: Record<string, string> = { authorization: server.auth };
  if (body !== undefined) headers["content-type"] = "application/json";
  try {
    const res = await send(new URL(path, server.url), method, headers, body === undefined ? undefined : JSON.stringify(body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      parsed = undefined;
    }
    const ms = Date.now() - started;
    return { answer: { what, status: res.status, text: res.text, body: parsed, contentType: res.headers.get("content-type") ?? "", afterKillMs: ms }, ms };
  } catch (error) {
    return { error: `${what}: ${(error as Error).message}`, ms: Date.now() - started };
  }
}

/**
 * A wave of reads and writes at every kind of /v2 endpoint the load uses, all at once, as
 * `user`; `assertion` answers a challenge created before the kill, so ApproveChallenge gets
 * past its input checks to the database.
 */
async function probeWave(s: Scenario, user: User, assertion: unknown): Promise<{ answers: number; problems: string[]; slowestMs: number }> {
  const results = await Promise.all([
    probe(s, "GET Services", "GET", `${paths.services}?PageSize=5`),
    probe(s, "GET Service", "GET", paths.service(s.serviceSid)),
    probe(s, "GET Factor", "GET", paths.factor(s.serviceSid, user.identity, user.factorSid)),
    probe(s, "GET Factors", "GET", paths.factors(s.serviceSid, user.identity)),
    probe(s, "P1 CreateFactor", "POST", paths.passkeysFactors(s.serviceSid), { friendly_name: "outage", identity: newIdentity() }),
    probe(s, "P3 CreateChallenge", "POST", paths.passkeysChallenges(s.serviceSid), { identity: user.identity }),
    probe(s, "P4 ApproveChallenge", "POST", paths.approveChallenge(s.serviceSid), assertion),
  ]);
  const problems = results.flatMap((r) => (r.error ? [r.error] : outageProblems(r.answer as LateAnswer, r.ms)));
  return { answers: results.length, problems, slowestMs: Math.max(...results.map((r) => r.ms)) };
}

describe.skipIf(ENGINE !== "postgres")(`database crash (PostgreSQL): ${ROUNDS} SIGKILLs of PostgreSQL under load`, () => {
  const s = newScenario("owlbank-pgcrash-");
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let down = false;
  /** Whose requests probe the outage; not one of the load's workers (their indexes start at 0). */
  let prober: User;

  beforeAll(async () => {
    // A PostgreSQL server of this file's own: the suite's (test/global-setup.ts) serves the other files meanwhile.
    postgres = await startPostgres();
    s.databaseUrl = await postgres.createDatabase(`owlbank_crash_${randomBytes(6).toString("hex")}`);
    s.server = await startServer({ dir: s.dir, credentials: s.credentials, databaseUrl: s.databaseUrl });
    s.serviceSid = (await createService({}, clientOf(s))).sid;
    const auth = new SoftwareAuthenticator();
    const reg = await registerPasskey(s.serviceSid, auth, { client: clientOf(s) });
    prober = { auth, identity: reg.identity, factorSid: reg.factor.sid, credentialId: reg.credentialId, worker: -1 };
    s.ledger.users.push(prober);
  });

  afterAll(async () => {
    await s.server?.stop();
    if (down) await postgres?.restart().catch(() => {});
    await postgres?.stop();
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: while PostgreSQL is SIGKILLed the API answers 503 (20503) within ${OUTAGE_ANSWER_MS / 1000} s, then recovers by itself with every acknowledged write`, async (context) => {
      if (!postgres?.server) context.skip(`OWLBANK_TEST_POSTGRES_URL names a server this suite cannot kill`);
      const pg = postgres as NonNullable<typeof postgres>;
      if (down) {
        await pg.restart();
        down = false;
      }
      const server = s.server as Server;
      const p3 = await clientOf(s).json(paths.passkeysChallenges(s.serviceSid), { identity: prober.identity });
      expect(p3.status, p3.text).toBe(201);
      const pendingAssertion = await prober.auth.authenticate(p3.body.options, { origin: ORIGIN });
      const { acknowledged, refused, inFlight, afterKill } = await loadThenCrash(s, round, 15 + 10 * round, async () => {
        down = true;
        await pg.kill();
      });
      expect(acknowledged).toBeGreaterThanOrEqual(15 + 10 * round);
      expect(inFlight).toBeGreaterThan(0);
      expect(refused).toEqual([]);

      // While PostgreSQL is down: the requests the kill interrupted, then waves of new ones.
      const problems = afterKill.flatMap((a) => outageProblems(a, a.afterKillMs));
      let answers = afterKill.length;
      let slowestMs = Math.max(0, ...afterKill.map((a) => a.afterKillMs));
      for (let wave = 0; wave < 3; wave++) {
        const result = await probeWave(s, prober, pendingAssertion);
        answers += result.answers;
        problems.push(...result.problems);
        slowestMs = Math.max(slowestMs, result.slowestMs);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(server.ended(), `the application exited while PostgreSQL was down:\n${server.output().slice(-3000)}`).toBeUndefined();

      // PostgreSQL back on the same data directory; the application must find it by itself.
      await pg.restart();
      down = false;
      const back = Date.now();
      let recoveredMs = -1;
      let lastAnswer = "";
      while (Date.now() - back < RECOVERY_MS) {
        const r = await probe(s, "GET Services", "GET", `${paths.services}?PageSize=1`);
        lastAnswer = r.error ?? `${r.answer?.status} ${r.answer?.text.slice(0, 200)}`;
        if (r.answer?.status === 200) {
          recoveredMs = Date.now() - back;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const { integrity, lost } = await checkDatabase(s.databaseUrl as string, s.ledger);
      record({ kind: "outage", round, answers, bad: problems.length, slowestMs, recoveredMs });
      record({
        kind: "crash",
        killed: "postgres",
        engine: ENGINE,
        round,
        acknowledged: s.ledger.users.length + s.ledger.approvals.length,
        lost: lost.length,
        integrity,
        inFlight,
      });
      expect(problems, `answers while PostgreSQL was down\nserver log (tail):\n${server.output().slice(-3000)}`).toEqual([]);
      expect(recoveredMs, `the application did not serve again within ${RECOVERY_MS / 1000} s of PostgreSQL's restart (last: ${lastAnswer})`).toBeGreaterThanOrEqual(0);
      expect(server.ended()).toBeUndefined();
      expect(integrity).toBe("ok");
      expect(lost).toEqual([]);
      // The same process serves every acknowledged write, and new sign-ins.
      expect(s.server?.pid).toBe(server.pid);
      await checkOverApi(s);
    });
  }
});
