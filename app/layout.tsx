import type { Metadata } from "next";
import "@fontsource-variable/inter";
import "./globals.css";
import { Providers } from "@/components/trpc/providers";

export const metadata: Metadata = {
  title: { default: "Weft", template: "%s · Weft" },
  description: "Governed, observable integrations for professional-services firms.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
