/**
 * A software WebAuthn authenticator and client for tests: it answers the options the
 * Verify API hands out (P1, P3) the way `navigator.credentials.create()/get()` followed by
 * `toJSON()` would, with keys from node:crypto. Tamper options make it misbehave on
 * purpose, one rule at a time, so each server check can be shown to be enforced.
 *
 * Byte layouts follow WebAuthn L3 §6.1 (authenticator data), §6.5.4 (attestation object),
 * §8.2 (packed self attestation) and RFC 9053 (COSE keys).
 */
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { type CborValue, encodeCbor } from "./cbor";

export type Alg = "ES256" | "EdDSA" | "RS256";

export type StoredCredential = {
  id: string /* base64url */;
  rpId: string;
  userHandle: string /* base64url */;
  alg: Alg;
  counter: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
};

/** Misbehaviour shared by both ceremonies. Every member is optional and off by default. */
type CommonTamper = {
  /** clientData `type` (e.g. "webauthn.get" in a registration). */
  type?: string;
  /** clientData `challenge` (base64url), instead of the one in the options. */
  challenge?: string;
  /** clientData `origin`, instead of `ctx.origin`. */
  origin?: string;
  /** clientData `crossOrigin: true`. */
  crossOrigin?: boolean;
  /** clientData `topOrigin`: the page that embedded the ceremony. */
  topOrigin?: string;
  /** Hash this RP ID into the authenticator data instead of the requested one. */
  rpId?: string;
  /** `false` clears the UP flag. */
  up?: boolean;
  /** `false` clears the UV flag, `true` sets it even if the authenticator cannot verify users. */
  uv?: boolean;
  /** Report exactly this signature counter (the stored counter is left alone). */
  counter?: number;
  /** Flip a byte of the signature (the assertion, or the packed attestation statement). */
  badSignature?: boolean;
  /** Claim this credential id (base64url) in `id` and `rawId`. */
  credentialId?: string;
  /** Drop these members of `response`. */
  omit?: string[];
};

export type RegistrationTamper = CommonTamper & {
  /**
   * Registration: create the key with this algorithm even if the options do not offer it;
   * a number is written as the COSE `alg` label as-is (a key that lies about its algorithm).
   */
  alg?: Alg | number;
  /** Attestation format written into the attestation object (e.g. "fido-u2f"). */
  fmt?: string;
  /** Clear the AT flag and leave out the attested credential data. */
  noAttestedData?: boolean;
  /** Attest an existing credential of this authenticator again (id, base64url) instead of a new one. */
  reuseCredentialId?: string;
  /** Give the new credential this id (base64url), e.g. one another Service already knows, with a new key. */
  newCredentialId?: string;
  /** Ignore `excludeCredentials` (a real authenticator would refuse with InvalidStateError). */
  ignoreExclude?: boolean;
};

export type AssertionTamper = CommonTamper & {
  /** `userHandle` to report (base64url), or null to report none. */
  userHandle?: string | null;
  /** Sign with a throwaway key of this algorithm instead of the credential's key. */
  alg?: Alg;
};

export type RegistrationJSON = {
  id: string;
  rawId: string;
  type: "public-key";
  authenticatorAttachment: "platform" | "cross-platform";
  response: {
    clientDataJSON: string;
    attestationObject: string;
    transports: string[];
    /** Extra members browsers' `toJSON()` adds; servers must ignore them (docs/api.md §3.2). */
    authenticatorData?: string;
    publicKey?: string;
    publicKeyAlgorithm?: number;
  };
  clientExtensionResults: Record<string, never>;
};

export type AssertionJSON = {
  id: string;
  rawId: string;
  type: "public-key";
  authenticatorAttachment: "platform" | "cross-platform";
  response: {
    authenticatorData: string;
    clientDataJSON: string;
    signature: string;
    userHandle: string | null;
  };
  clientExtensionResults: Record<string, never>;
};

export type AuthenticatorOptions = {
  alg?: Alg;
  attestation?: "none" | "packed";
  aaguid?: string /* uuid */;
  /** UV flag, default true. */
  userVerification?: boolean;
  backupEligible?: boolean;
  backedUp?: boolean;
  /** Default 1; 0 = always report 0, like synced passkeys. */
  counterStep?: number;
  transports?: string[];
};

