"use client";

import { Background, Controls, MarkerType, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo, useRef } from "react";
import type { TimelineSnapshot } from "@/server/contracts/timeline";
import { useTheme } from "../shell/theme";
import { positionsOf } from "../topology/layout";
import { PastEdge, type PastEdgeType } from "./past-edge";
import { PastNode, type PastNodeType } from "./past-node";

const nodeTypes = { past: PastNode };
const edgeTypes = { past: PastEdge };

/**
 * Items as given, except that one equal to its previous version is that version: the memoized nodes
 * and edges that didn't change between two moments aren't drawn again.
 */
function useKept<T extends { id: string }>(items: T[]): T[] {
  const previous = useRef(new Map<string, { json: string; item: T }>());
  return useMemo(() => {
    const next = new Map<string, { json: string; item: T }>();
    const kept = items.map((item) => {
      const json = JSON.stringify(item);
      const old = previous.current.get(item.id);
      const chosen = old?.json === json ? old.item : item;
      next.set(item.id, { json, item: chosen });
      return chosen;
    });
    previous.current = next;
    return kept;
  }, [items]);
}

/**
 * The topology at a past moment, read-only: nothing can be dragged, connected or deleted. Services
 * deleted since are ghosted; ones created since aren't there.
 */
export function PastCanvas({ snapshot }: { snapshot: TimelineSnapshot }) {
  const { resolved: theme } = useTheme();
  const nodes = useKept(
    useMemo((): PastNodeType[] => {
      const positions = positionsOf(snapshot.services, snapshot.dependencies);
      return snapshot.services.map((service) => ({ id: service.id, type: "past", position: positions.get(service.id)!, data: { service }, draggable: false, connectable: false, deletable: false }));
    }, [snapshot]),
  );
  const edges = useKept(
    useMemo((): PastEdgeType[] => {
      const names = new Map(snapshot.services.map((s) => [s.id, s.name]));
      return snapshot.dependencies.map((dependency) => ({
        id: dependency.id ?? `${dependency.fromId}>${dependency.toId}`,
        type: "past",
        source: dependency.fromId,
        target: dependency.toId,
        deletable: false,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        data: { dependency, label: `${names.get(dependency.fromId)}-${names.get(dependency.toId)}` },
      }));
    }, [snapshot]),
  );
  return (
    <div className="h-full w-full" data-testid="past-canvas" data-at={snapshot.at}>
      <ReactFlow<PastNodeType, PastEdgeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        colorMode={theme}
        fitView
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {snapshot.createdSince.length > 0 && (
        <p className="absolute bottom-3 left-14 z-10 rounded-md bg-white/90 px-2 py-1 text-xs text-zinc-500 shadow-sm dark:bg-zinc-900/90">
          Not yet created then: {snapshot.createdSince.join(", ")}
        </p>
      )}
    </div>
  );
}
