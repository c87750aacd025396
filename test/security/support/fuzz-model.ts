/**
 * What the fuzzer throws at /v2, and the oracle that decides when a success was deserved.
 *
 * Requests are built from the endpoint table of docs/api.md (§0) plus unknown paths and
 * every wrong method. Path parameters, headers and bodies mix the fixture's real values (so
 * requests get past the early checks) with malformed ones. The oracle is deliberately
 * independent of lib/: it re-states the input rules of docs/api.md §8 in a few lines, and a 2xx is only
 * acceptable when the request satisfies them.
 */
import fc from "fast-check";

export type Fixture = {
  accountAuth: string;
  apiKeyAuth: string;
  serviceSid: string;
  identity: string;
  entitySid: string;
  factorSid: string;
  unverifiedFactorSid: string;
  challengeSid: string;
};

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export type FuzzRequest = {
  method: Method;
  /** Path and query, already percent-encoded. */
  path: string;
  /** `undefined` sends no Authorization header. */
  auth: string | undefined;
  headers: Record<string, string>;
  body?: string;
};

// ---------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------

const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });
const HUGE = 20_000;

/** Strings that break things: SQL, traversal, NUL, format strings, prototype keys, huge. */
const NASTY = [
  "",
  " ",
  "'",
  "' OR 1=1 --",
  "\"; DROP TABLE verify_factors; --",
  "../../etc/passwd",
  "..",
  "%00",
  "\u0000",
  "%s%s%n",
  "__proto__",
  "constructor",
  "prototype",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e309",
  "\u202e",
  "😀",
  "ＶＡ",
  "<script>alert(1)</script>",
];

export const weirdString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.nat({ max: 70_000 }).map((n) => "A".repeat(n)),
);

/** A value of any JSON type, including huge strings and arrays and deep nesting. */
export const weirdJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31), true, false, null) },
  { weight: 1, arbitrary: fc.nat({ max: 12_000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown) },
  { weight: 1, arbitrary: fc.constant({ __proto__: { admin: true } }) },
);

