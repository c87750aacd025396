import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // better-sqlite3 is a native addon: load it from node_modules at run time, never bundle it.
  serverExternalPackages: ["better-sqlite3"],
  poweredByHeader: false,
  // Twilio's library never sends trailing slashes, and must never be redirected (docs/api.md §1).
  skipTrailingSlashRedirect: true,
  // proxy.ts sees requests as they came: with Next's RSC headers (`RSC: 1`), which it would
  // otherwise strip. The proxy serves the prerendered sign-in page's HTML to page loads and
  // leaves RSC navigations and prefetches of it to Next. OwlBank has no pages/ router, whose
  // /_next/data URLs are what this normalisation is mostly about.
  skipProxyUrlNormalize: true,
  experimental: {
    // An `integrity` attribute on each of Next's script tags. The prerendered sign-in page's
    // CSP allows its external scripts by these hashes (lib/csp.ts); it has no nonce to use.
    sri: { algorithm: "sha256" },
    // app/global-not-found.tsx: the 404 page for unknown addresses, rendered per request.
    globalNotFound: true,
  },
  // No `typescript.ignoreBuildErrors`: a build from code that does not type-check must fail, even
  // outside `npm test`. Next 16's build does not lint at all, so eslint runs only in `npm test`.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          // Passkeys only for this origin, never for an embedding page; nothing else needed.
          {
            key: "Permissions-Policy",
            value:
              "publickey-credentials-get=(self), publickey-credentials-create=(self), camera=(), microphone=(), geolocation=(), payment=(), usb=()",
          },
        ],
      },
      {
        // JSON routes that proxy.ts skips: nothing in them may run or load anything, should one
        // ever answer with HTML (next-auth can render its own pages).
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" }],
      },
    ];
  },
};

export default nextConfig;
