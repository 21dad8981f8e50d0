import { isDeepStrictEqual } from "node:util";
import type { TrafficSettings } from "../../contracts/traffic";
import type { Logger } from "../../lib/logger";
import type { InstanceHook } from "../supervisor/instance-hooks";
import type { EngineEvent } from "../types";
import type { FaultConfig } from "./faults";
import type { DataPlaneConfig, DataPlaneStats, EndpointConfig } from "./types";

/** The desired traffic layout, as the store holds it. */
export type TrafficTopology = {
  services: Array<{ id: string; name: string; listenPort: number | null; traffic: TrafficSettings }>;
  dependencies: Array<{ id: string; fromId: string; toId: string; port: number | null }>;
};

/** What the controller needs of the data plane (a process tree in production, a recorder in tests). */
/** A listener the data plane bound, or why it could not. */
export type ListenerReport = { key: string; bound: boolean; error: string | null };

export interface DataPlanePort {
  /** Resolves once it accepts connections (on the listeners of the configuration sent so far). */
  start(): Promise<void>;
  onListener(listener: (report: ListenerReport) => void): () => void;
  configure(config: DataPlaneConfig): void;
  drain(instanceId: string, timeoutMs: number): Promise<void>;
  stats(): Promise<DataPlaneStats>;
  stop(): Promise<void>;
}

export type TrafficControllerOptions = {
  load(): Promise<TrafficTopology>;
  /** A service's ready instances. */
  endpointsOf(serviceId: string): EndpointConfig[];
  dataPlane: DataPlanePort;
  host: string;
  ingressPort: number;
  log: Logger;
  event(event: EngineEvent): void;
  /** Chaos in force (see engine/chaos). */
  faults?(): FaultConfig[];
};

/**
 * Keeps the data plane's tables in step with the topology (listeners, routes, settings) and with
 * which instances are ready. Also the hooks that tie instances to traffic: dependency URLs in
 * their environment, and draining before they stop.
 */
export class TrafficController {
  private topology: TrafficTopology = { services: [], dependencies: [] };
  private pushed: DataPlaneConfig | undefined;
  /** Nothing is pushed before start(): see there. */
  private started = false;
  private scheduled = false;
  private readonly listenerErrors = new Map<string, string | null>();
  /** The topology read in progress, and the one after it that every refresh asked for meanwhile shares. */
  private reading: Promise<void> | undefined;
  private nextReading: Promise<void> | undefined;

  constructor(private readonly options: TrafficControllerOptions) {}

  /**
   * From now on configurations go to the data plane. The engine calls it once it has adopted
   * the instances a previous Gantry left: the data plane that Gantry left serving them must not
   * be told first that they are gone.
   */
  start(): void {
    this.started = true;
    this.push();
  }

  /**
   * Re-reads the topology from the store (services, routes, listener ports, edges changed). Asked
   * again while a read runs, it reads once more after it (that read began before the change):
   * a file applying a thousand services makes two reads, not a thousand of a thousand rows.
   */
  refresh(): Promise<void> {
    if (this.nextReading) return this.nextReading;
    if (!this.reading) {
      this.reading = this.read().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.nextReading = this.reading
      .catch(() => {}) // its own callers hear of its failure
      .then(() => {
        this.nextReading = undefined;
        return this.refresh();
      });
    return this.nextReading;
  }

  private async read(): Promise<void> {
    this.topology = await this.options.load();
    this.push();
  }

  /**
   * A service was saved: re-reads the topology unless what traffic takes from the service is as
   * held. A scale changes nothing here, and re-reading every service on the way to its new
   * instance would hold the main thread (an embedded database) while that instance starts.
   */
  async serviceSaved(service: TrafficTopology["services"][number]): Promise<void> {
    const held = this.topology.services.find((s) => s.id === service.id);
    const { id, name, listenPort, traffic } = service;
    if (held && isDeepStrictEqual(held, { id, name, listenPort, traffic })) return;
    await this.refresh();
  }

  /** Names for labels: service id → name, edge id → its ends' names. */
  names(): { services: Map<string, string>; edges: Map<string, { from: string; to: string; toId: string }> } {
    const services = new Map(this.topology.services.map((s) => [s.id, s.name]));
    const edges = new Map(this.topology.dependencies.map((d) => [d.id, { from: services.get(d.fromId) ?? d.fromId, to: services.get(d.toId) ?? d.toId, toId: d.toId }]));
    return { services, edges };
  }

  /**
   * Readiness changed somewhere: recompute endpoints before anything else runs. Changes made in the
   * same synchronous run share one push; a microtask, not a later turn of the event loop, because
   * that turn waits behind whatever the main thread runs meanwhile (an embedded database's
   * queries), and an instance that accepts gets no traffic until its endpoint is pushed.
   */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.push();
    });
  }

  /** A listener bound, or failed to: tell the user once per change, not at every retry. */
  listenerStatus(key: string, error: string | null): void {
    if (this.listenerErrors.get(key) === error) return;
    const hadError = Boolean(this.listenerErrors.get(key));
    this.listenerErrors.set(key, error);
    if (!error && !hadError) return;
    const [kind, id] = key.split(":") as [string, string | undefined];
    const service = this.topology.services.find((s) => s.id === id) ?? this.serviceOfEdge(id);
    this.options.event({
      kind: error ? "listener.failed" : "listener.recovered",
      serviceId: service?.id ?? "",
      serviceName: service?.name ?? kind,
      message: error ?? `${kind === "edge" ? "dependency" : kind} listener is listening again`,
    });
  }

  readonly drainHook: InstanceHook = {
    name: "drain",
    // The instance is already out of the endpoint tables (it stopped being ready); wait for its
    // requests. Push those tables first, not at the next tick: a rollout stops the old instance
    // in the same tick its replacement turns ready, and a drain that reached the data plane before
    // the replacement did would leave the service with no endpoint (503) in between.
    stopping: (instance) => {
      this.push();
      return this.options.dataPlane.drain(instance.id, instance.template.gracePeriodSeconds * 1000);
    },
  };

  private serviceOfEdge(edgeId: string | undefined) {
    const edge = this.topology.dependencies.find((d) => d.id === edgeId);
    return edge && this.topology.services.find((s) => s.id === edge.fromId);
  }

  private push(): void {
    if (!this.started) return;
    try {
      const config = this.build();
      if (isDeepStrictEqual(config, this.pushed)) return;
      this.pushed = config;
      this.options.dataPlane.configure(config);
    } catch (err) {
      this.options.log.error({ err }, "building the data plane configuration failed");
    }
  }

  private build(): DataPlaneConfig {
    const { services, dependencies } = this.topology;
    const { endpointsOf, host, ingressPort } = this.options;
    return {
      host,
      clusters: services.map((s) => ({
        serviceId: s.id,
        serviceName: s.name,
        settings: s.traffic,
        endpoints: endpointsOf(s.id),
      })),
      listeners: [
        ...services.filter((s) => s.listenPort !== null).map((s) => ({ kind: "service" as const, port: s.listenPort!, serviceId: s.id })),
        ...dependencies.filter((d) => d.port !== null).map((d) => ({ kind: "edge" as const, port: d.port!, edgeId: d.id, fromId: d.fromId, toId: d.toId })),
        ...(ingressPort > 0 ? [{ kind: "ingress" as const, port: ingressPort }] : []),
      ],
      routes: services.flatMap((s) => s.traffic.routes.map((r) => ({ ...r, serviceId: s.id }))),
      faults: this.options.faults?.() ?? [],
    };
  }
}
