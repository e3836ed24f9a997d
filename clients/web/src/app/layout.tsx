import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "@livekit/components-styles";
import "./globals.css";

export const metadata: Metadata = {
  title: "Warm Transfer console",
  description: "Take calls, hand them over warm, with the AI briefing on screen and spoken.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="border-b border-slate-200 bg-white">
          <nav
            aria-label="Main"
            className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-2 text-sm"
          >
            <Link href="/" className="font-semibold text-indigo-700">
              Warm Transfer
            </Link>
            <Link href="/" className="text-slate-600 hover:text-slate-900">
              Agents
            </Link>
            <Link href="/caller" className="text-slate-600 hover:text-slate-900">
              Caller
            </Link>
          </nav>
        </header>
        <main className="mx-auto max-w-7xl px-4 py-4">{children}</main>
      </body>
    </html>
  );
}
