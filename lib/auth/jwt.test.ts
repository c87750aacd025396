/**
 * The session cookie's format is next-auth's own: a cookie written by next-auth's `encode`
 * opens with ours and the reverse, so sessions survive the switch either way, and a cookie
 * under another secret, or altered, opens with neither.
 */
import { decode as nextAuthDecode, encode as nextAuthEncode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { decode, encode } from "./jwt";

const secret = "a-secret-of-at-least-thirty-two-characters";
const token = { sub: "user-1", sid: "session-1" };

describe("the session cookie", () => {
  it("is read by next-auth's decode, and reads next-auth's encode", async () => {
    expect(await nextAuthDecode({ token: await encode({ token, secret }), secret })).toMatchObject(token);
    expect(await decode({ token: await nextAuthEncode({ token, secret }), secret })).toMatchObject(token);
  });

  it("keeps next-auth's claims: issued at, expiry from maxAge, a fresh id each time", async () => {
    const before = Math.floor(Date.now() / 1000);
    const first = await decode({ token: await encode({ token, secret, maxAge: 600 }), secret });
    const second = await decode({ token: await encode({ token, secret, maxAge: 600 }), secret });
    expect(first?.iat).toBeGreaterThanOrEqual(before);
    expect(first?.exp).toBe((first?.iat as number) + 600);
    expect(first?.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.jti).not.toBe(second?.jti);
  });

  it("keeps next-auth's salt: a cookie under one salt does not open under another", async () => {
    const salted = await encode({ token, secret, salt: "next-auth.session-token" });
    expect(await nextAuthDecode({ token: salted, secret, salt: "next-auth.session-token" })).toMatchObject(token);
    await expect(decode({ token: salted, secret })).rejects.toThrow();
  });

  it("opens nothing under another secret, nor a cookie altered in transit", async () => {
    const cookie = await encode({ token, secret });
    await expect(decode({ token: cookie, secret: `${secret}-rotated` })).rejects.toThrow();
    const parts = cookie.split(".");
    parts[3] = parts[3].slice(0, -2) + (parts[3].endsWith("AA") ? "BB" : "AA");
    await expect(decode({ token: parts.join("."), secret })).rejects.toThrow();
    expect(await decode({ token: "", secret })).toBeNull();
  });
});
