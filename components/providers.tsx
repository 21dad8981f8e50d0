"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpLink, splitLink } from "@trpc/client";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "@/server/api/router";
import { ShortcutsProvider } from "./shell/shortcuts";
import { TRPCProvider } from "./trpc";

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 }, mutations: { retry: false } } }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      // Queries are batched; mutations are not, since a batch runs its calls concurrently on the server.
      links: [splitLink({ condition: (op) => op.type === "query", true: httpBatchLink({ url: "/api/trpc" }), false: httpLink({ url: "/api/trpc" }) })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <ShortcutsProvider>{children}</ShortcutsProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