/** base64url without padding, of bytes or of a string's UTF-8 bytes. */
export const b64url = (value: Uint8Array | string): string =>
  (typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value)).toString("base64url");

export const fromB64url = (value: string): Buffer => Buffer.from(value, "base64url");

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

const COSE_ALG: Record<Alg, number> = { ES256: -7, EdDSA: -8, RS256: -257 };
const ALG_BY_COSE = new Map<number, Alg>(Object.entries(COSE_ALG).map(([name, id]) => [id, name as Alg]));

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

function generateKey(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "EdDSA":
      return generateKeyPairSync("ed25519");
    case "RS256":
      return generateKeyPairSync("rsa", { modulusLength: 2048 });
  }
}

/** The credential public key as a COSE_Key map, in CTAP2 canonical label order. */
function coseKey(alg: Alg, publicKey: KeyObject, algLabel: number): Map<number, CborValue> {
  const jwk = publicKey.export({ format: "jwk" });
  const bytes = (v: string | undefined) => fromB64url(v ?? "");
  switch (alg) {
    case "ES256":
      return new Map<number, CborValue>([
        [1, 2],
        [3, algLabel],
        [-1, 1],
        [-2, bytes(jwk.x)],
        [-3, bytes(jwk.y)],
      ]);
    case "EdDSA":
      return new Map<number, CborValue>([
        [1, 1],
        [3, algLabel],
        [-1, 6],
        [-2, bytes(jwk.x)],
      ]);
    case "RS256":
      return new Map<number, CborValue>([
        [1, 3],
        [3, algLabel],
        [-1, bytes(jwk.n)],
        [-2, bytes(jwk.e)],
      ]);
  }
}

/** ES256 → DER (node's default for EC), EdDSA → raw 64 bytes, RS256 → PKCS#1 v1.5. */
function signWith(alg: Alg, privateKey: KeyObject, data: Buffer): Buffer {
  return sign(alg === "EdDSA" ? null : "sha256", data, privateKey);
}

/** Flips the last byte: inside `s` for DER ECDSA, so the signature still parses but fails. */
function flipLastByte(sig: Buffer): Buffer {
  const copy = Buffer.from(sig);
  copy[copy.length - 1] ^= 0x01;
  return copy;
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`Invalid AAGUID ${uuid}`);
  return Buffer.from(hex, "hex");
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Accepts `{publicKey: {...}}` (as P1/P3 return it) or the bare publicKey object. */
function publicKeyOptions(options: unknown): Obj {
  if (!isObj(options)) throw new TypeError("options must be an object");
  const inner = options.publicKey;
  return isObj(inner) ? inner : options;
}

function notAllowed(message: string): never {
  const error = new Error(message);
  error.name = "NotAllowedError";
  throw error;
}

/** Browsers serialise client data with these members in this order (WebAuthn §5.8.1.1). */
function clientDataJSON(type: string, challenge: string, origin: string, crossOrigin: boolean, topOrigin?: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin, ...(topOrigin === undefined ? {} : { topOrigin }) }), "utf8");
}

function dropMembers<T extends Obj>(response: T, omit: string[] | undefined): T {
  if (!omit?.length) return response;
  const copy: Obj = { ...response };
  for (const name of omit) delete copy[name];
  return copy as T;
}

export class SoftwareAuthenticator {
  credentials: StoredCredential[] = [];
  private readonly opts: Required<Omit<AuthenticatorOptions, "alg">> & { alg?: Alg };

  constructor(opts: AuthenticatorOptions = {}) {
    this.opts = {
      alg: opts.alg,
      attestation: opts.attestation ?? "none",
      aaguid: opts.aaguid ?? "00000000-0000-0000-0000-000000000000",
      userVerification: opts.userVerification ?? true,
      backupEligible: opts.backupEligible ?? false,
      backedUp: opts.backedUp ?? false,
      counterStep: opts.counterStep ?? 1,
      transports: opts.transports ?? ["internal", "hybrid"],
    };
  }

