import type { Runtime } from "../contracts/service";
import { dependencyEnvName, linksOf, trafficSettings, type Callee, type Protocol } from "../contracts/traffic";
import type { Tx } from "../store/audited-transaction";
import type { Prisma } from "../store/database";

/** An edge about to be drawn from the service (its listener port isn't chosen yet), or one about to go. */
export type EdgeChange = { add: { toId: string; toName: string; toProtocol: Protocol } } | { remove: { id: string } };

/** Where a link of an edge not yet drawn will point: its listener is chosen when it is. */
export const NEW_LISTENER = "(its own listener, chosen when the edge is added)";

/**
 * Where a service's instances reach Gantry's listeners: a process or container on Gantry's host at
 * GANTRY_HOST; a swarm task, which may run on another node, at GANTRY_SWARM_ADVERTISE.
 */
export type LinkHosts = { local: string; swarm: string };

/**
 * The links a service's instances should be given for its dependency edges now — or once `change`
 * is made, for a plan preview; `runtime` when an edit changes the stored one.
 */
export async function linksFor(db: Tx | Prisma, serviceId: string, hosts: LinkHosts, { change, runtime }: { change?: EdgeChange; runtime?: Runtime } = {}): Promise<Record<string, string>> {
  const stored = runtime ?? ((await db.service.findUnique({ where: { id: serviceId }, select: { template: true } }))?.template as { runtime?: Runtime } | undefined)?.runtime;
  const host = stored === "swarm" ? hosts.swarm : hosts.local;
  const edges = await db.dependency.findMany({ where: { fromId: serviceId }, include: { to: { select: { name: true, traffic: true } } } });
  const kept = change && "remove" in change ? edges.filter((e) => e.id !== change.remove.id) : edges;
  const callees = new Map(kept.map((e): [string, Callee] => [e.toId, { name: e.to.name, protocol: trafficSettings.parse(e.to.traffic).protocol }]));
  const links = linksOf(serviceId, kept, (id) => callees.get(id), host);
  if (change && "add" in change) links[dependencyEnvName(change.add.toName, change.add.toProtocol)] = NEW_LISTENER;
  return links;
}
