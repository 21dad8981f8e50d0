import type { Route, TrafficSettings } from "../../contracts/traffic";

/** A ready instance traffic may go to. */
export type EndpointConfig = { id: string; host: string; port: number; revision: number };

/** A service as a destination of traffic. */
export type ClusterConfig = { serviceId: string; serviceName: string; endpoints: EndpointConfig[]; settings: TrafficSettings };

export type ListenerConfig =
  /** The service's own stable address. */
  | { kind: "service"; port: number; serviceId: string }
  /** A dependency edge from → to: the address `from`'s instances get as TO_URL. */
  | { kind: "edge"; port: number; edgeId: string; fromId: string; toId: string }
  /** The gateway: routes by host and path prefix. */
  | { kind: "ingress"; port: number };

export type IngressRoute = Route & { serviceId: string };

/** Everything the data plane needs, sent whole whenever something changes. */
export type DataPlaneConfig = {
  host: string;
  clusters: ClusterConfig[];
  listeners: ListenerConfig[];
  routes: IngressRoute[];
};

export const statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
export type StatusClass = (typeof statusClasses)[number];

/** Upper bounds (seconds) of the request latency histogram, Prometheus style. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Cumulative counters since the data plane started; the main thread turns them into metrics. */
export type TrafficCounters = {
  requests: Record<StatusClass, number>;
  /** Per bucket of latencyBuckets, plus one for +Inf; not cumulative. */
  latency: number[];
  latencySum: number;
  inFlight: number;
};

export type ListenerStats = { key: string; listener: ListenerConfig; port: number; bound: boolean; error: string | null; counters: TrafficCounters };
export type EndpointStats = { serviceId: string; instanceId: string; counters: TrafficCounters; ejected: boolean };
export type ServiceStats = { serviceId: string; counters: TrafficCounters };
export type DataPlaneStats = { listeners: ListenerStats[]; services: ServiceStats[]; endpoints: EndpointStats[] };

/** Messages between the engine and the data plane worker. */
export type ToDataPlane = { type: "config"; config: DataPlaneConfig } | { type: "drain"; instanceId: string; requestId: number } | { type: "stats"; requestId: number };
export type FromDataPlane =
  /** Its message handler is in place: messages sent before this would have been lost. */
  | { type: "ready" }
  | { type: "drained"; requestId: number }
  | { type: "stats"; requestId: number; stats: DataPlaneStats }
  | { type: "listener"; key: string; bound: boolean; error: string | null }
  | { type: "log"; level: "warn" | "error"; message: string; context?: Record<string, unknown> };
