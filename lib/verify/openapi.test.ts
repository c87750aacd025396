/**
 * The OpenAPI document against the code it describes: every route is in it, every response
 * the handlers give conforms to it, a serializer that drops or renames a field is caught,
 * and every documented parameter is one the parsers read.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "@/test/helpers/api";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { contractValidator, parseResponseText } from "@/test/helpers/contract";
import { createService, newIdentity, ORIGIN, paths, registerPasskey, without } from "@/test/helpers/verify";
import { VerifyError } from "./errors";
import { parseCreateFactor } from "./factors/schemas";
import { FormBody } from "./http";
import { openApiDocument } from "./openapi";
import { parseCreateService } from "./services/schemas";

type Json = Record<string, unknown>;

const doc = openApiDocument();
const validator = contractValidator(doc);
const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
const ROOT = path.resolve(import.meta.dirname, "../..");
const COPY = path.join(ROOT, "docs/openapi.json");

/** An in-process client that checks every response against the document into `problems`. */
function checkedClient(problems: string[], auth?: string | null, statuses?: Set<number>): ApiClient {
  const inner = apiClient(auth);
  const request: ApiClient["request"] = async (method, pathOrUrl, options) => {
    const res = await inner.request(method, pathOrUrl, options);
    statuses?.add(res.status);
    problems.push(
      ...validator.check({
        method,
        url: pathOrUrl,
        status: res.status,
        contentType: res.headers.get("content-type"),
        body: parseResponseText(res.text),
      }),
    );
    return res;
  };
  return {
    request,
    get: (p, query) => request("GET", p, { query }),
    form: (p, form) => request("POST", p, { form }),
    json: (p, body) => request("POST", p, { json: body }),
    delete: (p) => request("DELETE", p),
  };
}

