import type http2 from "node:http2";
import net from "node:net";
import { ClientConnection, type ClientHost } from "./client-connection";
import { Cluster, type UpstreamEndpoint } from "./cluster";
import { newCounters } from "./counters";
import { Exchange, type ExchangeContext, type Target } from "./exchange";
import { H2Exchange } from "./h2/h2-exchange";
import { H2Front } from "./h2/h2-front";
import { H2Upstreams } from "./h2/h2-upstreams";
import { Faults } from "./faults";
import type { RequestHead } from "./http/head";
import { matchRoute } from "./router";
import { TcpSession, type TcpSessionHost } from "./tcp-session";
import { listenerKey, type DataPlaneConfig, type DataPlaneStats, type EndpointStats, type IngressRoute, type InheritedSockets, type ListenerConfig, type TrafficCounters } from "./types";
import { UpstreamConnection, type ResponseSink } from "./upstream-connection";

const SWEEP_MS = 100;
const POOL_IDLE_MS = 4000; // under Node's default 5 s keep-alive timeout, so we close first
const MAX_IDLE_PER_ENDPOINT = 256;
const CLIENT_IDLE_MS = 120_000;
const HEAD_TIMEOUT_MS = 10_000;
const REBIND_MS = 2000;

export type ProxyLog = (level: "warn" | "error", message: string, context?: Record<string, unknown>) => void;

/** One listening port and the counters of what came through it. */
class ProxyListener implements ClientHost, TcpSessionHost {
  readonly counters = newCounters();
  readonly listenerCounters = this.counters.connections;
  private readonly sessions = new Set<TcpSession>();
  private readonly context: ExchangeContext;
  private readonly clients = new Set<ClientConnection>();
  /** For `http2`/`grpc` services; made when the first such connection comes. */
  private h2: H2Front | undefined;
  server: net.Server | null = null;
  bound = false;
  /** The port actually bound (differs from the configured one only when that is 0, in tests). */
  boundPort = 0;
  error: string | null = null;
  private rebind: NodeJS.Timeout | undefined;

  constructor(
    public config: ListenerConfig,
    private readonly proxy: ProxyServer,
    private readonly host: string,
    /** A socket inherited from the data plane this one replaced, already bound to the port (and accepting). */
    private inherited: number | undefined,
  ) {
    this.context = proxy.contextFor([this.counters]);
    this.listen();
  }

  get key(): string {
    return listenerKey(this.config);
  }

  begin(client: ClientConnection, head: RequestHead): Exchange | null {
    const target = this.proxy.resolve(this.config, head);
    if ("status" in target) {
      client.reject(target.status, target.reason, target.message, head.keepAlive && head.framing.kind === "none", head.method);
      return null;
    }
    return new Exchange(client, head, target, this.context, this.proxy.faults.pick(this.key));
  }

  admit(exchange: Exchange): void {
    this.proxy.admit(exchange);
  }

  clientClosed(client: ClientConnection): void {
    this.clients.delete(client);
    this.proxy.clients.delete(client);
  }

  sessionClosed(session: TcpSession): void {
    this.sessions.delete(session);
    this.proxy.sessions.delete(session);
  }

  /**
   * Stops listening; its clients are retired (see ClientConnection.retire). TCP connections, like
   * upgraded HTTP ones, are left to end by themselves when another data plane takes the port over
   * (`quietMs` > 0); otherwise nobody serves them any more and they end now.
   */
  close(quietMs = 0): void {
    clearTimeout(this.rebind);
    this.server?.close();
    this.server = null;
    for (const client of this.clients) client.retire(quietMs);
    this.h2?.close();
    if (quietMs === 0) for (const session of this.sessions) session.destroy();
  }

  destroy(): void {
    this.close();
    this.h2?.destroy();
  }

  private accept(socket: net.Socket): void {
    const cluster = this.proxy.streamClusterOf(this.config);
    if (cluster && cluster.settings.protocol !== "tcp") {
      this.h2 ??= new H2Front({
        stream: (stream, headers, clientIp) => this.h2Stream(stream, headers, clientIp),
        opened: (session) => this.proxy.h2Sessions.add(session),
        closed: (session) => this.proxy.h2Sessions.delete(session),
      });
      this.h2.accept(socket);
    } else if (cluster) {
      const session = new TcpSession(socket, cluster, this, this.proxy.faults.pick(this.key));
      if (session.client.destroyed) return;
      this.sessions.add(session);
      this.proxy.sessions.add(session);
    } else {
      const client = new ClientConnection(socket, this);
      this.clients.add(client);
      this.proxy.clients.add(client);
    }
  }

