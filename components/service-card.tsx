"use client";

import { useState } from "react";
import type { CatalogEntry } from "@/server/contracts/catalog";
import type { Instance } from "@/server/contracts/instance";
import type { Rollout } from "@/server/contracts/rollout";
import type { Service } from "@/server/contracts/service";
import { RolloutBar } from "./rollouts/rollout-bar";
import { commandText } from "@/server/contracts/command-line";
import { DeleteServiceButton } from "./delete-service-button";
import { EndpointTable } from "./endpoint-table";
import { HealthBadge } from "./health-badge";
import { InstanceTable } from "./instance-table";
import { LoadControl } from "./load-control";
import { LogViewer } from "./log-viewer";
import { PendingLinks } from "./pending-links";
import { ScaleControl } from "./scale-control";
import { ServiceForm } from "./service-form/service-form";
import { summarize } from "./service-summary";

/** A service with its instances: the unit operators act on. */
export function ServiceCard(props: { service: Service; instances: Instance[]; endpoints: CatalogEntry[]; calls: string[]; rollout: Rollout | undefined }) {
  const { service, instances, endpoints, calls } = props;
  const [editing, setEditing] = useState(false);
  const [logsFor, setLogsFor] = useState<string>();
  const { ready, wanted, health, unit } = summarize(service, instances, endpoints);
  return (
    <section
      data-testid={`service-${service.name}`}
      aria-label={service.name}
      className={`overflow-hidden rounded-lg border bg-white dark:bg-zinc-900 ${service.deleting ? "border-dashed opacity-60" : "border-zinc-200 dark:border-zinc-800"}`}
    >
      <header className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-zinc-100 px-4 py-3 dark:border-zinc-800">
        <div className="min-w-40">
          <h2 className="flex items-center gap-2 font-semibold">
            {service.name}
            {service.external ? (
              <span className="rounded-full border border-dashed border-violet-400 px-2 py-0.5 text-xs font-medium text-violet-700 dark:text-violet-300">external</span>
            ) : (
              <HealthBadge health={health} />
            )}
          </h2>
          <p className="text-xs text-zinc-500" data-testid="ready-count">
            {ready}/{wanted} {unit}
          </p>
        </div>
        <code className="min-w-0 flex-1 truncate text-xs text-zinc-600 dark:text-zinc-400" title={service.template.cwd ? `in ${service.template.cwd}` : undefined}>
          {service.external ? "registered through the Consul agent API" : commandText(service.template)}
        </code>
        <span className="text-xs text-zinc-500" data-testid="service-summary">
          rev {service.revision}
          {service.listenPort !== null && ` · :${service.listenPort}`}
          {service.traffic.policy !== "round_robin" && ` · ${service.traffic.policy.replace("_", " ")}`}
          {service.traffic.routes.length > 0 && ` · routes ${service.traffic.routes.map((r) => `${r.host ?? ""}${r.pathPrefix}`).join(" ")}`}
          {calls.length > 0 && ` · calls ${calls.join(", ")}`}
        </span>
        {!service.external && <ScaleControl service={service} />}
        {!service.deleting && (
          <button type="button" className="text-xs text-zinc-500 hover:text-sky-600" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
        )}
        <DeleteServiceButton service={service} />
        {!service.external && (
          <div className="basis-full empty:hidden">
            <RolloutBar service={service} rollout={props.rollout} />
            <PendingLinks service={service} />
          </div>
        )}
      </header>
      {editing && (
        <div className="border-b border-zinc-100 p-4 dark:border-zinc-800">
          <ServiceForm service={service} onDone={() => setEditing(false)} onCancel={() => setEditing(false)} />
        </div>
      )}
      {service.external ? (
        <EndpointTable entries={endpoints} />
      ) : (
        <InstanceTable instances={instances} labels={service.labels} logsFor={logsFor} onLogs={(id) => setLogsFor(logsFor === id ? undefined : id)} />
      )}
      {logsFor && <LogViewer key={logsFor} title={logsFor} instanceIds={[logsFor]} onClose={() => setLogsFor(undefined)} />}
      {service.listenPort !== null && !service.deleting && <LoadControl service={service} />}
    </section>
  );
}
