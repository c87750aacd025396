/**
 * The OpenAPI description of /v2 (docs/api.md §0): public, JSON, and the one the rest of
 * the suite checks every response against (e2e/helpers/contract.ts).
 */
import { expect, test } from "../helpers/verify";

test("GET /openapi.json is public and describes every /v2 operation", async ({ baseURL }) => {
  const response = await fetch(`${baseURL}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  expect(document.openapi).toMatch(/^3\.1\./);
  expect(document.components.securitySchemes.basicAuth).toMatchObject({ type: "http", scheme: "basic" });
  const operations = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  expect(operations).toEqual(
    expect.arrayContaining([
      "post /v2/Services",
      "get /v2/Services/{ServiceSid}/Entities",
      "post /v2/Services/{ServiceSid}/Passkeys/Factors",
      "post /v2/Services/{ServiceSid}/Passkeys/VerifyFactor",
      "post /v2/Services/{ServiceSid}/Passkeys/Challenges",
      "post /v2/Services/{ServiceSid}/Passkeys/ApproveChallenge",
      "get /v2/Services/{ServiceSid}/Entities/{Identity}/Challenges/{Sid}",
    ]),
  );
});
