import { useStore, useUpdateNodeInternals, type ReactFlowState } from "@xyflow/react";
import { useEffect } from "react";

/** Nodes xyflow holds as measured but without their handles' bounds, as one string (cheap to compare). */
const unanchored = (s: ReactFlowState) => {
  let ids = "";
  for (const node of s.nodeLookup.values()) if (node.measured.width && !node.internals.handleBounds) ids += `${ids ? "," : ""}${node.id}`;
  return ids;
};

/**
 * Measures again the nodes that xyflow left without handle bounds, whose edges it would never draw
 * (xyflow/xyflow#4888). Its ResizeObserver writes measurements to the store outside React; when
 * new node objects from this app (live data changes them every second) are adopted in the same
 * render, the node can end up measured but without handle bounds, and nothing measures it again:
 * on a busy machine "checkout calls api" stayed missing after a reload. Render inside <ReactFlow>.
 */
export function HandleBoundsRepair() {
  const ids = useStore(unanchored);
  const update = useUpdateNodeInternals();
  useEffect(() => {
    if (ids) update(ids.split(","));
  }, [ids, update]);
  return null;
}
