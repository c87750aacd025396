/**
 * "Refused, with the right Twilio code, and nothing written": the assertion every attack in
 * the catalogue ends with.
 */
import { expect, it } from "vitest";
import type { ApiResponse } from "@/test/helpers/api";
import { record } from "./metrics";
import { expectUnchanged, snapshot } from "./snapshot";
import { twilioErrorProblems } from "./twilio-body";

export function expectTwilioError(res: ApiResponse, code: number, status: number): void {
  expect({ status: res.status, code: res.body?.code }, res.text).toEqual({ status, code });
  const problems = twilioErrorProblems({
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    text: res.text,
    body: res.body,
  });
  expect(problems, res.text).toEqual([]);
}

/**
 * Sends the attack and checks it was refused with `code`/`status` and changed no row of any
 * verify_* table of the in-process database (the test file's own, on either engine).
 * `allowExpiry` lists challenge SIDs whose lazy pending→expired move is expected.
 */
export async function expectRefusedWithoutWrites(
  send: () => Promise<ApiResponse>,
  code: number,
  status: number,
  allowExpiry: string[] = [],
): Promise<ApiResponse> {
  const before = await snapshot();
  const res = await send();
  const after = await snapshot();
  expectTwilioError(res, code, status);
  expectUnchanged(before, after, allowExpiry);
  return res;
}

/** One named attack: counted as tried when it starts and as refused when every check passed. */
export function attack(name: string, fn: () => Promise<void>, timeout?: number): void {
  it(name, async () => {
    record({ kind: "attack", name, phase: "tried" });
    await fn();
    record({ kind: "attack", name, phase: "refused" });
  }, timeout);
}

/**
 * A behaviour the API gets wrong today, written as docs/api.md says it should be and expected to fail
 * (`it.fails`). When the bug is fixed the test starts failing: delete the `knownBug` wrapper.
 */
export function knownBug(name: string, fn: () => Promise<void>): void {
  it.fails(`[known bug] ${name}`, async () => {
    record({ kind: "known-bug", name });
    await fn();
  });
}
