"use client";

import { useState, type ReactNode, type Ref } from "react";
import type { CatalogEntry } from "@/server/contracts/catalog";
import type { Instance } from "@/server/contracts/instance";
import type { ServiceDrift } from "@/server/contracts/config";
import type { Rollout } from "@/server/contracts/rollout";
import type { Position, Service } from "@/server/contracts/service";
import { AutoscalePaused } from "../autoscaling/autoscale-paused";
import { AutoscalingPanel } from "../autoscaling/autoscaling-panel";
import { ServiceCharts } from "../charts/service-charts";
import { DeleteServiceButton } from "../delete-service-button";
import { FaultForm } from "../chaos/fault-form";
import { EndpointTable } from "../endpoint-table";
import { EventTimeline } from "../event-timeline";
import { inputClass } from "../form-field";
import { HealthBadge } from "../health-badge";
import { InstanceTable } from "../instance-table";
import { LoadControl } from "../load-control";
import { LogViewer } from "../log-viewer";
import { RevisionList } from "../rollouts/revision-list";
import { PendingLinks } from "../pending-links";
import { DriftNotice } from "../config/drift";
import { RolloutBar } from "../rollouts/rollout-bar";
import { ScaleControl } from "../scale-control";
import { ServiceForm } from "../service-form/service-form";
import type { ServiceSummary } from "../service-summary";
import { useShortcut } from "../shell/shortcuts";
import { useLogPermit } from "../access/access-context";

const tabs = ["metrics", "instances", "settings", "revisions", "logs", "events"] as const;
type Tab = (typeof tabs)[number];

/** `ref` is the panel's element: the canvas measures it to keep what it shows beside the panel. */
type PanelRef = { ref?: Ref<HTMLElement> };

function Panel({ label, title, onClose, children, ref }: { label: string; title: ReactNode; onClose(): void; children: ReactNode } & PanelRef) {
  useShortcut("Escape", "Close the side panel", onClose);
  return (
    <aside
      ref={ref}
      aria-label={label}
      className="absolute inset-y-0 right-0 z-20 flex w-[30rem] max-w-full flex-col border-l border-zinc-200 bg-white shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-start justify-between gap-2 border-b border-zinc-100 px-4 py-3 dark:border-zinc-800">
        <div className="min-w-0 flex-1">{title}</div>
        <button type="button" className="rounded px-1.5 text-lg leading-none text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800" onClick={onClose} aria-label="Close panel" title="Close (Esc)">
          ×
        </button>
      </div>
      {children}
    </aside>
  );
}

/** The side panel for a new service dropped on the canvas. */
export function CreatePanel({ position, onCreated, onCancel, ref }: { position: Position; onCreated(service: Service): void; onCancel(): void } & PanelRef) {
  return (
    <Panel ref={ref} label="New service" title={<h2 className="font-semibold">New service</h2>} onClose={onCancel}>
      <div className="min-h-0 flex-1 overflow-y-auto p-4">
        <ServiceForm position={position} onDone={onCreated} onCancel={onCancel} />
      </div>
    </Panel>
  );
}

