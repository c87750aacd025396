import type { Metadata } from "next";
import NextNotFound from "next/dist/client/components/builtin/not-found";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = { title: "404: This page could not be found." };

/**
 * The page for an address that matches no route: Next's own 404, in the root layout's frame,
 * rendered per request. proxy.ts cannot know that an address matches nothing, so it gives it
 * the nonce CSP; a 404 page prerendered at build time would carry no nonce and have its scripts
 * blocked. The root layout cannot say so any more (it also wraps the prerendered sign-in page),
 * and the root not-found.tsx cannot either: Next renders that one into every page's tree, so a
 * `connection()` there would make every page dynamic again. A global not-found page is rendered
 * on its own (next.config.ts `experimental.globalNotFound`). `notFound()` in a page still shows
 * Next's default 404 within that page's own per-request render.
 */
export default async function GlobalNotFound() {
  await connection();
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-50 font-sans text-slate-900 antialiased">
        <NextNotFound />
      </body>
    </html>
  );
}
