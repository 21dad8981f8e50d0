"use client";

import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from "@xyflow/react";
import { memo, useContext } from "react";
import type { MetricPoint } from "@/server/contracts/metrics";
import type { Dependency } from "@/server/contracts/service";
import { formatPercent, formatRate } from "../format";
import { useRecentView } from "../realtime/live-metrics";
import { DetailContext } from "./detail";

export type TrafficEdgeType = Edge<{ dependency: Dependency; label: string }, "traffic">;

/** Error share above which an edge turns red. */
const FAILING_PERCENT = 5;

/** What an edge shows of its series: the latest second's figures. */
type EdgeFigures = Pick<MetricPoint, "rps" | "errorRate" | "cps" | "openConnections" | "connectErrorsPerSecond"> | undefined;

export const latestEdgeFigures = (points: MetricPoint[]): EdgeFigures => {
  const latest = points.at(-1);
  return latest && { rps: latest.rps, errorRate: latest.errorRate, cps: latest.cps, openConnections: latest.openConnections, connectErrorsPerSecond: latest.connectErrorsPerSecond };
};
const sameFigures = (a: EdgeFigures, b: EdgeFigures) =>
  a === b || (a !== undefined && b !== undefined && a.rps === b.rps && a.errorRate === b.errorRate && a.cps === b.cps && a.openConnections === b.openConnections && a.connectErrorsPerSecond === b.connectErrorsPerSecond);

/** What goes over an edge now, from its latest point (none yet: idle). */
export function edgeTraffic(latest: EdgeFigures) {
  // An edge to a `tcp` service carries connections: its points have connection fields instead of requests.
  const tcp = latest?.cps !== undefined;
  const connectErrors = latest?.connectErrorsPerSecond ?? 0;
  const rps = latest?.rps ?? 0;
  /** Something goes over the edge: requests, or connections made, open or failing. */
  const flowing = tcp ? latest.cps! + (latest.openConnections ?? 0) + connectErrors > 0 : rps > 0;
  const errorRate = tcp ? (connectErrors > 0 ? (connectErrors / (connectErrors + latest.cps!)) * 100 : 0) : (latest?.errorRate ?? 0);
  return { tcp, rps, flowing, errorRate, failing: flowing && errorRate >= FAILING_PERCENT };
}

/** An edge's colour: red while failing, blue while selected or while traffic flows, grey when idle. */
export const edgeStroke = (flowing: boolean, failing: boolean, selected: boolean) => (failing ? "#ef4444" : selected ? "#0ea5e9" : flowing ? "#38bdf8" : "#a1a1aa");

/**
 * A dependency: its own listener's live request rate and errors (for a `tcp` callee: new and open
 * connections, and failed connects); it animates while traffic flows. Zoomed out (see
 * DETAIL_ZOOM) it keeps its colour but drops its label, its animation and its click target, which
 * would be unreadable or too thin to hit there and cost a repaint of every flowing edge on every frame.
 */
export const TrafficEdge = memo(function TrafficEdge(props: EdgeProps<TrafficEdgeType>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected, data } = props;
  const detailed = useContext(DetailContext);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const latest = useRecentView(`edge:${id}`, latestEdgeFigures, sameFigures);
  const { tcp, rps, flowing, errorRate, failing } = edgeTraffic(latest);
  const stroke = edgeStroke(flowing, failing, Boolean(selected));
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        // Zoomed out, no wide invisible path to click each edge by: 1,500 fewer paths to draw and hit-test.
        interactionWidth={detailed ? undefined : 0}
        style={{ stroke, strokeWidth: selected ? 2.5 : 1.75, ...(flowing && detailed ? { strokeDasharray: 6, animation: "dashdraw 0.6s linear infinite" } : {}) }}
      />
      {flowing && detailed && (
        <EdgeLabelRenderer>
          <div
            data-testid={`edge-label-${data?.label}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            className={`nodrag nopan pointer-events-none absolute rounded-full px-1.5 py-0.5 text-[10px] font-medium tabular-nums shadow-sm ${
              failing ? "bg-red-600 text-white" : "bg-white text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200"
            }`}
          >
            {tcp ? `${formatRate(latest!.cps!)} conn · ${latest!.openConnections ?? 0} open` : formatRate(rps)}
            {errorRate > 0 && ` · ${formatPercent(errorRate)} ${tcp ? "connect err" : "err"}`}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
