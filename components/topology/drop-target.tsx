"use client";

import { useStore } from "@xyflow/react";
import { createContext, useMemo } from "react";
import { edgeFromDrag } from "./connection-rules";
import { nodeAt, toFlowPoint, type Rect } from "./geometry";

/** The node an edge being dragged is over, and what dropping it there would do. */
export type DropTarget = { nodeId: string; accepted: boolean; message: string };

/** Read by every node, so the one under a dragged edge can say whether it takes it. */
export const DropTargetContext = createContext<DropTarget | undefined>(undefined);

/**
 * While an edge is dragged, the node under the pointer (not the one it started from, which the
 * pointer is still over as the drag begins) and whether the dependency would be added.
 */
export function useDropTarget(
  boxes: ReadonlyArray<Rect & { id: string }>,
  judge: (fromId: string, toId: string) => Omit<DropTarget, "nodeId">,
): DropTarget | undefined {
  const from = useStore((s) => (s.connection.inProgress ? s.connection.fromNode.id : undefined));
  const fromType = useStore((s) => s.connection.fromHandle?.type);
  const over = useStore((s) => {
    if (!s.connection.inProgress) return undefined;
    const [x, y, zoom] = s.transform;
    return nodeAt(toFlowPoint(s.connection.pointer, { x, y, zoom }), boxes);
  });
  return useMemo(() => {
    if (!from || !fromType || !over || over === from) return undefined;
    const { fromId, toId } = edgeFromDrag(from, fromType, over);
    return { nodeId: over, ...judge(fromId, toId) };
  }, [from, fromType, over, judge]);
}
