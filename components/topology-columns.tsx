"use client";

import type { Dependency, Service } from "@/server/contracts/service";

/** Depth of each service: 0 for entry points, else one more than its deepest caller (cycles cut). */
export function layerOf(services: Service[], dependencies: Dependency[]): Map<string, number> {
  const callers = new Map<string, string[]>(services.map((s) => [s.id, []]));
  for (const d of dependencies) callers.get(d.toId)?.push(d.fromId);
  const depth = new Map<string, number>();
  const visit = (id: string, path: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    path.add(id);
    let result = 0;
    for (const caller of callers.get(id) ?? []) if (!path.has(caller)) result = Math.max(result, visit(caller, path) + 1);
    path.delete(id);
    depth.set(id, result);
    return result;
  };
  for (const s of services) visit(s.id, new Set());
  return depth;
}

/** Services laid out left to right by call depth, with their outgoing dependencies. */
export function TopologyColumns({ services, dependencies }: { services: Service[]; dependencies: Dependency[] }) {
  const layers = layerOf(services, dependencies);
  const columns: Service[][] = [];
  for (const service of services) (columns[layers.get(service.id) ?? 0] ??= []).push(service);
  const names = new Map(services.map((s) => [s.id, s.name]));
  return (
    <div className="flex gap-10 overflow-x-auto pb-4">
      {columns.map((column, index) => (
        <div key={index} className="flex w-56 shrink-0 flex-col gap-4">
          {column.map((service) => (
            <article
              key={service.id}
              data-testid={`topology-node-${service.name}`}
              className="rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
            >
              <h2 className="font-medium">{service.name}</h2>
              <p className="text-xs text-zinc-500">
                {service.replicas} replica{service.replicas === 1 ? "" : "s"} · revision {service.revision}
              </p>
              <ul className="mt-2 space-y-0.5 text-xs text-zinc-600 dark:text-zinc-400">
                {dependencies
                  .filter((d) => d.fromId === service.id)
                  .map((d) => (
                    <li key={d.id}>→ {names.get(d.toId)}</li>
                  ))}
              </ul>
            </article>
          ))}
        </div>
      ))}
    </div>
  );
}
