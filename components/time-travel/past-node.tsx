"use client";

import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { PastService } from "@/server/contracts/timeline";
import { healthColors } from "../service-summary";
import { NODE_HEIGHT, NODE_WIDTH } from "../topology/layout";
import { colourHealth, readyLine, trafficLine } from "./past-figures";

export type PastNodeType = Node<{ service: PastService }, "past">;

/** A service as it was: health, ready/wanted, revision and traffic then; ghosted if deleted since. */
export const PastNode = memo(function PastNode({ data: { service } }: NodeProps<PastNodeType>) {
  const colors = healthColors[colourHealth(service.health)];
  return (
    <div
      data-testid={`past-node-${service.name}`}
      data-health={service.health}
      aria-label={`${service.name} then: ${service.health}, ${readyLine(service)}${service.deletedSince ? ", deleted since" : ""}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={`flex flex-col justify-between rounded-lg border-2 bg-white px-3 py-2 shadow-sm dark:bg-zinc-900 ${service.external ? "border-dashed border-violet-400" : colors.border} ${
        service.deletedSince ? "border-dashed opacity-50" : ""
      }`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} className="!opacity-0" />
      <div className="flex items-center gap-2">
        <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${colors.dot}`} aria-hidden />
        <span className="min-w-0 flex-1 truncate text-sm font-semibold">{service.name}</span>
        {service.deletedSince && <span className="text-[10px] text-zinc-500">deleted since</span>}
        <span className="text-[10px] text-zinc-500">rev {service.revision ?? "?"}</span>
      </div>
      <div className="flex items-baseline justify-between gap-2 text-xs text-zinc-600 dark:text-zinc-400">
        <span data-testid="past-ready">{service.external ? "external" : readyLine(service)}</span>
        <span className="truncate tabular-nums" data-testid="past-traffic">
          {trafficLine(service.traffic)}
        </span>
      </div>
      <span className="text-[10px] capitalize text-zinc-500">{service.health === "unknown" ? "health unknown (older events)" : service.health}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} className="!opacity-0" />
    </div>
  );
});
