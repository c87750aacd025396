/**
 * Binary values on the wire (docs/api.md §9, and §11 row 13): base64url, padded standard base64, and hex
 * for `rawId` as in Twilio's own example.
 */
import { describe, expect, it } from "vitest";
import { decodeBase64Url, decodeBinary, toBase64Url } from "./encoding";

const bytes = Buffer.from("eb24a684977aa8650c0ad862aaccf26f839de14e93167d2fdc32f3fb5119acd4", "hex");

describe("decodeBinary", () => {
  it("decodes the same credential id from base64url, standard base64 and hex", () => {
    expect(decodeBinary("6ySmhJd6qGUMCthiqszyb4Od4U6TFn0v3DLz-1EZrNQ")).toEqual(bytes);
    expect(decodeBinary(bytes.toString("base64"))).toEqual(bytes);
    expect(decodeBinary(bytes.toString("hex"))).toEqual(bytes);
    expect(decodeBinary(bytes.toString("hex").toUpperCase())).toEqual(bytes);
  });

  it("reads short hex-looking values as base64url, since they are valid base64url too", () => {
    expect(decodeBinary("abcd")).toEqual(Buffer.from("abcd", "base64url"));
  });

  it.each([[""], ["!!!"], ["a"], [42], [null], [undefined]])("refuses %j", (value) => {
    expect(decodeBinary(value)).toBeNull();
  });
});

describe("decodeBase64Url", () => {
  it("accepts padding and the standard alphabet but not hex as such", () => {
    const value = Buffer.from([0xfb, 0xff, 0xbf]);
    expect(decodeBase64Url("-_-_")).toEqual(value);
    expect(decodeBase64Url("+/+/")).toEqual(value);
    expect(decodeBase64Url("YQ==")).toEqual(Buffer.from("a"));
    expect(decodeBase64Url("%%")).toBeNull();
    expect(decodeBase64Url("abcde")).toBeNull();
  });

  it("round-trips with toBase64Url without padding", () => {
    expect(toBase64Url(Buffer.from("YF048d1a7ec3a2a6970059c2766bbc7e0f"))).toBe("WUYwNDhkMWE3ZWMzYTJhNjk3MDA1OWMyNzY2YmJjN2UwZg");
    expect(toBase64Url("YF048d1a7ec3a2a6970059c2766bbc7e0f")).toBe("WUYwNDhkMWE3ZWMzYTJhNjk3MDA1OWMyNzY2YmJjN2UwZg");
  });
});
