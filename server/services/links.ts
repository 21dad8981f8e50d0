import { dependencyEnvName, linksOf } from "../contracts/traffic";
import type { Tx } from "../store/audited-transaction";
import type { Prisma } from "../store/database";

/** An edge about to be drawn from the service (its listener port isn't chosen yet), or one about to go. */
export type EdgeChange = { add: { toId: string; toName: string } } | { remove: { id: string } };

/** Where a link of an edge not yet drawn will point: its listener is chosen when it is. */
export const NEW_LISTENER = "(its own listener, chosen when the edge is added)";

/**
 * The links a service's instances should be given for its dependency edges now — or once `change`
 * is made, for a plan preview.
 */
export async function linksFor(db: Tx | Prisma, serviceId: string, host: string, change?: EdgeChange): Promise<Record<string, string>> {
  const edges = await db.dependency.findMany({ where: { fromId: serviceId }, include: { to: { select: { name: true } } } });
  const kept = change && "remove" in change ? edges.filter((e) => e.id !== change.remove.id) : edges;
  const names = new Map(kept.map((e) => [e.toId, e.to.name]));
  const links = linksOf(serviceId, kept, (id) => names.get(id), host);
  if (change && "add" in change) links[dependencyEnvName(change.add.toName)] = NEW_LISTENER;
  return links;
}
