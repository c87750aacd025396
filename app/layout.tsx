import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "OwlBank",
  description: "Banking secured by passkeys",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-50 text-slate-900 antialiased">{children}</body>
    </html>
  );
}
