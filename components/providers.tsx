"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpLink, splitLink, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "@/server/api/router";
import { dashboardHeaders, sessionLost } from "./access/session-state";
import { ShortcutsProvider } from "./shell/shortcuts";
import { TRPCProvider } from "./trpc";

/** A 401 means the session ended under the user: the dashboard asks them to sign in again, in place. */
const noticeSessionLoss: TRPCLink<AppRouter> = () => ({ next, op }) =>
  observable((observer) => {
    const sentAt = performance.now();
    return next(op).subscribe({
      next: (value) => observer.next(value),
      error: (err) => {
        if (err.data?.httpStatus === 401) sessionLost("Your session has ended.", sentAt);
        observer.error(err);
      },
      complete: () => observer.complete(),
    });
  });

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 }, mutations: { retry: false } } }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      // Queries are batched; mutations are not, since a batch runs its calls concurrently on the server.
      links: [
        noticeSessionLoss,
        splitLink({
          condition: (op) => op.type === "query",
          true: httpBatchLink({ url: "/api/trpc", headers: dashboardHeaders }),
          false: httpLink({ url: "/api/trpc", headers: dashboardHeaders }),
        }),
      ],
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
