"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { describeFault } from "@/server/contracts/chaos";
import { usePermit } from "../access/access-context";
import { useTRPC } from "../trpc";

/** While any fault is injected, every page says so, with when it ends and a way to end it now. */
export function ChaosBanner() {
  const trpc = useTRPC();
  const { data: injections } = useQuery({ ...trpc.chaos.list.queryOptions(), refetchInterval: 2000 });
  const revert = useMutation(trpc.chaos.revert.mutationOptions());
  const operate = usePermit("operator");
  if (!injections || injections.length === 0) return null;
  return (
    <div role="alert" aria-label="Chaos in force" className="mb-4 space-y-1 rounded-md border border-amber-400 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/50 dark:text-amber-200">
      {injections.map((injection) => (
        <p key={injection.id} className="flex flex-wrap items-center gap-2" data-testid="chaos-injection">
          <span>
            <strong>Chaos on {injection.label}:</strong> {describeFault(injection.fault)}{" "}
            <span className="text-xs">(until {new Date(injection.until).toLocaleTimeString()}, by {injection.actor})</span>
          </span>
          <button
            type="button"
            className="rounded border border-amber-500 px-1.5 text-xs hover:bg-amber-100 disabled:opacity-50 dark:hover:bg-amber-900"
            disabled={!operate.allowed || revert.isPending}
            title={operate.title}
            onClick={() => revert.mutate({ id: injection.id })}
          >
            Revert
          </button>
        </p>
      ))}
    </div>
  );
}