export function sidArb(prefix: string, known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: hex(32).map((h) => `${prefix}${h}`) },
    { weight: 1, arbitrary: hex(32).map((h) => `${prefix.toLowerCase()}${h}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("AC", "VA", "YE", "YF", "YC", "SK", "XX", "va"), hex(32)).map(([p, h]) => p + h) },
    { weight: 1, arbitrary: fc.nat({ max: 40 }).chain((n) => hex(n)).map((h) => `${prefix}${h}`) },
    { weight: 1, arbitrary: fc.constant(`${prefix}${"F".repeat(32)}`) },
    { weight: 2, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.constant(`${prefix}${"a".repeat(HUGE)}`) },
  );
}

export function identityArb(known: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(known) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("short", "a".repeat(65), "a--b-cdef", "-abcdefgh", "abcdefgh-", "ab cd efgh", "user@example.com", "+14155550100", known.toUpperCase()) },
    { weight: 2, arbitrary: weirdString },
  );
}

/** Percent-encodes a segment, but sometimes leaves characters raw (as a sloppy client would). */
const segment = (value: string, raw: boolean) => (raw ? value.replace(/[/?#%]/g, encodeURIComponent) : encodeURIComponent(value));

const AUTH_GARBAGE = [
  "Basic",
  "Basic ",
  "Basic !!!!",
  "Basic Og==",
  "Bearer eyJhbGciOiJub25lIn0.e30.",
  "basic " + Buffer.from("AC:").toString("base64"),
  "Digest username=x",
  "Basic " + "A".repeat(10_000),
];

export function authArb(f: Fixture): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(f.accountAuth) },
    { weight: 2, arbitrary: fc.constant(f.apiKeyAuth) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...AUTH_GARBAGE) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.constant(f.accountAuth), fc.string({ maxLength: 40 })), fc.string({ maxLength: 40 }))
        .map(([user, pass]) => `Basic ${Buffer.from(`${user.replace(/^Basic /, "")}:${pass}`, "latin1").toString("base64")}`),
    },
  );
}

export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json;charset=UTF-8;foo=bar",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-8",
  "text/plain",
  "text/json",
  "application/json-patch+json",
  "application/cbor",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "",
  "*/*",
  "application/json, text/plain",
];

/** Header values must be ByteStrings without CR/LF, or the Request constructor throws. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, "");

export const extraHeadersArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .record(
        {
          accept: fc.constantFrom("application/json", "text/html", "*/*", "application/xml"),
          "x-forwarded-proto": fc.oneof(fc.constantFrom("https", "http", "javascript", "", "https, http"), fc.string({ maxLength: 10 }).map(headerSafe)),
          "accept-charset": fc.constantFrom("utf-8", "latin1", "x"),
          "content-length": fc.constantFrom("0", "-1", "abc", "99999999999", "70000"),
          "x-http-method-override": fc.constantFrom(...METHODS),
          host: fc.constantFrom("evil.example", "localhost:3000", "a b", "[::1]:1", "x".repeat(300)),
          "transfer-encoding": fc.constantFrom("chunked", "gzip"),
        },
        { requiredKeys: [] },
      )
      .map((h) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "transfer-encoding"))),
  },
);

export function formOf(entries: [string, string][]): string {
  const p = new URLSearchParams();
  for (const [k, v] of entries) p.append(k, v);
  return p.toString();
}

// ---------------------------------------------------------------------------------------
// Forms: every parameter of S1/S3/E1/F3/F5/C3/C4 with valid and invalid values
// ---------------------------------------------------------------------------------------

/** Valid values per (lower-cased) form key; anything else the oracle counts as invalid. */
export const VALID_FORM: Record<string, string[]> = {
  friendlyname: ["OwlBank", "A", "x".repeat(32), "Fancy name"],
  name: ["OwlBank"],
  "passkeys.relyingparty.id": ["example.com", "login.example.com", "localhost", ""],
  "passkeys.relyingparty.name": ["OwlBank", "", "x".repeat(255)],
  "passkeys.relyingparty.origins": ["https://example.com", "example.com", "https://a.example.com,https://b.example.com", "http://localhost:3000", ""],
  "passkeys.authenticatorattachment": ["platform", "cross-platform", "any", ""],
  "passkeys.discoverablecredentials": ["required", "preferred", "discouraged", ""],
  "passkeys.userverification": ["required", "preferred", "discouraged", ""],
  lookupenabled: ["true", "false"],
  codelength: ["4", "6", "10"],
  ttsname: ["x", ""],
  "totp.timestep": ["20", "30", "60"],
  "totp.skew": ["0", "1", "2"],
  identity: ["8d2f6c1e-4b7a-4c33-9e0d-2a6b5f1c7e90", "abcdefgh"],
  factortype: ["push", "totp", "passkeys"],
};

const INVALID_FORM: Record<string, string[]> = {
  friendlyname: ["", "   ", "x".repeat(33), "x".repeat(70_000)],
  "passkeys.relyingparty.id": ["https://example.com", "example.com:443", "example.com/path", "127.0.0.1", "-bad-.com", "a".repeat(300), "exa mple.com", "com"],
  "passkeys.relyingparty.name": ["x".repeat(256)],
  "passkeys.relyingparty.origins": ["ftp://example.com", "http://example.com", "https://example.com/path", "https://u:p@example.com", "https://", "javascript:alert(1)", "https://[::1", "https://example.com?q=1"],
  "passkeys.authenticatorattachment": ["PLATFORM", "usb", "none"],
  "passkeys.discoverablecredentials": ["REQUIRED", "always", "0"],
  "passkeys.userverification": ["Required", "yes", "1"],
  lookupenabled: ["True", "1", "yes", ""],
  codelength: ["3", "11", "-4", "6.5", "1e1", "999999"],
  "totp.timestep": ["19", "61", "x"],
  "totp.skew": ["3", "-1"],
  identity: ["short", "a@b.com", "a".repeat(65), ""],
  authpayload: ["123456"],
  "config.notificationtoken": ["x"],
};

const FORM_KEY_SPELLINGS: Record<string, string[]> = {
  friendlyname: ["FriendlyName", "friendlyname", "FRIENDLYNAME"],
  name: ["Name"],
  "passkeys.relyingparty.id": ["Passkeys.RelyingParty.Id", "Passkeys.RelyingParty.id", "passkeys.relyingparty.ID"],
  "passkeys.relyingparty.name": ["Passkeys.RelyingParty.Name"],
  "passkeys.relyingparty.origins": ["Passkeys.RelyingParty.Origins", "passkeys.relyingParty.origins"],
  "passkeys.authenticatorattachment": ["Passkeys.AuthenticatorAttachment"],
  "passkeys.discoverablecredentials": ["Passkeys.DiscoverableCredentials"],
  "passkeys.userverification": ["Passkeys.UserVerification"],
  lookupenabled: ["LookupEnabled"],
  codelength: ["CodeLength"],
  ttsname: ["TtsName"],
  "totp.timestep": ["Totp.TimeStep"],
  "totp.skew": ["Totp.Skew"],
  identity: ["Identity"],
  factortype: ["FactorType"],
  authpayload: ["AuthPayload"],
  "config.notificationtoken": ["Config.NotificationToken"],
};

export const formEntriesArb: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(...Object.keys(FORM_KEY_SPELLINGS)).chain((key) =>
        fc.tuple(
          fc.constantFrom(...FORM_KEY_SPELLINGS[key]),
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...(VALID_FORM[key] ?? ["x"])) },
            { weight: 2, arbitrary: fc.constantFrom(...(INVALID_FORM[key] ?? [""])) },
            { weight: 1, arbitrary: weirdString },
          ),
        ),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(weirdString, weirdString) },
  ),
  { maxLength: 8 },
);

// ---------------------------------------------------------------------------------------
// JSON bodies of P1 and P3, both spellings (docs/api.md §3.2)
// ---------------------------------------------------------------------------------------

export const VALID_CONFIG_VALUES: Record<string, unknown[]> = {
  relying_party: [
    { id: "example.com", name: "OwlBank", origins: ["https://example.com"] },
    { id: "example.com" },
    { origins: "https://example.com,https://login.example.com" },
    {},
    null,
  ],
  authenticator_attachment: ["platform", "cross-platform", "any", null],
  discoverable_credentials: ["required", "preferred", "discouraged", null],
  user_verification: ["required", "preferred", "discouraged", null],
};
const CONFIG_ALIASES: Record<string, string> = {
  relying_party: "relyingParty",
  authenticator_attachment: "authenticatorAttachment",
  discoverable_credentials: "discoverableCredentials",
  user_verification: "userVerification",
};
const INVALID_CONFIG_VALUES: Record<string, unknown[]> = {
  relying_party: [
    { id: "https://example.com" },
    { id: 42 },
    { name: 7 },
    { origins: ["http://example.com"] },
    { origins: [1, 2] },
    { origins: Array.from({ length: 60 }, () => "https://example.com") },
    { origins: "javascript:alert(1)" },
    "example.com",
    [],
  ],
  authenticator_attachment: ["usb", "", "PLATFORM", 1],
  discoverable_credentials: ["always", "", true],
  user_verification: ["yes", "", 0],
};

function configArb(): fc.Arbitrary<unknown> {
  const member = (key: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...VALID_CONFIG_VALUES[key]) },
      { weight: 2, arbitrary: fc.constantFrom(...INVALID_CONFIG_VALUES[key]) },
      { weight: 1, arbitrary: weirdJson },
    );
  const object = fc
    .tuple(
      ...Object.keys(VALID_CONFIG_VALUES).map((key) =>
        fc.option(fc.tuple(fc.constantFrom(key, CONFIG_ALIASES[key]), member(key)), { nil: undefined }),
      ),
    )
    .map((pairs) => Object.fromEntries(pairs.filter((p): p is [string, unknown] => p !== undefined)));
  return fc.oneof({ weight: 4, arbitrary: object }, { weight: 1, arbitrary: weirdJson });
}

export function createFactorBodyArb(f: Fixture): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      friendly_name: fc.oneof(fc.constantFrom("Ana's laptop", "x".repeat(255)), fc.constantFrom("", "   ", "x".repeat(256)), weirdJson),
      friendlyName: fc.oneof(fc.constant("Ana's phone"), weirdJson),
      identity: fc.oneof(identityArb(f.identity), weirdJson),
      config: configArb(),
      extra: weirdJson,
    },
    { requiredKeys: [] },
  );
}

export function createChallengeBodyArb(f: Fixture): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      identity: fc.oneof({ weight: 3, arbitrary: identityArb(f.identity) }, { weight: 1, arbitrary: weirdJson }),
      factor_sid: fc.oneof(sidArb("YF", [f.factorSid, f.unverifiedFactorSid]), weirdJson),
      factorSid: fc.oneof(sidArb("YF", [f.factorSid]), weirdJson),
      extra: weirdJson,
    },
    { requiredKeys: [] },
  );
}

// ---------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------

export type Endpoint =
  | "S1" | "S2" | "S3" | "S4" | "S5"
  | "E1" | "E2" | "E3" | "E4"
  | "F1" | "F2" | "F3" | "F4" | "F5"
  | "C1" | "C2" | "C3" | "C4"
  | "P1" | "P2" | "P3" | "P4";

type Route = { pattern: RegExp; names: string[]; methods: Partial<Record<Method, Endpoint>> };

/** The endpoint table of docs/api.md §0; any other (path, method) must be refused. */
const ROUTES: Route[] = [
  { pattern: /^\/v2\/Services$/, names: [], methods: { POST: "S1", GET: "S4" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/Factors$/, names: ["serviceSid"], methods: { POST: "P1" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/VerifyFactor$/, names: ["serviceSid"], methods: { POST: "P2" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/Challenges$/, names: ["serviceSid"], methods: { POST: "P3" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/ApproveChallenge$/, names: ["serviceSid"], methods: { POST: "P4" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Factors\/([^/]+)$/, names: ["serviceSid", "identity", "factorSid"], methods: { GET: "F2", POST: "F3", DELETE: "F4" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Factors$/, names: ["serviceSid", "identity"], methods: { GET: "F1", POST: "F5" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Challenges\/([^/]+)$/, names: ["serviceSid", "identity", "challengeSid"], methods: { GET: "C2", POST: "C4" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Challenges$/, names: ["serviceSid", "identity"], methods: { GET: "C1", POST: "C3" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)$/, names: ["serviceSid", "identity"], methods: { GET: "E2", DELETE: "E4" } },
  { pattern: /^\/v2\/Services\/([^/]+)\/Entities$/, names: ["serviceSid"], methods: { POST: "E1", GET: "E3" } },
  { pattern: /^\/v2\/Services\/([^/]+)$/, names: ["serviceSid"], methods: { GET: "S2", POST: "S3", DELETE: "S5" } },
];

export function classify(method: Method, pathname: string): { endpoint: Endpoint; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const endpoint = route.methods[method];
    if (!endpoint) return undefined;
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    } catch {
      return undefined;
    }
    return { endpoint, params };
  }
  return undefined;
}

const PATH_TEMPLATES: ((p: { va: string; id: string; yf: string; yc: string }) => string)[] = [
  () => "/v2/Services",
  (p) => `/v2/Services/${p.va}`,
  (p) => `/v2/Services/${p.va}/Entities`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Factors`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Factors/${p.yf}`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Challenges`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Challenges/${p.yc}`,
  (p) => `/v2/Services/${p.va}/Passkeys/Factors`,
  (p) => `/v2/Services/${p.va}/Passkeys/VerifyFactor`,
  (p) => `/v2/Services/${p.va}/Passkeys/Challenges`,
  (p) => `/v2/Services/${p.va}/Passkeys/ApproveChallenge`,
  // Unknown paths: near misses, case changes, extra segments, other Twilio resources.
  () => "/v2/services",
  () => "/v2/Service",
  () => "/v2/",
  () => "/v2/Services/",
  (p) => `/v2/Services/${p.va}/Passkeys`,
  (p) => `/v2/Services/${p.va}/Passkeys/approvechallenge`,
  (p) => `/v2/Services/${p.va}/Passkeys/Factors/${p.yf}`,
  (p) => `/v2/Services/${p.va}/Verifications`,
  (p) => `/v2/Services/${p.va}/Webhooks`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Factors/${p.yf}/Notifications`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Challenges/${p.yc}/Notifications`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Unknown`,
  (p) => `/v2/Services/${p.va}/Entities/${p.id}/Factors/${p.yf}/a/b/c/d`,
  () => "/v2/Services/..%2F..%2Fetc%2Fpasswd",
  () => "/v2/Accounts/AC00000000000000000000000000000000/Messages",
  () => `/v2/${"x/".repeat(200)}`,
];

function queryArb(f: Fixture): fc.Arbitrary<string> {
  return fc
    .record(
      {
        PageSize: fc.oneof(fc.constantFrom("1", "50", "1000", "1001", "0", "-1", "abc", "1e3", "99999999999", "2.5", ""), weirdString),
        Page: fc.oneof(fc.constantFrom("0", "1", "-1", "x", "999999999"), weirdString),
        PageToken: fc.oneof(
          fc.constantFrom(`PA0-${f.challengeSid}`, `PB${Date.now()}-${f.factorSid}`, "PA", "PAxyz", `PA1-${"Z".repeat(34)}`, `PA${"9".repeat(16)}-${f.factorSid}`),
          weirdString,
        ),
        Status: fc.oneof(fc.constantFrom("pending", "expired", "approved", "denied", "PENDING", ""), weirdString),
        Order: fc.oneof(fc.constantFrom("asc", "desc", "ASC", "random", ""), weirdString),
        FactorSid: sidArb("YF", [f.factorSid]),
        junk: weirdString,
      },
      { requiredKeys: [] },
    )
    .map((q) => {
      const s = new URLSearchParams(q as Record<string, string>).toString();
      return s ? `?${s}` : "";
    });
}

export function pathArb(f: Fixture): fc.Arbitrary<string> {
  return fc
    .record({
      template: fc.nat({ max: PATH_TEMPLATES.length - 1 }),
      va: sidArb("VA", [f.serviceSid]),
      id: identityArb(f.identity),
      yf: sidArb("YF", [f.factorSid, f.unverifiedFactorSid]),
      yc: sidArb("YC", [f.challengeSid]),
      raw: fc.boolean(),
      query: fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 2, arbitrary: queryArb(f) }),
    })
    .map(({ template, va, id, yf, yc, raw, query }) => {
      const enc = (v: string) => segment(v, raw);
      return PATH_TEMPLATES[template]({ va: enc(va), id: enc(id), yf: enc(yf), yc: enc(yc) }) + query;
    });
}

