import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Feed } from "../../../lib/feed";
import type { Logger } from "../../../lib/logger";
import { newCounters } from "../counters";
import type { DataPlanePort, ListenerReport } from "../traffic-controller";
import { listenerKey, type DataPlaneConfig, type DataPlaneStats, type EndpointStats, type ListenerStats, type ServiceStats } from "../types";
import { renderConfig, type RenderedConfig } from "./config";
import { CounterLedger } from "./counter-ledger";
import { HaproxyProcess, haproxyFiles, type HaproxyFiles } from "./haproxy-process";
import { runtimeAction, runtimeCommand } from "./runtime-api";
import { commandsOf, serverChanges, type LiveServer } from "./server-changes";
import { parseStatCsv, rowCounters, type StatRow } from "./stats-csv";

/** A listener whose port another process holds is tried again this often. */
const LISTENER_RETRY_MS = 2000;
/** A configuration HAProxy would not take is tried again this often (the next change may fix it). */
const APPLY_RETRY_MS = 2000;
const DRAIN_POLL_MS = 100;
/** Stopping waits this long at most for requests in flight. */
const STOP_DRAIN_MS = 30_000;

/** `retryResponses`: see RenderOptions. */
export type HaproxyDataPlaneOptions = { log: Logger; dataDir: string; binary: string; retryResponses: boolean };

/**
 * Gantry's data plane as an HAProxy (GANTRY_DATA_PLANE=haproxy), driven through its runtime API.
 * Listeners, routes and traffic settings are a configuration loaded by a seamless reload (the new
 * worker inherits the listening sockets); endpoints coming and going (scaling, rollouts, readiness)
 * are servers added, weighted, drained and deleted on the running worker, with no reload. Counters
 * are read back from `show stat`. Every HAProxy operation runs in one chain, in order.
 */
export class HaproxyDataPlane implements DataPlanePort {
  private readonly files: HaproxyFiles;
  private readonly haproxy: HaproxyProcess;
  private readonly listenerReports: Feed<ListenerReport>;
  private readonly ledger = new CounterLedger();
  private chain: Promise<unknown> = Promise.resolve();
  private desired: DataPlaneConfig | undefined;
  private applyQueued = false;
  /** What the running worker was loaded with, and the servers it has now. */
  private loaded: RenderedConfig | undefined;
  private readonly live = new Map<string, LiveServer>();
  /** The current worker's pid (for the log). */
  private worker = 0;
  /** Listener key → why its port can't be bound (another process holds it). */
  private readonly unavailable = new Map<string, string>();
  private readonly reported = new Map<string, string | null>();
  /** Instances drained on request: not brought back by a configuration that still lists them. */
  private readonly draining = new Set<string>();
  private readonly refusalsLogged = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private announceUp: (() => void) | undefined;
  private readonly up = new Promise<void>((resolve) => (this.announceUp = resolve));

  constructor(private readonly options: HaproxyDataPlaneOptions) {
    this.files = haproxyFiles(options.dataDir);
    this.haproxy = new HaproxyProcess(options.binary, this.files);
    this.listenerReports = new Feed("haproxy listener reports", options.log);
  }

