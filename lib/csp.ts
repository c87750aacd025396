/**
 * OwlBank's Content-Security-Policy, sent by proxy.ts. Two ways to let a page's own scripts run
 * and nothing else, both with 'strict-dynamic' (a script the page trusts may load more):
 *
 *  - a nonce, fresh for every response, that Next puts on the scripts of a page it renders
 *    per request (every page of app/(owlbank)/);
 *  - the sha256 hashes of exactly the scripts and styles of a page prerendered at build time
 *    (the sign-in page for visitors without a session cookie), read from that page's HTML in
 *    the build output. Its external scripts are allowed by their Subresource Integrity
 *    hashes (next.config.ts `experimental.sri`, completed by withIntegrity below): a CSP3
 *    browser (Chrome 59, Firefox 116, Safari 15.6 on) allows a `<script src integrity>` whose
 *    integrity hash is in the policy. proxy.ts serves that HTML itself.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** What may run or apply besides 'self': source expressions, quoted. */
export type Sources = { script: string[]; style: string[] };

export function contentSecurityPolicy(sources: Sources, https: boolean): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    // 'strict-dynamic' lets Next's nonce- or hash-allowed bootstrap load its chunks; React needs
    // eval only in development (server error stacks), never in production.
    `script-src ${["'self'", ...sources.script, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])].join(" ")}`,
    `style-src ${["'self'", ...(dev ? ["'unsafe-inline'"] : sources.style)].join(" ")}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** The sources of a page rendered per request: its nonce for scripts and styles. */
export const nonceSources = (nonce: string): Sources => ({ script: [`'nonce-${nonce}'`], style: [`'nonce-${nonce}'`] });

/** Why a prerendered page cannot be served with a hash policy. */
export class PrerenderedPolicyError extends Error {}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * The text a browser hashes: HTML's input stream turns CR LF and lone CR into LF before the
 * parser sees them (HTML §13.2.3.5), so a hash of the raw bytes would not match then.
 */
const asParsed = (text: string) => text.replace(/\r\n?/g, "\n");

/** A tag's attributes, as React writes them (`name="value"`, or a bare name). Names lower-cased. */
function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, name, double, single, bare] of tag.matchAll(/\s([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    found.set(name.toLowerCase(), double ?? single ?? bare ?? "");
  }
  return found;
}

/** SRI values are `alg-base64` tokens, separated by spaces, each maybe with `?options`. */
const INTEGRITY = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?\S*)?$/;

/**
 * The hash sources that allow exactly this page's scripts and styles: each inline `<script>`'s
 * and `<style>`'s sha256, and each external script's integrity hash. Throws when the page has
 * something no hash can allow, which this policy would block: an external script without an
 * integrity value, an inline event handler, a `javascript:` URL, a `style` attribute.
 */
export function hashSources(html: string): Sources {
  const script = new Set<string>();
  const style = new Set<string>();
  // Script and style elements hold raw text up to their end tag; nothing in them is markup.
  const rest = html.replace(/<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi, (_, element: string, attrs: string, body: string) => {
    const found = attributes(attrs);
    if (element.toLowerCase() === "style") {
      style.add(sha256(asParsed(body)));
    } else if (found.has("src")) {
      const integrity = (found.get("integrity") ?? "").split(/\s+/).filter(Boolean);
      if (integrity.length === 0) throw new PrerenderedPolicyError(`<script src="${found.get("src")}"> has no integrity value to allow it by`);
      for (const value of integrity) {
        const match = INTEGRITY.exec(value);
        if (!match) throw new PrerenderedPolicyError(`<script src="${found.get("src")}"> has an integrity value CSP cannot use: ${value}`);
        script.add(`'${match[1]}-${match[2]}'`);
      }
    } else {
      script.add(sha256(asParsed(body)));
    }
    return "";
  });
  if (/<(script|style)\b/i.test(rest)) throw new PrerenderedPolicyError("a <script> or <style> element has no end tag");
  for (const [tag] of rest.matchAll(/<[a-zA-Z][^>]*>/g)) {
    for (const [name, value] of attributes(tag)) {
      if (name.startsWith("on")) throw new PrerenderedPolicyError(`an inline event handler (${name}) in ${tag.slice(0, 80)}`);
      if (name === "style") throw new PrerenderedPolicyError(`a style attribute in ${tag.slice(0, 80)}`);
      if (/^\s*javascript:/i.test(value)) throw new PrerenderedPolicyError(`a javascript: URL in ${tag.slice(0, 80)}`);
    }
  }
  if (script.size === 0) throw new PrerenderedPolicyError("no scripts at all: not a page Next prerendered");
  return { script: [...script], style: [...style] };
}

/**
 * Adds an `integrity` value to each `<script src>` of Next's own assets that lacks one, from
 * the file it names. Next gives one to its bootstrap scripts but not to the client-component
 * chunks React writes into the page (vercel/next.js#74147), which a hash policy would block.
 * `asset` reads `/_next/static/…` from the build output; other scripts are left as they are.
 */
export function withIntegrity(html: string, asset: (src: string) => Buffer): string {
  return html.replace(/<script\b[^>]*>/gi, (tag) => {
    const found = attributes(tag);
    const src = found.get("src");
    if (src === undefined || found.has("integrity") || !src.startsWith("/_next/static/")) return tag;
    const integrity = `sha256-${createHash("sha256").update(asset(src)).digest("base64")}`;
    return `${tag.slice(0, -1)} integrity="${integrity}">`;
  });
}

/**
 * Where `next build` writes a prerendered page's HTML (`.next/server/app/<route>.html`, the
 * route without its (groups)) and the browser assets (`.next/static/`). Relative to the
 * working directory, like db/migrations: `npm start` runs from the checkout, the standalone
 * server from its own folder, which holds the same `.next/server` and `.next/static`.
 */
const buildOutput = (...parts: string[]) => path.join(/* turbopackIgnore: true */ process.cwd(), ".next", ...parts);
export const prerenderedHtmlFile = (route: string) => buildOutput("server", "app", `${route.replace(/^\//, "")}.html`);

function readAsset(src: string): Buffer {
  const relative = decodeURIComponent(src.slice("/_next/static/".length).split(/[?#]/)[0]);
  const file = buildOutput("static", relative);
  if (!file.startsWith(buildOutput("static") + path.sep)) throw new PrerenderedPolicyError(`${src} is not in .next/static`);
  return fs.readFileSync(file);
}

/** A prerendered page as the proxy serves it: its HTML, that HTML's ETag, and its policy's sources. */
export type PrerenderedPage = { html: string; etag: string; sources: Sources };

const loaded = new Map<string, PrerenderedPage | null>();

/**
 * A prerendered page with the hash sources of exactly its scripts and styles, read from the
 * build output on first use and kept: a server's build output does not change while it runs.
 * `null` when that cannot be done (no such file, an asset missing, something in the page no
 * hash can allow); then the caller serves the page rendered per request with a nonce instead,
 * which is as strict, only slower. That is said once per process on stderr, loudly: it is a
 * broken deployment or a change to the page that needs a look, never the normal state of a
 * production server. In development there is no prerendered HTML (`next dev` renders every
 * page per request), so this is always `null` there, silently.
 */
export function prerenderedPage(route: string): PrerenderedPage | null {
  if (loaded.has(route)) return loaded.get(route) ?? null;
  let page: PrerenderedPage | null = null;
  if (process.env.NODE_ENV !== "development") {
    const file = prerenderedHtmlFile(route);
    try {
      const html = withIntegrity(fs.readFileSync(file, "utf8"), readAsset);
      const etag = `"${createHash("sha256").update(html).digest("base64url")}"`;
      page = { html, etag, sources: hashSources(html) };
    } catch (error) {
      console.error(
        `\n[csp] SERVING ${route} PER REQUEST: no hash policy for its prerendered page ${file}: ` +
          `${error instanceof Error ? error.message : String(error)}. Every ${route} request now costs a dynamic render ` +
          `(with the nonce policy). Rebuild (next build), run from the folder that holds .next, or fix the page.\n`,
      );
    }
  }
  loaded.set(route, page);
  return page;
}