  /** A stream is balanced on its own: the cluster is looked up again, as the listener may point elsewhere by now. */
  private h2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, clientIp: string): void {
    const cluster = this.proxy.streamClusterOf(this.config);
    if (!cluster || cluster.settings.protocol === "tcp") {
      stream.respond({ ":status": 503, "content-type": "text/plain; charset=utf-8" });
      stream.end(`this listener no longer serves an HTTP/2 service\n`);
      return;
    }
    new H2Exchange(stream, headers, cluster, { upstreams: this.proxy.h2Upstreams, counters: [this.counters] }, clientIp).start(this.proxy.faults.pick(this.key));
  }

  private listen(): void {
    // Half-open: a client may end its side once its requests are sent and still be answered (RFC 9112 §9.6).
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
    server.maxConnections = 10_000;
    server.once("error", (err: NodeJS.ErrnoException) => {
      this.bound = false;
      this.error = `cannot listen on ${this.host}:${this.config.port}${this.inherited === undefined ? "" : " (inherited socket)"}: ${err.code ?? err.message}`;
      this.proxy.report(this);
      // Something else holds the port (maybe briefly): keep trying, binding anew.
      this.inherited = undefined;
      this.rebind = setTimeout(() => this.listen(), REBIND_MS);
    });
    const listening = () => {
      this.server = server;
      this.bound = true;
      this.boundPort = (server.address() as net.AddressInfo).port;
      this.error = null;
      this.proxy.report(this);
    };
    if (this.inherited === undefined) server.listen({ host: this.host, port: this.config.port }, listening);
    else server.listen({ fd: this.inherited }, listening);
  }
}

/**
 * The data plane: every listener, every cluster, the upstream connection pools, timeouts and
 * draining. It runs in the data plane process or its proxy workers (see serve-proxy.ts) but has no
 * process-specific code, so tests drive it directly.
 */
export class ProxyServer {
  readonly clients = new Set<ClientConnection>();
  /** Connections of `tcp` listeners. */
  readonly sessions = new Set<TcpSession>();
  /** Client connections of `http2`/`grpc` listeners. */
  readonly h2Sessions = new Set<http2.ServerHttp2Session>();
  /** Connections to instances of `http2`/`grpc` services, shared by all listeners. */
  readonly h2Upstreams = new H2Upstreams();
  readonly faults = new Faults();
  private readonly clusters = new Map<string, Cluster>();
  /** By port: a port that passes to another service keeps its socket and just changes target. */
  private readonly listeners = new Map<number, ProxyListener>();
  /** Endpoints that left their cluster while requests to them were still running. */
  private readonly orphans = new Map<string, UpstreamEndpoint>();
  private readonly connecting = new Set<UpstreamConnection>();
  private readonly drainWaiters = new Map<string, Array<() => void>>();
  private routes: IngressRoute[] = [];
  private host = "127.0.0.1";
  private readonly sweeper: NodeJS.Timeout;
  /** Set once retiring: resolves retire() when the last client connection is gone (harmless to call again). */
  private retired: (() => void) | undefined;

  constructor(
    private readonly log: ProxyLog,
    private readonly onListener: (listener: { key: string; bound: boolean; error: string | null }) => void = () => {},
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * Applies a whole configuration, keeping what stays (pools, counters, bound ports). A new
   * listener opens on its inherited socket if there is one.
   */
  apply(config: DataPlaneConfig, inherited: InheritedSockets = {}): void {
    if (this.retired) return; // retiring: no listener opens again
    this.host = config.host;
    this.routes = config.routes;
    this.faults.apply(config.faults);
    const wanted = new Set<string>();
    for (const clusterConfig of config.clusters) {
      wanted.add(clusterConfig.serviceId);
      const existing = this.clusters.get(clusterConfig.serviceId);
      if (existing) existing.update(clusterConfig);
      else this.clusters.set(clusterConfig.serviceId, new Cluster(clusterConfig.serviceId, clusterConfig, (e) => this.retireEndpoint(e)));
    }
    for (const [id, cluster] of this.clusters) {
      if (wanted.has(id)) continue;
      cluster.update({ ...clusterConfigOf(cluster), endpoints: [] });
      this.clusters.delete(id);
    }

    const listeners = new Map(config.listeners.map((l) => [l.port, l]));
    for (const [port, listener] of this.listeners) {
      const next = listeners.get(port);
      if (next) listener.config = next;
      else {
        listener.close();
        this.listeners.delete(port);
      }
    }
    for (const [port, listener] of listeners) if (!this.listeners.has(port)) this.listeners.set(port, new ProxyListener(listener, this, this.host, inherited[port]));
  }

  /**
   * Stops accepting (another data plane accepts on the same sockets, or Gantry is stopping) and
   * resolves once every client connection is gone: requests in flight finish, keep-alive clients
   * are told to go (see ClientConnection.retire for `quietMs`).
   */
  retire(quietMs: number): Promise<void> {
    for (const listener of this.listeners.values()) listener.close(quietMs);
    this.listeners.clear();
    return new Promise((resolve) => {
      this.retired = resolve;
      if (this.idle) resolve();
    });
  }

  /** Takes an instance out of rotation and resolves once no request to it is in flight. */
  drain(instanceId: string): Promise<void> {
    const endpoint = this.endpoint(instanceId);
    if (!endpoint) return Promise.resolve();
    endpoint.draining = true;
    this.closeIdle(endpoint);
    if (endpoint.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.drainWaiters.get(instanceId) ?? [];
      waiters.push(resolve);
      this.drainWaiters.set(instanceId, waiters);
    });
  }

