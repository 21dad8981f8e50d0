import type { Route, TrafficSettings } from "../../contracts/traffic";
import type { FaultConfig } from "./faults";

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
  /** Chaos injected by operators (absent from a Gantry that predates it: none). */
  faults?: FaultConfig[];
};

export const statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
export type StatusClass = (typeof statusClasses)[number];

/** Upper bounds (seconds) of the request latency histogram, Prometheus style. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** What a `tcp` listener counts (an `http` one leaves them at zero): connections and the bytes through them. */
export type ConnectionCounters = {
  /** Connections made to an instance (not those refused or never connected). */
  total: number;
  /** A gauge: connections open right now. */
  open: number;
  /** From clients to instances. */
  bytesIn: number;
  /** From instances to clients. */
  bytesOut: number;
  /** Attempts to connect to an instance that failed or timed out (each retried on another if one is left). */
  connectErrors: number;
};

/** Cumulative counters since the data plane started; Gantry's main process turns them into metrics. */
export type TrafficCounters = {
  requests: Record<StatusClass, number>;
  /** Per bucket of latencyBuckets, plus one for +Inf; not cumulative. */
  latency: number[];
  latencySum: number;
  inFlight: number;
  connections: ConnectionCounters;
};

export type ListenerStats = { key: string; listener: ListenerConfig; port: number; bound: boolean; error: string | null; counters: TrafficCounters };
export type EndpointStats = { serviceId: string; instanceId: string; counters: TrafficCounters; ejected: boolean };
export type ServiceStats = { serviceId: string; counters: TrafficCounters };
export type DataPlaneStats = { listeners: ListenerStats[]; services: ServiceStats[]; endpoints: EndpointStats[] };

/** What counters and messages call a listener (listeners themselves are kept by port). */
export const listenerKey = (l: ListenerConfig) => (l.kind === "edge" ? `edge:${l.edgeId}` : l.kind === "service" ? `service:${l.serviceId}` : "ingress");

/**
 * How to start a data plane. The engine starts one this way, and sends it to a data plane of
 * another build it replaces, which starts it as its successor so the listening sockets pass by
 * inheritance (see control/successor.ts). Part of the handshake: never changes shape.
 */
export type LaunchSpec = { command: string; args: string[]; env: Record<string, string>; cwd: string; logFile: string };

/** The version of the messages below: bump it when one other than the handshake changes shape. */
export const CONTROL_PROTOCOL = 1;

/** Requests the data plane passes on to each proxy worker, gathering their answers. */
type WorkerRequest = { type: "drain"; instanceId: string; requestId: number } | { type: "stats"; requestId: number };

/** What proxy workers answer or report, passed on to Gantry (stats merged). */
type WorkerReport =
  | { type: "drained"; requestId: number }
  | { type: "stats"; requestId: number; stats: DataPlaneStats }
  | { type: "listener"; key: string; bound: boolean; error: string | null }
  | { type: "log"; level: "warn" | "error"; message: string; context?: Record<string, unknown> };

/**
 * Messages from the engine to the data plane, over its control socket. `hello`, `handover` and
 * `retire` (and their answers) are the handshake: any later Gantry must be able to replace any
 * earlier data plane, so they never change shape. The others may change with CONTROL_PROTOCOL.
 */
export type ToDataPlane =
  | { type: "hello"; protocol: number; build: string }
  /** Start `successor` with our listening sockets, then keep serving until told to retire. */
  | { type: "handover"; successor: LaunchSpec }
  /** Stop accepting, finish the requests in flight, exit. */
  | { type: "retire" }
  | { type: "config"; config: DataPlaneConfig }
  | WorkerRequest;

export type FromDataPlane =
  | { type: "welcome"; protocol: number; build: string; pid: number }
  | { type: "successor"; pid: number }
  /** A proxy worker accepts connections (sent once per controller). */
  | { type: "ready" }
  | WorkerReport;

/** Listening sockets a data plane inherited from the one it replaces: port → file descriptor in its primary. */
export type InheritedSockets = Record<number, number>;

/** Messages from the data plane's primary to its proxy workers. */
export type ToProxyWorker =
  /** `inherited`: listeners to open on these sockets (the primary's descriptors) rather than bind anew. */
  | { type: "config"; config: DataPlaneConfig; inherited: InheritedSockets }
  | WorkerRequest
  /** `quietMs`: see ClientConnection.retire. */
  | { type: "retire"; requestId: number; quietMs: number };

export type FromProxyWorker =
  /** Its message handler is in place: messages sent before this would have been lost. */
  | { type: "ready" }
  | WorkerReport
  /** Listeners closed and every client connection gone. */
  | { type: "retired"; requestId: number };
