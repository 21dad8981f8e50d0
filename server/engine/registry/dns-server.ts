import dgram from "node:dgram";
import net from "node:net";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { consulDns, type CatalogReader, type DnsSettings } from "./dns-answer";
import { handleMessage, type Outcome, type Transport } from "./dns-message";
import { IntegrationHealth, type Integration } from "./integration";

export type DnsServerOptions = {
  /** Gantry's own host; UDP and TCP are bound on it, on the same port (0: any free one). */
  host: string;
  port: number;
  ttlSeconds: number;
  catalog: CatalogReader;
  clock: Clock;
  log: Logger;
  /** A TCP connection with no complete query for this long is closed (RFC 7766 suggests seconds). */
  tcpIdleMs?: number;
  /** Connections past this many are closed as they arrive. */
  maxTcpConnections?: number;
  /** Shuffles records; Math.random unless a test pins it. */
  random?: () => number;
};

const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 256;
/** A client that reads none of its replies is cut off rather than buffered for. */
const MAX_TCP_BACKLOG = 1024 * 1024;

/**
 * Consul's DNS interface over the catalog: `<service>.service.consul` and friends (see
 * dns-answer.ts), on UDP and TCP. Each query reads the catalog afresh, so a change is answered
 * from the next query on. Nothing a client sends can throw out of here: undecodable messages are
 * counted, logged at debug and answered FORMERR where their header allows.
 */
export class DnsServer implements Integration {
  private health: IntegrationHealth;
  private readonly settings: DnsSettings;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();
  private answered = 0;
  private malformed = 0;

  constructor(private readonly options: DnsServerOptions) {
    this.settings = { ...consulDns, ttlSeconds: options.ttlSeconds, random: options.random ?? Math.random };
    this.health = new IntegrationHealth("dns", target(options.host, options.port), options.clock);
  }

  status() {
    const count = (n: number) => n.toLocaleString("en-US");
    const malformed = this.malformed > 0 ? `, ${count(this.malformed)} malformed` : "";
    return this.health.status(`${count(this.answered)} ${this.answered === 1 ? "query" : "queries"} answered${malformed}`);
  }

  /** Binds both sockets, or throws saying which could not be bound (a taken port stops the boot). */
  async start(): Promise<void> {
    const { host, port } = this.options;
    // With port 0 the kernel picks UDP's port; TCP may find it taken, so a few picks are tried.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const bound = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, bound);
        this.udp = udp;
        break;
      } catch (err) {
        udp.close();
        if (port !== 0 || attempt >= 5) throw new Error(`the DNS interface can't listen on tcp ${hostPort(host, bound)}: ${describe(err)}`);
      }
    }
    const bound = this.udp.address().port;
    if (bound !== port) this.health = new IntegrationHealth("dns", target(host, bound), this.options.clock);
    this.options.log.info({ host, port: bound }, "DNS interface listening (udp and tcp)");
  }

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
  }

  private bindUdp(host: string, port: number): Promise<dgram.Socket> {
    const udp = dgram.createSocket(net.isIP(host) === 6 ? "udp6" : "udp4");
    return new Promise((resolve, reject) => {
      udp.once("error", (err) => reject(new Error(`the DNS interface can't listen on udp ${hostPort(host, port)}: ${describe(err)}`)));
      udp.bind(port, host, () => {
        udp.removeAllListeners("error");
        udp.on("error", (err) => this.socketFailed("udp", err));
        udp.on("message", (message, from) => {
          const outcome = this.handle(message, "udp", from.address);
          if (outcome?.reply) udp.send(outcome.reply, from.port, from.address, (err) => err && this.options.log.debug({ err, to: from.address }, "DNS reply not sent"));
        });
        resolve(udp);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<net.Server> {
    const server = net.createServer((socket) => this.serveConnection(socket));
    server.maxConnections = this.options.maxTcpConnections ?? MAX_TCP_CONNECTIONS;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        server.on("error", (err) => this.socketFailed("tcp", err));
        resolve(server);
      });
    });
  }

  /** RFC 7766: each message behind its 2-byte length; several per connection, answered in order. */
  private serveConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.tcpIdleMs ?? TCP_IDLE_MS, () => socket.destroy());
    socket.on("close", () => this.connections.delete(socket));
    socket.on("error", (err) => this.options.log.debug({ err, from: socket.remoteAddress }, "DNS TCP connection failed"));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        const outcome = this.handle(message, "tcp", socket.remoteAddress ?? "?");
        // Without a readable header there is no telling where the next message starts: hang up.
        if (!outcome?.reply) return void socket.destroy();
        const frame = Buffer.alloc(2 + outcome.reply.length);
        frame.writeUInt16BE(outcome.reply.length, 0);
        outcome.reply.copy(frame, 2);
        socket.write(frame);
        if (socket.writableLength > MAX_TCP_BACKLOG) return void socket.destroy();
      }
    });
  }

  /** Decides the reply (pure), and keeps the counts; the root of every query, so it never throws. */
  private handle(message: Buffer, transport: Transport, from: string): Outcome | undefined {
    try {
      const outcome = handleMessage(message, transport, this.options.catalog, this.settings);
      if (outcome.kind === "malformed") {
        this.malformed++;
        this.options.log.debug({ from, transport, reason: outcome.reason, malformed: this.malformed }, "malformed DNS message");
      }
      if (outcome.reply) {
        this.answered++;
        this.health.succeeded();
      }
      return outcome;
    } catch (err) {
      this.options.log.error({ err, from, transport }, "DNS message handling failed");
      return undefined;
    }
  }

  private socketFailed(transport: Transport, err: Error): void {
    this.health.failed(err);
    this.options.log.warn({ err, transport }, "DNS socket error");
  }
}

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;
const target = (host: string, port: number) => `udp+tcp ${hostPort(host, port)}`;

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") return "the port is taken";
  if (code === "EACCES") return "permission denied (ports below 1024 need privileges)";
  return err instanceof Error ? err.message : String(err);
}
