import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { themeBootScript } from "@/components/shell/theme-boot";
import "./globals.css";

export const metadata: Metadata = {
  title: "Gantry",
  description: "Microservices orchestration with a visual dashboard",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The boot script sets the theme class on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeBootScript }} />
      </head>
      <body className="min-h-screen bg-zinc-50 text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