  private get attachment(): "platform" | "cross-platform" {
    return this.opts.transports.includes("internal") ? "platform" : "cross-platform";
  }

  /** The first offered algorithm this authenticator supports, preferring the constructor's. */
  private chooseAlg(params: unknown): Alg {
    // Twilio's documented examples send a single object instead of an array (docs/api.md §11, row 1).
    const list = (Array.isArray(params) ? params : isObj(params) ? [params] : []) as Obj[];
    const offered = list
      .filter((p) => p.type === undefined || p.type === "public-key")
      .map((p) => ALG_BY_COSE.get(Number(p.alg)))
      .filter((a): a is Alg => a !== undefined);
    if (this.opts.alg && offered.includes(this.opts.alg)) return this.opts.alg;
    if (offered.length === 0) {
      const error = new Error("None of the offered pubKeyCredParams is supported");
      error.name = "NotSupportedError";
      throw error;
    }
    return offered[0];
  }

  private flags(tamper: CommonTamper, extra: number): number {
    let flags = extra;
    if (tamper.up !== false) flags |= FLAG.UP;
    if (tamper.uv === true || (tamper.uv !== false && this.opts.userVerification)) flags |= FLAG.UV;
    if (this.opts.backupEligible) flags |= FLAG.BE;
    if (this.opts.backedUp) flags |= FLAG.BS;
    return flags;
  }

