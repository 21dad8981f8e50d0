"use client";

import {
  Background,
  ControlButton,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnBeforeDelete,
  type OnConnectEnd,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMutation } from "@tanstack/react-query";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type ReactNode, type RefObject } from "react";
import type { Dependency, Position, Service } from "@/server/contracts/service";
import { useTheme } from "../shell/theme";
import { useAccess } from "../access/access-context";
import { useShortcut } from "../shell/shortcuts";
import type { EdgeRequest } from "./dependency-dialog";
import { healthHex, type ServiceSummary } from "../service-summary";
import type { Alert } from "@/server/contracts/alerts";
import type { ServiceDrift } from "@/server/contracts/config";
import type { Rollout } from "@/server/contracts/rollout";
import { useTRPC } from "../trpc";
import { connectionRefusal, edgeFromDrag } from "./connection-rules";
import { DETAIL_ZOOM, DetailContext, OVERVIEW_MIN_SERVICES } from "./detail";
import { DropTargetContext, useDropTarget } from "./drop-target";
import { HandleBoundsRepair } from "./handle-bounds-repair";
import { areaBeside, boundsOf, fitViewport, nodeAt, revealViewport, type Rect } from "./geometry";
import { autoLayout, NODE_HEIGHT, NODE_WIDTH, positionsOf } from "./layout";
import { TopologyOverview } from "./overview";
import { ServiceNode, type ServiceNodeType } from "./service-node";
import { TrafficEdge, type TrafficEdgeType } from "./traffic-edge";

/** What the palette puts in a drag, so the canvas only accepts its own drops. */
export const NEW_SERVICE_DRAG = "application/x-gantry-new-service";

const nodeTypes = { service: ServiceNode };
const edgeTypes = { traffic: TrafficEdge };
/** One function for the minimap: a new one each render would redraw all its nodes on every drag frame. */
const miniMapColor = (node: ServiceNodeType) => healthHex[node.data.summary.health];
/** How "fit the view" frames the topology. */
const FIT = { padding: 0.2, minZoom: 0.05, maxZoom: 1.2 };
/** Room kept between a revealed node and the edge of what is visible. */
const REVEAL_MARGIN = 24;
const boxAt = (id: string, position: Position) => ({ id, ...position, width: NODE_WIDTH, height: NODE_HEIGHT });
/** Where a pointer or finger let go, in the page. */
const releasePoint = (event: MouseEvent | TouchEvent) => {
  const { clientX, clientY } = "changedTouches" in event ? event.changedTouches[0]! : event;
  return { x: clientX, y: clientY };
};

export type CanvasProps = {
  services: Service[];
  dependencies: Dependency[];
  summaries: Map<string, ServiceSummary>;
  /** Rollouts to show on their nodes (running, paused or failed). */
  rollouts: Map<string, Rollout>;
  /** Services changed since their last apply, by name. */
  drift: Map<string, ServiceDrift>;
  /** Firing alerts by service id. */
  alerts: Map<string, Alert[]>;
  selectedId: string | undefined;
  onSelect(id: string | undefined): void;
  /** "Add service" was dropped (or asked for) at this canvas position. */
  onCreateAt(position: Position): void;
  /** The user asked to delete these services (confirmation is the caller's). */
  onDeleteServices(services: Service[]): void;
  /** An edge was drawn or one removed: what it does to the caller's instances is shown, then done (the caller's). */
  onEdgeRequest(request: EdgeRequest): void;
  onError(message: string): void;
  /** The side panel over the canvas' right, if open: the view keeps what matters beside it. */
  sidePanel: RefObject<HTMLElement | null>;
  /** More controls for the top-left bar (the swarm node filter). */
  tools?: ReactNode;
};

const DELETE_KEYS = ["Delete", "Backspace"];
const noEdges: TrafficEdgeType[] = [];

const samePosition = (a: Position | undefined, b: Position | undefined) => a?.x === b?.x && a?.y === b?.y;

