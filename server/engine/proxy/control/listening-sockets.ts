import fs from "node:fs";

/** A listening TCP socket held by this process. */
export type ListeningSocket = { fd: number; port: number; inode: number };

const LISTEN = "0A";

/**
 * Socket inode → local port of the listening sockets in a /proc/net/tcp or tcp6 table (columns:
 * sl, local_address as HEXIP:HEXPORT, rem_address, st, …, inode in the tenth).
 */
export function listeningPorts(table: string): Map<number, number> {
  const ports = new Map<number, number>();
  for (const line of table.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 10 || columns[3] !== LISTEN) continue;
    ports.set(Number(columns[9]), parseInt(columns[1]!.split(":")[1]!, 16));
  }
  return ports;
}

/**
 * This process's listening TCP sockets, from /proc: Node gives no access to the descriptors the
 * cluster module holds, and the kernel's view is the one that counts anyway.
 */
export function listeningSockets(): ListeningSocket[] {
  const ports = new Map<number, number>();
  for (const table of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    try {
      for (const [inode, port] of listeningPorts(fs.readFileSync(table, "utf8"))) ports.set(inode, port);
    } catch {
      // no IPv6 on this host
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const entry of fs.readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // closed meanwhile (e.g. the descriptor readdir itself used)
    }
    const inode = Number(/^socket:\[(\d+)\]$/.exec(target)?.[1]);
    const port = ports.get(inode);
    if (port !== undefined) sockets.push({ fd: Number(entry), port, inode });
  }
  return sockets;
}
