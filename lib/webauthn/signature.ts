/**
 * Assertion signature verification with imported keys kept per credential.
 *
 * @simplewebauthn/server imports the COSE key into WebCrypto on every call; profiling the
 * ApproveChallenge benchmark showed that import, not the signature check, dominating the
 * cryptographic cost. A credential's public key never changes, so the imported `KeyObject`
 * is cached by credential. Parsing stays with the library (`decodeCredentialPublicKey`).
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";
import { cose, decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";

type Verifier = { key: KeyObject; hash: string | null };

const MAX_CACHED = 10_000;
// Per process, and safe across instances: the caller reads the factor from the database first,
// so a factor deleted through another instance never reaches its entry, and a factor's public
// key never changes once verified, so an entry says what importing the stored key would.
const cache = new Map<string, Verifier>();

const b64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString("base64url");

/**
 * COSE public key → Node key and the hash its algorithm signs with. Throws on anything
 * unsupported or invalid (OpenSSL refuses an EC point that is not on the curve), so
 * registration can refuse such a key instead of storing it.
 */
export function importCoseKey(coseKey: Uint8Array): Verifier {
  // The library's map type has per-key overloads; read it as the plain CBOR map it is.
  const key = decodeCredentialPublicKey(new Uint8Array(coseKey)) as unknown as Map<number, unknown>;
  const alg = key.get(cose.COSEKEYS.alg);
  const kty = key.get(cose.COSEKEYS.kty);
  let jwk: JsonWebKey;
  if (kty === cose.COSEKTY.EC2 && alg === cose.COSEALG.ES256 && key.get(cose.COSEKEYS.crv) === cose.COSECRV.P256) {
    jwk = { kty: "EC", crv: "P-256", x: b64(key.get(cose.COSEKEYS.x)), y: b64(key.get(cose.COSEKEYS.y)) };
    return { key: createPublicKey({ key: jwk, format: "jwk" }), hash: "sha256" };
  }
  if (kty === cose.COSEKTY.OKP && alg === cose.COSEALG.EdDSA && key.get(cose.COSEKEYS.crv) === cose.COSECRV.ED25519) {
    jwk = { kty: "OKP", crv: "Ed25519", x: b64(key.get(cose.COSEKEYS.x)) };
    return { key: createPublicKey({ key: jwk, format: "jwk" }), hash: null };
  }
  if (kty === cose.COSEKTY.RSA && alg === cose.COSEALG.RS256) {
    jwk = { kty: "RSA", n: b64(key.get(cose.COSEKEYS.n)), e: b64(key.get(cose.COSEKEYS.e)) };
    return { key: createPublicKey({ key: jwk, format: "jwk" }), hash: "sha256" };
  }
  throw new Error(`Unsupported credential public key (kty ${String(kty)}, alg ${String(alg)})`);
}

/**
 * Verifies `signature` over `authenticatorData || SHA-256(clientDataJSON)` (WebAuthn §7.2
 * step 20). ES256 signatures are DER-encoded, as authenticators send them. `cacheKey` must
 * identify the credential *and* its key bytes (e.g. factor SID + credential id).
 *
 * The curve arithmetic runs on libuv's thread pool (the callback form of `crypto.verify`):
 * it was the largest single cost of an approval on the event loop, which every other
 * request of the server waits on.
 */
export async function verifyAssertionSignature(input: {
  cacheKey: string;
  publicKey: Uint8Array;
  authenticatorData: Uint8Array;
  clientDataJSON: Uint8Array;
  signature: Uint8Array;
}): Promise<boolean> {
  try {
    let verifier = cache.get(input.cacheKey);
    if (!verifier) {
      verifier = importCoseKey(input.publicKey);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(input.cacheKey, verifier);
    }
    const clientDataHash = createHash("sha256").update(input.clientDataJSON).digest();
    const signed = Buffer.concat([input.authenticatorData, clientDataHash]);
    const { hash, key } = verifier;
    return await new Promise<boolean>((resolve) =>
      verify(hash, signed, key, input.signature, (error, valid) => resolve(!error && valid)),
    );
  } catch {
    // A stored key that cannot be imported throws (registration refuses those, but a
    // signature must never 500); so may a signature OpenSSL cannot parse.
    return false;
  }
}
