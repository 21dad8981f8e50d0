"use client";

import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { PastDependency } from "@/server/contracts/timeline";
import { trafficLine } from "./past-figures";

export type PastEdgeType = Edge<{ dependency: PastDependency; label: string }, "past">;

/** Error share above which an edge is drawn red, as on the live canvas. */
const FAILING_PERCENT = 5;

/** A dependency as it was: its traffic then, red when failing, dashed if deleted since. */
export const PastEdge = memo(function PastEdge(props: EdgeProps<PastEdgeType>) {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, data } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const traffic = data?.dependency.traffic ?? null;
  const flowing = (traffic?.rps ?? 0) > 0;
  const failing = flowing && traffic!.errorRate >= FAILING_PERCENT;
  const stroke = failing ? "#ef4444" : flowing ? "#38bdf8" : "#a1a1aa";
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} style={{ stroke, strokeWidth: 1.75, ...(data?.dependency.deletedSince ? { strokeDasharray: 4, opacity: 0.5 } : {}) }} />
      {flowing && (
        <EdgeLabelRenderer>
          <div
            data-testid={`past-edge-${data?.label}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            className={`pointer-events-none absolute rounded-full px-1.5 py-0.5 text-[10px] font-medium tabular-nums shadow-sm ${failing ? "bg-red-600 text-white" : "bg-white text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200"}`}
          >
            {trafficLine(traffic)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
