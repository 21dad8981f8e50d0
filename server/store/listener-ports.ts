import { AppError } from "../lib/app-error";
import type { Tx } from "./audited-transaction";

/** Shared by every Gantry on this database: listener ports are chosen one transaction at a time. */
const LISTENER_PORT_LOCK = 4_812_397_216;

export type PortRange = { from: number; to: number };

/** Says why a port can't be a listener (Gantry's own port, the instance range…), or undefined. */
export type ReservedPorts = (port: number) => string | undefined;

/**
 * Listener ports taken, per transaction: read once (under the lock), then kept up to date by the
 * claims, so applying a file of a thousand services and edges reads them once, not once per claim.
 * A port freed later in the same transaction stays taken until it commits: never handed out twice.
 */
const takenInTransaction = new WeakMap<Tx, Set<number>>();

async function takenPorts(tx: Tx): Promise<Set<number>> {
  let taken = takenInTransaction.get(tx);
  if (!taken) {
    await tx.$executeRawUnsafe(`SELECT 1 FROM pg_advisory_xact_lock(${LISTENER_PORT_LOCK})`);
    const [services, edges] = await Promise.all([
      tx.service.findMany({ where: { listenPort: { not: null } }, select: { listenPort: true } }),
      tx.dependency.findMany({ where: { port: { not: null } }, select: { port: true } }),
    ]);
    taken = new Set([...services.map((s) => s.listenPort!), ...edges.map((e) => e.port!)]);
    takenInTransaction.set(tx, taken);
  }
  return taken;
}

/** Who holds `port` now (read afresh: it may have been freed earlier in this transaction). */
async function ownerOf(tx: Tx, port: number): Promise<string | undefined> {
  const service = await tx.service.findFirst({ where: { listenPort: port }, select: { name: true } });
  if (service) return `the listener of service ${service.name}`;
  const edge = await tx.dependency.findFirst({ where: { port }, select: { from: { select: { name: true } }, to: { select: { name: true } } } });
  return edge ? `the listener of dependency ${edge.from.name} → ${edge.to.name}` : undefined;
}

/**
 * Picks a listener port inside the transaction: the one asked for if nobody else has it, or else
 * the lowest free one in the range. `current` is the port the asker already holds, if any.
 */
export async function claimListenerPort(tx: Tx, range: PortRange, reserved: ReservedPorts, wanted?: number, current?: number | null): Promise<number> {
  const taken = await takenPorts(tx);
  if (wanted !== undefined) {
    const owner = wanted === current ? undefined : ((await ownerOf(tx, wanted)) ?? reserved(wanted));
    if (owner) throw new AppError("CONFLICT", `port ${wanted} is already ${owner}`, "listenPort");
    taken.add(wanted);
    return wanted;
  }
  for (let port = range.from; port <= range.to; port++) {
    if (!taken.has(port) && !reserved(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new AppError("UNAVAILABLE", `no free listener port left in ${range.from}-${range.to} (GANTRY_LISTENER_PORT_RANGE)`);
}
