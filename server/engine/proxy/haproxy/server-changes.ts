import { serverArguments, type DesiredServer } from "./config";

/** A server the running worker has; `leaving` ones are drained (no new requests) until their last one ends. */
export type LiveServer = DesiredServer & { leaving: boolean };

export type ServerChange =
  | { kind: "add"; server: DesiredServer }
  /** Back in the endpoints while still draining: serve again (at this weight). */
  | { kind: "return"; server: DesiredServer }
  | { kind: "weight"; server: DesiredServer }
  /** Out of the endpoints: drain it; it is deleted once nothing is in flight on it. */
  | { kind: "leave"; server: LiveServer };

/**
 * What to tell the runtime API so the worker's servers become `desired` (by `backend/name`), or
 * "reload" when a server kept its instance id but moved (a new configuration is simpler and rare).
 * Pure, so the no-reload path is a table of cases; `kept` instance ids are draining on request and
 * are not brought back even if still listed.
 */
export function serverChanges(live: ReadonlyMap<string, LiveServer>, desired: ReadonlyMap<string, DesiredServer>, kept: ReadonlySet<string> = new Set()): ServerChange[] | "reload" {
  const changes: ServerChange[] = [];
  for (const [key, server] of desired) {
    if (kept.has(server.instanceId)) continue;
    const running = live.get(key);
    if (!running) changes.push({ kind: "add", server });
    else if (running.address !== server.address || running.options !== server.options) return "reload";
    else if (running.leaving) changes.push({ kind: "return", server });
    else if (running.weight !== server.weight) changes.push({ kind: "weight", server });
  }
  for (const [key, server] of live) {
    const stays = desired.has(key) && !kept.has(server.instanceId);
    if (!stays && !server.leaving) changes.push({ kind: "leave", server });
  }
  return changes;
}

/** The runtime API commands that carry out one change. */
export function commandsOf(change: ServerChange): string[] {
  const { server } = change;
  const id = `${server.backend}/${server.name}`;
  switch (change.kind) {
    case "add":
      // A dynamic server starts in maintenance; it takes no default-server, so it is given every option.
      return [`add server ${id} ${serverArguments(server)}`, `enable server ${id}`];
    case "return":
      return [`set weight ${id} ${server.weight}`, `set server ${id} state ready`];
    case "weight":
      return [`set weight ${id} ${server.weight}`];
    case "leave":
      return [`set server ${id} state drain`];
  }
}
