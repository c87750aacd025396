import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, hashSources, nonceSources, PrerenderedPolicyError, withIntegrity } from "./csp";

const sha256 = (text: string | Buffer) => `sha256-${createHash("sha256").update(text).digest("base64")}`;

const page = (head: string, body = "<main><h1>Sign in</h1></main>") =>
  `<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>${head}</head><body>${body}</body></html>`;

describe("hashSources", () => {
  it("allows each inline script by the hash of its text and each external one by its integrity value", () => {
    const inline = '(self.__next_f=self.__next_f||[]).push([0])';
    const sources = hashSources(
      page(
        `<script src="/_next/static/chunks/a.js" async="" integrity="sha256-AAAA"></script><script>${inline}</script>`,
        '<script id="_R_">self.x="</div>"</script>',
      ),
    );
    expect(sources.script).toEqual(["'sha256-AAAA'", `'${sha256(inline)}'`, `'${sha256('self.x="</div>"')}'`]);
    expect(sources.style).toEqual([]);
  });

  it("hashes what the browser hashes: line breaks as HTML's parser leaves them", () => {
    expect(hashSources(page("<script>a()\r\nb()\rc()</script>")).script).toEqual([`'${sha256("a()\nb()\nc()")}'`]);
  });

  it("allows an inline style by its hash, and lists a repeated hash once", () => {
    const sources = hashSources(page("<style>body{margin:0}</style><script>a()</script><script>a()</script>"));
    expect(sources.style).toEqual([`'${sha256("body{margin:0}")}'`]);
    expect(sources.script).toHaveLength(1);
  });

  it("keeps every value of a multi-hash integrity attribute, of the algorithms CSP knows", () => {
    const sources = hashSources(page('<script src="/a.js" integrity="sha384-BBBB sha512-CCCC?opt"></script>'));
    expect(sources.script).toEqual(["'sha384-BBBB'", "'sha512-CCCC'"]);
  });

  it.each([
    ['<script src="/_next/static/chunks/a.js" async=""></script>', /no integrity value/],
    ['<script src="/a.js" integrity="md5-AAAA"></script>', /integrity value CSP cannot use/],
    ["<script>a()</script><button onclick=\"steal()\">Go</button>", /inline event handler/],
    ['<script>a()</script><div style="color:red">x</div>', /style attribute/],
    ['<script>a()</script><a href="javascript:steal()">x</a>', /javascript: URL/],
    ["<script>a()", /no end tag/],
    ["<title>Not Next's</title>", /no scripts at all/],
  ])("refuses a page it cannot allow by hashes alone: %s", (head, message) => {
    expect(() => hashSources(page(head))).toThrow(PrerenderedPolicyError);
    expect(() => hashSources(page(head))).toThrow(message);
  });
});

describe("withIntegrity", () => {
  const assets: Record<string, string> = { "/_next/static/chunks/b.js": "console.log('b')" };
  const asset = (src: string) => {
    if (!(src in assets)) throw new Error(`no ${src}`);
    return Buffer.from(assets[src]);
  };

  it("adds the hash of the file to a Next script that has none, and leaves the rest alone", () => {
    const html = page(
      '<script src="/_next/static/chunks/a.js" async="" integrity="sha256-AAAA"></script>' +
        '<script src="/_next/static/chunks/b.js" async=""></script><script src="https://cdn.example/c.js"></script><script>a()</script>',
    );
    const patched = withIntegrity(html, asset);
    expect(patched).toContain(`<script src="/_next/static/chunks/b.js" async="" integrity="${sha256("console.log('b')")}">`);
    expect(patched).toContain('<script src="/_next/static/chunks/a.js" async="" integrity="sha256-AAAA">');
    // Not Next's: no integrity added, so hashSources refuses the page.
    expect(patched).toContain('<script src="https://cdn.example/c.js">');
    expect(() => hashSources(patched)).toThrow(/cdn\.example/);
  });

  it("fails when a script's file is missing", () => {
    expect(() => withIntegrity(page('<script src="/_next/static/chunks/gone.js"></script>'), asset)).toThrow(/gone\.js/);
  });
});

describe("contentSecurityPolicy", () => {
  it("puts the sources beside 'self' and 'strict-dynamic', and keeps every other directive", () => {
    const hashes = contentSecurityPolicy({ script: ["'sha256-AAAA'"], style: [] }, false);
    expect(hashes).toBe(
      "default-src 'self'; script-src 'self' 'sha256-AAAA' 'strict-dynamic'; style-src 'self'; img-src 'self' data: blob:; " +
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(contentSecurityPolicy(nonceSources("bm9uY2U="), true)).toBe(
      "default-src 'self'; script-src 'self' 'nonce-bm9uY2U=' 'strict-dynamic'; style-src 'self' 'nonce-bm9uY2U='; img-src 'self' data: blob:; " +
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests",
    );
  });
});
