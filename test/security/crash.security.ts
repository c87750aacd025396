/**
 * Crash safety of the production server: sign-ups (P1+P2) and sign-ins (P3+P4) run against
 * it over HTTP until it has acknowledged some writes, then it is killed with SIGKILL while
 * requests are still in flight, and restarted on the same database file. Every write the
 * server acknowledged must still be there and consistent (factor verified with its
 * credential, challenge approved by its factor, counter stored), and the database must pass
 * `PRAGMA integrity_check` and `foreign_key_check`. The ledger is checked in full after
 * every round, so a write acknowledged in round 1 must survive all later crashes too.
 *
 * CRASH_ROUNDS (default 3) sets the number of kills; CRASH_WORKERS (default 6) the number of
 * concurrent clients.
 */
import fs from "node:fs";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createChallenge, createFactor, createService, newIdentity, ORIGIN, paths } from "@/test/helpers/verify";
import { httpClient } from "./support/http";
import { record } from "./support/metrics";
import { type Credentials, newCredentials, type Server, startServer, tempDir } from "@/test/helpers/server";

const ROUNDS = Math.max(Number(process.env.CRASH_ROUNDS ?? 3) || 3, 1);
const WORKERS = Math.max(Number(process.env.CRASH_WORKERS ?? 6) || 6, 1);

type User = { auth: SoftwareAuthenticator; identity: string; factorSid: string; credentialId: string; worker: number };
type Approval = { challengeSid: string; factorSid: string; identity: string; counter: number };

/** Everything the server acknowledged with a 2xx, across all rounds. */
const ledger = { users: [] as User[], approvals: [] as Approval[] };

let dir: string;
let credentials: Credentials;
let server: Server | undefined;
let serviceSid: string;

const client = (): ApiClient => httpClient((server as Server).url, (server as Server).auth);

beforeAll(async () => {
  dir = tempDir("owlbank-crash-");
  credentials = newCredentials();
  server = await startServer({ dir, credentials });
  serviceSid = (await createService({}, client())).sid;
});

afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs sign-ups and sign-ins from WORKERS clients until `killAfter` writes were acknowledged,
 * then SIGKILLs the server at once. Each worker signs in only with its own users, one at a
 * time, so counters never race here (that is concurrency.security.ts's job).
 */
async function loadThenKill(round: number, killAfter: number): Promise<{ acknowledged: number; refused: string[]; inFlight: number }> {
  let acknowledged = 0;
  let killing: Promise<void> | undefined;
  const refused: string[] = [];
  const target = server as Server;
  /** Workers between the start and the end of a sign-up or sign-in: requests the kill interrupts. */
  let busy = 0;
  let inFlight = 0;

  const acknowledge = () => {
    acknowledged++;
    if (acknowledged >= killAfter && !killing) {
      // The acknowledging worker has its answer; every other busy worker is mid-request.
      inFlight = busy - 1;
      killing = target.kill();
    }
  };

  async function worker(w: number) {
    let step = 0;
    while (!killing) {
      step++;
      const mine = ledger.users.filter((u) => u.worker === w);
      busy++;
      try {
        if (mine.length === 0 || step % 2 === 1) {
          const identity = newIdentity();
          const auth = new SoftwareAuthenticator();
          const created = await createFactor(serviceSid, { identity }, client());
          const credential = await auth.register(created.options, { origin: ORIGIN });
          const res = await client().json(paths.verifyFactor(serviceSid), credential);
          if (res.status !== 200) {
            refused.push(`P2 ${res.status}: ${res.text}`);
            continue;
          }
          ledger.users.push({ auth, identity, factorSid: created.sid, credentialId: credential.id, worker: w });
          acknowledge();
        } else {
          const user = mine[step % mine.length];
          const challenge = await createChallenge(serviceSid, { identity: user.identity }, client());
          const assertion = await user.auth.authenticate(challenge.options, { origin: ORIGIN });
          const res = await client().json(paths.approveChallenge(serviceSid), assertion);
          if (res.status !== 200) {
            refused.push(`P4 ${res.status}: ${res.text}`);
            continue;
          }
          const counter = Buffer.from(assertion.response.authenticatorData, "base64url").readUInt32BE(33);
          ledger.approvals.push({ challengeSid: challenge.sid, factorSid: user.factorSid, identity: user.identity, counter });
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
  server = undefined;
  return { acknowledged, refused, inFlight };
}

/** Checks the database file directly: integrity, then every acknowledged write. */
function checkDatabase(file: string): { integrity: string; lost: string[] } {
  // Read-write, so the WAL left by the killed process is recovered as the next server would.
  const db = new Database(file, { fileMustExist: true });
  try {
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    const foreignKeys = db.pragma("foreign_key_check") as unknown[];
    const lost: string[] = [];
    if (foreignKeys.length > 0) lost.push(`foreign_key_check: ${JSON.stringify(foreignKeys).slice(0, 500)}`);
    const factor = db.prepare("SELECT status, credential_id, public_key IS NOT NULL AS has_key, counter, date_last_approved FROM verify_factors WHERE sid = ?");
    const challenge = db.prepare("SELECT status, factor_sid, date_responded FROM verify_challenges WHERE sid = ?");
    for (const u of ledger.users) {
      const row = factor.get(u.factorSid) as Record<string, unknown> | undefined;
      if (!row || row.status !== "verified" || row.credential_id !== u.credentialId || row.has_key !== 1) {
        lost.push(`factor ${u.factorSid}: ${JSON.stringify(row)}`);
      }
    }
    const highest = new Map<string, number>();
    for (const a of ledger.approvals) {
      const row = challenge.get(a.challengeSid) as Record<string, unknown> | undefined;
      if (!row || row.status !== "approved" || row.factor_sid !== a.factorSid || row.date_responded === null) {
        lost.push(`challenge ${a.challengeSid}: ${JSON.stringify(row)}`);
      }
      highest.set(a.factorSid, Math.max(highest.get(a.factorSid) ?? 0, a.counter));
    }
    for (const [sid, counter] of highest) {
      const row = factor.get(sid) as { counter: number; date_last_approved: number | null } | undefined;
      if (!row || row.counter < counter || row.date_last_approved === null) {
        lost.push(`counter of ${sid}: stored ${JSON.stringify(row)}, acknowledged ${counter}`);
      }
    }
    return { integrity, lost };
  } finally {
    db.close();
  }
}

describe(`crash safety: ${ROUNDS} SIGKILLs of the production server under load`, () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every acknowledged sign-up and sign-in survives a SIGKILL mid-load`, async () => {
      if (!server) server = await startServer({ dir, credentials });
      const { acknowledged, refused, inFlight } = await loadThenKill(round, 15 + 10 * round);
      expect(acknowledged).toBeGreaterThanOrEqual(15 + 10 * round);
      // The kill landed mid-load: other clients were between request and answer.
      expect(inFlight).toBeGreaterThan(0);
      // Before the kill nothing should have been refused: the load is all valid.
      expect(refused).toEqual([]);

      const { integrity, lost } = checkDatabase(`${dir}/x.db`);
      record({ kind: "crash", round, acknowledged: ledger.users.length + ledger.approvals.length, lost: lost.length, integrity, inFlight });
      expect(integrity).toBe("ok");
      expect(lost).toEqual([]);

      // The restarted server agrees, over its API.
      server = await startServer({ dir, credentials });
      const c = client();
      for (const u of ledger.users) {
        const res = await c.get(paths.factor(serviceSid, u.identity, u.factorSid));
        expect(res.status, res.text).toBe(200);
        expect(res.body.status).toBe("verified");
      }
      for (const a of ledger.approvals) {
        const res = await c.get(paths.challenge(serviceSid, a.identity, a.challengeSid));
        expect(res.status, res.text).toBe(200);
        expect(res.body).toMatchObject({ status: "approved", factor_sid: a.factorSid });
      }
      // And the survivors still sign in: the stored counters are below their authenticators'.
      for (const u of ledger.users.slice(-3)) {
        const challenge = await createChallenge(serviceSid, { identity: u.identity }, c);
        const assertion = await u.auth.authenticate(challenge.options, { origin: ORIGIN });
        const res = await c.json(paths.approveChallenge(serviceSid), assertion);
        expect(res.status, res.text).toBe(200);
        const counter = Buffer.from(assertion.response.authenticatorData, "base64url").readUInt32BE(33);
        ledger.approvals.push({ challengeSid: challenge.sid, factorSid: u.factorSid, identity: u.identity, counter });
      }
    });
  }
});
