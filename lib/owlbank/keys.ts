/**
 * Keys OwlBank derives from its one server secret (NEXTAUTH_SECRET, or the generated one),
 * one per use, so a key leaked from one use says nothing about another.
 */
import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { config } from "@/lib/env";

export type KeyUse = "one-time-codes" | "transfer-digest";

// Derived once per process. Instances share the server secret, so they derive the same keys;
// a changed secret takes a restart, as every use of it does.
const cache = new Map<KeyUse, Buffer>();

/** A 256-bit key for `use`, derived with HKDF-SHA256 from the server secret. */
export function derivedKey(use: KeyUse): Buffer {
  let key = cache.get(use);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", config().authSecret, "owlbank", `owlbank ${use} v1`, 32));
    cache.set(use, key);
  }
  return key;
}

/** HMAC-SHA256 of `message` under the key for `use`, hex. */
export function hmac(use: KeyUse, message: string): string {
  return createHmac("sha256", derivedKey(use)).update(message, "utf8").digest("hex");
}

/** Compares two hex digests in constant time (different lengths are simply unequal). */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