/** Everything about one service: live charts, instances, settings, logs and events. */
export function Inspector(
  props: {
    service: Service;
    summary: ServiceSummary;
    instances: Instance[];
    endpoints: CatalogEntry[];
    rollout: Rollout | undefined;
    drift: ServiceDrift | undefined;
    /** The edges that call this service, for chaos on one of them. */
    callers: Array<{ edgeId: string; from: string }>;
    onClose(): void;
  } & PanelRef,
) {
  const { service, summary, instances, endpoints, rollout, drift, callers } = props;
  const [tab, setTab] = useState<Tab>("metrics");
  const readLogs = useLogPermit(service.labels);
  const [logsFor, setLogsFor] = useState<string>();
  const [formKey, setFormKey] = useState(0);
  /** What the last save returned: newer than the live view for up to a batch of live updates. */
  const [saved, setSaved] = useState<Service>();
  const formService = saved && saved.id === service.id && saved.version > service.version ? saved : service;
  // The service's stream of every instance unless one was picked (from the instances tab, or here).
  const logInstance = logsFor && instances.some((i) => i.id === logsFor) ? logsFor : undefined;

  const title = (
    <>
      <h2 className="flex items-center gap-2 font-semibold">
        <span className="truncate">{service.name}</span>
        {service.external ? <span className="rounded-full border border-dashed border-violet-400 px-2 text-xs text-violet-700 dark:text-violet-300">external</span> : <HealthBadge health={summary.health} />}
      </h2>
      <p className="mt-0.5 text-xs text-zinc-500" data-testid="inspector-ready">
        {summary.ready}/{summary.wanted} {summary.unit} · rev {service.revision}
        {service.listenPort !== null && ` · 127.0.0.1:${service.listenPort}`}
      </p>
      {!service.external && (
        <div className="mt-2">
          <ScaleControl service={service} shortcuts />
          <AutoscalePaused service={service} />
        </div>
      )}
      {!service.external && <RolloutBar service={service} rollout={rollout} />}
      <PendingLinks service={service} />
      <DriftNotice drift={drift} />
    </>
  );

  return (
    <Panel ref={props.ref} label={`Inspector: ${service.name}`} title={title} onClose={props.onClose}>
      <div role="tablist" aria-label="Service details" className="flex gap-1 overflow-x-auto border-b border-zinc-100 px-3 dark:border-zinc-800">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            className={`shrink-0 border-b-2 px-2.5 py-2 text-xs font-medium capitalize ${tab === t ? "border-sky-500 text-sky-700 dark:text-sky-300" : "border-transparent text-zinc-500 hover:text-zinc-900 dark:hover:text-white"}`}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab} className="min-h-0 flex-1 overflow-y-auto">
        {tab === "metrics" && (
          <>
            {service.listenPort !== null && !service.deleting && <LoadControl service={service} />}
            <div className="p-3">
              {service.autoscale && <AutoscalingPanel service={service} />}
              <ServiceCharts service={service} instances={instances} />
            </div>
            {service.listenPort !== null && !service.deleting && (
              <FaultForm
                serviceName={service.name}
                labels={service.labels}
                places={[
                  { key: "service", label: `its listener (:${service.listenPort})`, target: { kind: "service", serviceId: service.id } },
                  ...callers.map((c) => ({ key: c.edgeId, label: `calls from ${c.from}`, target: { kind: "edge" as const, edgeId: c.edgeId } })),
                ]}
              />
            )}
          </>
        )}
        {tab === "instances" &&
          (service.external ? (
            <EndpointTable entries={endpoints} />
          ) : (
            <InstanceTable instances={instances} labels={service.labels} compact logsFor={logsFor} onLogs={(id) => (setLogsFor(id), setTab("logs"))} />
          ))}
        {tab === "settings" && (
          <div className="p-3">
            {saved && (
              <p role="status" className="mb-3 text-sm text-emerald-700 dark:text-emerald-400">
                Saved.
              </p>
            )}
            {!service.deleting && (
              <ServiceForm
                key={`${service.id}-${formKey}`}
                service={formService}
                onDone={(updated) => (setSaved(updated), setFormKey((k) => k + 1))}
                onCancel={() => (setSaved(undefined), setFormKey((k) => k + 1))}
              />
            )}
            <div className="flex justify-end">
              <DeleteServiceButton service={service} />
            </div>
          </div>
        )}
        {tab === "revisions" &&
          (service.external ? (
            <p className="p-4 text-sm text-zinc-500">An external service has no revisions: Gantry doesn&apos;t run it.</p>
          ) : (
            <RevisionList service={service} latest={rollout} />
          ))}
        {tab === "logs" &&
          (service.external ? (
            <p className="p-4 text-sm text-zinc-500">An external service&apos;s logs are wherever it runs; Gantry only sees its checks.</p>
          ) : !readLogs.allowed ? (
            <p className="p-4 text-sm text-zinc-500">{readLogs.title}: instance logs are kept to that role here (GANTRY_LOG_ROLE).</p>
          ) : instances.length === 0 ? (
            <p className="p-4 text-sm text-zinc-500">No instances, so no logs. Scale up to start one.</p>
          ) : (
            <>
              <div className="px-3 pt-3">
                <select aria-label="Instance" value={logInstance ?? ""} onChange={(e) => setLogsFor(e.target.value || undefined)} className={`${inputClass} h-8 py-0 text-xs`}>
                  <option value="">all instances, interleaved</option>
                  {instances.map((i) => (
                    <option key={i.id} value={i.id}>
                      {i.id} ({i.phase.toLowerCase()})
                    </option>
                  ))}
                </select>
              </div>
              {logInstance ? (
                <LogViewer key={logInstance} title={logInstance} instanceIds={[logInstance]} onClose={() => setTab("instances")} />
              ) : (
                <LogViewer key="service" title={`${service.name} (all instances)`} instanceIds={instances.map((i) => i.id)} tagged onClose={() => setTab("instances")} />
              )}
            </>
          ))}
        {tab === "events" && (
          <div className="p-3">
            <EventTimeline serviceId={service.id} />
          </div>
        )}
      </div>
    </Panel>
  );
}
