import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./env";
import { startUpProblems } from "./start-up";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-start-up-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const problems = (env: Record<string, string>) => startUpProblems(loadConfig({ DATABASE_URL: `file:${dir}/x.db`, ...env }));
const TWILIO = { TWILIO_ACCOUNT_SID: `AC${"4".repeat(32)}`, TWILIO_AUTH_TOKEN: "token" };

describe("startUpProblems", () => {
  it("lets development show codes without any setting", () => {
    expect(problems({ NODE_ENV: "development" })).toEqual([]);
  });

  it("stops a production start whose codes nobody could read, naming both ways out", () => {
    const [problem, ...more] = problems({ NODE_ENV: "production", APP_URL: "https://bank.example" });
    expect(more).toEqual([]);
    expect(problem).toMatch(/No SMS provider/);
    expect(problem).toMatch(/TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
    expect(problem).toMatch(/OWLBANK_DEV_OUTBOX=1/);
  });

  it("stops on localhost too until the outbox is asked for, then starts", () => {
    expect(problems({ NODE_ENV: "production", APP_URL: "http://localhost:3000" })).toHaveLength(1);
    expect(problems({ NODE_ENV: "production", APP_URL: "http://localhost:3000", OWLBANK_DEV_OUTBOX: "1" })).toEqual([]);
    expect(problems({ NODE_ENV: "production", OWLBANK_DEV_OUTBOX: "1" }), "APP_URL defaults to localhost").toEqual([]);
  });

  it("refuses to show codes on a public address", () => {
    const [problem] = problems({ NODE_ENV: "production", APP_URL: "https://bank.example", OWLBANK_DEV_OUTBOX: "1", ...TWILIO });
    expect(problem).toMatch(/only allowed when APP_URL is a localhost URL/);
  });

  it("starts in production with Twilio sending the codes", () => {
    expect(problems({ NODE_ENV: "production", APP_URL: "https://bank.example", ...TWILIO })).toEqual([]);
  });
});
