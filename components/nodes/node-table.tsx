"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import type { SwarmNode } from "@/server/contracts/swarm";
import { usePermit } from "../access/access-context";
import { formatBytes, formatPercent } from "../format";
import { StatusMessage } from "../status-message";
import { cellClass, rowActionClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";

const REFRESH_MS = 2000;
const stateStyle = (node: SwarmNode) =>
  node.state !== "ready"
    ? "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300"
    : node.availability !== "active"
      ? "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300"
      : "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300";
const cores = (n: number) => `${Math.round(n * 100) / 100}`;

/** Usage Gantry can't read: a node whose daemon it wasn't given (label the node gantry.docker-host=<its API>). */
const NOT_SAMPLED = "not sampled (remote node)";

/** The swarm's machines, refreshed every 2 s: role, availability, state, what is reserved and used, Gantry's instances on each; Drain and Activate for operators. */
export function NodeTable() {
  const trpc = useTRPC();
  const { data, error, refetch } = useQuery({ ...trpc.nodes.list.queryOptions(), refetchInterval: REFRESH_MS });
  const setAvailability = useMutation(trpc.nodes.setAvailability.mutationOptions({ onSuccess: () => void refetch() }));
  const operate = usePermit("operator");
  if (error) return <StatusMessage tone="error">Could not load nodes: {error.message}</StatusMessage>;
  if (!data) return <StatusMessage>Loading nodes…</StatusMessage>;
  if (!data.connected) return <StatusMessage>{data.reason}</StatusMessage>;
  return (
    <>
      <p className="mb-2 text-xs text-zinc-500">
        Manager: <code>{data.manager}</code>
      </p>
      {setAvailability.error && (
        <p role="alert" className="mb-2 text-xs text-red-600 dark:text-red-400">
          {setAvailability.error.message}
        </p>
      )}
      <TableCard label="Swarm nodes" headers={["Node", "Role", "State", "CPU reserved / used / total", "Memory reserved / used / total", "Instances", ""]}>
        {data.nodes.map((node) => (
          <tr key={node.id} data-testid={`node-${node.hostname}`} className={rowClass}>
            <td className={`${cellClass} font-medium`}>
              {node.hostname}
              <span className="block font-mono text-xs text-zinc-500" title={node.id}>
                {node.address} · {node.id.slice(0, 12)}
              </span>
            </td>
            <td className={cellClass}>
              {node.role}
              {node.leader && <span className="ml-1 text-xs text-zinc-500">(leader)</span>}
            </td>
            <td className={cellClass}>
              <span data-testid="node-state" className={`rounded px-1.5 py-0.5 text-xs font-medium ${stateStyle(node)}`}>
                {node.state} · {node.availability}
              </span>
            </td>
            <td className={`${cellClass} tabular-nums`}>
              {cores(node.reservedCpus)} / {node.sampled ? formatPercent(node.usedCpuPercent) : NOT_SAMPLED} / {cores(node.cpus)} cores
            </td>
            <td className={`${cellClass} tabular-nums`} data-testid="node-memory">
              {formatBytes(node.reservedMemoryBytes)} / {node.sampled ? formatBytes(node.usedMemoryBytes) : NOT_SAMPLED} / {formatBytes(node.memoryBytes)}
            </td>
            <td className={`${cellClass} text-xs`} data-testid="node-instances">
              {node.instances.length === 0
                ? "none"
                : node.instances.map((i) => (
                    <span key={i.id} className={`mr-2 font-mono ${i.ready ? "" : "text-zinc-500"}`}>
                      {i.id}
                    </span>
                  ))}
            </td>
            <td className={`${cellClass} whitespace-nowrap text-right`}>
              {node.availability === "active" ? (
                <button type="button" className={rowActionClass} disabled={!operate.allowed || setAvailability.isPending} title={operate.title} onClick={() => setAvailability.mutate({ id: node.id, availability: "drain" })}>
                  Drain
                </button>
              ) : (
                <button type="button" className={rowActionClass} disabled={!operate.allowed || setAvailability.isPending} title={operate.title} onClick={() => setAvailability.mutate({ id: node.id, availability: "active" })}>
                  Activate
                </button>
              )}
            </td>
          </tr>
        ))}
      </TableCard>
    </>
  );
}