/**
 * `current` itself if `next` holds the very same items: a new array would be copied into xyflow's
 * store, and every one of 1,000 nodes and 1,500 edges would check it (a click that xyflow had
 * already selected paid for that again).
 */
const unlessSame = <T,>(current: T[], next: T[]) => (next.length === current.length && next.every((item, i) => item === current[i]) ? current : next);

/**
 * The topology as a graph: drag nodes (positions are saved), drag from a node's right handle onto
 * another node to add a dependency, select and press Delete to remove. Everything else — what
 * exists, health, traffic — comes from the live topology, so other tabs' changes show at once.
 */
export function TopologyCanvas(props: CanvasProps) {
  const { services, dependencies, summaries, rollouts, drift, alerts, selectedId, onSelect, onError } = props;
  const trpc = useTRPC();
  const place = useMutation(trpc.services.place.mutationOptions());
  const flow = useReactFlow<ServiceNodeType, TrafficEdgeType>();
  const { resolved: theme } = useTheme();
  const wrapper = useRef<HTMLDivElement>(null);
  const { can, canSomewhere, needs } = useAccess();
  const mayCreate = canSomewhere("editor");
  // Auto layout moves every service.
  const mayArrange = can("editor");

  /** Where nodes were dropped, until the server's copy says the same (no jump back meanwhile). */
  const [pending, setPending] = useState<Map<string, Position>>(new Map());
  const positions = useMemo(() => positionsOf(services, dependencies), [services, dependencies]);

  useEffect(() => {
    setPending((current) => {
      const still = new Map(
        [...current].filter(([id, at]) => {
          const service = services.find((s) => s.id === id);
          return service !== undefined && !samePosition(service.position ?? undefined, at); // caught up, or gone
        }),
      );
      return still.size === current.size ? current : still;
    });
  }, [services]);

  const [nodes, setNodes] = useState<ServiceNodeType[]>([]);
  const [edges, setEdges] = useState<TrafficEdgeType[]>([]);

  /** The selection last taken from the URL; in between, the canvas' own (multi-)selection stands. */
  const appliedSelection = useRef<string | undefined>(undefined);

  // Fold the live topology into the canvas' own node objects, keeping what the canvas knows
  // (measured size, dragging, selection) and touching only nodes that changed.
  useEffect(() => {
    const selectionMoved = appliedSelection.current !== selectedId;
    appliedSelection.current = selectedId;
    setNodes((current) => {
      const byId = new Map(current.map((n) => [n.id, n]));
      const next = services.map((service): ServiceNodeType => {
        const previous = byId.get(service.id);
        const position = previous?.dragging ? previous.position : (pending.get(service.id) ?? positions.get(service.id)!);
        const summary = summaries.get(service.id)!;
        const rollout = rollouts.get(service.id);
        const serviceDrift = drift.get(service.name);
        const serviceAlerts = alerts.get(service.id);
        const selected = selectionMoved || !previous ? service.id === selectedId : Boolean(previous.selected);
        const draggable = !service.deleting && can("editor", service.labels);
        if (
          previous &&
          previous.draggable === draggable &&
          previous.data.service === service &&
          previous.data.summary === summary &&
          previous.data.rollout === rollout &&
          previous.data.drift === serviceDrift &&
          previous.data.alerts === serviceAlerts &&
          previous.selected === selected &&
          samePosition(previous.position, position)
        ) {
          return previous;
        }
        return { ...previous, id: service.id, type: "service", position, selected, draggable, data: { service, summary, rollout, drift: serviceDrift, alerts: serviceAlerts } };
      });
      return unlessSame(current, next);
    });
  }, [services, summaries, rollouts, drift, alerts, positions, pending, selectedId, can]);

  useEffect(() => {
    const names = new Map(services.map((s) => [s.id, s.name]));
    setEdges((current) => {
      const byId = new Map(current.map((e) => [e.id, e]));
      const next = dependencies.map((dependency): TrafficEdgeType => {
        const previous = byId.get(dependency.id);
        if (previous?.data?.dependency === dependency) return previous;
        const [from, to] = [names.get(dependency.fromId) ?? "?", names.get(dependency.toId) ?? "?"];
        return {
          ...previous,
          id: dependency.id,
          type: "traffic",
          source: dependency.fromId,
          target: dependency.toId,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          ariaLabel: `${from} calls ${to}`,
          data: { dependency, label: `${from}-${to}` },
        };
      });
      return unlessSame(current, next);
    });
  }, [dependencies, services]);

  const onNodesChange = useCallback((changes: NodeChange<ServiceNodeType>[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes: EdgeChange<TrafficEdgeType>[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  const moveTo = (id: string, position: Position) => savePositions([{ id, position }]);

  function savePositions(moved: Array<{ id: string; position: Position }>) {
    const rounded = moved.map(({ id, position }) => ({ id, x: Math.round(position.x), y: Math.round(position.y) }));
    setPending((current) => new Map([...current, ...rounded.map(({ id, x, y }) => [id, { x, y }] as const)]));
    place.mutate(
      { positions: rounded },
      {
        onError: (err) => {
          setPending((current) => new Map([...current].filter(([id]) => !rounded.some((r) => r.id === id))));
          onError(`Could not save the new position: ${err.message}`);
        },
      },
    );
  }

  // An edge A → B changes what A's instances get: it takes editor on A.
  const mayEdit = useCallback((id: string | null) => can("editor", services.find((s) => s.id === id)?.labels ?? {}), [can, services]);
  const nameOf = useCallback((id: string) => services.find((s) => s.id === id)?.name ?? "?", [services]);
  const refusalOf = useCallback(
    (fromId: string, toId: string) => {
      const [from, to] = [services.find((s) => s.id === fromId), services.find((s) => s.id === toId)];
      if (!from || !to) return "That service is gone";
      return connectionRefusal(from, to, dependencies, mayEdit(fromId) ? undefined : needs("editor"));
    },
    [services, dependencies, mayEdit, needs],
  );
  const isValidConnection = useCallback((c: { source: string | null; target: string | null }) => Boolean(c.source && c.target && !refusalOf(c.source, c.target)), [refusalOf]);
  const judgeDrop = useCallback(
    (fromId: string, toId: string) => {
      const refusal = refusalOf(fromId, toId);
      return refusal ? { accepted: false, message: refusal } : { accepted: true, message: `${nameOf(fromId)} will call ${nameOf(toId)}` };
    },
    [refusalOf, nameOf],
  );

  const boxes = useMemo(() => nodes.map((n) => boxAt(n.id, n.position)), [nodes]);
  const detailed = useStore((s) => s.transform[2] >= DETAIL_ZOOM);
  // A big topology zoomed out: the overview draws it, and xyflow only the selection (to show, drag and delete it).
  const overview = !detailed && nodes.length >= OVERVIEW_MIN_SERVICES;
  const flowNodes = useMemo(() => (overview ? nodes.filter((n) => n.selected) : nodes), [overview, nodes]);
  const dropTarget = useDropTarget(boxes, judgeDrop);

  function addDependency({ fromId, toId }: { fromId: string; toId: string }) {
    const refusal = refusalOf(fromId, toId);
    if (refusal) onError(refusal);
    else props.onEdgeRequest({ kind: "add", fromId, toId, from: nameOf(fromId), to: nameOf(toId) });
  }

  // A drop on a handle that takes it (see isValidConnection).
  const onConnect = ({ source, target }: Connection) => addDependency({ fromId: source, toId: target });

  // Any other drop: on a node's body (or a handle that refused it) it adds the edge or says why not.
  const onConnectEnd: OnConnectEnd = (event, connection) => {
    if (connection.isValid || !connection.fromNode || !connection.fromHandle) return;
    const over = nodeAt(flow.screenToFlowPosition(releasePoint(event)), boxes) ?? connection.toNode?.id;
    if (over) addDependency(edgeFromDrag(connection.fromNode.id, connection.fromHandle.type, over));
  };

  // Deleting goes through the server; the canvas changes when the topology does.
  const onBeforeDelete: OnBeforeDelete<ServiceNodeType, TrafficEdgeType> = async ({ nodes: doomed, edges: cut }) => {
    const refused = [...doomed.map((n) => n.id), ...cut.map((e) => e.source)].some((id) => !mayEdit(id));
    if (refused) onError(needs("editor"));
    else if (doomed.length > 0) props.onDeleteServices(doomed.map((n) => n.data.service));
    // One at a time: each removal is its own change to its caller's instances.
    else if (cut.length > 0) props.onEdgeRequest({ kind: "remove", id: cut[0]!.id, from: nameOf(cut[0]!.source), to: nameOf(cut[0]!.target) });
    return false;
  };

  function onDrop(event: DragEvent) {
    if (!event.dataTransfer.types.includes(NEW_SERVICE_DRAG)) return;
    event.preventDefault();
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    props.onCreateAt({ x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - NODE_HEIGHT / 2) });
  }

  /** The part of the canvas the side panel leaves visible, in the canvas' pixels. */
  function visibleArea(): Rect {
    return areaBeside(wrapper.current!.getBoundingClientRect(), props.sidePanel.current?.getBoundingClientRect(), NODE_WIDTH + 2 * REVEAL_MARGIN);
  }

  // From the nodes' known places and size, not xyflow's fitView: that goes by what it has drawn and
  // measured (nodes out of view never were; laid-out positions reach it a render later), so after
  // Auto layout it left nodes off-screen.
  function showAll(all: Rect[], duration = 300) {
    const bounds = boundsOf(all);
    if (bounds) void flow.setViewport(fitViewport(bounds, visibleArea(), FIT), { duration });
  }

  function layoutAll() {
    const laid = [...autoLayout(services, dependencies)].map(([id, position]) => ({ id, position }));
    savePositions(laid);
    showAll(laid.map(({ id, position }) => boxAt(id, position)));
  }

  /** Whether the view has been fitted to the topology yet (once, when it first shows). */
  const framed = useRef(false);
  /** The selection the view last brought into sight. */
  const revealed = useRef<string | undefined>(undefined);
  // The first time the topology shows, frame all of it beside the side panel; after that, pan a
  // newly selected node out from under the panel that opened for it.
  useEffect(() => {
    if (!flow.viewportInitialized || boxes.length === 0) return;
    if (!framed.current) {
      framed.current = true;
      revealed.current = selectedId;
      showAll(boxes, 0);
      return;
    }
    if (selectedId === revealed.current) return;
    const box = boxes.find((b) => b.id === selectedId);
    if (selectedId && !box) return; // created a moment ago: reveal it once the topology has it
    revealed.current = selectedId;
    if (!box) return;
    const viewport = flow.getViewport();
    const next = revealViewport(box, viewport, visibleArea(), REVEAL_MARGIN);
    if (next !== viewport) void flow.setViewport(next, { duration: 300 });
    // visibleArea() and the viewport are read from the page as it is when this runs, not from state.
  }, [flow.viewportInitialized, boxes, selectedId]);

  // xyflow copies every changed prop into its store, one update each, and every node and edge
  // checks each update: handlers made anew on each render (each drag frame) must not be among them.
  const current = useRef({ onSelect, savePositions, onConnect, onConnectEnd, onBeforeDelete });
  useLayoutEffect(() => {
    current.current = { onSelect, savePositions, onConnect, onConnectEnd, onBeforeDelete };
  });
  const handlers = useMemo(
    () => ({
      onNodeClick: (_: unknown, node: ServiceNodeType) => current.current.onSelect(node.id),
      onPaneClick: () => current.current.onSelect(undefined),
      onNodeDragStop: (_: unknown, __: unknown, moved: ServiceNodeType[]) => current.current.savePositions(moved),
      onConnect: (connection: Connection) => current.current.onConnect(connection),
      onConnectEnd: ((event, connection) => current.current.onConnectEnd(event, connection)) satisfies OnConnectEnd,
      onBeforeDelete: ((doomed) => current.current.onBeforeDelete(doomed)) satisfies OnBeforeDelete<ServiceNodeType, TrafficEdgeType>,
    }),
    [],
  );

  function createAtCenter() {
    const box = wrapper.current!.getBoundingClientRect();
    const at = flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
    props.onCreateAt({ x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - NODE_HEIGHT / 2) });
  }

  useShortcut("n", "New service (in the middle of the view)", createAtCenter, mayCreate);
  useShortcut("l", "Lay out the topology automatically", layoutAll, services.length > 0 && mayArrange);
  useShortcut("f", "Fit the topology in view", () => showAll(boxes));

  return (
    <div
      ref={wrapper}
      className="relative h-full w-full"
      data-testid="topology-canvas"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(NEW_SERVICE_DRAG)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
      }}
      onDrop={onDrop}
    >
      <DetailContext value={detailed}>
        <DropTargetContext value={dropTarget}>
          <ReactFlow<ServiceNodeType, TrafficEdgeType>
            nodes={flowNodes}
            edges={overview ? noEdges : edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            {...handlers}
            isValidConnection={isValidConnection}
            deleteKeyCode={DELETE_KEYS}
            colorMode={theme}
            minZoom={FIT.minZoom}
            maxZoom={2}
            onlyRenderVisibleElements
          >
            <HandleBoundsRepair />
            <Background gap={24} />
            <Controls showInteractive={false} showFitView={false}>
              <ControlButton onClick={() => showAll(boxes)} title="Fit View (F)" aria-label="Fit View">
                <FitIcon />
              </ControlButton>
            </Controls>
            {overview ? (
              <TopologyOverview nodes={nodes} edges={edges} boxes={boxes} dark={theme === "dark"} container={wrapper} onSelect={onSelect} onMove={moveTo} />
            ) : (
              <MiniMap<ServiceNodeType> pannable zoomable nodeColor={miniMapColor} ariaLabel="Topology overview" />
            )}
          </ReactFlow>
        </DropTargetContext>
      </DetailContext>
      <div className="absolute left-3 top-3 z-10 flex items-center gap-2">
        <button
          type="button"
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(NEW_SERVICE_DRAG, "service");
            e.dataTransfer.effectAllowed = "copy";
          }}
          onClick={createAtCenter}
          disabled={!mayCreate}
          className="cursor-grab disabled:cursor-not-allowed disabled:opacity-50 rounded-md border border-dashed border-sky-400 bg-white px-2.5 py-1 text-xs font-medium text-sky-700 shadow-sm hover:bg-sky-50 active:cursor-grabbing dark:bg-zinc-900 dark:text-sky-300 dark:hover:bg-sky-950"
          title={mayCreate ? "Drag onto the canvas, or click (N)" : needs("editor")}
        >
          + New service
        </button>
        {/* Top left, beside New service: on the right the side panel would cover it. */}
        <button
          type="button"
          onClick={layoutAll}
          disabled={services.length === 0 || place.isPending || !mayArrange}
          className="rounded-md border border-zinc-300 bg-white px-2.5 py-1 text-xs font-medium shadow-sm hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
          title={mayArrange ? "Lay out by who calls whom (L)" : needs("editor")}
        >
          Auto layout
        </button>
        {props.tools}
        {services.length === 0 && <span className="text-xs text-zinc-500">No services yet: drag + New service onto the canvas to create one.</span>}
      </div>
    </div>
  );
}

/** The usual "fit view" frame: four corners. */
function FitIcon() {
  return (
    <svg viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden>
      <path d="M1.5 5.5v-4h4M10.5 1.5h4v4M14.5 10.5v4h-4M5.5 14.5h-4v-4" />
    </svg>
  );
}