/** A body for whatever endpoint the path names, or something else entirely. */
export function bodyArb(f: Fixture): fc.Arbitrary<{ body?: string; contentType?: string }> {
  const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v) ?? "null");
  return fc.record({
    body: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: formEntriesArb.map(formOf) },
      { weight: 2, arbitrary: json(createFactorBodyArb(f)) },
      { weight: 2, arbitrary: json(createChallengeBodyArb(f)) },
      { weight: 1, arbitrary: json(weirdJson) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom("{", "[", "{\"a\":", "null", "[]", "\"x\"", "1", "{}", "{\"__proto__\":{\"x\":1}}", "\uFEFF{}", "{\"response\":{}}") },
      { weight: 1, arbitrary: fc.nat({ max: 40_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`) },
      { weight: 1, arbitrary: fc.integer({ min: 64 * 1024 - 8, max: 200_000 }).map((n) => `{"x":"${"A".repeat(n)}"}`) },
    ),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
  });
}

/**
 * The fuzzer must not delete the fixture it aims at, or every later request would only
 * meet 404s: a DELETE that names fixture resources is pointed at an unknown one instead.
 */
function spareFixtures(path: string, f: Fixture): string {
  const url = new URL(path, "http://localhost");
  const route = classify("DELETE", url.pathname);
  if (!route) return path;
  const p = route.params;
  if (route.endpoint === "S5" && p.serviceSid === f.serviceSid) return path.replace(f.serviceSid, `VA${"0".repeat(32)}`);
  if (route.endpoint === "E4" && p.serviceSid === f.serviceSid && p.identity === f.identity) {
    return `/v2/Services/${f.serviceSid}/Entities/not-the-fixture-${"0".repeat(8)}`;
  }
  if (route.endpoint === "F4" && p.serviceSid === f.serviceSid && p.identity === f.identity) {
    return `/v2/Services/${f.serviceSid}/Entities/${f.identity}/Factors/YF${"0".repeat(32)}`;
  }
  return path;
}

export function requestArb(f: Fixture): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      path: pathArb(f),
      auth: authArb(f),
      extra: extraHeadersArb,
      body: bodyArb(f),
    })
    .map(({ method, path, auth, extra, body }) => ({
      method,
      path: method === "DELETE" ? spareFixtures(path, f) : path,
      auth,
      headers: { ...extra, ...(body.contentType !== undefined ? { "content-type": body.contentType } : {}) },
      // A GET cannot carry a body (the Request constructor refuses it).
      body: method === "GET" ? undefined : body.body,
    }));
}

// ---------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------

const IDENTITY = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const isIdentity = (v: unknown): v is string => typeof v === "string" && v.length >= 8 && v.length <= 64 && IDENTITY.test(v);

function mediaType(headers: Record<string, string>): string {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type");
  return (entry?.[1] ?? "").split(";")[0].trim().toLowerCase();
}

function jsonObject(body: string | undefined): Record<string, unknown> | undefined {
  if (body === undefined || body.trim() === "") return {};
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Last value per lower-cased key, and all values, as the server's FormBody reads them. */
function form(body: string | undefined) {
  const all = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(body ?? "")) all.set(k.toLowerCase(), [...(all.get(k.toLowerCase()) ?? []), v]);
  return { get: (k: string) => all.get(k)?.at(-1), all: (k: string) => all.get(k) ?? [], keys: () => [...all.keys()] };
}

// The rules for the values the server accepts (docs/api.md §7.1, §8.1, and §11 rows 5 and 9).
const DOMAIN = /^(?=.*[a-z])([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
export const isRpId = (v: unknown): boolean =>
  typeof v === "string" && v.length <= 253 && (v === "localhost" || DOMAIN.test(v)) && !/^[\d.]+$/.test(v);

/** One origin: `https://host[:port]`, `http://localhost[:port]`, an Android app origin, or a bare host. */
export function isOrigin(raw: string): boolean {
  const v = raw.trim();
  if (/^android:apk-key-hash:[A-Za-z0-9_-]+$/.test(v)) return true;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`);
  } catch {
    return false;
  }
  const schemeOk = url.protocol === "https:" || (url.protocol === "http:" && url.hostname === "localhost");
  return schemeOk && !url.username && !url.password && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash;
}

const originsValid = (values: string[]) =>
  values.flatMap((v) => v.split(",")).every((o) => o.trim() === "" || isOrigin(o));

const intIn = (min: number, max: number) => (v: string) => /^\d{1,3}$/.test(v) && Number(v) >= min && Number(v) <= max;
const oneOfValues = (...values: string[]) => (v: string) => values.includes(v);

const FORM_RULES: Record<string, (v: string) => boolean> = {
  "passkeys.relyingparty.id": (v) => v === "" || isRpId(v),
  "passkeys.relyingparty.name": (v) => v.length <= 255,
  "passkeys.authenticatorattachment": oneOfValues("platform", "cross-platform", "any", ""),
  "passkeys.discoverablecredentials": oneOfValues("required", "preferred", "discouraged", ""),
  "passkeys.userverification": oneOfValues("required", "preferred", "discouraged", ""),
  lookupenabled: oneOfValues("true", "false"),
  codelength: intIn(4, 10),
  ttsname: (v) => v.length <= 255,
  "totp.timestep": intIn(20, 60),
  "totp.skew": intIn(0, 2),
};

function serviceFormValid(body: string | undefined, nameRequired: boolean): boolean {
  const f = form(body);
  const name = f.get("friendlyname") ?? f.get("name");
  if (name === undefined ? nameRequired : name.trim() === "" || name.length > 32) return false;
  if (!originsValid(f.all("passkeys.relyingparty.origins"))) return false;
  return Object.entries(FORM_RULES).every(([key, rule]) => {
    const v = f.get(key);
    return v === undefined || rule(v);
  });
}

function relyingPartyValid(rp: unknown): boolean {
  if (rp === undefined || rp === null) return true;
  if (typeof rp !== "object" || Array.isArray(rp)) return false;
  const r = rp as Record<string, unknown>;
  if (r.id !== undefined && r.id !== null && !isRpId(r.id)) return false;
  if (r.name !== undefined && r.name !== null && !(typeof r.name === "string" && r.name.length <= 255)) return false;
  if (r.origins === undefined || r.origins === null) return true;
  const list = typeof r.origins === "string" ? r.origins.split(",") : r.origins;
  if (!Array.isArray(list) || list.length > 50 || !list.every((o) => typeof o === "string")) return false;
  const nonEmpty = (list as string[]).filter((o) => o.trim() !== "");
  return nonEmpty.length > 0 && nonEmpty.every(isOrigin);
}

function pageQueryValid(query: URLSearchParams, f: Fixture, challenges = false): boolean {
  const size = query.get("PageSize");
  if (size !== null && !(/^\d{1,9}$/.test(size) && Number(size) >= 1)) return false;
  const page = query.get("Page");
  if (page !== null && !/^\d{1,9}$/.test(page)) return false;
  const token = query.get("PageToken");
  if (token !== null && !/^(PA|PB)\d{1,15}-[A-Z]{2}[0-9a-f]{32}$/.test(token)) return false;
  if (!challenges) return true;
  const status = query.get("Status");
  if (status !== null && !["pending", "expired", "approved", "denied"].includes(status)) return false;
  const order = query.get("Order");
  if (order !== null && !["asc", "desc"].includes(order)) return false;
  const factor = query.get("FactorSid");
  return factor === null || /^YF[0-9a-fA-F]{32}$/.test(factor);
}

/**
 * Whether a 2xx is an acceptable answer to `req`: the route and method exist, the caller
 * authenticated, every path parameter names a fixture resource, and the body satisfies the
 * rules of docs/api.md §8 for that endpoint. DELETEs of fixture resources are never generated, and
 * P2/P4 successes are judged by the credential-mutation oracle instead.
 */
export function successAllowed(req: FuzzRequest, f: Fixture): boolean {
  const url = new URL(req.path, "http://localhost");
  const route = classify(req.method, url.pathname);
  if (!route) return false;
  if (req.auth !== f.accountAuth && req.auth !== f.apiKeyAuth) return false;
  const p = route.params;
  if (p.serviceSid !== undefined && p.serviceSid !== f.serviceSid) return false;
  if (p.identity !== undefined && p.identity !== f.identity) return false;
  if (p.factorSid !== undefined && p.factorSid !== f.factorSid && p.factorSid !== f.unverifiedFactorSid) return false;
  if (p.challengeSid !== undefined && p.challengeSid !== f.challengeSid) return false;
  const q = url.searchParams;
  switch (route.endpoint) {
    case "S4":
    case "E3":
    case "F1":
      return pageQueryValid(q, f);
    case "C1":
      return pageQueryValid(q, f, true);
    case "S2":
    case "E2":
    case "F2":
    case "C2":
      return true;
    case "S1":
      return serviceFormValid(req.body, true);
    case "S3":
      return serviceFormValid(req.body, false);
    case "E1": {
      const identity = form(req.body).get("identity");
      return isIdentity(identity);
    }
    case "F3": {
      const f3 = form(req.body);
      if (f3.keys().some((k) => k === "authpayload" || k.startsWith("config."))) return false;
      const name = f3.get("friendlyname");
      return name === undefined || (name.trim() !== "" && name.length <= 255);
    }
    case "P1": {
      if (mediaType(req.headers) !== "application/json") return false;
      const b = jsonObject(req.body);
      if (!b) return false;
      const name = b.friendly_name !== undefined ? b.friendly_name : b.friendlyName;
      if (typeof name !== "string" || name.trim() === "" || name.length > 255) return false;
      if (b.identity !== undefined && !isIdentity(b.identity)) return false;
      if (b.config === undefined || b.config === null) return true;
      if (typeof b.config !== "object" || Array.isArray(b.config)) return false;
      const c = b.config as Record<string, unknown>;
      const member = (snake: string) => (c[snake] !== undefined ? c[snake] : c[CONFIG_ALIASES[snake]]);
      const enumOk = (v: unknown, values: string[]) => v === undefined || v === null || (typeof v === "string" && values.includes(v));
      return (
        relyingPartyValid(member("relying_party")) &&
        enumOk(member("authenticator_attachment"), ["platform", "cross-platform", "any"]) &&
        enumOk(member("discoverable_credentials"), ["required", "preferred", "discouraged"]) &&
        enumOk(member("user_verification"), ["required", "preferred", "discouraged"])
      );
    }
    case "P3": {
      if (mediaType(req.headers) !== "application/json") return false;
      const b = jsonObject(req.body);
      if (!b) return false;
      const factor = b.factor_sid !== undefined ? b.factor_sid : b.factorSid;
      const identityOk = b.identity === undefined || b.identity === null || b.identity === f.identity;
      return identityOk && (factor === undefined || factor === null || factor === f.factorSid);
    }
    default:
      // S5/E4/F4 of fixture resources are never generated; F5/C3/C4 are push/TOTP only;
      // P2/P4 cannot succeed without a credential the fuzzer does not have here.
      return false;
  }
}
