import { describe, expect, it } from "vitest";
import { clientAddressBehind, peerAddressLoaded, proxyList } from "./client-address";
import { loadConfig } from "./env";

const proxies = (value?: string) => proxyList(loadConfig({ DATABASE_URL: ":memory:", OWLBANK_DATA_DIR: "/tmp/owlbank-client-address", TRUSTED_PROXIES: value }).trustedProxies);
const request = (peer: string, forwarded?: string) =>
  new Headers({ "x-owlbank-peer-address": peer, ...(forwarded === undefined ? {} : { "x-forwarded-for": forwarded }) });

describe("clientAddress", () => {
  it("is the connection's address when no proxy is trusted, whatever X-Forwarded-For claims", () => {
    expect(clientAddressBehind(proxies(), request("203.0.113.9", "198.51.100.1"))).toBe("203.0.113.9");
    expect(clientAddressBehind(proxies(), request("::ffff:203.0.113.9"))).toBe("203.0.113.9");
  });

  it("is the connection's address when the connection is not a trusted proxy", () => {
    expect(clientAddressBehind(proxies("127.0.0.1"), request("203.0.113.9", "198.51.100.1"))).toBe("203.0.113.9");
  });

  it("behind a trusted proxy, is the address that proxy forwarded, not what the client wrote before it", () => {
    const list = proxies("127.0.0.1, 10.0.0.0/8");
    // nginx appends the address it saw to whatever the client sent.
    expect(clientAddressBehind(list, request("127.0.0.1", "198.51.100.1"))).toBe("198.51.100.1");
    expect(clientAddressBehind(list, request("::ffff:127.0.0.1", "1.2.3.4, 198.51.100.1"))).toBe("198.51.100.1");
    // Two trusted hops (a load balancer in 10/8, then nginx): the first address neither vouches for.
    expect(clientAddressBehind(list, request("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.1.2.3"))).toBe("198.51.100.1");
    expect(clientAddressBehind(proxies("::1"), request("::1", "2001:db8::7"))).toBe("2001:db8::7");
  });

  it("behind a trusted proxy that forwarded nothing, is the proxy itself", () => {
    expect(clientAddressBehind(proxies("127.0.0.1"), request("127.0.0.1"))).toBe("127.0.0.1");
  });

  it("runs with server/peer-address.mjs loaded (test/setup.ts loads it, as npm start does)", () => {
    expect(peerAddressLoaded()).toBe(true);
  });
});

describe("TRUSTED_PROXIES", () => {
  it.each(["localhost", "10.0.0.0/33", "10.0.0.0/8/1", "::1/129", "10.0.0.1/x", "300.1.1.1"])("refuses %s at start-up", (value) => {
    expect(() => proxies(value)).toThrow(/TRUSTED_PROXIES[\s\S]*not an IP address or a CIDR range/);
  });
});
