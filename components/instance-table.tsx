"use client";

import { useMutation } from "@tanstack/react-query";
import type { Labels } from "@/server/contracts/access";
import type { Instance } from "@/server/contracts/instance";
import { useLogPermit, usePermit } from "./access/access-context";
import { formatBytes, formatDuration, formatPercent } from "./format";
import { PhaseBadge } from "./phase-badge";
import { ProbeIndicators } from "./probe-indicators";
import { useTRPC } from "./trpc";
import { useNow } from "./use-now";
import { TableHead } from "./table-head";

const actionButton = "rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800";

function detail(instance: Instance, now: number | undefined): string {
  if (instance.nextRestartAt && now !== undefined) {
    return `${instance.message ?? instance.reason ?? ""}; retry in ${formatDuration(Date.parse(instance.nextRestartAt) - now)}`;
  }
  if (instance.phase === "Failed" || instance.phase === "Stopped") return [instance.reason, instance.message].filter(Boolean).join(": ");
  // What a long start is doing (pulling an image).
  if (instance.phase === "Starting") return instance.message ?? "";
  return "";
}

/**
 * The instances of a service, each with its actions; `onLogs` opens that instance's log.
 * `compact` (a side panel, whose charts show CPU and memory) leaves out where it runs, port, uptime and usage.
 */
export function InstanceTable(props: { instances: Instance[]; labels: Labels; logsFor?: string; onLogs(id: string): void; compact?: boolean }) {
  const { instances, labels, logsFor, onLogs, compact = false } = props;
  const trpc = useTRPC();
  const stop = useMutation(trpc.instances.stop.mutationOptions());
  const restart = useMutation(trpc.instances.restart.mutationOptions());
  const kill = useMutation(trpc.chaos.kill.mutationOptions());
  const pause = useMutation(trpc.chaos.pause.mutationOptions());
  const now = useNow(1000);
  const error = stop.error ?? restart.error ?? kill.error ?? pause.error;
  const cell = compact ? "px-2 py-1.5" : "px-4 py-1.5";
  const operate = usePermit("operator", labels);
  const readLogs = useLogPermit(labels);

  if (instances.length === 0) return <p className="px-4 py-3 text-sm text-zinc-500">No instances.</p>;
  return (
    <>
      {error && (
        <p role="alert" className="px-4 pt-2 text-xs text-red-600 dark:text-red-400">
          {error.message}
        </p>
      )}
      <table className="w-full text-left text-sm">
        <TableHead labels={compact ? ["Instance", "Phase", "Health", "Restarts", ""] : ["Instance", "Phase", "Health", "Runs as", "Port", "Restarts", "Uptime", "CPU", "Memory", ""]} />
        <tbody>
          {instances.map((instance) => {
            const running = instance.phase === "Running" && instance.startedAt && now !== undefined;
            const note = detail(instance, now);
            return (
              <tr key={instance.id} data-testid={`instance-${instance.id}`} className="border-t border-zinc-100 dark:border-zinc-800/60">
                <td className={`${cell} font-mono text-xs`}>{instance.id}</td>
                <td className={cell}>
                  <PhaseBadge instance={instance} />
                  {note && <span className="ml-2 text-xs text-zinc-500">{note}</span>}
                </td>
                <td className={cell}>
                  <ProbeIndicators probes={instance.probes} />
                  {instance.ejected && (
                    <span
                      data-testid="ejected"
                      className="ml-1 rounded bg-red-100 px-1.5 py-0.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300"
                      title="The data plane stopped sending it traffic after repeated errors or timeouts (outlier ejection); it is tried again when its ejection time is up."
                    >
                      ejected
                    </span>
                  )}
                </td>
                {!compact && (
                  <>
                    <td className={`${cell} tabular-nums`} data-testid="runtime">
                      <RuntimeCell runtime={instance.runtime} />
                    </td>
                    <td className={`${cell} tabular-nums`}>{instance.port ?? "—"}</td>
                  </>
                )}
                <td className={`${cell} tabular-nums`} data-testid="restarts">
                  {instance.restarts}
                </td>
                {!compact && (
                  <>
                    <td className={`${cell} tabular-nums`}>{running ? formatDuration(now - Date.parse(instance.startedAt!)) : "—"}</td>
                    {instance.runtime?.kind === "swarm" && !instance.runtime.sampled ? (
                      // A task on a node whose daemon Gantry wasn't given: unknown, not 0.
                      <td colSpan={2} className={`${cell} text-xs text-zinc-500`}>
                        not sampled (remote node)
                      </td>
                    ) : (
                      <>
                        <td className={`${cell} tabular-nums`}>{formatPercent(instance.cpuPercent)}</td>
                        <td className={`${cell} tabular-nums`}>{formatBytes(instance.memoryBytes)}</td>
                      </>
                    )}
                  </>
                )}
                <td className="whitespace-nowrap px-4 py-1.5 text-right">
                  <button type="button" className={actionButton} aria-pressed={logsFor === instance.id} disabled={!readLogs.allowed} title={readLogs.title} onClick={() => onLogs(instance.id)}>
                    Logs
                  </button>
                  <button type="button" className={actionButton} disabled={instance.phase === "Stopping" || !operate.allowed} title={operate.title} onClick={() => restart.mutate({ id: instance.id })}>
                    Restart
                  </button>
                  <button type="button" className={actionButton} disabled={instance.phase === "Stopping" || !operate.allowed} title={operate.title} onClick={() => stop.mutate({ id: instance.id })}>
                    Stop
                  </button>
                  <button type="button" className={actionButton} disabled={instance.phase !== "Running" || !operate.allowed} title={operate.title ?? "Chaos: SIGKILL, as a crash would"} onClick={() => kill.mutate({ id: instance.id })}>
                    Kill
                  </button>
                  <button type="button" className={actionButton} disabled={instance.phase !== "Running" || !operate.allowed} title={operate.title ?? "Chaos: SIGSTOP for 10 s — alive, accepting, answering nothing"} onClick={() => pause.mutate({ id: instance.id, seconds: 10 })}>
                    Pause 10 s
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** A process's pid; a container's short id, with the image digest it runs under it; a Swarm task's node and state. */
function RuntimeCell({ runtime }: { runtime: Instance["runtime"] }) {
  if (!runtime) return "—";
  if (runtime.kind === "process") return `pid ${runtime.pid}`;
  if (runtime.kind === "swarm") {
    return (
      <span className="font-mono text-xs" title={`task ${runtime.taskId}${runtime.error ? `\n${runtime.error}` : ""}`}>
        {runtime.node} · slot {runtime.slot}
        <span className="block text-zinc-500">
          {runtime.state}
          {runtime.desiredState !== "running" && ` → ${runtime.desiredState}`}
          {runtime.error && ` · ${runtime.error}`}
        </span>
      </span>
    );
  }
  return (
    <span className="font-mono text-xs" title={`${runtime.image}${runtime.digest ? `\n${runtime.digest}` : ""}`}>
      {runtime.containerId.slice(0, 12)}
      {runtime.digest && <span className="block text-zinc-500">{runtime.digest.replace(/^.*sha256:/, "sha256:").slice(0, 19)}</span>}
    </span>
  );
}
