import type { TrafficSettings } from "../../contracts/traffic";
import { balancers, type Balancer, type Endpoint } from "./balancers";
import { newCounters } from "./counters";
import type { ClusterConfig, EndpointConfig } from "./types";
import type { UpstreamConnection } from "./upstream-connection";

const RETRY_BUDGET = { capacity: 100, perRequest: 0.2, perSecond: 10 };

/** An upstream instance as the proxy keeps it: pooled connections, load, outlier state, counters. */
export class UpstreamEndpoint implements Endpoint {
  active = 0;
  weight = 1;
  /** Idle keep-alive connections, most recently used last (reused first: warm, least likely closed). */
  readonly idle: UpstreamConnection[] = [];
  consecutiveErrors = 0;
  ejectedUntil = 0;
  ejections = 0;
  /** When it last sent a response head (performance clock): a hung instance stops doing so. */
  answeredAt = 0;
  /** Its answeredAt when it was found hung: hung until it answers again. */
  hungSinceAnswer = -1;
  /** Out of rotation: being stopped, or gone from the configuration with requests still running. */
  draining = false;
  readonly counters = newCounters();

  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
    readonly revision: number,
  ) {}

  usable(now: number): boolean {
    return !this.draining && this.ejectedUntil <= now;
  }
}

/**
 * A service as traffic sees it: its ready endpoints, the balancer over them, and the limits
 * (circuit breaking, retry budget, outlier ejection) shared by every listener that targets it.
 */
export class Cluster {
  endpoints: UpstreamEndpoint[] = [];
  balancer: Balancer;
  settings: TrafficSettings;
  serviceName: string;
  inFlight = 0;
  /** When any of its instances last sent a response head. */
  answeredAt = 0;
  /** Every request to this service, from any listener, including those the proxy answered itself. */
  readonly counters = newCounters();
  private retryTokens = RETRY_BUDGET.capacity;
  private tokensAt = 0;
  /** Requests waiting for room under maxConnections (circuit breaking). */
  readonly waiting: Array<{ start(): void; readonly finished: boolean }> = [];

  constructor(
    readonly serviceId: string,
    config: ClusterConfig,
    private readonly onRemoved: (endpoint: UpstreamEndpoint) => void,
  ) {
    this.settings = config.settings;
    this.serviceName = config.serviceName;
    this.balancer = balancers[config.settings.policy]([], config.settings);
    this.update(config);
  }

  /** Applies a new endpoint set and settings, keeping the pools and state of endpoints that stay. */
  update(config: ClusterConfig): void {
    this.settings = config.settings;
    this.serviceName = config.serviceName;
    const byId = new Map(this.endpoints.map((e) => [e.id, e]));
    const next: UpstreamEndpoint[] = [];
    for (const wanted of config.endpoints) {
      const existing = byId.get(wanted.id);
      byId.delete(wanted.id);
      const endpoint = existing && sameAddress(existing, wanted) ? existing : new UpstreamEndpoint(wanted.id, wanted.host, wanted.port, wanted.revision);
      endpoint.weight = weightOf(endpoint, config.settings);
      next.push(endpoint);
    }
    for (const gone of byId.values()) this.onRemoved(gone);
    this.endpoints = next;
    this.balancer = balancers[config.settings.policy](next, config.settings);
  }

  find(id: string): UpstreamEndpoint | undefined {
    return this.endpoints.find((e) => e.id === id);
  }

  /** Ejects after too many consecutive errors, unless that would eject more than the allowed share. */
  recordOutcome(endpoint: UpstreamEndpoint, failed: boolean, now: number): void {
    if (!failed) {
      endpoint.consecutiveErrors = 0;
      return;
    }
    const { consecutiveErrors, baseEjectionSeconds, maxEjectionPercent } = this.settings.outlier;
    if (++endpoint.consecutiveErrors < consecutiveErrors || endpoint.ejectedUntil > now) return;
    const ejected = this.endpoints.filter((e) => e.ejectedUntil > now).length;
    if (((ejected + 1) / this.endpoints.length) * 100 > maxEjectionPercent) return;
    endpoint.ejections++;
    endpoint.ejectedUntil = now + baseEjectionSeconds * 1000 * endpoint.ejections;
    endpoint.consecutiveErrors = 0;
  }

  requestStarted(): void {
    this.inFlight++;
    this.retryTokens = Math.min(RETRY_BUDGET.capacity, this.retryTokens + RETRY_BUDGET.perRequest);
  }

  /**
   * Retry budget, as Linkerd's: retries may add a fifth to the requests, plus 10 per second, with
   * a bucket of 100 for bursts — an instance dying with many requests in flight is covered, a
   * whole service failing doesn't turn every request into three.
   */
  retryAllowed(now: number): boolean {
    this.retryTokens = Math.min(RETRY_BUDGET.capacity, this.retryTokens + ((now - this.tokensAt) / 1000) * RETRY_BUDGET.perSecond);
    this.tokensAt = now;
    return this.retryTokens >= 1;
  }

  retryTaken(): void {
    this.retryTokens -= 1;
  }
}

function sameAddress(endpoint: UpstreamEndpoint, config: EndpointConfig): boolean {
  return endpoint.host === config.host && endpoint.port === config.port && endpoint.revision === config.revision;
}

function weightOf(endpoint: UpstreamEndpoint, settings: TrafficSettings): number {
  return settings.weights.instances[endpoint.id] ?? settings.weights.revisions[String(endpoint.revision)] ?? 1;
}
