"use client";

import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { Dependency } from "@/server/contracts/service";
import { formatPercent, formatRate } from "../format";
import { useRecentSeries } from "../realtime/live-metrics";

export type TrafficEdgeType = Edge<{ dependency: Dependency; label: string }, "traffic">;

/** Error share above which an edge turns red. */
const FAILING_PERCENT = 5;

/** A dependency: its own listener's live request rate and errors; it animates while traffic flows. */
export const TrafficEdge = memo(function TrafficEdge(props: EdgeProps<TrafficEdgeType>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected, data } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const latest = useRecentSeries(`edge:${id}`).at(-1);
  const rps = latest?.rps ?? 0;
  const errorRate = latest?.errorRate ?? 0;
  const failing = rps > 0 && errorRate >= FAILING_PERCENT;
  const stroke = failing ? "#ef4444" : selected ? "#0ea5e9" : rps > 0 ? "#38bdf8" : "#a1a1aa";
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        style={{ stroke, strokeWidth: selected ? 2.5 : 1.75, ...(rps > 0 ? { strokeDasharray: 6, animation: "dashdraw 0.6s linear infinite" } : {}) }}
      />
      {rps > 0 && (
        <EdgeLabelRenderer>
          <div
            data-testid={`edge-label-${data?.label}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            className={`nodrag nopan pointer-events-none absolute rounded-full px-1.5 py-0.5 text-[10px] font-medium tabular-nums shadow-sm ${
              failing ? "bg-red-600 text-white" : "bg-white text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200"
            }`}
          >
            {formatRate(rps)}
            {errorRate > 0 && ` · ${formatPercent(errorRate)} err`}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
