"use client";

import { ReactFlowProvider } from "@xyflow/react";
import { useMutation } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useMemo, useRef, useState } from "react";
import type { Rollout } from "@/server/contracts/rollout";
import type { Position, Service } from "@/server/contracts/service";
import { CreatePanel, Inspector } from "../inspector/inspector";
import { LiveMetricsProvider } from "../realtime/live-metrics";
import { useCatalog, useInstances, useRollouts, useTopology } from "../realtime/hooks";
import { ConfirmDialog } from "../shell/confirm-dialog";
import { StatusMessage } from "../status-message";
import { useTRPC } from "../trpc";
import { useDrift } from "../config/drift";
import { useFiringByService } from "../alerts/use-alerts";
import { isActive, isStuck } from "../rollouts/rollout-math";
import { useSummaries } from "../use-summaries";
import { PastCanvas } from "../time-travel/past-canvas";
import { usePastSnapshot, useTimeTravel } from "../time-travel/time-travel-context";
import { TopologyCanvas } from "./canvas";
import { DependencyDialog, type EdgeRequest } from "./dependency-dialog";
import { NodeFilter, servicesOnNode, swarmNodesOf } from "./node-filter";

/** The topology page: the canvas, and beside it the inspector of the selected (or new) service. */
export function TopologyWorkspace() {
  const topology = useTopology();
  const instances = useInstances();
  const catalog = useCatalog();
  const rollouts = useRollouts();
  const services = topology?.services;
  /** Rollouts worth a badge on the canvas: running, paused, or failed and still holding. */
  const shownRollouts = useMemo(() => {
    const revisionOf = new Map((services ?? []).map((s) => [s.id, s.revision]));
    const shown = (r: Rollout) => isActive(r) || isStuck(r, revisionOf.get(r.serviceId) ?? 0);
    return new Map((rollouts ?? []).filter(shown).map((r) => [r.serviceId, r]));
  }, [rollouts, services]);
  const summaries = useSummaries(topology?.services, instances, catalog);
  const drift = useDrift(topology);
  const alerts = useFiringByService();
  const params = useSearchParams();
  const trpc = useTRPC();
  const remove = useMutation(trpc.services.delete.mutationOptions());
  const [creatingAt, setCreatingAt] = useState<Position>();
  const [doomed, setDoomed] = useState<Service[]>();
  const [edgeRequest, setEdgeRequest] = useState<EdgeRequest>();
  const [notice, setNotice] = useState<string>();
  /** A swarm node: only services with an instance there are shown. */
  const [node, setNode] = useState<string>();
  const swarmNodes = useMemo(() => swarmNodesOf(instances ?? []), [instances]);
  const shown = useMemo(() => {
    if (!topology || !node) return topology;
    const on = servicesOnNode(instances ?? [], node);
    return { services: topology.services.filter((s) => on.has(s.id)), dependencies: topology.dependencies.filter((d) => on.has(d.fromId) && on.has(d.toId)) };
  }, [topology, instances, node]);
  /** The open side panel (inspector or new-service form), which covers the canvas' right. */
  const sidePanel = useRef<HTMLElement>(null);

  // The selection lives in the URL: links from the overview open a service, reload keeps it.
  // history.replaceState, which Next's router follows (useSearchParams), not router.replace: a
  // navigation through the router only to change a query parameter, on every click. Next follows
  // it in a transition, which yields to every frame of a busy canvas: the click's own choice shows
  // at once, until the URL says the same.
  const inUrl = params.get("service") ?? undefined;
  const [chosen, setChosen] = useState<{ id: string | undefined }>();
  if (chosen && chosen.id === inUrl) setChosen(undefined);
  const selectedId = chosen ? chosen.id : inUrl;
  const select = (id: string | undefined) => {
    setCreatingAt(undefined);
    setChosen({ id });
    window.history.replaceState(null, "", id ? `/topology?service=${id}` : "/topology");
  };
  const selected = topology?.services.find((s) => s.id === selectedId);

  const { at } = useTimeTravel();
  const past = usePastSnapshot();

  if (at !== undefined) {
    if (past.error) return <StatusMessage tone="error">{past.error}</StatusMessage>;
    if (!past.snapshot) return <StatusMessage>Rebuilding the topology as it was…</StatusMessage>;
    return (
      <div className="relative h-full min-h-[32rem] overflow-hidden rounded-lg border border-violet-400 bg-white dark:bg-zinc-950">
        <ReactFlowProvider>
          <PastCanvas snapshot={past.snapshot} />
        </ReactFlowProvider>
      </div>
    );
  }
  if (!topology) return <StatusMessage>Loading topology…</StatusMessage>;
  return (
    <LiveMetricsProvider>
      <div className="relative h-full min-h-[32rem] overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950">
        <ReactFlowProvider>
          <TopologyCanvas
            services={shown!.services}
            dependencies={shown!.dependencies}
            summaries={summaries}
            rollouts={shownRollouts}
            drift={drift}
            alerts={alerts}
            selectedId={selectedId}
            onSelect={select}
            onCreateAt={(position) => (select(undefined), setCreatingAt(position))}
            onDeleteServices={setDoomed}
            onEdgeRequest={setEdgeRequest}
            onError={setNotice}
            sidePanel={sidePanel}
            tools={(swarmNodes.length > 0 || node) && <NodeFilter nodes={swarmNodes} value={node} onChange={setNode} />}
          />
        </ReactFlowProvider>
        {notice && (
          // Left, under the canvas' buttons: centred, it covered the side panel's title.
          <div role="alert" className="absolute left-3 top-12 z-30 flex max-w-[calc(100%-1.5rem)] items-center gap-3 rounded-md bg-red-600 px-3 py-1.5 text-sm text-white shadow-lg">
            {notice}
            <button type="button" className="text-white/80 hover:text-white" onClick={() => setNotice(undefined)} aria-label="Dismiss">
              ×
            </button>
          </div>
        )}
        {edgeRequest && <DependencyDialog request={edgeRequest} onDone={() => setEdgeRequest(undefined)} onError={setNotice} />}
        {creatingAt && <CreatePanel ref={sidePanel} position={creatingAt} onCreated={(service) => select(service.id)} onCancel={() => setCreatingAt(undefined)} />}
        {selected && (
          <Inspector
            key={selected.id}
            ref={sidePanel}
            service={selected}
            summary={summaries.get(selected.id)!}
            instances={(instances ?? []).filter((i) => i.serviceId === selected.id)}
            endpoints={(catalog ?? []).filter((e) => e.external && e.serviceId === selected.id)}
            rollout={rollouts?.find((r) => r.serviceId === selected.id)}
            drift={drift.get(selected.name)}
            callers={(topology?.dependencies ?? []).filter((d) => d.toId === selected.id).map((d) => ({ edgeId: d.id, from: topology!.services.find((s) => s.id === d.fromId)?.name ?? d.fromId }))}
            onClose={() => select(undefined)}
          />
        )}
      </div>
      {doomed && (
        <ConfirmDialog
          title={doomed.length === 1 ? `Delete ${doomed[0]!.name}?` : `Delete ${doomed.length} services?`}
          confirmLabel={doomed.length === 1 ? `Delete ${doomed[0]!.name}` : `Delete ${doomed.length} services`}
          onConfirm={async () => {
            for (const service of doomed) await remove.mutateAsync({ id: service.id });
            if (doomed.some((s) => s.id === selectedId)) select(undefined);
          }}
          onClose={() => setDoomed(undefined)}
        >
          {doomed.map((s) => s.name).join(", ")}: their instances are stopped and every dependency edge to or from them is removed. This can&apos;t be undone.
        </ConfirmDialog>
      )}
    </LiveMetricsProvider>
  );
}
