"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { Dependency, Service } from "@/server/contracts/service";
import { joinCommandLine } from "./command-line";
import { buttonClass } from "./form-field";
import { RelativeTime } from "./relative-time";
import { useTRPC } from "./trpc";

export function ServiceTable({ services, dependencies }: { services: Service[]; dependencies: Dependency[] }) {
  const names = new Map(services.map((s) => [s.id, s.name]));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
          <tr>
            <th className="px-4 py-2 font-medium">Name</th>
            <th className="px-4 py-2 font-medium">Command</th>
            <th className="px-4 py-2 font-medium">Replicas</th>
            <th className="px-4 py-2 font-medium">Revision</th>
            <th className="px-4 py-2 font-medium">Calls</th>
            <th className="px-4 py-2 font-medium">Updated</th>
            <th className="px-4 py-2" />
          </tr>
        </thead>
        <tbody>
          {services.map((service) => (
            <tr key={service.id} data-testid={`service-row-${service.name}`} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800/60">
              <td className="px-4 py-2 font-medium">{service.name}</td>
              <td className="max-w-xs truncate px-4 py-2 font-mono text-xs text-zinc-600 dark:text-zinc-400" title={service.template.cwd || undefined}>
                {service.template.shell ? `sh -c ${joinCommandLine([service.template.command])}` : joinCommandLine([service.template.command, ...service.template.args])}
              </td>
              <td className="px-4 py-2 tabular-nums">{service.replicas}</td>
              <td className="px-4 py-2 tabular-nums">{service.revision}</td>
              <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">
                {dependencies
                  .filter((d) => d.fromId === service.id)
                  .map((d) => names.get(d.toId))
                  .join(", ") || "—"}
              </td>
              <td className="px-4 py-2 text-zinc-500">
                <RelativeTime iso={service.updatedAt} />
              </td>
              <td className="px-4 py-2 text-right">
                <DeleteButton service={service} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeleteButton({ service }: { service: Service }) {
  const trpc = useTRPC();
  const remove = useMutation(trpc.services.delete.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="text-xs text-zinc-500 hover:text-red-600" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  return (
    <span className="inline-flex items-center gap-2">
      {remove.error && <span className="text-xs text-red-600">{remove.error.message}</span>}
      <button type="button" className={buttonClass.danger} disabled={remove.isPending} onClick={() => remove.mutate({ id: service.id })}>
        Delete {service.name}
      </button>
      <button type="button" className="text-xs text-zinc-500" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}
