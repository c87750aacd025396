/**
 * Who is asking: the address rate limits and audit lines name. It is the address the request's
 * connection came from, stamped by server/peer-address.mjs, unless that connection is a
 * trusted reverse proxy (TRUSTED_PROXIES): then X-Forwarded-For is read from the right, past
 * every trusted proxy, to the first address none of them vouches for. Entries further left
 * were written by the client and are never believed.
 */
import { BlockList, isIP } from "node:net";
import { config } from "@/lib/env";

/** The header server/peer-address.mjs writes, and the flag it raises when loaded. */
export const PEER_HEADER = "x-owlbank-peer-address";
const LOADED = Symbol.for("owlbank.peer-address");

/** Whether server/peer-address.mjs runs in this process (lib/start-up.ts refuses to start without it). */
export function peerAddressLoaded(): boolean {
  return (globalThis as Record<symbol, unknown>)[LOADED] === PEER_HEADER;
}

type Ranges = ReturnType<typeof config>["trustedProxies"];

/** The ranges of TRUSTED_PROXIES as one list to check addresses against. */
export function proxyList(ranges: Ranges): BlockList {
  const list = new BlockList();
  for (const { address, prefix, family } of ranges) list.addSubnet(address, prefix, family);
  return list;
}

// Built from the configuration once per process; the configuration does not change while it runs.
let configured: BlockList | undefined;

/** `::ffff:10.0.0.1` (how a dual-stack socket reports an IPv4 peer) as `10.0.0.1`. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

export function clientAddress(headers: Headers): string {
  if (!peerAddressLoaded()) throw new Error("server/peer-address.mjs is not loaded: start the server with `npm start`");
  configured ??= proxyList(config().trustedProxies);
  return clientAddressBehind(configured, headers);
}

/** `clientAddress` with `proxies` as the trusted proxies. */
export function clientAddressBehind(proxies: BlockList, headers: Headers): string {
  const isTrusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && proxies.check(address, version === 4 ? "ipv4" : "ipv6");
  };
  const peer = normalise(headers.get(PEER_HEADER) ?? "");
  if (!isTrusted(peer)) return peer || "unknown";
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((hop) => normalise(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    if (hops[i] && !isTrusted(hops[i])) return hops[i];
  }
  // Every hop is a trusted proxy (or the header is empty): the request started at one of them.
  return hops.find(Boolean) ?? peer;
}
