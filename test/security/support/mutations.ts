/**
 * One-field mutations of a valid WebAuthn credential (a P2 registration or a P4 assertion),
 * and the oracle that says when a mutated credential still means exactly the same thing,
 * which is the only case in which the server may accept it.
 */
import { decodeAttestationObject } from "@simplewebauthn/server/helpers";
import fc from "fast-check";
import { type CborValue, encodeCbor } from "@/test/helpers/cbor";
import { CONTENT_TYPES, weirdJson } from "./fuzz-model";

export type Ceremony = "registration" | "assertion";

type Json = Record<string, unknown>;

const FIELDS: Record<Ceremony, string[][]> = {
  registration: [
    [],
    ["id"],
    ["rawId"],
    ["type"],
    ["authenticatorAttachment"],
    ["response"],
    ["response", "clientDataJSON"],
    ["response", "clientDataJSON"],
    ["response", "attestationObject"],
    ["response", "attestationObject"],
    ["response", "attestationObject"],
    ["response", "transports"],
    ["clientExtensionResults"],
  ],
  assertion: [
    [],
    ["id"],
    ["rawId"],
    ["keyId"],
    ["type"],
    ["authenticatorAttachment"],
    ["response"],
    ["response", "authenticatorData"],
    ["response", "authenticatorData"],
    ["response", "clientDataJSON"],
    ["response", "clientDataJSON"],
    ["response", "signature"],
    ["response", "signature"],
    ["response", "userHandle"],
    ["clientExtensionResults"],
  ],
};

export type Mutation =
  | { kind: "delete" }
  | { kind: "replace"; value: unknown }
  | { kind: "truncate"; at: number }
  | { kind: "setChar"; at: number; char: string }
  | { kind: "insert"; at: number; text: string }
  | { kind: "pad"; padding: string }
  | { kind: "base64" }
  | { kind: "hex" }
  | { kind: "bytes"; op: "flip" | "truncate" | "extend" | "zero" | "swap"; at: number; value: number }
  | { kind: "clientData"; key: string; value: unknown }
  | { kind: "cbor"; variant: number; value: unknown }
  | { kind: "contentType"; value: string }
  | { kind: "envelope"; variant: number };

