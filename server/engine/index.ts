import path from "node:path";
import { isServing, type Instance } from "../contracts/instance";
import type { MetricWindow } from "../contracts/metrics";
import type { Service } from "../contracts/service";
import type { InstancesDelta } from "../contracts/realtime";
import { AppError, notFound } from "../lib/app-error";
import { systemClock, type Clock, type Timer } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { every, type Loop } from "../lib/loop";
import { ServiceController } from "./controller/service-controller";
import { simulateRollout } from "./reconciler/simulate";
import { DriverSet, type SwarmContext } from "./drivers";
import { daemonMessage } from "./drivers/docker-driver";
import { ClusterRefusal, type RuntimeDriver, type RuntimeName } from "./drivers/runtime-driver";
import type { SwarmNodes } from "../contracts/swarm";
import type { LogLine } from "../contracts/logs";
import { readLogs, type LogFilter } from "./logs/log-reader";
import { LogPump } from "./logs/log-pump";
import { createDataPlane } from "./proxy/data-plane";
import { TrafficController, type DataPlanePort } from "./proxy/traffic-controller";
import { Chaos } from "./chaos/chaos";
import { runProbe } from "./health/probes";
import { MetricsCollector, type MetricsTick } from "./metrics/metrics-collector";
import { quantileMs } from "./metrics/quantile";
import { gantryMetricsText } from "./metrics/prometheus-metrics";
import { DnsServer } from "./registry/dns-server";
import { EtcdMirror } from "./registry/etcd-mirror";
import type { Integration } from "./registry/integration";
import { ZooKeeperMirror } from "./registry/zookeeper-mirror";
import { RegistryController } from "./registry/registry-controller";
import type { EngineStore } from "./engine-store";
import type { DesiredService } from "./types";
import { healthHook, type HealthOptions } from "./health/health-hook";
import { instanceEnv } from "./supervisor/instance-env";
import { PortAllocator, type PortRange } from "./supervisor/port-allocator";
import { portHook } from "./supervisor/port-hook";
import type { RestartTrackerOptions } from "./supervisor/restart-tracker";
import { StateWriter } from "./supervisor/state-writer";
import { Supervisor } from "./supervisor/supervisor";
import type { InstanceView } from "./supervisor/instance-view";

const NO_SWARM = "Gantry is not connected to a swarm: set GANTRY_SWARM=1 (the manager is GANTRY_SWARM_HOST, else DOCKER_HOST), or create a swarm service";

/** How long start waits for the data plane to take connections before going on without it. */
const DATA_PLANE_START_MS = 15_000;
/** GANTRY_DATA_PLANE_ORPHAN_TIMEOUT's default. */
const DATA_PLANE_ORPHAN_MS = 10 * 60_000;

export type { EngineStore, InstanceChanges } from "./engine-store";
export type { DesiredService, EngineEvent, InstanceRecord } from "./types";
export type { PortRange } from "./supervisor/port-allocator";

export type EngineOptions = {
  store: EngineStore;
  log: Logger;
  /** Instance logs live under `<dataDir>/logs`. */
  dataDir: string;
  /** Relative working directories of services resolve against this folder. */
  baseDir: string;
  portRange: PortRange;
  /** Address the listeners bind (Gantry's own host). */
  host: string;
  /** The ingress gateway's port; 0 for none. */
  ingressPort: number;
  /** The Swarm runtime's manager and port blocks; `connect` checks the manager at start. */
  swarm?: SwarmContext & { connect?: boolean };
  /** Stand-ins for real drivers (unit tests). */
  drivers?: Partial<Record<RuntimeName, RuntimeDriver>>;
  /** Defaults to the real data plane process. */
  dataPlane?: DataPlanePort;
  /** Its proxy worker processes; 0 picks by core count. */
  proxyWorkers?: number;
  /** How long the data plane keeps serving after Gantry died, waiting for the next one to take it over. */
  dataPlaneOrphanMs?: number;
  /** Mirror ready endpoints into etcd. */
  etcd?: { endpoints: string[]; leaseSeconds: number };
  /** Mirror ready endpoints into ZooKeeper. */
  zookeeper?: { connect: string; sessionTimeoutSeconds: number };
  /** Consul's DNS interface on `host` (port 0: any free port, for tests). */
  dns?: { port: number; ttlSeconds: number };
  clock?: Clock;
  resyncMs?: number;
  restartOptions?: RestartTrackerOptions;
  usageSampleMs?: number;
  /** Replaces real probes (unit tests). */
  probeRunner?: HealthOptions["run"];
};

