import { AppError } from "../lib/app-error";
import type { Tx } from "./audited-transaction";

/** Shared by every Gantry on this database: listener ports are chosen one transaction at a time. */
const LISTENER_PORT_LOCK = 4_812_397_216;

export type PortRange = { from: number; to: number };

/** Says why a port can't be a listener (Gantry's own port, the instance range…), or undefined. */
export type ReservedPorts = (port: number) => string | undefined;

async function portOwners(tx: Tx): Promise<Map<number, string>> {
  const owners = new Map<number, string>();
  const services = await tx.service.findMany({ where: { listenPort: { not: null } }, select: { listenPort: true, name: true } });
  for (const s of services) owners.set(s.listenPort!, `the listener of service ${s.name}`);
  const edges = await tx.dependency.findMany({ where: { port: { not: null } }, select: { port: true, from: { select: { name: true } }, to: { select: { name: true } } } });
  for (const e of edges) owners.set(e.port!, `the listener of dependency ${e.from.name} → ${e.to.name}`);
  return owners;
}

/**
 * Picks a listener port inside the transaction: the one asked for if nobody else has it, or else
 * the lowest free one in the range. `current` is the port the asker already holds, if any.
 */
export async function claimListenerPort(tx: Tx, range: PortRange, reserved: ReservedPorts, wanted?: number, current?: number | null): Promise<number> {
  await tx.$executeRawUnsafe(`SELECT 1 FROM pg_advisory_xact_lock(${LISTENER_PORT_LOCK})`);
  const owners = await portOwners(tx);
  if (wanted !== undefined) {
    const owner = wanted === current ? undefined : (owners.get(wanted) ?? reserved(wanted));
    if (owner) throw new AppError("CONFLICT", `port ${wanted} is already ${owner}`, "listenPort");
    return wanted;
  }
  for (let port = range.from; port <= range.to; port++) if (!owners.has(port) && !reserved(port)) return port;
  throw new AppError("UNAVAILABLE", `no free listener port left in ${range.from}-${range.to} (GANTRY_LISTENER_PORT_RANGE)`);
}
