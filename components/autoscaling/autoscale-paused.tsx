"use client";

import { useMutation } from "@tanstack/react-query";
import type { Service } from "@/server/contracts/service";
import { usePermit } from "../access/access-context";
import { useTRPC } from "../trpc";

/** Beside the scale buttons: autoscaled, or paused by a hand scale with the way back. Never a silent fight. */
export function AutoscalePaused({ service }: { service: Service }) {
  const trpc = useTRPC();
  const resume = useMutation(trpc.autoscaling.resume.mutationOptions());
  const operate = usePermit("operator", service.labels);
  if (!service.autoscale) return null;
  if (!service.autoscalePausedAt) {
    return (
      <p className="mt-1 text-xs text-zinc-500" data-testid="autoscale-state">
        Autoscaled {service.autoscale.minReplicas}–{service.autoscale.maxReplicas}: a hand scale pauses it
      </p>
    );
  }
  return (
    <p role="status" className="mt-1 flex flex-wrap items-center gap-2 text-xs text-amber-700 dark:text-amber-400" data-testid="autoscale-state">
      Autoscaling paused (scaled by hand) —
      <button
        type="button"
        className="rounded border border-amber-400 px-1.5 py-0.5 font-medium hover:bg-amber-50 disabled:opacity-40 dark:hover:bg-amber-950"
        disabled={!operate.allowed || resume.isPending}
        title={operate.title}
        onClick={() => resume.mutate({ serviceId: service.id })}
      >
        resume
      </button>
      {resume.error && <span role="alert">{resume.error.message}</span>}
    </p>
  );
}