export type Engine = ReturnType<typeof createEngine>;

/** The orchestrator's facade: the rest of the server talks to the engine only through this. */
export function createEngine(options: EngineOptions) {
  const clock = options.clock ?? systemClock;
  const { store, log } = options;
  const drivers = new DriverSet({ log, dataDir: options.dataDir, swarm: options.swarm }, options.drivers);
  const writer = new StateWriter(store, clock, log);
  const logs = new LogPump({ root: path.join(options.dataDir, "logs"), clock, log, event: (event) => writer.event(event) });
  const ports = new PortAllocator(options.portRange);
  const dataPlane =
    options.dataPlane ??
    createDataPlane({
      log: log.child({ component: "data-plane" }),
      dataDir: options.dataDir,
      workers: options.proxyWorkers ?? 0,
      orphanMs: options.dataPlaneOrphanMs ?? DATA_PLANE_ORPHAN_MS,
    });
  const traffic = new TrafficController({
    load: () => store.trafficTopology(),
    endpointsOf: (serviceId) => endpointsOf(serviceId),
    dataPlane,
    host: options.host,
    ingressPort: options.ingressPort,
    log,
    event: (event) => writer.event(event),
    faults: () => chaos.faultConfigs(),
  });
  dataPlane.onListener(({ key, error }) => traffic.listenerStatus(key, error));
  const chaos = new Chaos({ clock, names: () => traffic.names(), changed: () => traffic.schedule(), event: (event) => writer.event(event) });
  const supervisor = new Supervisor({
    drivers,
    clock,
    log,
    writer,
    logs,
    hooks: [
      portHook(ports),
      logs.hook,
      healthHook({ clock, log, baseDir: options.baseDir, envOf: instanceEnv, run: options.probeRunner }),
      traffic.drainHook,
    ],
    baseDir: options.baseDir,
    restartOptions: options.restartOptions,
    usageSampleMs: options.usageSampleMs,
  });
  writer.deferWhile(() => supervisor.starting());
  const controller = new ServiceController({ store, supervisor, drivers, clock, log, resyncMs: options.resyncMs, event: (event) => writer.event(event) });
  const registry = new RegistryController({ clock, log, load: () => store.registrations(), run: options.probeRunner ?? runProbe });
  supervisor.onStateChange((serviceId) => {
    registry.syncInstances(serviceId, supervisor.instancesOf(serviceId));
    traffic.schedule();
  });
  registry.catalog.subscribe((change) => change.entry.external && traffic.schedule());
  const metrics = new MetricsCollector(
    {
      stats: async () => {
        const stats = await dataPlane.stats();
        supervisor.markEjected(new Set(stats.endpoints.flatMap((e) => (e.ejected ? [e.instanceId] : []))));
        return stats;
      },
      instances: () => supervisor.all(),
      saveRollups: (rollups) => store.saveRollups(rollups),
    },
    clock,
    log.child({ component: "metrics" }),
  );
  /** Discovery beyond the Consul API: mirrors into other stores, the DNS interface. */
  const integrations: Integration[] = [];
  if (options.etcd) integrations.push(new EtcdMirror({ ...options.etcd, catalog: registry.catalog, clock, log: log.child({ component: "etcd" }) }));
  if (options.zookeeper) integrations.push(new ZooKeeperMirror({ ...options.zookeeper, catalog: registry.catalog, clock, log: log.child({ component: "zookeeper" }) }));
  if (options.dns) integrations.push(new DnsServer({ ...options.dns, host: options.host, catalog: registry.catalog, clock, log: log.child({ component: "dns" }) }));

  /** Where a service's traffic may go: its ready instances, or an external service's healthy endpoints. */
  function endpointsOf(serviceId: string) {
    const managed = supervisor
      .instancesOf(serviceId)
      .flatMap((r) => (isServing(r) && r.address ? [{ id: r.id, ...r.address, revision: r.revision }] : []));
    return [...managed, ...registry.externalEndpoints(serviceId)].sort((a, b) => a.id.localeCompare(b.id));
  }
  let pruneLoops: Loop[] = [];

  /** Signals a running instance on purpose (chaos), as an event with who did it. */
  function chaosSignal(id: string, signal: NodeJS.Signals, actor: string, kind: string, message: string): void {
    const instance = supervisor.get(id);
    if (!instance) throw notFound(`instance ${id}`);
    refuseClusterTask(instance, "signalled");
    if (!supervisor.signal(id, signal)) throw new AppError("CONFLICT", `instance ${id} is not running`);
    writer.event({ kind, actor, serviceId: instance.serviceId, serviceName: instance.serviceName, instanceId: id, message });
  }

  /** Swarm is asked about only when Gantry was told to use one (GANTRY_SWARM=1) or runs a swarm service. */
  const swarmInUse = () => Boolean(options.swarm?.connect) || drivers.has("swarm");

  /** A Swarm task is started, restarted and stopped by Swarm alone. */
  function refuseClusterTask(instance: InstanceView, what: string): void {
    if (supervisor.clusterRuns(instance)) throw new AppError("CONFLICT", `instance ${instance.id} is a ${instance.template.runtime} task, ${what} only by its scheduler: scale or update the service instead`);
  }

  /** GANTRY_SWARM=1: say at once whether the manager is there (swarm services wait for it either way). */
  async function connectSwarm(): Promise<void> {
    try {
      await drivers.get("swarm").cluster!.connect();
      log.info("connected to the Swarm manager");
    } catch (err) {
      log.error({ err: (err as Error).message }, "GANTRY_SWARM=1 but the Swarm manager can't be used; swarm services wait until it can");
    }
  }

  /**
   * Takes over instances a previous Gantry left running; forgets the ones that died meanwhile.
   * Then each runtime in use removes what it runs for this Gantry that no record names.
   */
  async function adoptSurvivors(): Promise<void> {
    const records = await store.instanceRecords();
    const adopted: Array<Promise<boolean>> = [];
    for (const record of records.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0))) {
      let service, template;
      try {
        [service, template] = await Promise.all([store.desiredService(record.serviceId), store.revisionTemplate(record.serviceId, record.revision)]);
      } catch (err) {
        // Its service can't be read: leave the instance alone (not adopted, not killed) and start the rest.
        log.error({ err, instance: record.id }, "not adopting an instance whose service can't be read");
        continue;
      }
      if (service && template) {
        adopted.push(supervisor.adopt({ id: service.id, name: service.name, revision: record.revision, template }, record));
        continue;
      }
      writer.remove(record.id);
    }
    await Promise.all(adopted);
    const known = new Set(records.map((r) => r.id));
    for (const driver of drivers.active()) await driver.sweep?.(known).catch((err: unknown) => log.error({ err, runtime: driver.name }, "removing leftover instances failed"));
    await writer.drained();
  }

  return {
    async start(): Promise<void> {
      const dataPlaneUp = dataPlane.start();
      // The traffic baseline is read as soon as the data plane is up, while the rest starts; ready
      // waits for it (below), so every request a client makes after ready is counted.
      const metricsStarted = dataPlaneUp.then(() => metrics.start());
      metricsStarted.catch(() => {}); // awaited below unless the data plane is late
      await registry.refreshRegistrations();
      for (const integration of integrations) await integration.start();
      if (options.swarm?.connect) await connectSwarm();
      await traffic.refresh(); // before adopting: the dependency hook reads the topology
      await adoptSurvivors();
      // Only now: a data plane left running by the previous Gantry serves its instances, and a
      // first configuration without them would answer 503 until their probes came back. (HAProxy
      // starts with its first configuration: the data plane is up only after this.)
      traffic.start();
      // Ready means reachable: don't report started before the listeners can take connections.
      // Awaited before the first pass starts instances, which keeps both cores and (on PGlite, whose
      // queries run on this thread) the event loop busy: the baseline's answer then waited ~0.3 s.
      // A data plane that is late holds instance starts back until it is declared late.
      let timer: Timer | undefined;
      const late = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(true), DATA_PLANE_START_MS)));
      if (await Promise.race([dataPlaneUp.then(() => false), late])) log.error(`the data plane did not come up within ${DATA_PLANE_START_MS / 1000} s; traffic flows once it does`);
      else await metricsStarted;
      clock.clearTimeout(timer!);
      logs.start();
      supervisor.start();
      controller.start();
      await controller.enqueueAll();
      void store.loadRollups(clock.now() - 24 * 3600_000).then(
        (rollups) => metrics.restore(rollups),
        (err: unknown) => log.warn({ err }, "reading the saved metric history failed; charts start from now"),
      );
      const pruneRollups = async () => void (await store.pruneRollups(clock.now() - 7 * 24 * 3600_000));
      pruneLoops = [every(clock, 3600_000, "log pruning", log, () => logs.prune()), every(clock, 3600_000, "metric rollup pruning", log, pruneRollups)];
      void logs.prune().catch((err: unknown) => log.warn({ err }, "pruning old logs failed"));
      void pruneRollups().catch((err: unknown) => log.warn({ err }, "pruning old metric rollups failed"));
    },

    /** How each discovery integration is doing. */
    integrations: () => integrations.map((i) => i.status()),

    /** Stops all instances gracefully, then persists the final state. */
    async stop(): Promise<void> {
      pruneLoops.forEach((loop) => loop.stop());
      metrics.stop();
      await controller.stop();
      await supervisor.stopAll();
      await drivers.close();
      await Promise.all(integrations.map((i) => i.stop()));
      registry.stop();
      await dataPlane.stop();
      logs.stop();
      await writer.drained();
    },

    /** Per-second and per-minute points of service, instance, edge and Gantry series. */
    metrics: {
      series: (keys: string[], window: MetricWindow) => metrics.series(keys, window),
      /** A series' point at a past moment (1 s within the last 15 minutes, 1 min beyond). */
      pointAt: (key: string, at: number) => metrics.pointAt(key, at),
      subscribe: (listener: (tick: MetricsTick) => void) => metrics.subscribe(listener),
      /** A series' cumulative traffic counters since this Gantry started (alert windows are differences of these). */
      totals: (key: string) => metrics.totals.get(key),
      /** The q-quantile (ms) of requests counted per latency bucket, as the charts compute it. */
      quantileMs,
    },

    /** Gantry's request, instance and probe metrics in the Prometheus text format, as of now. */
    prometheusText: gantryMetricsText({ collector: metrics, instances: () => supervisor.all(), names: () => traffic.names() }),

    /** The discovery catalog: read it, and wait on it (blocking queries). */
    catalog: registry.catalog,

    /** External registrations changed in the store. */
    refreshRegistrations(): Promise<void> {
      return registry.refreshRegistrations();
    },

    /** A TTL check's pass/warn/fail from the agent API. */
    updateCheck(checkId: string, status: "passing" | "warning" | "critical", output: string) {
      return registry.updateCheck(checkId, status, output);
    },

    /** Listeners, routes, traffic settings or dependency edges changed. */
    refreshTraffic(): Promise<void> {
      return traffic.refresh();
    },

    /** A service was saved: its traffic is re-read only if its name, listener or settings changed. */
    serviceSaved(service: Service): Promise<void> {
      return traffic.serviceSaved(service);
    },

    /** The data plane's counters (requests, latency) per listener and per instance. */
    trafficStats() {
      return dataPlane.stats();
    },

    /** The desired state of a service changed (or it is gone): reconcile it. */
    enqueue(serviceId: string): void {
      controller.enqueue(serviceId);
    },

    /** Resolves once no reconciliation is pending (tests, benchmarks). */
    settled(): Promise<void> {
      return controller.idle();
    },

    endpoints: endpointsOf,

    instances(serviceId?: string): Instance[] {
      return supervisor.api(serviceId).sort((a, b) => a.id.localeCompare(b.id));
    },

    subscribe(listener: (delta: InstancesDelta) => void): () => void {
      return supervisor.subscribe(listener);
    },

    /** What the engine would do to reach `desired` from the instances running now (a plan preview). */
    preview(desired: DesiredService) {
      return simulateRollout(desired, supervisor.actualOf(desired.id));
    },

    /** Stops one instance; the controller starts a replacement if the service still wants it. */
    stopInstance(id: string): void {
      const runner = supervisor.get(id);
      if (!runner) throw notFound(`instance ${id}`);
      refuseClusterTask(runner, "stopped");
      if (runner.leaving) throw new AppError("CONFLICT", `instance ${id} is already stopping`);
      void supervisor.stop(id, "stopped by user");
    },

    /** Faults injected into traffic (see engine/chaos). */
    chaos,

    /** Chaos on an instance: SIGKILL, as a crash would (its restart policy decides what follows). */
    killInstance(id: string, actor: string): void {
      chaosSignal(id, "SIGKILL", actor, "chaos.killed", `killed ${id} (SIGKILL) on purpose`);
    },

    /** Chaos on an instance: SIGSTOP for `seconds`, then SIGCONT — alive and accepting, answering nothing meanwhile. */
    pauseInstance(id: string, seconds: number, actor: string): void {
      chaosSignal(id, "SIGSTOP", actor, "chaos.paused", `paused ${id} (SIGSTOP) for ${seconds} s on purpose`);
      clock.setTimeout(() => {
        // Resumed even if it is being stopped meanwhile (a stopped process can't take its stop signal).
        const instance = supervisor.get(id);
        if (!instance || !supervisor.signal(id, "SIGCONT", true)) return;
        writer.event({ kind: "chaos.resumed", serviceId: instance.serviceId, serviceName: instance.serviceName, instanceId: id, message: `resumed ${id} (SIGCONT) after ${seconds} s` });
      }, seconds * 1000);
    },

    /** Restarts one instance's process in place. */
    restartInstance(id: string): void {
      const runner = supervisor.get(id);
      if (!runner) throw notFound(`instance ${id}`);
      refuseClusterTask(runner, "restarted");
      if (runner.leaving) throw new AppError("CONFLICT", `instance ${id} is stopping and cannot be restarted`);
      if (runner.phase === "Starting" || runner.phase === "Pending") throw new AppError("CONFLICT", `instance ${id} is still starting`);
      supervisor.restart(id);
    },

    /** The swarm's nodes, each with Gantry's instances on it and what they use, or why there is no swarm. */
    async swarmNodes(): Promise<SwarmNodes> {
      if (!swarmInUse()) return { connected: false, reason: NO_SWARM };
      try {
        const { manager, nodes } = await drivers.get("swarm").cluster!.nodes();
        const tasks = supervisor.all().filter((i) => i.runtime?.kind === "swarm");
        return {
          connected: true,
          manager,
          nodes: nodes.map((node) => {
            const on = tasks.filter((i) => i.runtime?.kind === "swarm" && i.runtime.nodeId === node.id);
            const sampled = on.flatMap((i) => (i.usage ? [i.usage] : []));
            return {
              ...node,
              usedCpuPercent: sampled.length ? sampled.reduce((sum, u) => sum + u.cpuPercent, 0) : null,
              usedMemoryBytes: sampled.length ? sampled.reduce((sum, u) => sum + u.memoryBytes, 0) : null,
              instances: on.map((i) => ({ id: i.id, serviceName: i.serviceName, ready: i.ready })),
            };
          }),
        };
      } catch (err) {
        return { connected: false, reason: (err as Error).message };
      }
    },

    /** Drains a swarm node (Swarm moves its tasks elsewhere) or makes it take tasks again. */
    async setNodeAvailability(nodeId: string, availability: "active" | "drain", actor: string): Promise<void> {
      if (!swarmInUse()) throw new AppError("BAD_REQUEST", NO_SWARM);
      try {
        const { hostname } = await drivers.get("swarm").cluster!.setAvailability(nodeId, availability);
        writer.event({
          kind: availability === "drain" ? "node.drained" : "node.activated",
          actor,
          message: availability === "drain" ? `drained swarm node ${hostname}: Swarm moves its tasks to the other nodes` : `activated swarm node ${hostname}: Swarm may place tasks on it again`,
          data: { nodeId, hostname },
        });
      } catch (err) {
        // The manager refused (no such node, a last manager drained…): its words, as a bad request.
        const status = (err as { statusCode?: number }).statusCode;
        if (err instanceof ClusterRefusal || (status && status < 500)) throw new AppError("BAD_REQUEST", daemonMessage(err as Error));
        throw err;
      }
    },

    /** An instance's newest log lines matching a filter (its logs outlive it for a day). */
    readLogs(instanceId: string, filter: LogFilter) {
      return readLogs(path.join(options.dataDir, "logs", instanceId), filter);
    },

    /** New log lines of every instance as they are collected. */
    onLogLines(listener: (instanceId: string, lines: LogLine[]) => void): () => void {
      return logs.onLines(listener);
    },
  };
}
