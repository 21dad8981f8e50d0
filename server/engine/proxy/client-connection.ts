import type { Socket } from "node:net";
import type { ClientSide, Exchange } from "./exchange";
import { checkPartialHead, headEnd, HttpParseError, parseRequestHead, type RequestHead } from "./http/head";
import type { UpstreamConnection } from "./upstream-connection";

/**
 * A response made by the proxy itself: plain text, with the status repeated in x-gantry-error.
 * To HEAD (when the request got far enough to know its method) it has no body, as the client
 * expects: bytes it didn't expect would be read as the start of the next response.
 */
export function errorResponse(status: number, reason: string, message: string, keepAlive: boolean, method?: string): string {
  const body = `${message}\n`;
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body, "latin1")}\r\n` +
    `x-gantry-error: ${status}\r\nconnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n${method === "HEAD" ? "" : body}`
  );
}

/** Largest request head accepted (Node's default too). */
export const MAX_REQUEST_HEAD = 16 * 1024;


/** What a client connection needs from its listener. */
export interface ClientHost {
  /** An exchange for a parsed request, or null once it has answered the request itself (no route…). */
  begin(client: ClientConnection, head: RequestHead): Exchange | null;
  /** Lets the exchange run now, or queues or refuses it (circuit breaking). */
  admit(exchange: Exchange): void;
  clientClosed(client: ClientConnection): void;
}

/**
 * One client's keep-alive connection. Parses request heads as they arrive and runs one exchange
 * at a time; pipelined requests wait (their bytes stay buffered and reading pauses) until the
 * response before them is complete, so responses go out in order.
 */
export class ClientConnection implements ClientSide {
  readonly clientIp: string;
  exchange: Exchange | null = null;
  /** When the current partial head began arriving (slow-header protection), or 0. */
  headSince = 0;
  /** How much of a partial head checkPartialHead() has passed, so each byte is checked once. */
  private headChecked = 0;
  lastActivity = performance.now();
  /** Its listener is gone: no further request on this connection (responses say `connection: close`). */
  retiring = false;
  private pending: Buffer | null = null;
  private closed = false;
  /** A WebSocket (or other upgrade) tunnel: it ends when either side closes, not when it looks idle. */
  private tunneled = false;
  /** Once retiring: how long it must have been quiet before it is closed. */
  private quietMs = 0;
  /** The client has ended its side: no more requests will come. */
  private inputEnded = false;

  constructor(
    readonly socket: Socket,
    private readonly host: ClientHost,
  ) {
    const address = socket.remoteAddress ?? "";
    this.clientIp = address.startsWith("::ffff:") ? address.slice(7) : address;
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("error", () => {}); // a reset client is routine; close() follows
    socket.on("end", this.onEnd);
    socket.on("close", this.onClose);
  }

  write(data: Buffer | string): boolean {
    return this.closed ? true : this.socket.write(data as string, "latin1");
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  onceDrained(resume: () => void): void {
    this.socket.once("drain", resume);
  }

  finished(keepAlive: boolean): void {
    this.exchange = null;
    this.lastActivity = performance.now();
    if (!keepAlive) return this.close();
    if (this.pending) this.next();
    this.readOn();
  }

  /**
   * After a response: reading (paused to hold pipelined bytes) resumes unless the next request is
   * already read in full — a request made of held bytes may still need the rest of its body.
   */
  private readOn(): void {
    const exchange = this.exchange;
    if (exchange?.requestComplete) return;
    if (!exchange && this.inputEnded) return this.close();
    this.socket.resume();
  }

  abort(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Answers a request the proxy can't even start (malformed, no route…) and closes or goes on. */
  reject(status: number, reason: string, message: string, keepAlive: boolean, method?: string): void {
    keepAlive &&= !this.retiring;
    this.write(errorResponse(status, reason, message, keepAlive, method));
    if (!keepAlive) this.close();
  }

  /**
   * Its listener is gone: the response in progress (if any) is its last, and says so. Idle, it
   * closes once quiet for `quietMs`: 0 when its listener was removed (what could the client still
   * want there?), longer when the same socket is served on by another data plane: closing a
   * keep-alive connection races the request the client may be sending right then, which would
   * fail (most clients don't retry it), while a client that waits that long rarely sends just then.
   */
  retire(quietMs = 0): void {
    this.retiring = true;
    this.quietMs = quietMs;
    this.closeIfQuiet(performance.now());
  }

  /** Ends a retiring connection that has nothing in flight and has been quiet long enough. */
  closeIfQuiet(now: number): void {
    if (this.retiring && !this.exchange && !this.tunneled && now - this.lastActivity >= this.quietMs) this.close();
  }

  /** Closes once queued writes are flushed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    this.socket.end();
  }

  tunnel(upstream: UpstreamConnection, rest: Buffer | null): void {
    this.tunneled = true;
    const client = this.socket;
    const server = upstream.socket;
    client.off("data", this.onData);
    client.off("end", this.onEnd); // pipe() carries a half-close through from here
    server.removeAllListeners("data");
    if (rest) client.write(rest);
    if (this.pending) server.write(this.pending);
    this.pending = null;
    client.pipe(server);
    server.pipe(client);
    server.on("error", () => client.destroy());
    server.on("close", () => client.destroy());
    client.on("close", () => server.destroy());
    client.resume();
  }

  private onData = (chunk: Buffer) => {
    this.lastActivity = performance.now();
    if (this.exchange) return this.feed(this.exchange, chunk);
    this.stash(chunk);
    this.next();
  };

  /** Body bytes for the current exchange; bad framing (e.g. broken chunking) ends it with a 400 and a close. */
  private feed(exchange: Exchange, bytes: Buffer): void {
    let beyond: Buffer | null;
    try {
      beyond = exchange.feedBody(bytes);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      // An upstream may answer before the body ends; a 400 written into its response would corrupt it.
      const responding = exchange.responding;
      exchange.abandon();
      this.exchange = null;
      if (responding) return this.abort();
      return this.reject(400, "Bad Request", `bad request body: ${err.message}`, false, exchange.method);
    }
    if (beyond) this.stash(beyond);
  }

  /** Keeps bytes for the next request; reading pauses while a request is in progress. */
  private stash(bytes: Buffer): void {
    this.pending = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    if (this.exchange) this.socket.pause();
  }

  private next(): void {
    while (!this.exchange && this.pending && !this.closed) {
      const buffer = this.pending;
      const end = headEnd(buffer);
      let head: RequestHead;
      try {
        if (end === -1 || end > MAX_REQUEST_HEAD) {
          if (buffer.length > MAX_REQUEST_HEAD) return this.reject(400, "Bad Request", "request headers too large", false);
          checkPartialHead(buffer, this.headChecked);
          this.headChecked = buffer.length;
          if (this.headSince === 0) this.headSince = performance.now();
          return;
        }
        this.headSince = 0;
        this.headChecked = 0;
        head = parseRequestHead(buffer, end);
      } catch (err) {
        if (err instanceof HttpParseError) return this.reject(400, "Bad Request", `bad request: ${err.message}`, false);
        throw err;
      }
      this.pending = null;
      const rest = buffer.length > end ? buffer.subarray(end) : null;
      const exchange = this.host.begin(this, head);
      if (!exchange) {
        // Answered directly; a body we didn't read would be taken for the next request.
        if (head.framing.kind !== "none" || !head.keepAlive) return this.close();
        this.pending = rest;
        continue;
      }
      this.exchange = exchange;
      if (rest) this.feed(exchange, rest);
      if (this.exchange !== exchange) return; // refused while reading its body
      // After the client's end, a request still short of body bytes can never complete: it isn't forwarded.
      if (this.inputEnded && !exchange.requestComplete) return this.settleEndedInput();
      // May finish at once (e.g. no healthy instance); finished() then carries on with what is pending.
      this.host.admit(exchange);
      return;
    }
  }

  /**
   * The client sent all it will (even while reading is paused, once nothing is left unread):
   * what it asked is answered — pipelined requests held in `pending` included — then the
   * connection closes.
   */
  private onEnd = () => {
    this.inputEnded = true;
    this.settleEndedInput();
  };

  /** No more bytes will come: a request still short of its body is dropped; with nothing in progress, close. */
  private settleEndedInput(): void {
    const exchange = this.exchange;
    if (exchange && !exchange.requestComplete) {
      exchange.abandon();
      this.exchange = null;
    }
    if (!this.exchange) this.close();
  }

  private onClose = () => {
    this.closed = true;
    this.exchange?.abandon();
    this.exchange = null;
    this.host.clientClosed(this);
  };
}
