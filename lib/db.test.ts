import { describe, expect, it } from "vitest";
import { databaseFailure } from "./db";

/** A failed query as drizzle throws it: its own error, with the driver's as `cause`. */
const failedQuery = (cause: Error & { code?: string }) => Object.assign(new Error("Failed query: select 1\nparams: "), { cause });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("databaseFailure", () => {
  it("reads unique and foreign key violations on both engines", () => {
    expect(databaseFailure(failedQuery(withCode("UNIQUE constraint failed", "SQLITE_CONSTRAINT_UNIQUE")))).toBe("unique_violation");
    expect(databaseFailure(failedQuery(withCode("duplicate key value", "23505")))).toBe("unique_violation");
    expect(databaseFailure(failedQuery(withCode("FOREIGN KEY constraint failed", "SQLITE_CONSTRAINT_FOREIGNKEY")))).toBe("foreign_key_violation");
    expect(databaseFailure(failedQuery(withCode("violates foreign key constraint", "23503")))).toBe("foreign_key_violation");
  });

  it("reads a database that is down, restarting, or lost mid-transaction as unavailable", () => {
    expect(databaseFailure(failedQuery(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")))).toBe("unavailable");
    expect(databaseFailure(failedQuery(withCode("terminating connection due to administrator command", "57P01")))).toBe("unavailable");
    expect(databaseFailure(failedQuery(withCode("the database system is starting up", "57P03")))).toBe("unavailable");
    expect(databaseFailure(failedQuery(withCode("canceling statement due to statement timeout", "57014")))).toBe("unavailable");
    // The server killed while a transaction was open: the rollback itself fails, with no code.
    expect(databaseFailure(failedQuery(new Error("Connection terminated unexpectedly")))).toBe("unavailable");
    expect(databaseFailure(failedQuery(new Error("timeout exceeded when trying to connect")))).toBe("unavailable");
  });

  it("leaves anything else to the caller", () => {
    expect(databaseFailure(new Error("boom"))).toBeUndefined();
    expect(databaseFailure(failedQuery(withCode("syntax error", "42601")))).toBeUndefined();
  });
});