  /** Answers creation options the way navigator.credentials.create() + toJSON() would. */
  async register(options: unknown, ctx: { origin: string; tamper?: RegistrationTamper }): Promise<RegistrationJSON> {
    const pk = publicKeyOptions(options);
    const tamper = ctx.tamper ?? {};
    const rp = isObj(pk.rp) ? pk.rp : {};
    const rpId = typeof rp.id === "string" ? rp.id : new URL(ctx.origin).hostname;
    const user = isObj(pk.user) ? pk.user : {};
    if (typeof pk.challenge !== "string") throw new TypeError("options.challenge must be a base64url string");
    if (typeof user.id !== "string") throw new TypeError("options.user.id must be a base64url string");

    let credential: StoredCredential;
    if (tamper.reuseCredentialId) {
      credential = this.find(tamper.reuseCredentialId);
    } else {
      const excluded = Array.isArray(pk.excludeCredentials)
        ? (pk.excludeCredentials as Obj[]).map((c) => c.id)
        : [];
      if (!tamper.ignoreExclude && this.credentials.some((c) => c.rpId === rpId && excluded.includes(c.id))) {
        const error = new Error("The authenticator already holds one of the excluded credentials");
        error.name = "InvalidStateError";
        throw error;
      }
      const alg = typeof tamper.alg === "string" ? tamper.alg : this.chooseAlg(pk.pubKeyCredParams);
      credential = {
        id: tamper.newCredentialId ?? b64url(randomBytes(32)),
        rpId,
        userHandle: user.id,
        alg,
        counter: 0,
        ...generateKey(alg),
      };
      this.credentials.push(credential);
    }

    const clientData = clientDataJSON(
      tamper.type ?? "webauthn.create",
      tamper.challenge ?? pk.challenge,
      tamper.origin ?? ctx.origin,
      tamper.crossOrigin ?? false,
    );
    const algLabel = typeof tamper.alg === "number" ? tamper.alg : COSE_ALG[credential.alg];
    const credentialIdBytes = fromB64url(credential.id);
    const attested = tamper.noAttestedData
      ? Buffer.alloc(0)
      : Buffer.concat([
          uuidBytes(this.opts.aaguid),
          u16(credentialIdBytes.length),
          credentialIdBytes,
          encodeCbor(coseKey(credential.alg, credential.publicKey, algLabel)),
        ]);
    const authData = Buffer.concat([
      sha256(tamper.rpId ?? rpId),
      Buffer.from([this.flags(tamper, tamper.noAttestedData ? 0 : FLAG.AT)]),
      u32(tamper.counter ?? credential.counter),
      attested,
    ]);

    let attStmt: Map<string, CborValue> = new Map();
    if (this.opts.attestation === "packed") {
      // Self attestation: signed with the credential key itself (WebAuthn §8.2).
      let sig = signWith(credential.alg, credential.privateKey, Buffer.concat([authData, sha256(clientData)]));
      if (tamper.badSignature) sig = flipLastByte(sig);
      attStmt = new Map<string, CborValue>([
        ["alg", algLabel],
        ["sig", sig],
      ]);
    }
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ["fmt", tamper.fmt ?? this.opts.attestation],
        ["attStmt", attStmt],
        ["authData", authData],
      ]),
    );

    const id = tamper.credentialId ?? credential.id;
    return {
      id,
      rawId: id,
      type: "public-key",
      authenticatorAttachment: this.attachment,
      response: dropMembers(
        {
          clientDataJSON: b64url(clientData),
          attestationObject: b64url(attestationObject),
          transports: [...this.opts.transports],
          authenticatorData: b64url(authData),
          publicKey: b64url(credential.publicKey.export({ format: "der", type: "spki" })),
          publicKeyAlgorithm: algLabel,
        },
        tamper.omit,
      ),
      clientExtensionResults: {},
    };
  }

  /**
   * Answers request options the way navigator.credentials.get() + toJSON() would. Picks a
   * credential from `allowCredentials`, or (empty list) the newest one for `rpId`.
   * `ctx.credentialId` forces a credential, even one the options do not allow, as a
   * misbehaving client could.
   */
  async authenticate(
    options: unknown,
    ctx: { origin: string; credentialId?: string; tamper?: AssertionTamper },
  ): Promise<AssertionJSON> {
    const pk = publicKeyOptions(options);
    const tamper = ctx.tamper ?? {};
    if (typeof pk.challenge !== "string") throw new TypeError("options.challenge must be a base64url string");
    const rpId = typeof pk.rpId === "string" ? pk.rpId : new URL(ctx.origin).hostname;

    let credential: StoredCredential;
    if (ctx.credentialId) {
      credential = this.find(ctx.credentialId);
    } else {
      const allowed = Array.isArray(pk.allowCredentials) ? (pk.allowCredentials as Obj[]).map((c) => c.id) : [];
      const candidates = this.credentials.filter(
        (c) => c.rpId === rpId && (allowed.length === 0 || allowed.includes(c.id)),
      );
      credential = candidates.at(-1) ?? notAllowed(`No credential for ${rpId} matches the request`);
    }

    let counter: number;
    if (tamper.counter !== undefined) {
      counter = tamper.counter;
    } else {
      credential.counter += this.opts.counterStep;
      counter = this.opts.counterStep === 0 ? 0 : credential.counter;
    }

    const clientData = clientDataJSON(
      tamper.type ?? "webauthn.get",
      tamper.challenge ?? pk.challenge,
      tamper.origin ?? ctx.origin,
      tamper.crossOrigin ?? false,
      tamper.topOrigin,
    );
    const authData = Buffer.concat([
      sha256(tamper.rpId ?? rpId),
      Buffer.from([this.flags(tamper, 0)]),
      u32(counter),
    ]);
    const signed = Buffer.concat([authData, sha256(clientData)]);
    let signature = tamper.alg
      ? signWith(tamper.alg, generateKey(tamper.alg).privateKey, signed)
      : signWith(credential.alg, credential.privateKey, signed);
    if (tamper.badSignature) signature = flipLastByte(signature);

    const id = tamper.credentialId ?? credential.id;
    return {
      id,
      rawId: id,
      type: "public-key",
      authenticatorAttachment: this.attachment,
      response: dropMembers(
        {
          authenticatorData: b64url(authData),
          clientDataJSON: b64url(clientData),
          signature: b64url(signature),
          userHandle: tamper.userHandle !== undefined ? tamper.userHandle : credential.userHandle,
        },
        tamper.omit,
      ),
      clientExtensionResults: {},
    };
  }

  private find(id: string): StoredCredential {
    return this.credentials.find((c) => c.id === id) ?? notAllowed(`This authenticator holds no credential ${id}`);
  }
}