describe("the document", () => {
  it("equals the committed docs/openapi.json (UPDATE_OPENAPI=1 rewrites it)", () => {
    const generated = `${JSON.stringify(doc, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI) writeFileSync(COPY, generated);
    expect(readFileSync(COPY, "utf8"), "docs/openapi.json is stale: run `npm run openapi`").toBe(generated);
  });

  it("describes exactly the methods every /v2 route implements", () => {
    // Route folders spell Twilio's URLs; only the parameter names differ.
    const NAMES: Record<string, string> = { serviceSid: "ServiceSid", identity: "Identity", factorSid: "Sid", challengeSid: "Sid" };
    const dir = path.join(ROOT, "app/(verify-api)");
    const implemented: string[] = [];
    const walk = (folder: string) => {
      for (const name of readdirSync(folder)) {
        const full = path.join(folder, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name === "route.ts") {
          const rel = path.relative(dir, folder).split(path.sep);
          // The catch-alls only refuse; the validator holds them to the error body.
          if (rel.some((s) => s.startsWith("[...")) || rel.join("/") === "v2") continue;
          const route = `/${rel.map((s) => s.replace(/^\[(\w+)\]$/, (_, p: string) => `{${NAMES[p]}}`)).join("/")}`;
          const source = readFileSync(full, "utf8");
          const handlers = /verifyRoutes(?:<[^>]*>)?\(\{([\s\S]*?)\}\)/.exec(source)?.[1] ?? "";
          for (const [, method] of handlers.matchAll(/\b(GET|POST|DELETE|PUT|PATCH)\s*:/g)) {
            implemented.push(`${method} ${route}`);
          }
        }
      }
    };
    walk(dir);
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([route, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${route}`),
    );
    expect(documented.sort()).toEqual(implemented.sort());
  });

  it("names response fields in Twilio's snake_case, except WebAuthn's own options", () => {
    const offenders: string[] = [];
    const walk = (schema: unknown, at: string) => {
      if (!schema || typeof schema !== "object") return;
      const s = schema as Json;
      for (const [name, sub] of Object.entries((s.properties as Json) ?? {})) {
        if (name === "options") continue; // WebAuthn's JSON (docs/api.md §9.1, §9.2), camelCase by definition
        if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) offenders.push(`${at}.${name}`);
        walk(sub, `${at}.${name}`);
      }
      for (const key of ["items", "anyOf", "oneOf", "allOf"]) {
        for (const sub of [s[key]].flat()) walk(sub, at);
      }
    };
    for (const name of ["Error", "Service", "PasskeysSettings", "Entity", "Factor", "FactorConfig", "NewFactor", "Challenge", "PasskeysChallenge", "ServicePage", "EntityPage", "FactorPage", "ChallengePage"]) {
      walk(schemas[name], name);
    }
    expect(offenders).toEqual([]);
  });

  it.each([
    ["Service", "service.d.ts", "ServiceResource"],
    ["Entity", "service/entity.d.ts", "EntityResource"],
    ["Factor", "service/entity/factor.d.ts", "FactorResource"],
    ["Factor", "service/newVerifyFactor.d.ts", "NewVerifyFactorResource"],
    ["NewFactor", "service/newFactor.d.ts", "NewFactorResource"],
    ["Challenge", "service/entity/challenge.d.ts", "ChallengeResource"],
    ["PasskeysChallenge", "service/newChallenge.d.ts", "NewChallengeResource"],
    ["PasskeysChallenge", "service/approveChallenge.d.ts", "ApproveChallengeResource"],
  ])("%s has exactly the fields of the twilio library's %s %s", (schema, file, resource) => {
    // The library's generated *Resource interfaces spell Twilio's published wire names.
    const source = readFileSync(path.join(ROOT, "node_modules/twilio/lib/rest/verify/v2", file), "utf8");
    const body = new RegExp(`^interface ${resource} \\{\n([\\s\\S]*?)^\\}`, "m").exec(source)?.[1] ?? "";
    const published = [...body.matchAll(/^\s+(\w+)\??:/gm)].map(([, name]) => name);
    expect(published.length).toBeGreaterThan(5);
    expect(Object.keys(schemas[schema].properties as Json).sort()).toEqual(published.sort());
  });

  it("requires every field of every response object, so a dropped field is caught", () => {
    const optional: string[] = [];
    const walk = (schema: unknown, at: string) => {
      if (!schema || typeof schema !== "object") return;
      const s = schema as Json;
      const required = new Set((s.required as string[]) ?? []);
      for (const [name, sub] of Object.entries((s.properties as Json) ?? {})) {
        if (!required.has(name)) optional.push(`${at}.${name}`);
        walk(sub, `${at}.${name}`);
      }
      for (const key of ["items", "anyOf"]) for (const sub of [s[key]].flat()) walk(sub, at);
    };
    for (const name of ["Error", "Service", "PasskeysSettings", "Entity", "Factor", "FactorConfig", "NewFactor", "CreationOptions", "Challenge", "PasskeysChallenge", "RequestOptions"]) {
      walk(schemas[name], name);
    }
    // The only members the serializers leave out on purpose.
    expect(optional.sort()).toEqual(
      [
        // Present once the factor has approved a challenge (docs/api.md §7.3).
        "Factor.metadata.date_last_approved",
        "NewFactor.metadata.date_last_approved",
        // "any" leaves the attachment out of the creation options (docs/api.md §9.1).
        "CreationOptions.publicKey.authenticatorSelection.authenticatorAttachment",
        // Only transports the authenticator reported.
        "CreationOptions.publicKey.excludeCredentials.transports",
        "RequestOptions.publicKey.allowCredentials.transports",
      ].sort(),
    );
  });
});

