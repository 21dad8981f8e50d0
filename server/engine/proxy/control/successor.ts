import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { DataPlaneConfig, InheritedSockets, LaunchSpec } from "../types";
import { launch } from "./launch";
import { listeningSockets } from "./listening-sockets";
import { inheritanceEnv, type Inheritance } from "./settings";

/**
 * Starts the data plane that replaces this one with this one's listening sockets, as nginx's
 * binary upgrade does: the successor starts with them as descriptors 3, 4, …, so the very same
 * kernel sockets, with their queues of connections not yet accepted, stay open throughout. Both
 * accept for a moment, then this one retires. Closing ours and binding anew would refuse
 * connections in between; SO_REUSEPORT (not in Node 20 anyway) resets the queue of the socket
 * that closes.
 */
export function startSuccessor(spec: LaunchSpec, host: string): ChildProcess {
  const byPort = new Map(listeningSockets().map((socket) => [socket.port, socket.fd]));
  const inheritance: Inheritance = { host, sockets: Object.fromEntries([...byPort.keys()].map((port, i) => [String(port), 3 + i])) };
  return launch(spec, { env: inheritanceEnv(inheritance), inherited: [...byPort.values()] });
}

/**
 * The sockets a data plane inherited from the one it replaced. Its workers listen on them
 * through the cluster module, which then owns the descriptor (and closes it with the last worker
 * listening); until then the primary does. A socket is offered while its listener stays
 * configured on the same host and the descriptor is still that socket.
 */
export class InheritedListeners {
  private readonly sockets = new Map<number, { fd: number; inode: number }>();
  private offered = false;

  constructor(private readonly inheritance: Inheritance | undefined) {
    for (const [port, fd] of Object.entries(inheritance?.sockets ?? {})) {
      const inode = inodeOf(fd);
      if (inode !== undefined) this.sockets.set(Number(port), { fd, inode });
    }
  }

  /**
   * The sockets for the listeners of `config`. The first time, those it has no listener for are
   * closed: nothing else would, and a socket nobody accepts on leaves connections hanging.
   */
  offer(config: DataPlaneConfig): InheritedSockets {
    const wanted = new Set(config.listeners.map((listener) => listener.port));
    for (const [port, socket] of this.sockets) {
      const same = inodeOf(socket.fd) === socket.inode;
      if (same && wanted.has(port) && config.host === this.inheritance?.host) continue;
      if (same && !this.offered) fs.closeSync(socket.fd);
      this.sockets.delete(port);
    }
    this.offered = true;
    return Object.fromEntries([...this.sockets].map(([port, socket]) => [port, socket.fd]));
  }
}

function inodeOf(fd: number): number | undefined {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isSocket() ? stat.ino : undefined;
  } catch {
    return undefined; // closed
  }
}
