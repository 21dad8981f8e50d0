import net from "node:net";

type Typed = { type: string };

/**
 * One end of the control connection between Gantry and its data plane: JSON messages, one per
 * line, over a unix socket. Unlike an IPC channel to a child process, it can be reopened by a
 * Gantry that did not start the data plane.
 */
export class ControlLink<In extends Typed, Out> {
  /** Settles when the connection is gone, whichever side closed it. */
  readonly closed: Promise<void>;
  private buffer = "";
  private readonly waiters = new Set<{ type: string; resolve(message: In | undefined): void }>();
  private handler: ((message: In) => void) | undefined;
  /** Messages that came before a handler was set (e.g. right behind an awaited welcome). */
  private readonly early: In[] = [];

  constructor(readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.receive(chunk));
    socket.on("error", () => {}); // a peer that died is routine; "close" follows
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    void this.closed.then(() => {
      for (const waiter of this.waiters) waiter.resolve(undefined);
      this.waiters.clear();
    });
  }

  /** Where messages go, except those a `next()` is waiting for. */
  onMessage(handler: (message: In) => void): void {
    this.handler = handler;
    for (const message of this.early.splice(0)) handler(message);
  }

  send(message: Out): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** The next message of a type, or undefined if none comes within `timeoutMs` or the link closes. */
  next<T extends In["type"]>(type: T, timeoutMs: number): Promise<Extract<In, { type: T }> | undefined> {
    return new Promise((resolve) => {
      const waiter = {
        type,
        resolve: (message: In | undefined) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(message as Extract<In, { type: T }> | undefined);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Ends the connection once what was sent is flushed. */
  close(): void {
    this.socket.end();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf("\n"); end !== -1; end = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      let message: In;
      try {
        message = JSON.parse(line) as In;
      } catch {
        this.socket.destroy(); // not our protocol: nothing more on this connection can be trusted
        return;
      }
      const waiter = [...this.waiters].find((w) => w.type === message.type);
      if (waiter) waiter.resolve(message);
      else if (this.handler) this.handler(message);
      else this.early.push(message);
    }
  }
}

/** Connects to a control socket; undefined when nothing listens there (no file, or a stale one). */
export function connectControl(socketPath: string): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    socket.once("connect", () => resolve(socket));
    socket.on("error", () => resolve(undefined)); // after connecting, a no-op: the link watches "close"
  });
}
