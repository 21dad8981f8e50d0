import http from "node:http";
import net from "node:net";
import { Duplex } from "node:stream";
import { readRequest } from "./strict-http1";

/**
 * llhttp errors that are no finding: a message cut short (the proxy may drop a connection
 * mid-request), and a method llhttp doesn't list — methods are an open set of tokens (RFC 9110
 * §9.1) that the proxy rightly relays, and refusing one is a clean 400, not a framing disagreement.
 */
const NOT_FINDINGS = new Set(["HPE_INVALID_EOF_STATE", "ECONNRESET", "HPE_INVALID_METHOD"]);

export type CheckedUpstream = {
  port: number;
  /** Complete requests read so far, by the strict reader. */
  readonly requests: number;
  /** What either parser refused among the bytes the proxy sent, each with those bytes. */
  readonly findings: readonly string[];
  close(): Promise<void>;
};

/**
 * The fuzz suite's instance: a Node http server (llhttp, insecureHTTPParser off) behind a tap that
 * records every byte the proxy sends and reads it again with strict-http1. A forwarded byte that
 * either parser refuses is a finding. Answers say what was seen, with `x-fuzz-method` so the
 * client side can tell responses to HEAD (which have no body).
 */
export async function checkedUpstream(): Promise<CheckedUpstream> {
  let requests = 0;
  const findings: string[] = [];
  const node = http.createServer({ insecureHTTPParser: false }, (req, res) => {
    let bodyBytes = 0;
    req.on("data", (d: Buffer) => (bodyBytes += d.length));
    req.on("end", () => {
      res.setHeader("x-fuzz-method", req.method!);
      res.end(`upstream saw ${req.method} ${req.url} with ${bodyBytes} body bytes`);
    });
  });
  node.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!NOT_FINDINGS.has(err.code ?? "")) findings.push(`Node's strict parser refused bytes the proxy forwarded: ${err.code} ${err.message}`);
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"); // what Node answers by default
  });

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    let received = "";
    let parsed = 0;
    const tap = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        socket.write(chunk, done);
      },
      final(done) {
        socket.end();
        done();
      },
    });
    socket.on("data", (bytes: Buffer) => {
      received += bytes.toString("latin1");
      for (;;) {
        const reading = readRequest(received, parsed);
        if (reading.kind === "incomplete") break;
        if (reading.kind === "invalid") {
          findings.push(`bytes the proxy forwarded break strict HTTP/1.1 (${reading.reason}): ${JSON.stringify(received.slice(parsed, parsed + 400))}`);
          socket.destroy();
          return;
        }
        requests++;
        parsed = reading.end;
      }
      tap.push(bytes);
    });
    socket.on("end", () => tap.push(null));
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      tap.destroy();
    });
    tap.on("close", () => socket.destroy());
    node.emit("connection", tap);
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  return {
    port: (tcp.address() as net.AddressInfo).port,
    get requests() {
      return requests;
    },
    findings,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    },
  };
}
