import type { Metadata, Viewport } from "next";
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
//
// No `connection()` here: the root layout also wraps the prerendered sign-in page
// (app/(prerendered)/sign-in). The pages that render per request with a CSP nonce say so in
// app/(owlbank)/layout.tsx, and the 404 page in app/global-not-found.tsx.
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
