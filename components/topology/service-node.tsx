"use client";

import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo, useContext } from "react";
import type { Alert } from "@/server/contracts/alerts";
import type { ServiceDrift } from "@/server/contracts/config";
import type { Rollout } from "@/server/contracts/rollout";
import type { MetricPoint } from "@/server/contracts/metrics";
import type { Service } from "@/server/contracts/service";
import type { Protocol } from "@/server/contracts/traffic";
import { DriftBadge } from "../config/drift";
import { rolloutFraction } from "../rollouts/rollout-math";
import { formatPercent, formatRate } from "../format";
import { useRecentView } from "../realtime/live-metrics";
import { healthColors, type ServiceSummary } from "../service-summary";
import { DetailContext } from "./detail";
import { DropTargetContext, type DropTarget } from "./drop-target";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";
import { Sparkline } from "./sparkline";

export type ServiceNodeData = { service: Service; summary: ServiceSummary; rollout?: Rollout; drift?: ServiceDrift; alerts?: Alert[] };
export type ServiceNodeType = Node<ServiceNodeData, "service">;

const handleClass = "!h-3 !w-3 !border-2 !border-white !bg-sky-500 dark:!border-zinc-900";

const badgeColour: Partial<Record<Rollout["status"], string>> = {
  progressing: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  paused: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  failed: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

/** A rollout in progress (or stuck) on its node: where to, and how far. */
function RolloutBadge({ rollout, replicas }: { rollout: Rollout; replicas: number }) {
  const label = rollout.status === "failed" ? "failed" : `${Math.round(rolloutFraction({ ...rollout, replicas }) * 100)}%`;
  return (
    <span data-testid="node-rollout" title={`Rollout to revision ${rollout.toRevision}: ${rollout.status}`} className={`rounded-full px-1.5 text-[10px] tabular-nums ${badgeColour[rollout.status] ?? ""}`}>
      → rev {rollout.toRevision} {label}
    </span>
  );
}

/** Alerts firing on the service: how many, and their summaries on hover; muted when all are silenced. Large: readable zoomed out. */
function AlertBadge({ alerts, large = false }: { alerts: Alert[]; large?: boolean }) {
  const muted = alerts.every((a) => a.silence);
  return (
    <span
      data-testid="node-alerts"
      title={alerts.map((a) => `${a.ruleName}: ${a.summary}${a.silence ? " (silenced)" : ""}`).join("\n")}
      className={`shrink-0 rounded-full font-medium tabular-nums text-white ${large ? "px-3 text-2xl" : "px-1.5 text-[10px]"} ${muted ? "bg-zinc-400" : "bg-red-600"}`}
    >
      {alerts.length} firing
    </span>
  );
}

/** Under a node an edge is being dragged over: what dropping it there does, or why it won't. */
function DropVerdict({ drop }: { drop: DropTarget }) {
  return (
    <p
      role="status"
      data-testid="drop-verdict"
      className={`absolute left-0 top-full mt-1.5 w-max max-w-72 rounded px-1.5 py-0.5 text-xs text-white shadow ${drop.accepted ? "bg-emerald-600" : "bg-red-600"}`}
    >
      {drop.message}
    </p>
  );
}

/** What a node shows of its series: a minute of requests, and the latest figures. */
type NodeFigures = { rps: number[]; latest: Pick<MetricPoint, "rps" | "cps" | "openConnections" | "errorRate"> | undefined };

const figuresOf = (points: MetricPoint[]): NodeFigures => {
  const latest = points.at(-1);
  return { rps: points.map((p) => p.rps ?? 0), latest: latest && { rps: latest.rps, cps: latest.cps, openConnections: latest.openConnections, errorRate: latest.errorRate } };
};
/** Same drawing: an idle node whose minute of zeros gains another zero is not drawn again. */
const sameFigures = (a: NodeFigures, b: NodeFigures) =>
  a.rps.length === b.rps.length &&
  a.rps.every((v, i) => v === b.rps[i]) &&
  a.latest?.rps === b.latest?.rps &&
  a.latest?.cps === b.latest?.cps &&
  a.latest?.openConnections === b.latest?.openConnections &&
  a.latest?.errorRate === b.latest?.errorRate;

/** A node's text, badges and live figures: its requests (or connections) now, and over the last minute. */
function NodeDetail({ data }: { data: ServiceNodeData }) {
  const { service, summary, rollout, drift, alerts } = data;
  const { rps, latest } = useRecentView(`service:${service.id}`, figuresOf, sameFigures);
  const colors = healthColors[summary.health];
  return (
    <>
      <div className="flex items-center gap-2">
        <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${colors.dot}`} aria-hidden />
        <span className="min-w-0 flex-1 truncate text-sm font-semibold">{service.name}</span>
        {service.external && <span className="rounded-full border border-dashed border-violet-400 px-1.5 text-[10px] text-violet-700 dark:text-violet-300">external</span>}
        {service.template.runtime === "docker" && (
          <span data-testid="node-container" title={`Docker container: ${service.template.image}`} className="rounded-full border border-sky-400 px-1.5 text-[10px] text-sky-700 dark:text-sky-300">
            container
          </span>
        )}
        {service.traffic.protocol !== "http" && (
          <span data-testid="node-protocol" title={protocolTitles[service.traffic.protocol]} className="rounded-full border border-amber-400 px-1.5 text-[10px] uppercase text-amber-700 dark:text-amber-300">
            {service.traffic.protocol}
          </span>
        )}
        {service.deleting && <span className="text-[10px] text-zinc-500">deleting…</span>}
        {rollout && <RolloutBadge rollout={rollout} replicas={service.replicas} />}
        {drift && <DriftBadge drift={drift} />}
        {alerts && <AlertBadge alerts={alerts} />}
      </div>
      <div className="flex items-baseline justify-between text-xs text-zinc-600 dark:text-zinc-400">
        <span data-testid="node-ready">
          {summary.ready}/{summary.wanted} {service.external ? "healthy" : "ready"}
        </span>
        <span className="tabular-nums" data-testid="node-rps">
          {service.traffic.protocol === "tcp" ? `${formatRate(latest?.cps ?? 0)} conn · ${latest?.openConnections ?? 0} open` : formatRate(latest?.rps ?? 0)}
          {(latest?.errorRate ?? 0) > 0 && <span className="ml-1 text-red-600 dark:text-red-400">{formatPercent(latest!.errorRate!)} err</span>}
        </span>
      </div>
      <Sparkline values={rps} width={NODE_WIDTH - 28} />
    </>
  );
}

/**
 * A service on the canvas: health, ready/wanted, and its last minute of requests. Zoomed out so
 * far that its text can't be read, it is drawn as its name and health only, and leaves the live
 * figures alone: a thousand of them then cost little to draw, drag over or keep up to date.
 */
export const ServiceNode = memo(function ServiceNode({ data, selected }: NodeProps<ServiceNodeType>) {
  const { service, summary } = data;
  const detailed = useContext(DetailContext);
  const colors = healthColors[summary.health];
  const target = useContext(DropTargetContext);
  const drop = target?.nodeId === service.id ? target : undefined;
  // While an edge is dragged over it, the node says whether it takes it; otherwise, whether it is selected.
  const ring = drop?.accepted ? "ring-4 ring-emerald-500/60" : drop ? "ring-4 ring-red-500/60" : selected ? "ring-4 ring-sky-500/40" : "";
  // Zoomed out, a handle is a few pixels wide, too small to drag an edge from: hidden, not removed,
  // so xyflow still measures where edges attach. Two fewer drawn and hit-tested things per node cut
  // the compositing of a 1,000-node frame by about a third.
  const handles = detailed ? handleClass : `${handleClass} invisible`;
  return (
    <div
      data-testid={`node-${service.name}`}
      data-health={summary.health}
      aria-label={`${service.name}: ${summary.health}, ${summary.ready} of ${summary.wanted} ${summary.unit}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={`relative flex flex-col justify-between rounded-lg border-2 bg-white px-3 py-2 shadow-sm dark:bg-zinc-900 ${
        service.external ? "border-dashed border-violet-400" : colors.border
      } ${ring} ${service.deleting ? "opacity-50" : ""}`}
    >
      <Handle type="target" position={Position.Left} className={handles} isConnectable={!service.deleting} />
      {detailed ? (
        <NodeDetail data={data} />
      ) : (
        <div className="flex h-full items-center gap-3">
          <span className={`h-6 w-6 shrink-0 rounded-full ${colors.dot}`} aria-hidden />
          <span className="min-w-0 flex-1 truncate text-3xl font-semibold">{service.name}</span>
          {data.alerts && <AlertBadge alerts={data.alerts} large />}
        </div>
      )}
      <Handle type="source" position={Position.Right} className={handles} isConnectable={!service.deleting && !service.external} />
      {drop && <DropVerdict drop={drop} />}
    </div>
  );
});

const protocolTitles: Record<Protocol, string> = {
  http: "HTTP/1.1: each request balanced",
  tcp: "TCP: each connection balanced, bytes piped",
  http2: "HTTP/2 (h2c): each request balanced over shared connections",
  grpc: "gRPC (h2c): each call balanced; grpc-status counted",
};
