import http from "node:http";
import net from "node:net";
import { trafficSettings, type TrafficSettingsInput } from "../../../contracts/traffic";
import { freePort } from "../../../testing/ports";
import { ProxyServer } from "../proxy-server";
import type { ClusterConfig, DataPlaneConfig, EndpointConfig, IngressRoute, ListenerConfig } from "../types";

export type Upstream = {
  id: string;
  port: number;
  server: http.Server;
  /** Requests seen, with their headers. */
  requests: http.IncomingMessage[];
  /** Distinct TCP connections the proxy opened. */
  connections: number;
  close(): Promise<void>;
};

/** A real HTTP server standing in for an instance; `handler` defaults to answering its own id. */
export async function upstream(id: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse, self: Upstream) => void): Promise<Upstream> {
  const self = { id, requests: [] as http.IncomingMessage[], connections: 0 } as Upstream;
  const server = http.createServer((req, res) => {
    self.requests.push(req);
    if (handler) return handler(req, res, self);
    req.resume();
    req.on("end", () => res.end(id));
  });
  server.on("connection", () => self.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self.server = server;
  self.port = (server.address() as net.AddressInfo).port;
  self.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return self;
}

export const endpointOf = (u: Pick<Upstream, "id" | "port">, revision = 1): EndpointConfig => ({ id: u.id, host: "127.0.0.1", port: u.port, revision });

export function cluster(serviceId: string, endpoints: EndpointConfig[], settings: TrafficSettingsInput = {}): ClusterConfig {
  return { serviceId, serviceName: serviceId, endpoints, settings: trafficSettings.parse(settings) };
}

export { freePort };

/** A ProxyServer with one listener per service on free ports; `port(serviceId)` finds them. Listeners given with port 0 get a free one. */
export async function proxyFor(clusters: ClusterConfig[], extra: { listeners?: ListenerConfig[]; routes?: IngressRoute[] } = {}) {
  const logs: string[] = [];
  const proxy = new ProxyServer((level, message) => logs.push(`${level}: ${message}`));
  const wanted: ListenerConfig[] = [...clusters.map((c) => ({ kind: "service" as const, port: 0, serviceId: c.serviceId })), ...(extra.listeners ?? [])];
  const listeners: ListenerConfig[] = [];
  for (const listener of wanted) listeners.push(listener.port === 0 ? { ...listener, port: await freePort() } : listener);
  let config: DataPlaneConfig = { host: "127.0.0.1", clusters, listeners, routes: extra.routes ?? [] };
  proxy.apply(config);
  for (let i = 0; i < 100 && !proxy.stats().listeners.every((l) => l.bound); i++) await new Promise((r) => setTimeout(r, 5));
  const port = (key: string) => proxy.stats().listeners.find((l) => l.key === key || l.key === `service:${key}`)!.port;
  return {
    proxy,
    logs,
    port,
    url: (serviceId: string, path = "/") => `http://127.0.0.1:${port(serviceId)}${path}`,
    /** Replaces the clusters (listeners stay on their ports). */
    update(next: ClusterConfig[]) {
      config = { ...config, clusters: next };
      proxy.apply(config);
    },
  };
}

/** What came back for raw bytes, and whether the proxy closed the connection (rather than the wait running out). */
export type RawAnswer = { text: string; closed: boolean };

/**
 * Sends raw bytes (strings as latin1) — one write, or pieces `gapMs` apart so they arrive as
 * separate reads — optionally ends its side after them, and collects everything that comes back
 * until the server closes or `ms` pass.
 */
export function rawConversation(port: number, payload: string | Buffer | Array<string | Buffer>, ms = 1000, options: { halfClose?: boolean; gapMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    let text = "";
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("close", () => done(true));
    socket.on("error", () => done(true));
    const send = async () => {
      const pieces = Array.isArray(payload) ? payload : [payload];
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, options.gapMs ?? 1));
        const piece = pieces[i]!;
        socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
      }
      if (options.halfClose) socket.end();
    };
    void send();
  });
}

/** Sends raw bytes and collects everything that comes back until the server closes or `ms` pass. */
export async function rawExchange(port: number, payload: string | Buffer, ms = 1000): Promise<string> {
  return (await rawConversation(port, payload, ms)).text;
}

/** GET through a keep-alive agent; resolves with status, headers and body. */
export function get(url: string, options: { agent?: http.Agent; headers?: Record<string, string>; method?: string; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(url, { agent: options.agent, headers: options.headers, method: options.method ?? "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
