import http2 from "node:http2";
import type net from "node:net";
import { errorResponse } from "../client-connection";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** Idle client connections are told to go (GOAWAY) after this; gRPC channels reconnect by themselves. */
const IDLE_MS = 10 * 60_000;

export type H2FrontHost = {
  stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, clientIp: string): void;
  opened(session: http2.ServerHttp2Session): void;
  closed(session: http2.ServerHttp2Session): void;
};

/**
 * The client side of an `http2`/`grpc` listener: cleartext HTTP/2 with prior knowledge (h2c, as gRPC
 * clients speak it). Node's http2 does the framing, HPACK and flow control. A client that opens with
 * anything but the HTTP/2 preface (an HTTP/1.1 request, say) is told what the listener speaks.
 */
export class H2Front {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(host: H2FrontHost) {
    this.server = http2.createServer({ settings: { maxConcurrentStreams: 1000, enablePush: false }, maxSessionMemory: 64 });
    this.server.on("session", (session) => {
      this.sessions.add(session);
      host.opened(session);
      session.on("error", () => {}); // a broken connection: its streams close, which is what counts
      session.setTimeout(IDLE_MS, () => session.close());
      session.once("close", () => {
        this.sessions.delete(session);
        host.closed(session);
      });
    });
    this.server.on("stream", (stream, headers) => host.stream(stream, headers, stream.session?.socket?.remoteAddress ?? ""));
  }

  accept(socket: net.Socket): void {
    socket.once("data", (first: Buffer) => {
      const length = Math.min(first.length, PREFACE.length);
      if (!first.subarray(0, length).equals(PREFACE.subarray(0, length))) {
        socket.end(errorResponse(505, "HTTP Version Not Supported", "this listener speaks HTTP/2 only (cleartext, prior knowledge: h2c), as gRPC clients do", false));
        return;
      }
      socket.pause();
      socket.unshift(first); // Node's http2 reads what was already taken off the socket
      this.server.emit("connection", socket);
    });
    socket.on("error", () => socket.destroy());
  }

  /** GOAWAY to every client: streams in flight finish, no new ones start. */
  close(): void {
    for (const session of this.sessions) session.close();
  }

  destroy(): void {
    for (const session of this.sessions) session.destroy();
  }
}
