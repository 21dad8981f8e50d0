import { describe, expect, it } from "vitest";
import { autoLayout, NODE_HEIGHT, NODE_WIDTH, positionsOf } from "./layout";

const service = (id: string, position: { x: number; y: number } | null = null) => ({ id, name: id, position });
const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;

describe("canvas layout", () => {
  it("puts callers left of the services they call, with no two nodes overlapping", () => {
    const services = ["web", "api", "users", "orders", "db"].map((id) => service(id));
    const edges = [
      { fromId: "web", toId: "api" },
      { fromId: "api", toId: "users" },
      { fromId: "api", toId: "orders" },
      { fromId: "orders", toId: "db" },
    ];
    const at = autoLayout(services, edges);
    for (const { fromId, toId } of edges) expect(at.get(fromId)!.x).toBeLessThan(at.get(toId)!.x);
    const all = [...at.values()];
    for (const [i, a] of all.entries()) for (const b of all.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
  });

  it("wraps a tall rank into columns so a big topology keeps about the canvas' shape", () => {
    const services = Array.from({ length: 60 }, (_, i) => service(`s${String(i).padStart(2, "0")}`));
    const at = [...autoLayout(services, []).values()];
    const width = Math.max(...at.map((p) => p.x)) + NODE_WIDTH;
    const height = Math.max(...at.map((p) => p.y)) + NODE_HEIGHT;
    expect(width / height).toBeGreaterThan(1);
    expect(width / height).toBeLessThan(2.5);
    for (const [i, a] of at.entries()) for (const b of at.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
  });

  it("survives a dependency cycle", () => {
    const at = autoLayout([service("a"), service("b"), service("c")], [{ fromId: "a", toId: "b" }, { fromId: "b", toId: "c" }, { fromId: "c", toId: "a" }]);
    expect(at.size).toBe(3);
    expect(at.get("a")!.x).toBeLessThan(at.get("b")!.x);
  });

  it("is deterministic whatever order the services come in", () => {
    const services = ["c", "a", "b"].map((id) => service(id));
    expect(autoLayout(services, [])).toEqual(autoLayout([...services].reverse(), []));
  });

  it("keeps placed services where they are and puts new ones in rows below, clear of them", () => {
    const services = [service("a", { x: 100, y: 50 }), service("b", { x: 500, y: 300 }), service("new-1"), service("new-2"), service("new-3")];
    const at = positionsOf(services, []);
    expect(at.get("a")).toEqual({ x: 100, y: 50 });
    expect(at.get("b")).toEqual({ x: 500, y: 300 });
    for (const id of ["new-1", "new-2", "new-3"]) {
      expect(at.get(id)!.y).toBeGreaterThanOrEqual(300 + NODE_HEIGHT);
      expect(at.get(id)!.x).toBeGreaterThanOrEqual(100);
    }
    const fresh = ["new-1", "new-2", "new-3"].map((id) => at.get(id)!);
    for (const [i, a] of fresh.entries()) for (const b of fresh.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
  });

  it("lays everything out when nothing has been placed yet", () => {
    const services = [service("a"), service("b")];
    expect(positionsOf(services, [{ fromId: "a", toId: "b" }])).toEqual(autoLayout(services, [{ fromId: "a", toId: "b" }]));
  });
});
