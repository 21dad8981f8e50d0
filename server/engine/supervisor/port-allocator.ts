import net from "node:net";

export type PortRange = { from: number; to: number };

/** Whether nothing listens on the port at 127.0.0.1 right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Hands out ports for instances' PORT from a range, checking each is free. It walks the range
 * round-robin rather than reusing the lowest port, so a port just released (perhaps still held by
 * a process that is exiting) is not handed out again at once.
 */
export class PortAllocator {
  private readonly taken = new Set<number>();
  private cursor: number;

  constructor(
    private readonly range: PortRange,
    private readonly isFree: (port: number) => Promise<boolean> = isPortFree,
  ) {
    this.cursor = range.from;
  }

  async allocate(): Promise<number> {
    const size = this.range.to - this.range.from + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.cursor;
      this.cursor = port === this.range.to ? this.range.from : port + 1;
      if (this.taken.has(port)) continue;
      this.taken.add(port); // reserve before the async check so concurrent calls never pick the same port
      if (await this.isFree(port)) return port;
      this.taken.delete(port);
    }
    throw new Error(`no free port left in ${this.range.from}-${this.range.to} (GANTRY_PORT_RANGE)`);
  }

  /** Marks a port as used, e.g. by an instance adopted after a restart. */
  claim(port: number): void {
    this.taken.add(port);
  }

  release(port: number): void {
    this.taken.delete(port);
  }
}
