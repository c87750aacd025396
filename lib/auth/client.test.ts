/**
 * The sign-in client's contract with next-auth's endpoints, with fetch answered here the way
 * next-auth 4 answers (the end-to-end journeys drive the real thing).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const ORIGIN = "http://localhost:3000";

type Call = { url: string; body?: URLSearchParams };

/** A fetch that answers like next-auth: `csrf` tokens in turn, then `callback` answers in turn. */
function nextAuth(callbackUrls: string[], tokens = ["t1", "t2"]) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, body: init?.body as URLSearchParams | undefined });
    if (url === "/api/auth/csrf") return Response.json({ csrfToken: tokens.shift() });
    const next = callbackUrls.shift();
    if (next === undefined) throw new TypeError("Failed to fetch");
    return Response.json({ url: new URL(next, ORIGIN).href }, { status: next.includes("error=") ? 401 : 200 });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

let client: typeof import("./client");

beforeEach(async () => {
  vi.resetModules();
  vi.stubGlobal("window", { location: { origin: ORIGIN, assign: vi.fn() } });
  client = await import("./client");
});

afterEach(() => vi.unstubAllGlobals());

describe("signInWith", () => {
  it("posts the fields with the CSRF token fetched ahead, and one token serves every sign-in", async () => {
    const calls = nextAuth(["/dashboard", "/dashboard"]);
    client.prefetchCsrfToken();

    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: true });
    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: true });

    expect(calls.map((c) => c.url)).toEqual(["/api/auth/csrf", "/api/auth/callback/passkey", "/api/auth/callback/passkey"]);
    expect(Object.fromEntries(calls[1].body!)).toEqual({ credential: "{}", callbackUrl: "/dashboard", csrfToken: "t1", json: "true" });
  });

  it("resolves with the key authorize() threw, taken from next-auth's error URL", async () => {
    nextAuth(["/sign-in?error=verify_60324"]);
    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: false, error: "verify_60324" });
  });

  it("retries once with a new token when next-auth reports a stale one", async () => {
    const calls = nextAuth(["/api/auth/signin?csrf=true", "/dashboard"]);
    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: true });
    expect(calls.filter((c) => c.body).map((c) => c.body!.get("csrfToken"))).toEqual(["t1", "t2"]);
  });

  it("a second stale-token answer is a failure, not a sign-in", async () => {
    nextAuth(["/api/auth/signin?csrf=true", "/api/auth/signin?csrf=true"]);
    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: false, error: null });
  });

  it("a network failure resolves as a failure without a key, so the form shows its generic message", async () => {
    nextAuth([]);
    await expect(client.signInWith("passkey", { credential: "{}" })).resolves.toEqual({ ok: false, error: null });
  });
});

describe("signOut", () => {
  it("posts to next-auth's sign-out endpoint, then loads the page it names", async () => {
    const calls = nextAuth(["/sign-in"]);
    await client.signOut("/sign-in");
    expect(calls.at(-1)?.url).toBe("/api/auth/signout");
    expect(calls.at(-1)?.body?.get("callbackUrl")).toBe("/sign-in");
    expect(window.location.assign).toHaveBeenCalledWith(`${ORIGIN}/sign-in`);
  });
});
