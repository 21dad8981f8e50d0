import net from "node:net";
import { byteRange } from "./http/byte-range";
import { ChunkedTracker } from "./http/chunked";
import { headEnd, HttpParseError, parseResponseHead, type Framing, type ResponseHead } from "./http/head";
import type { UpstreamEndpoint } from "./cluster";

/** Largest response head accepted. */
export const MAX_RESPONSE_HEAD = 64 * 1024;

/** What an upstream connection reports to the exchange it is serving. */
export interface ResponseSink {
  readonly method: string;
  /** The connection is up; the request can be written. */
  connected(connection: UpstreamConnection): void;
  /** Failed before the response was complete. `responded` tells whether any response byte had arrived. */
  upstreamFailed(message: string, responded: boolean): void;
  /** An interim 1xx response (e.g. 100 Continue), raw. */
  interim(raw: Buffer): void;
  /** The final response head; return false to drop this response (it will be retried elsewhere). */
  responseHead(head: ResponseHead, raw: Buffer): boolean;
  /** A piece of the response body, as framed on the wire once checked: chunk extensions and trailer fields left out. */
  responseBody(data: Buffer): void;
  /** Everything read from the socket in one go has been handed over (a moment to flush writes). */
  readDone(): void;
  responseEnd(reusable: boolean): void;
  /** `101 Switching Protocols`: from here on the connection is a raw tunnel. */
  upgraded(head: ResponseHead, raw: Buffer, rest: Buffer | null): void;
}

/**
 * One connection to an instance. It parses just enough of each response to relay it and to
 * know where it ends, so the connection can go back to the pool for the next request.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  sink: ResponseSink | null = null;
  connectedAt = 0;
  /** Since when it has been waiting in its endpoint's pool. */
  idleSince = 0;
  private head: Buffer | null = null;
  private framing: Framing | null = null;
  private remaining = 0;
  private tracker: ChunkedTracker | null = null;
  private relaying = true;
  private reusable = true;
  private responded = false;
  private tunnel = false;

  constructor(
    readonly endpoint: UpstreamEndpoint,
    readonly openedAt: number,
  ) {
    this.socket = net.connect({ host: endpoint.host, port: endpoint.port });
    this.socket.setNoDelay(true);
    this.socket.on("data", this.onData);
    this.socket.on("error", this.onError);
    this.socket.on("close", this.onClose);
    this.socket.once("connect", this.onConnect);
  }

  get connecting(): boolean {
    return this.connectedAt === 0;
  }

  /** Hands the connection to an exchange; its request is written by the caller. */
  assign(sink: ResponseSink): void {
    this.sink = sink;
    this.head = null;
    this.framing = null;
    this.tracker = null;
    this.relaying = true;
    this.reusable = true;
    this.responded = false;
    if (!this.connecting) sink.connected(this);
  }

  destroy(): void {
    this.sink = null;
    this.socket.destroy();
  }

  /** Gave up connecting (the proxy's sweep enforces the connect timeout). */
  connectTimedOut(timeoutMs: number): void {
    const sink = this.sink;
    this.sink = null;
    this.socket.destroy();
    sink?.upstreamFailed(`${this.endpoint.id} (port ${this.endpoint.port}): no connection within ${timeoutMs} ms`, false);
  }

  private onConnect = () => {
    this.connectedAt = performance.now();
    this.sink?.connected(this);
  };

  private onError = (err: NodeJS.ErrnoException) => {
    const sink = this.sink;
    this.sink = null;
    sink?.upstreamFailed(`${this.endpoint.id} (port ${this.endpoint.port}): ${err.code ?? err.message}`, this.responded);
  };

  private onClose = () => {
    const sink = this.sink;
    if (!sink || this.tunnel) return;
    this.sink = null;
    // A close-delimited body ends here; anything else is cut short.
    if (this.framing?.kind === "close") sink.responseEnd(false);
    else sink.upstreamFailed(`${this.endpoint.id} (port ${this.endpoint.port}) closed the connection`, this.responded);
  };

  private onData = (chunk: Buffer) => {
    const sink = this.sink;
    if (!sink) return void this.socket.destroy(); // nothing asked: a broken or confused upstream
    if (this.framing !== null) this.body(chunk, 0);
    else {
      this.responded = true;
      this.head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      this.readHead();
    }
    sink.readDone();
  };

  private readHead(): void {
    const sink = this.sink!;
    const buffer = this.head!;
    const end = headEnd(buffer);
    if (end === -1) {
      if (buffer.length > MAX_RESPONSE_HEAD) this.fail("response head too large");
      return;
    }
    let head: ResponseHead;
    try {
      head = parseResponseHead(buffer, end, sink.method);
    } catch (err) {
      return this.fail(err instanceof HttpParseError ? `malformed response: ${err.message}` : String(err));
    }
    const rest = buffer.length > end ? buffer.subarray(end) : null;
    if (head.status === 101) {
      this.tunnel = true;
      this.sink = null;
      return sink.upgraded(head, buffer.subarray(0, end), rest);
    }
    if (head.status < 200) {
      sink.interim(buffer.subarray(0, end));
      this.head = rest;
      if (rest) this.readHead();
      return;
    }
    this.head = null;
    this.framing = head.framing;
    this.reusable = !head.closes;
    if (head.framing.kind === "length") this.remaining = head.framing.length;
    if (head.framing.kind === "chunked") this.tracker = new ChunkedTracker("framing");
    this.relaying = sink.responseHead(head, buffer.subarray(0, end));
    if (head.framing.kind === "none") return this.complete(rest !== null);
    if (rest) this.body(rest, 0);
  }

  private body(buffer: Buffer, start: number): void {
    const framing = this.framing!;
    let end = -1;
    if (framing.kind === "chunked") {
      const tracker = this.tracker!;
      try {
        end = tracker.feed(buffer, start);
      } catch (err) {
        if (!(err instanceof HttpParseError)) throw err;
        // Nothing of this read is relayed: the exchange answers 502 if the client has seen nothing yet.
        return this.fail(`malformed chunked response: ${err.message}`);
      }
      const spans = tracker.spans;
      if (this.relaying) for (let s = 0; s < spans.length; s += 2) this.sink!.responseBody(byteRange(buffer, spans[s]!, spans[s + 1]!));
    } else {
      if (framing.kind === "length") {
        const take = Math.min(this.remaining, buffer.length - start);
        this.remaining -= take;
        if (this.remaining === 0) end = start + take;
      }
      const to = end === -1 ? buffer.length : end;
      if (this.relaying && to > start) this.sink!.responseBody(byteRange(buffer, start, to));
    }
    if (end !== -1) this.complete(end < buffer.length);
  }

  private complete(extraBytes: boolean): void {
    const sink = this.sink!;
    this.sink = null;
    this.framing = null;
    // Bytes after the end of a response were never asked for: don't trust this connection again.
    sink.responseEnd(this.reusable && !extraBytes);
  }

  private fail(message: string): void {
    const sink = this.sink;
    this.sink = null;
    this.socket.destroy();
    sink?.upstreamFailed(`${this.endpoint.id}: ${message}`, this.responded);
  }
}
