/**
 * next-auth's session cookie, encrypted exactly as next-auth's own `encode` and `decode` do it
 * (a JWE, `dir` + A256GCM, under a key derived from the secret with HKDF-SHA256), except that
 * the key is derived once per process instead of on every request. next-auth derives it anew
 * for each cookie it reads or writes, on libuv's thread pool: a profile of OwlBank's sign-in
 * put that at a fifth of next-auth's own work (bench/README.md). Cookies written by either
 * decode with the other (jwt.test.ts), so no session is lost across the change.
 */
import "server-only";
import { createSecretKey, hkdfSync, type KeyObject, randomUUID } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { JWT, JWTDecodeParams, JWTEncodeParams } from "next-auth/jwt";

/** next-auth's default lifetime, when the caller names none (30 days). */
const DEFAULT_MAX_AGE = 30 * 24 * 60 * 60;

// One entry per secret and salt (OwlBank has one of each); derived from them alone.
const keys = new Map<string, KeyObject>();

function keyFor(secret: string | Buffer, salt: string): KeyObject {
  const id = `${salt}\u0000${secret.toString()}`;
  let key = keys.get(id);
  if (!key) {
    const info = `NextAuth.js Generated Encryption Key${salt ? ` (${salt})` : ""}`;
    key = createSecretKey(Buffer.from(hkdfSync("sha256", secret, salt, info, 32)));
    keys.set(id, key);
  }
  return key;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function encode({ token = {}, secret, maxAge = DEFAULT_MAX_AGE, salt = "" }: JWTEncodeParams): Promise<string> {
  return await new EncryptJWT(token)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(nowSeconds() + maxAge)
    .setJti(randomUUID())
    .encrypt(keyFor(secret, salt));
}

export async function decode({ token, secret, salt = "" }: JWTDecodeParams): Promise<JWT | null> {
  if (!token) return null;
  const { payload } = await jwtDecrypt(token, keyFor(secret, salt), { clockTolerance: 15 });
  return payload as JWT;
}
