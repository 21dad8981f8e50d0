import net from "node:net";
import { pipeline } from "node:stream";
import type { Fault } from "../../contracts/chaos";
import type { Endpoint, PickRequest } from "./balancers";
import type { Cluster, UpstreamEndpoint } from "./cluster";
import type { ConnectionCounters } from "./types";

/** What a TCP session needs of the proxy: where to count, and to be told when it is gone. */
export type TcpSessionHost = {
  /** Counters of the listener it came through (the service's own, or an edge's). */
  readonly listenerCounters: ConnectionCounters;
  sessionClosed(session: TcpSession): void;
};

/**
 * The endpoint a new connection goes to: the service's balancer, keyed on the client address for
 * ring hash (a connection has no headers), over endpoints not draining, ejected or already tried.
 * `active` counts open connections here, so least_request balances on connections.
 */
export function pickEndpoint(cluster: Cluster, clientIp: string, tried: ReadonlySet<Endpoint>, now: number): UpstreamEndpoint | undefined {
  const request: PickRequest = {
    clientIp,
    header: () => undefined,
    excludes: (endpoint) => tried.has(endpoint) || !(endpoint as UpstreamEndpoint).usable(now),
  };
  return cluster.balancer.pick(request) as UpstreamEndpoint | undefined;
}

/**
 * One client connection to a `tcp` listener (L4): connects to a ready instance (another one on a
 * failed or timed-out connect, up to the service's retries), then pipes bytes both ways with
 * backpressure. An end from one side ends the other's writing side (half-close); an error or a
 * reset on either side destroys both.
 */
export class TcpSession {
  upstream: net.Socket | null = null;
  endpoint: UpstreamEndpoint | null = null;
  private readonly tried = new Set<Endpoint>();
  private connectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private opened = false;
  private countedIn = 0;
  private countedOut = 0;

  constructor(
    readonly client: net.Socket,
    private readonly cluster: Cluster,
    private readonly host: TcpSessionHost,
    /** Chaos: a delayed connect, or (abort, or an error, which a connection can't carry) the client reset. */
    fault?: Fault,
  ) {
    client.setNoDelay(true);
    // Until an upstream is chosen, hold what the client sends (pipe takes over from there).
    client.pause();
    client.on("error", () => this.destroy());
    client.once("close", () => {
      if (!this.upstream) this.destroy();
    });
    if (cluster.counters.connections.open >= cluster.settings.maxConnections || (fault && fault.kind !== "latency")) {
      if (fault) client.resetAndDestroy(); // an injected reset: RST, not a polite close
      this.destroy(); // circuit breaking: at the limit, refuse rather than queue
      return;
    }
    if (fault) this.connectTimer = setTimeout(() => this.connect(), fault.ms);
    else this.connect();
  }

  /** Ends both sides now (removed listener, proxy shutting down). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.client.destroy();
    this.upstream?.destroy();
    if (this.opened) this.countClosed();
    this.host.sessionClosed(this);
  }

  private counters(): ConnectionCounters[] {
    return [this.host.listenerCounters, this.cluster.counters.connections, this.endpoint!.counters.connections];
  }

  private connect(): void {
    if (this.closed) return;
    const now = performance.now();
    const endpoint = pickEndpoint(this.cluster, this.client.remoteAddress ?? "", this.tried, now);
    if (!endpoint || this.tried.size > this.cluster.settings.retries) {
      this.destroy(); // nothing ready (or every try failed): the client sees its connection closed
      return;
    }
    this.tried.add(endpoint);
    const upstream = net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, noDelay: true });
    let gaveUp = false;
    const failed = () => {
      if (gaveUp) return;
      gaveUp = true;
      clearTimeout(this.connectTimer);
      upstream.destroy();
      for (const c of [this.host.listenerCounters, this.cluster.counters.connections, endpoint.counters.connections]) c.connectErrors++;
      this.cluster.recordOutcome(endpoint, true, performance.now());
      this.connect();
    };
    upstream.once("error", failed);
    this.connectTimer = setTimeout(failed, this.cluster.settings.connectTimeoutMs);
    upstream.once("connect", () => {
      clearTimeout(this.connectTimer);
      upstream.off("error", failed);
      if (this.closed) {
        upstream.destroy();
        return;
      }
      this.cluster.recordOutcome(endpoint, false, performance.now());
      this.open(upstream, endpoint);
    });
  }

  private open(upstream: net.Socket, endpoint: UpstreamEndpoint): void {
    this.upstream = upstream;
    this.endpoint = endpoint;
    this.opened = true;
    endpoint.active++;
    for (const c of this.counters()) {
      c.total++;
      c.open++;
    }
    // pipeline ends the destination when the source ends (half-close) and destroys both on an error
    // or a close before the end (a reset). The session is over once both sockets are closed.
    let done = 0;
    const finished = (err: NodeJS.ErrnoException | null) => {
      if (err) this.destroy();
      else if (++done === 2) this.destroy();
    };
    pipeline(this.client, upstream, finished);
    pipeline(upstream, this.client, finished);
    this.client.resume();
  }

  /**
   * Adds the bytes moved since the last call to the counters. Read from the sockets' own totals when
   * counters are asked for (and at the end), not per chunk: the hot path stays a plain pipe.
   */
  countBytes(): void {
    if (!this.opened) return;
    const bytesIn = this.client.bytesRead - this.countedIn;
    const bytesOut = this.client.bytesWritten - this.countedOut;
    if (bytesIn === 0 && bytesOut === 0) return;
    this.countedIn += bytesIn;
    this.countedOut += bytesOut;
    for (const c of this.counters()) {
      c.bytesIn += bytesIn;
      c.bytesOut += bytesOut;
    }
  }

  private countClosed(): void {
    this.countBytes();
    this.endpoint!.active--;
    for (const c of this.counters()) c.open--;
  }
}
