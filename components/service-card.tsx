"use client";

import type { Instance } from "@/server/contracts/instance";
import type { Service } from "@/server/contracts/service";
import { joinCommandLine } from "./command-line";
import { DeleteServiceButton } from "./delete-service-button";
import { InstanceTable } from "./instance-table";
import { ScaleControl } from "./scale-control";

export function commandLineOf(service: Service): string {
  const { template } = service;
  return template.shell ? `sh -c ${joinCommandLine([template.command])}` : joinCommandLine([template.command, ...template.args]);
}

/** A service with its instances: the unit operators act on. */
export function ServiceCard({ service, instances, calls }: { service: Service; instances: Instance[]; calls: string[] }) {
  const ready = instances.filter((i) => i.phase === "Running" && i.ready).length;
  const healthy = ready === service.replicas;
  return (
    <section
      data-testid={`service-${service.name}`}
      aria-label={service.name}
      className={`overflow-hidden rounded-lg border bg-white dark:bg-zinc-900 ${service.deleting ? "border-dashed opacity-60" : "border-zinc-200 dark:border-zinc-800"}`}
    >
      <header className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-zinc-100 px-4 py-3 dark:border-zinc-800">
        <div className="min-w-40">
          <h2 className="font-semibold">{service.name}</h2>
          <p className={`text-xs ${healthy ? "text-emerald-700 dark:text-emerald-400" : "text-amber-700 dark:text-amber-400"}`} data-testid="ready-count">
            {ready}/{service.replicas} ready
          </p>
        </div>
        <code className="min-w-0 flex-1 truncate text-xs text-zinc-600 dark:text-zinc-400" title={service.template.cwd ? `in ${service.template.cwd}` : undefined}>
          {commandLineOf(service)}
        </code>
        <span className="text-xs text-zinc-500">
          rev {service.revision}
          {calls.length > 0 && ` · calls ${calls.join(", ")}`}
        </span>
        <ScaleControl service={service} />
        <DeleteServiceButton service={service} />
      </header>
      <InstanceTable instances={instances} />
    </section>
  );
}
