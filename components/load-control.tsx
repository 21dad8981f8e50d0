"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { LoadJob } from "@/server/contracts/realtime";
import type { Service } from "@/server/contracts/service";
import { usePermit } from "./access/access-context";
import { buttonClass, inputBase } from "./form-field";
import { useTopic } from "./realtime/hooks";
import type { TopicFold } from "./realtime/topic-folds";
import { useTRPC } from "./trpc";
import { useNow } from "./use-now";

const loadJobsFold: TopicFold<"loadgen", LoadJob[]> = {
  fromSnapshot: (jobs) => jobs,
  applyDelta: (jobs, job) => [...jobs.filter((j) => j.id !== job.id), job],
};

/** "Send traffic": a steady stream of requests to the service's listener, with live progress. */
export function LoadControl({ service }: { service: Service }) {
  const trpc = useTRPC();
  const start = useMutation(trpc.loadgen.start.mutationOptions());
  const stop = useMutation(trpc.loadgen.stop.mutationOptions());
  const [rate, setRate] = useState("20");
  const [seconds, setSeconds] = useState("30");
  const jobs = useTopic("loadgen", loadJobsFold);
  const now = useNow(500);
  const job = (jobs ?? []).filter((j) => j.serviceId === service.id).sort((a, b) => b.startedAt - a.startedAt)[0];
  const running = job?.state === "running";
  const error = start.error ?? stop.error;
  const operate = usePermit("operator", service.labels);

  return (
    <div className="flex flex-wrap items-center gap-2 border-t border-zinc-100 px-4 py-2 text-xs dark:border-zinc-800" data-testid="load-control">
      <label className="flex items-center gap-1">
        <input aria-label={`Requests per second to ${service.name}`} value={rate} onChange={(e) => setRate(e.target.value)} className={`${inputBase} h-7 w-16`} inputMode="numeric" />
        req/s for
      </label>
      <label className="flex items-center gap-1">
        <input aria-label={`Seconds of traffic to ${service.name}`} value={seconds} onChange={(e) => setSeconds(e.target.value)} className={`${inputBase} h-7 w-16`} inputMode="numeric" />s
      </label>
      {running ? (
        <button type="button" className={buttonClass.secondary} disabled={!operate.allowed} title={operate.title} onClick={() => stop.mutate({ id: job.id })}>
          Stop traffic
        </button>
      ) : (
        <button
          type="button"
          className={buttonClass.secondary}
          disabled={start.isPending || service.listenPort === null || !operate.allowed}
          title={operate.title}
          onClick={() => start.mutate({ serviceId: service.id, rate: Number(rate), seconds: Number(seconds) })}
        >
          Send traffic
        </button>
      )}
      {job && now !== undefined && (
        <div className="flex min-w-48 flex-1 items-center gap-2" data-testid="load-progress">
          <div className="h-1.5 flex-1 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-label="Traffic run progress" aria-valuemin={0} aria-valuemax={job.seconds} aria-valuenow={Math.min(job.seconds, Math.round((now - job.startedAt) / 1000))}>
            <div className="h-full bg-sky-500 transition-all" style={{ width: `${running ? Math.min(100, ((now - job.startedAt) / 1000 / job.seconds) * 100) : 100}%` }} />
          </div>
          <span className="tabular-nums text-zinc-600 dark:text-zinc-400">
            {job.state} · {job.sent} sent · {job.ok} ok · {job.failed} failed
          </span>
        </div>
      )}
      {error && (
        <span role="alert" className="text-red-600 dark:text-red-400">
          {error.message}
        </span>
      )}
    </div>
  );
}
