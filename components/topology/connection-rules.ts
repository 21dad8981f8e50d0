import type { Dependency, Service } from "@/server/contracts/service";

type Endpoint = Pick<Service, "id" | "name" | "external" | "deleting">;

/**
 * Why the canvas won't add the dependency `from → to`, in words for the person dragging it, or
 * undefined when it will. The server checks the same again; deciding here lets the canvas say so
 * while the edge is still being dragged, and explain a drop the server would never see.
 * `editRefusal` is why the caller may not edit `from` (an edge changes what `from`'s instances get).
 */
export function connectionRefusal(
  from: Endpoint,
  to: Endpoint,
  dependencies: ReadonlyArray<Pick<Dependency, "fromId" | "toId">>,
  editRefusal: string | undefined,
): string | undefined {
  if (from.id === to.id) return `${from.name} can't depend on itself`;
  if (dependencies.some((d) => d.fromId === from.id && d.toId === to.id)) return `${from.name} already calls ${to.name}`;
  if (from.external) return `${from.name} is external: Gantry runs none of its instances, so none to tell where ${to.name} is`;
  const leaving = [from, to].find((s) => s.deleting);
  if (leaving) return `${leaving.name} is being deleted`;
  return editRefusal;
}

/**
 * The dependency a drag adds when dropped on `dropId`: from a node's right (source) handle the
 * node calls what it is dropped on; from its left (target) handle, what it is dropped on calls it.
 */
export function edgeFromDrag(startId: string, startHandle: "source" | "target", dropId: string): Pick<Dependency, "fromId" | "toId"> {
  return startHandle === "source" ? { fromId: startId, toId: dropId } : { fromId: dropId, toId: startId };
}
