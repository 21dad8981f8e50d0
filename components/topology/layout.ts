import type { Dependency, Position, Service } from "@/server/contracts/service";

/** The size a service node is drawn at (layout needs it before the browser has measured anything). */
export const NODE_WIDTH = 224;
export const NODE_HEIGHT = 92;
const GAP = 48;
const RANK_GAP = GAP * 2;
/** Width ÷ height the laid-out graph aims for: about a canvas' shape. */
const TARGET_ASPECT = 1.6;
const SWEEPS = 4;

type Node = Pick<Service, "id" | "name" | "position">;
type Edge = Pick<Dependency, "fromId" | "toId">;

/** Longest path from a caller-less service; an edge closing a cycle is ignored. */
function ranks(ids: string[], out: Map<string, string[]>): Map<string, number> {
  const rank = new Map<string, number>();
  const onPath = new Set<string>();
  const visit = (id: string): number => {
    const known = rank.get(id);
    if (known !== undefined) return known;
    onPath.add(id);
    let r = 0;
    for (const callee of out.get(id) ?? []) if (!onPath.has(callee)) r = Math.max(r, visit(callee) + 1);
    onPath.delete(id);
    rank.set(id, r);
    return r;
  };
  for (const id of ids) visit(id);
  // visit() measured distance to the deepest callee; callers go left, so flip it.
  const depth = Math.max(0, ...rank.values());
  return new Map([...rank].map(([id, r]) => [id, depth - r]));
}

/** Orders each rank by the mean position of its neighbours in the rank before (then after), to uncross edges. */
function order(columns: string[][], into: Map<string, string[]>, out: Map<string, string[]>): void {
  const mean = (neighbours: string[], index: Map<string, number>, fallback: number) => {
    const known = neighbours.map((n) => index.get(n)).filter((i): i is number => i !== undefined);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : fallback;
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const indexes = [...columns.keys()];
    const sequence = down ? indexes.slice(1) : indexes.reverse().slice(1);
    for (const c of sequence) {
      const neighbourColumn = columns[down ? c - 1 : c + 1]!;
      const index = new Map(neighbourColumn.map((id, i) => [id, i]));
      const score = new Map(columns[c]!.map((id, i) => [id, mean((down ? into : out).get(id) ?? [], index, i)]));
      columns[c]!.sort((a, b) => score.get(a)! - score.get(b)!);
    }
  }
}

/**
 * Callers on the left, the services they call to their right, in ranks; a rank taller than the
 * picture's shape allows wraps into several columns. Deterministic, and fast enough to run in the
 * browser on every load (a few ms for 200 services; dagre took 250–400 ms and drew 200 services
 * 3× taller than wide).
 */
export function autoLayout(services: readonly Node[], dependencies: readonly Edge[]): Map<string, Position> {
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name)).map((s) => s.id);
  const known = new Set(sorted);
  const out = new Map<string, string[]>();
  const into = new Map<string, string[]>();
  for (const { fromId, toId } of dependencies) {
    if (!known.has(fromId) || !known.has(toId) || fromId === toId) continue;
    out.set(fromId, [...(out.get(fromId) ?? []), toId]);
    into.set(toId, [...(into.get(toId) ?? []), fromId]);
  }
  const rank = ranks(sorted, out);
  const columns: string[][] = [];
  for (const id of sorted) (columns[rank.get(id)!] ??= []).push(id);
  const ranked = columns.filter(Boolean);
  order(ranked, into, out);

  // Rows per column: the wrap that brings the picture closest to the target shape.
  const tallest = Math.max(1, ...ranked.map((c) => c.length));
  const shapeOf = (rows: number) => {
    const width = ranked.reduce((w, c) => w + Math.ceil(c.length / rows) * (NODE_WIDTH + GAP), 0) + (ranked.length - 1) * (RANK_GAP - GAP);
    return Math.abs(Math.log(width / (rows * (NODE_HEIGHT + GAP)) / TARGET_ASPECT));
  };
  let rows = tallest;
  for (let r = 1; r < tallest; r++) if (shapeOf(r) < shapeOf(rows)) rows = r;

  const positions = new Map<string, Position>();
  let x = 0;
  for (const column of ranked) {
    const wraps = Math.ceil(column.length / rows);
    const perWrap = Math.ceil(column.length / wraps);
    column.forEach((id, i) => {
      const wrap = Math.floor(i / perWrap);
      const inWrap = Math.min(perWrap, column.length - wrap * perWrap);
      const top = ((rows - inWrap) * (NODE_HEIGHT + GAP)) / 2; // centred vertically
      positions.set(id, { x: x + wrap * (NODE_WIDTH + GAP), y: Math.round(top + (i % perWrap) * (NODE_HEIGHT + GAP)) });
    });
    x += wraps * (NODE_WIDTH + GAP) + RANK_GAP - GAP;
  }
  return positions;
}

/**
 * Where every node goes: placed services where they were put; unplaced ones (created through
 * the API) laid out automatically when nothing is placed yet, else in rows under the placed ones.
 */
export function positionsOf(services: readonly Node[], dependencies: readonly Edge[]): Map<string, Position> {
  const placed = services.filter((s) => s.position);
  const unplaced = services.filter((s) => !s.position);
  if (placed.length === 0) return autoLayout(services, dependencies);
  const positions = new Map(placed.map((s) => [s.id, s.position!]));
  const left = Math.min(...placed.map((s) => s.position!.x));
  const bottom = Math.max(...placed.map((s) => s.position!.y)) + NODE_HEIGHT + GAP;
  const perRow = Math.max(1, Math.ceil(Math.sqrt(unplaced.length)));
  [...unplaced]
    .sort((a, b) => a.name.localeCompare(b.name))
    .forEach((s, i) => positions.set(s.id, { x: left + (i % perRow) * (NODE_WIDTH + GAP), y: bottom + Math.floor(i / perRow) * (NODE_HEIGHT + GAP) }));
  return positions;
}
