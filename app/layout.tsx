import type { Metadata } from "next";
import "@fontsource-variable/inter";
import "./globals.css";
import { connection } from "next/server";
import { Providers } from "@/components/trpc/providers";

export const metadata: Metadata = {
  title: { default: "Weft", template: "%s · Weft" },
  description: "Governed, observable integrations for professional-services firms.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request, so Next.js can stamp this request's CSP nonce on its scripts (proxy.ts).
  await connection();
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