describe("every response of every operation conforms to the document", () => {
  const problems: string[] = [];
  const statuses = new Set<number>();
  const client = checkedClient(problems, undefined, statuses);
  let responses: Record<string, Json> = {};

  beforeAll(async () => {
    const service = await createService({}, client);
    const sid = service.sid as string;
    await client.form(paths.service(sid), { FriendlyName: "Renamed", LookupEnabled: true, "Totp.Skew": 2 });
    await client.form(paths.service(sid), { "Passkeys.RelyingParty.Name": "" });
    await client.get(paths.service(sid));
    await client.get(paths.services, { PageSize: 1 });

    const identity = newIdentity();
    await client.form(paths.entities(sid), { Identity: identity });
    await client.form(paths.entities(sid), { Identity: identity }); // 409
    await client.form(paths.entities(sid), { Identity: "bad" }); // 400 60367
    await client.get(paths.entity(sid, identity));
    await client.get(paths.entities(sid), { PageSize: 1 });

    const authenticator = new SoftwareAuthenticator();
    const registered = await registerPasskey(sid, authenticator, { identity, client });
    const unverified = await client.json(paths.passkeysFactors(sid), { friendlyName: "Phone", identity });
    await client.get(paths.factors(sid, identity), { PageSize: 1 });
    await client.form(paths.factor(sid, identity, registered.factor.sid), { FriendlyName: "Laptop" });
    await client.get(paths.factor(sid, identity, unverified.body.sid));

    const challenge = await client.json(paths.passkeysChallenges(sid), { identity });
    const assertion = await authenticator.authenticate(challenge.body.options, { origin: ORIGIN });
    const approved = await client.json(paths.approveChallenge(sid), assertion);
    await client.json(paths.approveChallenge(sid), assertion); // 403 60322
    await client.json(paths.passkeysChallenges(sid), {});
    await client.get(paths.challenges(sid, identity), { Status: "pending", Order: "desc", PageSize: 1 });
    const fetchedChallenge = await client.get(paths.challenge(sid, identity, challenge.body.sid));
    // The factor again, now with date_last_approved.
    const usedFactor = await client.get(paths.factor(sid, identity, registered.factor.sid));

    // Refusals: bad input, wrong content type, unknown resources, push/TOTP endpoints, auth.
    await client.json(paths.passkeysFactors(sid), { identity });
    await client.request("POST", paths.verifyFactor(sid), { form: { a: "b" } });
    await client.get(paths.services, { PageToken: "nope" });
    await client.get(paths.service(`VA${"0".repeat(32)}`));
    await client.get(paths.challenge(sid, identity, "YC-not-a-sid"));
    await client.form(paths.factors(sid, identity), { FactorType: "passkeys" });
    await client.form(paths.challenges(sid, identity), { FactorSid: registered.factor.sid });
    await client.form(paths.challenge(sid, identity, challenge.body.sid), { AuthPayload: "123456" });
    await checkedClient(problems, null).get(paths.services);
    await client.request("PUT", paths.services);
    await client.get("/v2/Nothing/Here");

    await client.delete(paths.factor(sid, identity, unverified.body.sid));
    await client.delete(paths.entity(sid, identity));
    await client.delete(paths.service(sid));

    responses = {
      Service: service,
      Factor: registered.factor,
      UsedFactor: usedFactor.body,
      NewFactor: registered.created,
      PasskeysChallenge: approved.body,
      Challenge: fetchedChallenge.body,
    };
  });

  it("for every operation, success and refusal alike", () => {
    expect([...statuses].sort()).toEqual([200, 201, 204, 400, 403, 404, 405, 409]);
    expect(problems).toEqual([]);
  });

  it("covers the variants a field can take: date_last_approved present, cleared settings", () => {
    expect((responses.UsedFactor.metadata as Json).date_last_approved).toEqual(expect.any(String));
    expect(responses.Factor.metadata).not.toHaveProperty("date_last_approved");
  });

  describe("a serializer that drifts fails the check", () => {
    const check = (url: string, status: number, body: unknown) =>
      validator.check({ method: "GET", url, status, contentType: "application/json", body });
    const FACTOR = `/v2/Services/VA${"0".repeat(32)}/Entities/ff483d1f-f6d6/Factors/YF${"0".repeat(32)}`;
    const CHALLENGE = `/v2/Services/VA${"0".repeat(32)}/Passkeys/ApproveChallenge`;

    it("accepts the real factor and challenge as they are", () => {
      expect(check(FACTOR, 200, responses.UsedFactor)).toEqual([]);
      expect(validator.check({ method: "POST", url: CHALLENGE, status: 200, contentType: "application/json", body: responses.PasskeysChallenge })).toEqual([]);
    });

    it.each(["sid", "status", "config", "metadata", "url", "date_updated", "identity"])("rejects a Factor without %s", (field) => {
      expect(check(FACTOR, 200, without(responses.UsedFactor, field))).toEqual([expect.stringContaining(`must have required property '${field}'`)]);
    });

    it("rejects a nested field dropped from the factor's config", () => {
      const config = { ...(responses.UsedFactor.config as Json), relying_party: { id: "example.com", name: "x" } };
      expect(check(FACTOR, 200, { ...responses.UsedFactor, config })).toEqual([
        expect.stringContaining("must have required property 'origins'"),
      ]);
    });

    it("rejects a field renamed to camelCase, or added without documenting it", () => {
      const { friendly_name: name, ...rest } = responses.UsedFactor;
      expect(check(FACTOR, 200, { ...rest, friendlyName: name })).toEqual(
        expect.arrayContaining([
          expect.stringContaining("must have required property 'friendly_name'"),
          expect.stringContaining("must NOT have additional properties"),
        ]),
      );
    });

    it("rejects a challenge without its options, and a status outside the enum", () => {
      const approve = (body: unknown) =>
        validator.check({ method: "POST", url: CHALLENGE, status: 200, contentType: "application/json", body });
      expect(approve(without(responses.PasskeysChallenge, "options"))).toEqual([expect.stringContaining("must have required property 'options'")]);
      expect(approve({ ...responses.PasskeysChallenge, status: "done" })).toEqual([
        expect.stringContaining("/status must be equal to one of the allowed values"),
      ]);
    });

    it("rejects a status the operation does not document, and a body on 204", () => {
      expect(check(FACTOR, 202, responses.UsedFactor)).toEqual([expect.stringContaining("documents no 202 response")]);
      expect(validator.check({ method: "DELETE", url: FACTOR, status: 204, contentType: null, body: {} })).toEqual([
        expect.stringContaining("documents no body"),
      ]);
    });
  });
});

