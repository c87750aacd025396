/**
 * A small CBOR encoder (RFC 8949), enough for what an authenticator emits: attestation
 * objects and COSE keys. Maps keep insertion order, so callers control the canonical
 * CTAP2 key order (`fmt`, `attStmt`, `authData`; COSE labels 1, 3, -1, -2, -3).
 */

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | Map<number | string, CborValue>
  | { [key: string]: CborValue };

/** The head of a data item: major type and argument, in the shortest form CBOR allows. */
function head(major: number, argument: number | bigint): Buffer {
  const n = BigInt(argument);
  const m = major << 5;
  if (n < 24n) return Buffer.from([m | Number(n)]);
  if (n < 0x100n) return Buffer.from([m | 24, Number(n)]);
  if (n < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = m | 25;
    b.writeUInt16BE(Number(n), 1);
    return b;
  }
  if (n < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(n, 1);
  return b;
}

function integer(value: number | bigint): Buffer {
  const n = BigInt(value);
  // Negative integers are encoded as -1 - n under major type 1.
  return n >= 0n ? head(0, n) : head(1, -1n - n);
}

export function encodeCbor(value: CborValue): Buffer {
  if (value === null) return Buffer.from([0xf6]);
  if (value === false) return Buffer.from([0xf4]);
  if (value === true) return Buffer.from([0xf5]);
  if (typeof value === "bigint") return integer(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`CBOR encoder: only integers are supported, got ${value}`);
    return integer(value);
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  const entries: [number | string, CborValue][] =
    value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]),
  ]);
}