  /**
   * Up once HAProxy runs the first configuration: until Gantry sends one (it reads the topology
   * first), nothing starts, and an HAProxy a previous Gantry left keeps serving what it had.
   */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      if (this.desired) this.queueApply();
    }
    return this.up;
  }

  onListener(listener: (report: ListenerReport) => void): () => void {
    return this.listenerReports.subscribe(listener);
  }

  configure(config: DataPlaneConfig): void {
    this.desired = config;
    for (const id of this.draining) if (!config.clusters.some((c) => c.endpoints.some((e) => e.id === id))) this.draining.delete(id);
    if (this.started) this.queueApply();
  }

  /** Stops sending the instance new requests; resolves when none is in flight on it, or after `timeoutMs`. */
  async drain(instanceId: string, timeoutMs: number): Promise<void> {
    this.draining.add(instanceId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = await this.run(() => this.drainStep(instanceId, Date.now() >= deadline)).catch((err: unknown) => {
        // Stopping the instance goes on either way: its requests were given what time there was.
        this.options.log.error({ err, instance: instanceId }, "draining an instance in HAProxy failed");
        return true;
      });
      if (done || this.stopped) return;
      await sleep(DRAIN_POLL_MS);
    }
  }

  /** Counters since HAProxy started (kept cumulative across its reloads); none while it is down. */
  stats(): Promise<DataPlaneStats> {
    return this.run(async () => {
      try {
        return await this.readStats();
      } catch (err) {
        if (await this.forgetIfGone()) this.queueApply();
        else this.options.log.warn({ err }, "reading HAProxy's counters failed");
        return { listeners: [], services: [], endpoints: [] };
      }
    });
  }

  /** Lets go of HAProxy without stopping it (a boot that failed): it serves on, and the next Gantry takes it over. */
  release(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /**
   * Stops HAProxy once no request is in flight (Gantry drained and stopped its instances first), at
   * most after STOP_DRAIN_MS: a soft stop would also wait out the keep-alive connections.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.chain.catch(() => undefined);
    for (const deadline = Date.now() + STOP_DRAIN_MS; Date.now() < deadline; await sleep(DRAIN_POLL_MS)) {
      const rows = await this.showStat().catch(() => []);
      if (!rows.some((r) => r.kind === "backend" && Number(r.fields.scur) > 0)) break;
    }
    await this.haproxy.stop("hard");
  }

  /** Runs `step` after every HAProxy operation queued before it. */
  private run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.chain.then(step, step);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Configurations sent meanwhile share one application: the latest. */
  private queueApply(): void {
    if (this.applyQueued || this.stopped) return;
    this.applyQueued = true;
    void this.run(async () => {
      this.applyQueued = false;
      try {
        await this.apply();
      } catch (err) {
        this.options.log.error({ err }, "the haproxy data plane could not apply the configuration; trying again");
        await this.forgetIfGone();
        this.retrySoon(APPLY_RETRY_MS);
      }
    });
  }

  private retrySoon(ms: number): void {
    clearTimeout(this.retryTimer);
    if (!this.stopped) this.retryTimer = setTimeout(() => this.queueApply(), ms);
  }

  private async apply(): Promise<void> {
    const began = Date.now();
    const config = this.desired;
    if (!config) return;
    await this.checkPorts(config);
    this.options.log.debug({ ms: Date.now() - began }, "haproxy: ports checked");
    const rendered = renderConfig(config, { socket: this.files.socket, unavailable: this.unavailable, retryResponses: this.options.retryResponses });
    this.logRefusals(rendered.refusals);
    if (!this.loaded) {
      const how = await this.haproxy.start(rendered.text);
      this.options.log.info({ config: this.files.config, how }, how === "adopted" ? "took over the running HAProxy (reloaded with this configuration)" : "HAProxy started");
      this.loadedWith(rendered, (await this.haproxy.table())?.worker);
      this.announceUp?.();
    } else {
      const changes = rendered.structure === this.loaded.structure ? serverChanges(this.live, rendered.servers, this.draining) : "reload";
      if (changes === "reload") {
        if (this.options.log.isLevelEnabled("debug")) {
          const before = new Set(this.loaded.structure.split("\n"));
          const after = new Set(rendered.structure.split("\n"));
          this.options.log.debug({ added: [...after].filter((l) => !before.has(l)), removed: [...before].filter((l) => !after.has(l)) }, "haproxy: the configuration changed");
        }
        await this.reload(rendered);
      } else {
        for (const change of changes) {
          for (const command of commandsOf(change)) await runtimeAction(this.files.socket, command);
          const key = `${change.server.backend}/${change.server.name}`;
          this.live.set(key, { ...change.server, leaving: change.kind === "leave" });
        }
        this.loaded = rendered;
        // The file says what runs (for operators, and for the next Gantry taking HAProxy over).
        this.haproxy.save(rendered.text);
        this.options.log.debug({ ms: Date.now() - began, changes: changes.length }, "haproxy: servers changed through the runtime API");
      }
    }
    this.report(rendered);
    if (this.unavailable.size > 0) this.retrySoon(LISTENER_RETRY_MS);
  }

  /**
   * HAProxy's master gone (killed, crashed): the next application starts a new one. True if so.
   * Listeners are refused meanwhile; the counters carry on from where they were.
   */
  private async forgetIfGone(): Promise<boolean> {
    if (!this.loaded || (await this.haproxy.table())) return false;
    this.options.log.error("HAProxy is gone; starting it again");
    this.loaded = undefined;
    this.live.clear();
    this.reported.clear();
    return true;
  }

  private async reload(rendered: RenderedConfig): Promise<void> {
    const began = Date.now();
    const invalid = await this.haproxy.check(rendered.text);
    this.options.log.debug({ ms: Date.now() - began }, "haproxy: configuration checked");
    if (invalid) throw new Error(`HAProxy would not take the configuration: ${invalid}`);
    // The worker this replaces may exit before the next read: what it counted since the last one is read now.
    if (this.loaded) await this.readCounters(this.loaded).catch((err: unknown) => this.options.log.warn({ err }, "reading HAProxy's counters before a reload failed"));
    await this.haproxy.reload(rendered.text);
    this.options.log.debug({ ms: Date.now() - began }, "haproxy: reloaded");
    this.loadedWith(rendered, (await this.haproxy.table())?.worker);
    this.options.log.info({ worker: this.worker }, "HAProxy reloaded (listeners, routes or settings changed)");
  }

  private loadedWith(rendered: RenderedConfig, worker: number | undefined): void {
    this.loaded = rendered;
    this.worker = worker ?? 0;
    this.live.clear();
    for (const [key, server] of rendered.servers) if (!this.draining.has(server.instanceId)) this.live.set(key, { ...server, leaving: false });
  }

  /**
   * HAProxy refuses a whole configuration if one port can't be bound: a listener whose port another
   * process holds is left out (reported failed) and tried again, so the others serve.
   */
  private async checkPorts(config: DataPlaneConfig): Promise<void> {
    // Ports our HAProxy holds pass to the next worker: only the others are tried. One left by a
    // previous Gantry holds those its configuration file binds.
    const ours = this.loaded ? new Set(this.loaded.listeners.filter((l) => l.frontend).map((l) => l.listener.port)) : await this.haproxy.heldPorts();
    this.unavailable.clear();
    for (const listener of config.listeners) {
      if (ours.has(listener.port)) continue;
      const error = await bindError(config.host, listener.port);
      if (error) this.unavailable.set(listenerKey(listener), error);
    }
  }

  private report(rendered: RenderedConfig): void {
    const faults = new Map((this.desired?.faults ?? []).map((f) => [f.listener, `chaos faults (${f.fault.kind}) are not injected by the haproxy data plane`]));
    for (const listener of rendered.listeners) {
      const error = listener.error ?? faults.get(listener.key) ?? null;
      if (this.reported.get(listener.key) === error) continue;
      this.reported.set(listener.key, error);
      this.listenerReports.publish({ key: listener.key, bound: listener.frontend !== null, error });
    }
  }

  private logRefusals(refusals: string[]): void {
    for (const refusal of refusals) {
      if (this.refusalsLogged.has(refusal)) continue;
      this.refusalsLogged.add(refusal);
      this.options.log.error(`haproxy data plane: ${refusal}`);
    }
  }

  private async showStat(): Promise<StatRow[]> {
    return parseStatCsv(await runtimeCommand(this.files.socket, "show stat"));
  }

  /**
   * One step of a drain: its servers are set to drain (if a configuration had not already), and
   * deleted once nothing is in flight on them or `expired`. True when none is left.
   */
  private async drainStep(instanceId: string, expired: boolean): Promise<boolean> {
    if (!this.loaded) return true;
    const servers = [...this.live.entries()].filter(([, s]) => s.instanceId === instanceId);
    for (const [key, server] of servers) {
      if (server.leaving) continue;
      await runtimeAction(this.files.socket, `set server ${key} state drain`);
      this.live.set(key, { ...server, leaving: true });
    }
    await this.sweep(await this.showStat(), expired ? instanceId : undefined);
    return ![...this.live.values()].some((s) => s.instanceId === instanceId);
  }

  /** Deletes leaving servers with nothing in flight (and those of `force`, whose drain timed out). */
  private async sweep(rows: StatRow[], force?: string): Promise<void> {
    const inFlight = new Map(rows.filter((r) => r.kind === "server").map((r) => [`${r.proxy}/${r.server}`, Number(r.fields.scur) || 0]));
    for (const [key, server] of this.live) {
      if (!server.leaving || ((inFlight.get(key) ?? 0) > 0 && server.instanceId !== force)) continue;
      try {
        await runtimeAction(this.files.socket, `set server ${key} state maint`);
        if (server.instanceId === force) await runtimeCommand(this.files.socket, `shutdown sessions server ${key}`);
        await runtimeAction(this.files.socket, `del server ${key}`);
        this.live.delete(key);
      } catch (err) {
        // Idle connections still attached: in maintenance it takes no requests; deleted at a later sweep.
        this.options.log.debug({ err, server: key }, "a drained server could not be deleted yet");
      }
    }
    for (const key of this.live.keys()) if (!inFlight.has(key)) this.live.delete(key);
  }

  /**
   * Counters per listener, service and instance, summed over the current worker and those a reload
   * replaced (still finishing their connections), kept cumulative by the ledger.
   */
  private async readStats(): Promise<DataPlaneStats> {
    const rendered = this.loaded;
    if (!rendered) return { listeners: [], services: [], endpoints: [] };
    const { rows, keys } = await this.readCounters(rendered);
    await this.sweep(rows);
    const frontends = new Set(rows.filter((r) => r.kind === "frontend").map((r) => r.proxy));
    return {
      listeners: rendered.listeners.map(({ key, listener, frontend, error }): ListenerStats => {
        const bound = frontend !== null && frontends.has(frontend);
        return { key, listener, port: listener.port, bound, error, counters: bound ? this.ledger.counters(`listener:${key}`) : newCounters() };
      }),
      services: [...rendered.backends.values()].filter((id) => keys.has(`service:${id}`)).map((serviceId): ServiceStats => ({ serviceId, counters: this.ledger.counters(`service:${serviceId}`) })),
      endpoints: [...this.live.values()]
        .filter((server) => keys.has(`instance:${server.instanceId}`))
        .map((server): EndpointStats => ({ serviceId: server.serviceId, instanceId: server.instanceId, ejected: false, counters: this.ledger.counters(`instance:${server.instanceId}`) })),
    };
  }

  /**
   * Reads every worker's counters into the ledger: the current worker's and those of workers a reload
   * replaced, which still finish their connections. Returns the current worker's rows and the keys read.
   */
  private async readCounters(rendered: RenderedConfig): Promise<{ rows: StatRow[]; keys: Set<string> }> {
    const table = await this.haproxy.table();
    if (!table?.worker) throw new Error("haproxy's master does not answer");
    const rows = await this.showStat();
    const keys = new Set<string>();
    const observe = (worker: number, workerRows: StatRow[]) => {
      const backendRows = new Map(workerRows.filter((r) => r.kind === "backend").map((r) => [r.proxy, r]));
      const frontendRows = new Map(workerRows.filter((r) => r.kind === "frontend").map((r) => [r.proxy, r]));
      const count = (key: string, row: StatRow | undefined, averageFrom?: StatRow) => {
        if (!row) return;
        keys.add(key);
        const raw = rowCounters(row);
        this.ledger.observe(key, worker, averageFrom ? { ...raw, averageMs: rowCounters(averageFrom).averageMs } : raw);
      };
      for (const [backend, serviceId] of rendered.backends) count(`service:${serviceId}`, backendRows.get(backend));
      for (const row of workerRows) {
        const server = row.kind === "server" ? this.live.get(`${row.proxy}/${row.server}`) : undefined;
        if (server) count(`instance:${server.instanceId}`, row);
      }
      for (const { key, listener, frontend } of rendered.listeners) {
        // A frontend has no times of its own: a service or edge listener takes its backend's.
        const target = listener.kind === "service" ? listener.serviceId : listener.kind === "edge" ? listener.toId : undefined;
        const backend = target === undefined ? undefined : [...rendered.backends].find(([, id]) => id === target)?.[0];
        count(`listener:${key}`, frontend ? frontendRows.get(frontend) : undefined, backend ? backendRows.get(backend) : undefined);
      }
    };
    observe(table.worker, rows);
    for (const worker of table.workers.filter((pid) => pid !== table.worker)) {
      const replaced = await this.haproxy.statOf(worker).then(parseStatCsv, () => undefined);
      if (replaced) observe(worker, replaced);
    }
    this.ledger.endPass(new Set(table.workers), keys);

    return { rows, keys };
  }
}

/** Why `port` can't be bound on `host` right now, if it can't (it is free again once this returns). */
function bindError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(`cannot listen on ${host}:${port}: ${err.code === "EADDRINUSE" ? "another process holds the port" : err.message}`));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