  stats(): DataPlaneStats {
    for (const session of this.sessions) session.countBytes();
    const endpoints: EndpointStats[] = [];
    const now = performance.now();
    for (const cluster of this.clusters.values()) {
      cluster.counters.inFlight = cluster.inFlight;
      for (const e of cluster.endpoints) endpoints.push({ serviceId: cluster.serviceId, instanceId: e.id, counters: { ...e.counters, inFlight: e.active }, ejected: e.ejectedUntil > now });
    }
    return {
      services: [...this.clusters.values()].map((c) => ({ serviceId: c.serviceId, counters: c.counters })),
      listeners: [...this.listeners.values()].map((l) => ({ key: l.key, listener: l.config, port: l.boundPort, bound: l.bound, error: l.error, counters: l.counters })),
      endpoints,
    };
  }

  private get idle(): boolean {
    return this.clients.size === 0 && this.sessions.size === 0 && this.h2Sessions.size === 0;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const listener of this.listeners.values()) listener.destroy();
    this.h2Upstreams.close();
    for (const client of this.clients) client.socket.destroy();
    for (const session of this.sessions) session.destroy();
    for (const cluster of this.clusters.values()) for (const e of cluster.endpoints) this.closeIdle(e);
    for (const connection of this.connecting) connection.destroy();
  }

  // Used by listeners and exchanges:

  contextFor(counters: TrafficCounters[]): ExchangeContext {
    return {
      now: () => performance.now(),
      acquire: (endpoint, sink) => this.acquire(endpoint, sink),
      release: (connection, reusable) => this.release(connection, reusable),
      ended: (_exchange, cluster) => this.ended(cluster),
      counters,
    };
  }

  /**
   * The cluster behind a listener whose connections aren't HTTP/1.1 — a `tcp` service's (connections
   * piped) or an `http2`/`grpc` one's (streams balanced one by one). The ingress routes HTTP/1.1 only.
   */
  streamClusterOf(listener: ListenerConfig): Cluster | undefined {
    if (listener.kind === "ingress") return undefined;
    const cluster = this.clusters.get(listener.kind === "service" ? listener.serviceId : listener.toId);
    return cluster && cluster.settings.protocol !== "http" ? cluster : undefined;
  }

  resolve(listener: ListenerConfig, head: RequestHead): Target | { status: number; reason: string; message: string } {
    let serviceId: string;
    let path = head.target;
    if (listener.kind === "service") serviceId = listener.serviceId;
    else if (listener.kind === "edge") serviceId = listener.toId;
    else {
      const match = matchRoute(this.routes, head.host, head.target);
      if (!match) return { status: 404, reason: "Not Found", message: `no route for host ${head.host ?? "(none)"} and path ${head.target.split("?")[0]}` };
      serviceId = match.serviceId;
      path = match.path;
    }
    const cluster = this.clusters.get(serviceId);
    if (!cluster) return { status: 503, reason: "Service Unavailable", message: `service ${serviceId} is not known to the proxy` };
    if (cluster.settings.protocol !== "http") return { status: 502, reason: "Bad Gateway", message: `service ${cluster.serviceName} speaks ${cluster.settings.protocol}: the ingress routes HTTP/1.1 services only; call it on its own listener` };
    return { cluster, path };
  }

  /** Circuit breaking: run now, wait for room, or refuse. */
  admit(exchange: Exchange): void {
    const cluster = exchange.cluster;
    if (cluster.inFlight < cluster.settings.maxConnections) return exchange.start();
    if (cluster.waiting.length < cluster.settings.maxPendingRequests) {
      cluster.waiting.push(exchange);
      return;
    }
    exchange.overloaded();
  }

  report(listener: ProxyListener): void {
    if (listener.error) this.log("warn", listener.error, { listener: listener.key });
    this.onListener({ key: listener.key, bound: listener.bound, error: listener.error });
  }

  private ended(cluster: Cluster): void {
    while (cluster.waiting.length > 0 && cluster.inFlight < cluster.settings.maxConnections) {
      const next = cluster.waiting.shift()!;
      if (!next.finished) next.start();
    }
  }

  private acquire(endpoint: UpstreamEndpoint, sink: ResponseSink): void {
    for (let connection = endpoint.idle.pop(); connection; connection = endpoint.idle.pop()) {
      if (!connection.socket.destroyed) return connection.assign(sink);
    }
    const connection = new UpstreamConnection(endpoint, performance.now());
    this.connecting.add(connection);
    connection.socket.once("connect", () => this.connecting.delete(connection));
    connection.socket.once("close", () => this.connecting.delete(connection));
    connection.assign(sink);
  }

  private release(connection: UpstreamConnection, reusable: boolean): void {
    const endpoint = connection.endpoint;
    if (reusable && !endpoint.draining && !connection.socket.destroyed && endpoint.idle.length < MAX_IDLE_PER_ENDPOINT) {
      connection.sink = null;
      connection.idleSince = performance.now();
      endpoint.idle.push(connection);
    } else connection.destroy();
  }

  private endpoint(instanceId: string): UpstreamEndpoint | undefined {
    for (const cluster of this.clusters.values()) {
      const found = cluster.find(instanceId);
      if (found) return found;
    }
    return this.orphans.get(instanceId);
  }

  /** An endpoint left its cluster: no new requests; running ones finish. */
  private retireEndpoint(endpoint: UpstreamEndpoint): void {
    endpoint.draining = true;
    this.closeIdle(endpoint);
    if (endpoint.active > 0) this.orphans.set(endpoint.id, endpoint);
  }

  private closeIdle(endpoint: UpstreamEndpoint): void {
    for (const connection of endpoint.idle.splice(0)) connection.destroy();
  }

  /** Timeouts and housekeeping, on one timer instead of one per request. */
  private sweep(): void {
    try {
      const now = performance.now();
      for (const client of this.clients) {
        const exchange = client.exchange;
        if (exchange) {
          if (now > exchange.deadline) exchange.timedOut();
          else if (now > exchange.tryDeadline || exchange.waitsOnHung(now)) exchange.tryTimedOut();
        } else if (client.headSince > 0 && now - client.headSince > HEAD_TIMEOUT_MS) {
          client.reject(408, "Request Timeout", `request head not received within ${HEAD_TIMEOUT_MS / 1000} s`, false);
        } else if (now - client.lastActivity > CLIENT_IDLE_MS) client.close();
        else client.closeIfQuiet(now);
      }
      if (this.retired && this.idle) this.retired();
      this.h2Upstreams.sweep(now);
      for (const connection of this.connecting) {
        const sink = connection.sink;
        const timeout = sink instanceof Exchange ? sink.cluster.settings.connectTimeoutMs : 10_000;
        if (now - connection.openedAt > timeout) {
          this.connecting.delete(connection);
          connection.connectTimedOut(timeout);
        }
      }
      for (const cluster of this.clusters.values()) for (const endpoint of cluster.endpoints) this.pruneIdle(endpoint, now);
      for (const [id, endpoint] of this.orphans) if (endpoint.active === 0) this.orphans.delete(id);
      for (const [id, waiters] of this.drainWaiters) {
        const endpoint = this.endpoint(id);
        if (endpoint && endpoint.active > 0) continue;
        this.drainWaiters.delete(id);
        for (const resolve of waiters) resolve();
      }
    } catch (err) {
      this.log("error", `proxy sweep failed: ${String(err)}`);
    }
  }

  private pruneIdle(endpoint: UpstreamEndpoint, now: number): void {
    const idle = endpoint.idle;
    // Oldest first: stop at the first one still fresh.
    let expired = 0;
    while (expired < idle.length && (idle[expired]!.socket.destroyed || now - idle[expired]!.idleSince > POOL_IDLE_MS)) expired++;
    for (const connection of idle.splice(0, expired)) connection.destroy();
  }
}

function clusterConfigOf(cluster: Cluster) {
  return { serviceId: cluster.serviceId, serviceName: cluster.serviceName, endpoints: [], settings: cluster.settings };
}
