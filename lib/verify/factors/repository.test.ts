/**
 * What the prepared statements store, read back raw from SQLite: they must write exactly
 * what drizzle's one-off queries wrote (NULL stays NULL, JSON and booleans mapped).
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createFactor, createService, registerPasskey } from "@/test/helpers/verify";

type Raw = Record<string, unknown>;
const rawFactor = (sid: string) =>
  db()
    .$client.prepare(
      "SELECT status, credential_id, public_key, counter, transports, aaguid, backup_eligible, backed_up, algorithms, config FROM verify_factors WHERE sid = ?",
    )
    .get(sid) as Raw;

describe("factor rows as stored", () => {
  it("an unverified factor keeps NULL in everything only verification sets", async () => {
    const service = await createService();
    const created = await createFactor(service.sid);
    const row = rawFactor(created.sid);
    expect(row).toMatchObject({
      status: "unverified",
      credential_id: null,
      public_key: null,
      counter: 0,
      transports: null,
      aaguid: null,
      backup_eligible: null,
      backed_up: null,
    });
    expect(JSON.parse(row.algorithms as string)).toEqual(expect.arrayContaining([-7]));
    expect(JSON.parse(row.config as string)).toMatchObject({ relying_party: { id: "example.com" } });
  });

  it("verification writes the credential with booleans as 0/1 and transports as JSON", async () => {
    const service = await createService();
    const authenticator = new SoftwareAuthenticator({ alg: "ES256", backupEligible: true, backedUp: false });
    const { factor, credentialId } = await registerPasskey(service.sid, authenticator);
    const row = rawFactor(factor.sid);
    expect(row).toMatchObject({ status: "verified", credential_id: credentialId, backup_eligible: 1, backed_up: 0 });
    expect(Buffer.isBuffer(row.public_key)).toBe(true);
    expect(row.transports === null || Array.isArray(JSON.parse(row.transports as string))).toBe(true);
    expect(row.aaguid).toMatch(/^[0-9a-f-]{36}$/);
  });
});
