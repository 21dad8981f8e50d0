"use client";

import type { Instance } from "@/server/contracts/instance";

/** The swarm nodes Gantry's instances run on, by name (none when no service runs on a swarm). */
export function swarmNodesOf(instances: Instance[]): string[] {
  return [...new Set(instances.flatMap((i) => (i.runtime?.kind === "swarm" ? [i.runtime.node] : [])))].sort();
}

/** The services with an instance on `node`. */
export function servicesOnNode(instances: Instance[], node: string): Set<string> {
  return new Set(instances.filter((i) => i.runtime?.kind === "swarm" && i.runtime.node === node).map((i) => i.serviceId));
}

/** Shows only the services with an instance on one swarm node. */
export function NodeFilter({ nodes, value, onChange }: { nodes: string[]; value: string | undefined; onChange(node: string | undefined): void }) {
  return (
    <label className="flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-400">
      Node
      <select
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value || undefined)}
        className="rounded-md border border-zinc-300 bg-white px-1.5 py-1 text-xs shadow-sm dark:border-zinc-700 dark:bg-zinc-900"
      >
        <option value="">all</option>
        {nodes.map((node) => (
          <option key={node} value={node}>
            {node}
          </option>
        ))}
      </select>
    </label>
  );
}
