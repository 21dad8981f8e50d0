"use client";

import { useMutation } from "@tanstack/react-query";
import type { Rollout } from "@/server/contracts/rollout";
import type { Service } from "@/server/contracts/service";
import { usePermit } from "../access/access-context";
import { useTRPC } from "../trpc";
import { useNow } from "../use-now";
import { describeRollout, isActive, isStuck, rolloutFraction } from "./rollout-math";

/** How long a finished rollout's bar stays up, so the last step is seen. */
const LINGER_MS = 6000;

const barColour: Record<Rollout["status"], string> = {
  progressing: "bg-sky-500",
  paused: "bg-amber-500",
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  aborted: "bg-zinc-400",
  superseded: "bg-zinc-400",
};
const small = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";

/** A service's rollout as it happens: a progress bar, where it stands, and pause / resume / abort. */
export function RolloutBar({ service, rollout }: { service: Service; rollout: Rollout | undefined }) {
  const trpc = useTRPC();
  const now = useNow(1000);
  const pause = useMutation(trpc.rollouts.pause.mutationOptions());
  const resume = useMutation(trpc.rollouts.resume.mutationOptions());
  const abort = useMutation(trpc.rollouts.abort.mutationOptions());
  const rollback = useMutation(trpc.rollouts.rollback.mutationOptions());
  const operate = usePermit("operator", service.labels);
  if (!rollout || now === undefined) return null;
  const active = isActive(rollout);
  const holding = isStuck(rollout, service.revision);
  const lingering = rollout.finishedAt !== null && now - Date.parse(rollout.finishedAt) < LINGER_MS;
  if (!active && !holding && !lingering) return null;

  // Counted against today's replicas: the service may have been scaled since the rollout began.
  const current = { ...rollout, replicas: service.replicas };
  const percent = Math.round(rolloutFraction(current) * 100);
  const target = { serviceId: service.id };
  const error = pause.error ?? resume.error ?? abort.error ?? rollback.error;
  const busy = pause.isPending || resume.isPending || abort.isPending || rollback.isPending || !operate.allowed;
  return (
    <div className="mt-2 space-y-1" data-testid="rollout" data-status={rollout.status}>
      <div
        role="progressbar"
        aria-label={`Rollout of ${service.name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className={`h-full transition-[width] duration-500 ${barColour[rollout.status]}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="flex items-center justify-between gap-2">
        <p className={`min-w-0 text-xs ${holding ? "text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-400"}`} data-testid="rollout-status">
          {describeRollout(current)}
        </p>
        <div className="flex shrink-0 gap-1">
          {rollout.status === "progressing" && (
            <button type="button" className={small} disabled={busy} title={operate.title} onClick={() => pause.mutate(target)}>
              Pause
            </button>
          )}
          {rollout.status === "paused" && (
            <button type="button" className={small} disabled={busy} title={operate.title} onClick={() => resume.mutate(target)}>
              Resume
            </button>
          )}
          {active && (
            <button type="button" className={small} disabled={busy} onClick={() => abort.mutate(target)} title={operate.title ?? `Stop and return to revision ${rollout.fromRevision}`}>
              Abort
            </button>
          )}
          {holding && (
            <button type="button" className={small} disabled={busy} title={operate.title} onClick={() => rollback.mutate({ ...target, revision: rollout.fromRevision })}>
              Roll back to {rollout.fromRevision}
            </button>
          )}
        </div>
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error.message}
        </p>
      )}
    </div>
  );
}