const B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.!~ %\u00e9\u0000";

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: "delete" as const }),
  fc.record({ kind: fc.constant("replace" as const), value: weirdJson }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant("setChar" as const), at: fc.nat({ max: 400 }), char: fc.constantFrom(...B64_CHARS) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat({ max: 400 }), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("pad" as const), padding: fc.constantFrom("=", "==", "===", " ", "\n") }),
  fc.constant({ kind: "base64" as const }),
  fc.constant({ kind: "hex" as const }),
  {
    arbitrary: fc.record({
      kind: fc.constant("bytes" as const),
      op: fc.constantFrom("flip", "truncate", "extend", "zero", "swap"),
      at: fc.nat({ max: 400 }),
      value: fc.integer({ min: 1, max: 255 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("clientData" as const),
      key: fc.constantFrom("type", "challenge", "origin", "crossOrigin", "topOrigin", "tokenBinding", "extra"),
      value: fc.oneof(
        fc.constantFrom("webauthn.get", "webauthn.create", "https://evil.example", "http://example.com", "https://example.com:443", "https://example.com.", true, null),
        weirdJson,
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("cbor" as const), variant: fc.nat({ max: 9 }), value: weirdJson }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("contentType" as const), value: fc.constantFrom(...CONTENT_TYPES) }),
  fc.record({ kind: fc.constant("envelope" as const), variant: fc.nat({ max: 4 }) }),
);

export const caseArb = (ceremony: Ceremony) =>
  fc.record({ field: fc.constantFrom(...FIELDS[ceremony]), mutation: mutationArb });

/** base64url, or padded standard base64, back to bytes; `null` for anything else. */
function b64(value: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return null;
  return Buffer.from(value.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"), "base64url");
}

/** Every reading of `value` as binary docs/api.md §9 allows (base64url, base64, hex). */
export function readings(value: unknown): Buffer[] {
  if (typeof value !== "string" || value === "") return [];
  const out: Buffer[] = [];
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) out.push(Buffer.from(value, "hex"));
  const bytes = b64(value);
  if (bytes) out.push(bytes);
  return out;
}

const sameBytes = (value: unknown, expected: Buffer) => readings(value).some((b) => b.equals(expected));

/**
 * An ECDSA signature's meaning, (r, s), read from its DER SEQUENCE the lenient way the
 * verifier reads it (@simplewebauthn/server parses with @peculiar/asn1-schema, which ignores
 * bytes after the SEQUENCE). Two encodings with the same (r, s) are the same signature; any
 * other signature (RSA, EdDSA) is compared byte for byte.
 */
export function signatureMeaning(bytes: Buffer): string {
  let i = 0;
  const length = (): number => {
    const first = bytes[i++];
    if (first === undefined) return -1;
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 3) return -1;
    let len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + (bytes[i++] ?? 0);
    return len;
  };
  const hex = `bytes:${bytes.toString("hex")}`;
  if (bytes[i++] !== 0x30 || length() < 0) return hex;
  const ints: bigint[] = [];
  for (let k = 0; k < 2; k++) {
    if (bytes[i++] !== 0x02) return hex;
    const len = length();
    if (len <= 0 || i + len > bytes.length) return hex;
    ints.push(BigInt(`0x${bytes.subarray(i, i + len).toString("hex")}`));
    i += len;
  }
  return `ecdsa:${ints[0].toString(16)}:${ints[1].toString(16)}`;
}

function mutateString(s: string, m: Mutation): unknown {
  switch (m.kind) {
    case "truncate":
      return s.slice(0, m.at % (s.length + 1));
    case "setChar": {
      const i = m.at % Math.max(s.length, 1);
      return s.slice(0, i) + m.char + s.slice(i + 1);
    }
    case "insert": {
      const i = m.at % (s.length + 1);
      return s.slice(0, i) + m.text + s.slice(i);
    }
    case "pad":
      return s + m.padding;
    case "base64": {
      const bytes = b64(s);
      return bytes ? bytes.toString("base64") : s;
    }
    case "hex": {
      const bytes = b64(s);
      return bytes ? bytes.toString("hex") : s;
    }
    case "bytes": {
      const bytes = b64(s);
      if (!bytes) return s;
      const i = bytes.length === 0 ? 0 : m.at % bytes.length;
      let out: Buffer;
      switch (m.op) {
        case "flip":
          out = Buffer.from(bytes);
          if (out.length) out[i] ^= m.value;
          break;
        case "truncate":
          out = bytes.subarray(0, i);
          break;
        case "extend":
          out = Buffer.concat([bytes, Buffer.alloc(m.value % 40, m.value)]);
          break;
        case "zero":
          out = Buffer.from(bytes).fill(0, i);
          break;
        case "swap":
          out = Buffer.from(bytes);
          if (out.length > 1) [out[0], out[i]] = [out[i], out[0]];
          break;
      }
      return out.toString("base64url");
    }
    default:
      return s;
  }
}

function mutateClientData(s: string, key: string, value: unknown): unknown {
  const bytes = b64(s);
  if (!bytes) return s;
  try {
    const data = JSON.parse(bytes.toString("utf8")) as Json;
    if (value === undefined) delete data[key];
    else data[key] = value;
    return Buffer.from(JSON.stringify(data), "utf8").toString("base64url");
  } catch {
    return s;
  }
}

/** Structural CBOR damage: rebuilt attestation objects with one member wrong or missing. */
function mutateAttestation(s: string, variant: number, value: unknown): unknown {
  const bytes = b64(s);
  if (!bytes) return s;
  let decoded: ReturnType<typeof decodeAttestationObject>;
  try {
    decoded = decodeAttestationObject(new Uint8Array(bytes));
  } catch {
    return s;
  }
  const fmt = decoded.get("fmt") as unknown as CborValue;
  const attStmt = decoded.get("attStmt") as unknown as CborValue;
  const authData = decoded.get("authData") as unknown as Uint8Array;
  const cborish = (v: unknown): CborValue =>
    typeof v === "number" && !Number.isSafeInteger(v) ? 0 : (v as CborValue);
  const rebuilt: [string, CborValue][][] = [
    [["fmt", "none"], ["attStmt", attStmt], ["authData", authData]],
    [["fmt", "packed"], ["attStmt", new Map()], ["authData", authData]],
    [["fmt", fmt], ["attStmt", attStmt]],
    [["attStmt", attStmt], ["authData", authData]],
    [["fmt", fmt], ["attStmt", attStmt], ["authData", "not bytes"]],
    [["fmt", 42], ["attStmt", attStmt], ["authData", authData]],
    [["fmt", fmt], ["attStmt", attStmt], ["authData", authData.subarray(0, 37)]],
    [["fmt", fmt], ["attStmt", attStmt], ["authData", authData], ["extra", "member"]],
    [["fmt", fmt], ["attStmt", new Map<string, CborValue>([["alg", -257], ["sig", new Uint8Array(8)]])], ["authData", authData]],
  ];
  try {
    if (variant < rebuilt.length) return encodeCbor(new Map(rebuilt[variant])).toString("base64url");
    return encodeCbor(cborish(JSON.parse(JSON.stringify(value ?? null)))).toString("base64url");
  } catch {
    return s;
  }
}

export type Sent = { body: unknown; contentType: string };

/** Applies the mutation at `field`; a mutation that does not fit the value becomes a replacement. */
export function mutate(original: Json, field: string[], m: Mutation): Sent {
  const body = structuredClone(original) as Json;
  if (m.kind === "contentType") return { body, contentType: m.value };
  if (m.kind === "envelope") {
    const variants: unknown[] = [[body], JSON.stringify(body), { credential: body }, { ...body, response: [body.response] }, null];
    return { body: variants[m.variant], contentType: "application/json" };
  }
  // Stand-ins for a mutation that cannot apply to the value (a string edit of an object).
  const FALLBACKS: unknown[] = [null, 0, "", [], {}, "AAAA", true, -1];
  const fallback = FALLBACKS[JSON.stringify(m).length % FALLBACKS.length];
  if (field.length === 0) {
    return { body: m.kind === "replace" ? m.value : m.kind === "delete" ? {} : fallback, contentType: "application/json" };
  }
  const parent = field.slice(0, -1).reduce<Json>((o, k) => o[k] as Json, body);
  const key = field[field.length - 1];
  const current = parent[key];
  let next: unknown;
  if (m.kind === "delete") next = undefined;
  else if (m.kind === "replace") next = m.value;
  else if (typeof current !== "string") next = m.kind === "clientData" || m.kind === "cbor" ? m.value : fallback;
  else if (m.kind === "clientData") next = key === "clientDataJSON" ? mutateClientData(current, m.key, m.value) : mutateString(current, { kind: "pad", padding: "!" });
  else if (m.kind === "cbor") next = key === "attestationObject" ? mutateAttestation(current, m.variant, m.value) : mutateString(current, { kind: "truncate", at: m.variant });
  else next = mutateString(current, m);
  if (next === undefined) delete parent[key];
  else parent[key] = next;
  return { body, contentType: "application/json" };
}

const isJsonMedia = (contentType: string) => contentType.split(";")[0].trim().toLowerCase() === "application/json";

/**
 * `type` and `authenticatorAttachment` valid, and every id member present names the
 * credential. P2 treats a `null` id as present (and wrong); P4 treats it as absent.
 */
function envelopeOk(body: Json, credentialId: Buffer, keys: string[], nullIsAbsent: boolean): boolean {
  if (body.type !== undefined && body.type !== "public-key") return false;
  const a = body.authenticatorAttachment;
  if (a !== undefined && a !== null && a !== "platform" && a !== "cross-platform") return false;
  const present = keys.filter((k) => body[k] !== undefined && !(nullIsAbsent && body[k] === null));
  return present.every((k) => sameBytes(body[k], credentialId));
}

function attestationEquals(a: unknown, b: unknown): boolean {
  const read = (v: unknown) => {
    const bytes = typeof v === "string" ? b64(v) : null;
    if (!bytes) return undefined;
    try {
      const d = decodeAttestationObject(new Uint8Array(bytes));
      const stmt = d.get("attStmt") as unknown as Map<string, unknown>;
      return JSON.stringify({
        fmt: d.get("fmt"),
        authData: Buffer.from(d.get("authData") as Uint8Array).toString("hex"),
        stmt: [...stmt.entries()].map(([k, x]) => [
          k,
          x instanceof Uint8Array ? (k === "sig" ? signatureMeaning(Buffer.from(x)) : Buffer.from(x).toString("hex")) : x,
        ]),
      });
    } catch {
      return undefined;
    }
  };
  const ra = read(a);
  return ra !== undefined && ra === read(b);
}

/**
 * True when the mutated credential carries exactly the original's meaning: the signed or
 * attested bytes are unchanged (however they are encoded) and the envelope is still valid.
 * Only then may the server answer 2xx.
 */
export function stillValid(ceremony: Ceremony, original: Json, sent: Sent, ctx: { credentialId: Buffer; entitySid: string }): boolean {
  if (!isJsonMedia(sent.contentType)) return false;
  const body = sent.body as Json;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const r = body.response as Json;
  const o = original.response as Json;
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  const bytesOf = (v: unknown) => (typeof v === "string" ? b64(v) : null);
  const same = (k: string) => {
    const x = bytesOf(r[k]);
    const y = bytesOf(o[k]);
    return x !== null && y !== null && x.equals(y);
  };
  if (ceremony === "registration") {
    return envelopeOk(body, ctx.credentialId, ["id", "rawId"], false) && same("clientDataJSON") && attestationEquals(r.attestationObject, o.attestationObject);
  }
  const ids = ["id", "rawId", "keyId"];
  if (!ids.some((k) => body[k] !== undefined && body[k] !== null)) return false;
  const handle = r.userHandle;
  const handleOk = handle === undefined || handle === null || handle === "" || readings(handle).some((b) => b.toString("latin1") === ctx.entitySid);
  const sig = bytesOf(r.signature);
  const sameSignature = sig !== null && signatureMeaning(sig) === signatureMeaning(bytesOf(o.signature) as Buffer);
  return envelopeOk(body, ctx.credentialId, ids, true) && handleOk && same("authenticatorData") && same("clientDataJSON") && sameSignature;
}