describe("every documented request parameter is one the parsers read", () => {
  const refusal = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof VerifyError) return error.message;
      throw error;
    }
    return "accepted";
  };

  it("S1 form: each typed parameter, sent wrong, is refused by name", () => {
    const props = schemas.CreateServiceRequest.properties as Record<string, Json>;
    const checked: string[] = [];
    for (const [name, schema] of Object.entries(props)) {
      const bad =
        schema.type === "boolean" ? "maybe"
        : schema.type === "integer" ? String((schema.maximum as number) + 1)
        : Array.isArray(schema.enum) ? "bogus"
        : typeof schema.maxLength === "number" ? "x".repeat((schema.maxLength as number) + 1)
        : undefined;
      if (bad === undefined) continue;
      const form = new URLSearchParams({ FriendlyName: "Service", [name]: bad });
      expect(refusal(() => parseCreateService(new FormBody(form.toString()))), name).toContain(name);
      checked.push(name);
    }
    // Everything but the free-form relying party id and origins (validated as domains/origins).
    expect(Object.keys(props).filter((n) => !checked.includes(n)).sort()).toEqual([
      "Passkeys.RelyingParty.Id",
      "Passkeys.RelyingParty.Origins",
    ]);
    expect(refusal(() => parseCreateService(new FormBody("FriendlyName=x&Passkeys.RelyingParty.Id=https://x.com")))).toContain("Passkeys.RelyingParty.Id");
    expect(refusal(() => parseCreateService(new FormBody("FriendlyName=x&Passkeys.RelyingParty.Origins=ftp://x.com")))).toContain(
      "Passkeys.RelyingParty.Origins",
    );
  });

  it("P1 body: each enum member, in both spellings, is read and checked", () => {
    const config = schemas.FactorConfigRequest.properties as Record<string, Json>;
    const enums = Object.keys(config).filter((n) => !/relying_?party/i.test(n));
    for (const name of enums) {
      const message = refusal(() => parseCreateFactor({ friendly_name: "Ana", config: { [name]: "bogus" } }));
      const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      expect(message, name).toContain(`config.${snake}`);
    }
    for (const name of ["friendly_name", "friendlyName"]) {
      expect(refusal(() => parseCreateFactor({ [name]: "x".repeat(256) }))).toContain("friendly_name");
    }
    expect(refusal(() => parseCreateFactor({ friendly_name: "Ana", identity: "no" }))).toContain("identity");
  });
});
