import { describe, expect, it } from "vitest";
import { passkeyProvider } from "./providers";

describe("passkeyProvider", () => {
  it("names well-known passkey providers from their AAGUID", () => {
    expect(passkeyProvider("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")).toBe("Google Password Manager");
    expect(passkeyProvider("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")).toBe("iCloud Keychain");
    expect(passkeyProvider("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4")).toBe("Google Password Manager");
  });

  it("says nothing for an undisclosed or unknown authenticator", () => {
    expect(passkeyProvider(null)).toBeNull();
    expect(passkeyProvider("00000000-0000-0000-0000-000000000000")).toBeNull();
    expect(passkeyProvider("12345678-1234-1234-1234-123456789abc")).toBeNull();
  });
});
