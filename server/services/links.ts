import { dependencyEnvName, linksOf, trafficSettings, type Callee, type Protocol } from "../contracts/traffic";
import type { Tx } from "../store/audited-transaction";
import type { Prisma } from "../store/database";

/** An edge about to be drawn from the service (its listener port isn't chosen yet), or one about to go. */
export type EdgeChange = { add: { toId: string; toName: string; toProtocol: Protocol } } | { remove: { id: string } };

/** Where a link of an edge not yet drawn will point: its listener is chosen when it is. */
export const NEW_LISTENER = "(its own listener, chosen when the edge is added)";

/**
 * The links a service's instances should be given for its dependency edges now — or once `change`
 * is made, for a plan preview.
 */
export async function linksFor(db: Tx | Prisma, serviceId: string, host: string, change?: EdgeChange): Promise<Record<string, string>> {
  const edges = await db.dependency.findMany({ where: { fromId: serviceId }, include: { to: { select: { name: true, traffic: true } } } });
  const kept = change && "remove" in change ? edges.filter((e) => e.id !== change.remove.id) : edges;
  const callees = new Map(kept.map((e): [string, Callee] => [e.toId, { name: e.to.name, protocol: trafficSettings.parse(e.to.traffic).protocol }]));
  const links = linksOf(serviceId, kept, (id) => callees.get(id), host);
  if (change && "add" in change) links[dependencyEnvName(change.add.toName, change.add.toProtocol)] = NEW_LISTENER;
  return links;
}
