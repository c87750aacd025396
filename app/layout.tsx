import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: "OwlBank",
  description: "Banking secured by passkeys",
  icons: { icon: "/icon.svg" },
};

export const viewport: Viewport = {
  themeColor: "#0b3440",
  width: "device-width",
  initialScale: 1,
};

// System fonts only (Tailwind's default stack): next/font/google would need the network.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request so its scripts carry that request's CSP nonce (proxy.ts);
  // a prerendered page would ship without one and be blocked.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
