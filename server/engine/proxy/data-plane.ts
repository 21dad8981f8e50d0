import { setTimeout as sleep } from "node:timers/promises";
import { isSameProcess } from "../../lib/proc";
import type { Logger } from "../../lib/logger";
import { dataPlaneBuild, dataPlaneCode } from "./control/build";
import { bundledDataPlane } from "./control/bundle";
import { dataPlaneFiles, readState, type DataPlaneFiles } from "./control/files";
import { launch, launchSpec } from "./control/launch";
import { connectControl, ControlLink } from "./control/link";
import { Feed } from "../../lib/feed";
import type { DataPlanePort, ListenerReport } from "./traffic-controller";
import { CONTROL_PROTOCOL, listenerKey, type DataPlaneConfig, type DataPlaneStats, type FromDataPlane, type LaunchSpec, type ToDataPlane } from "./types";

const RESTART_MS = 1000;
/** A data plane that accepted the connection answers hello at once: one silent this long is stuck. */
const HELLO_MS = 5000;
/** Starting one: Node, the TypeScript loader, the control socket. */
const START_MS = 20_000;
/** Stopping one: it finishes the requests in flight (up to 30 s for long-lived ones), then exits. */
const STOP_MS = 35_000;
/** A data plane being replaced serves until ours listens everywhere, but no longer than this after ours is configured. */
const HANDOVER_MS = 30_000;

type Link = ControlLink<FromDataPlane, ToDataPlane>;
/** A data plane that answered hello. */
type Reached = { link: Link; pid: number; build: string; protocol: number };

export type DataPlaneOptions = {
  log: Logger;
  files: DataPlaneFiles;
  /** A running data plane of this build is adopted; one of any other is replaced (control/build.ts). */
  build: string;
  /** How to start one. */
  launch: LaunchSpec;
};

/**
 * The engine's handle on the data plane: a process of its own (with its proxy workers, where it
 * has any) that outlives Gantry. At start it takes over the data plane a previous Gantry left serving, has
 * one of another build hand its listening sockets to ours (no connection refused or dropped), or
 * starts one. Then it sends configurations and drain requests, asks for counters, and reaches or
 * starts a data plane again if it loses this one. Stopping Gantry retires it.
 */
export class DataPlane implements DataPlanePort {
  private current: Reached | undefined;
  /** One of another build being replaced: it retires once ours listens on every listener. */
  private predecessor: Reached | undefined;
  private handoverTimer: NodeJS.Timeout | undefined;
  /** Listeners the current data plane reported bound (or failing), by key. */
  private readonly reported = new Set<string>();
  private config: DataPlaneConfig | undefined;
  /** Until the current data plane says a worker accepts, messages wait here (the configuration is sent anyway). */
  private ready = false;
  private readonly waiting: ToDataPlane[] = [];
  private nextRequest = 0;
  private readonly pending = new Map<number, (message: FromDataPlane | undefined) => void>();
  private stopped = false;
  /** Let go of without retiring (a boot that failed): it serves on as an orphan. */
  private released = false;
  private started = false;
  private readonly listenerReports: Feed<ListenerReport>;
  private restart: NodeJS.Timeout | undefined;
  private announceUp: (() => void) | undefined;
  private readonly up = new Promise<void>((resolve) => (this.announceUp = resolve));

  constructor(private readonly options: DataPlaneOptions) {
    this.listenerReports = new Feed("data plane listener reports", options.log);
  }

  /** Reaches or starts the data plane; Gantry calls it before the database opens, the engine again later. */
  start(): Promise<void> {
    if (!this.started) this.connect();
    this.started = true;
    return this.up;
  }

  onListener(listener: (report: ListenerReport) => void): () => void {
    return this.listenerReports.subscribe(listener);
  }

  /**
   * Lets go of the data plane without retiring it, as a crash would: it keeps serving until a Gantry
   * takes it over or its orphan time is up. For a boot that failed after starting it.
   */
  release(): void {
    if (this.stopped) return;
    this.stopped = this.released = true;
    clearTimeout(this.restart);
    clearTimeout(this.handoverTimer);
    for (const reached of [this.current, this.predecessor]) reached?.link.socket.end();
  }

  configure(config: DataPlaneConfig): void {
    this.config = config;
    this.send({ type: "config", config });
    if (this.predecessor) this.handoverTimer ??= setTimeout(() => this.endHandover(), HANDOVER_MS);
    this.endHandoverOnceListening();
  }

  /** Resolves once no request to the instance is in flight, or after `timeoutMs`. */
  drain(instanceId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const requestId = ++this.nextRequest;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve();
      }, timeoutMs);
      this.pending.set(requestId, () => {
        clearTimeout(timer);
        resolve();
      });
      this.send({ type: "drain", instanceId, requestId });
    });
  }

  stats(): Promise<DataPlaneStats> {
    return new Promise((resolve) => {
      const requestId = ++this.nextRequest;
      this.pending.set(requestId, (message) => resolve(message?.type === "stats" ? message.stats : { listeners: [], services: [], endpoints: [] }));
      this.send({ type: "stats", requestId });
    });
  }

  /** Retires the data plane (it finishes the requests in flight, then exits) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restart);
    clearTimeout(this.handoverTimer);
    const running = [this.current, this.predecessor].filter((reached) => reached !== undefined);
    for (const reached of running) reached.link.send({ type: "retire" });
    await within(Promise.all(running.map((reached) => reached.link.closed)), STOP_MS);
    for (const reached of running) {
      if (reached.link.socket.destroyed) continue;
      this.options.log.error({ pid: reached.pid }, `the data plane did not exit within ${STOP_MS / 1000} s of retiring; killing it`);
      killGroup(reached.pid);
    }
  }

  private connect(): void {
    this.attach().catch((err: unknown) => {
      this.options.log.error({ err }, "could not reach or start the data plane; trying again");
      this.reconnectSoon();
    });
  }

  private reconnectSoon(): void {
    if (!this.stopped) this.restart = setTimeout(() => this.connect(), RESTART_MS);
  }

  /** Adopts the running data plane, has it replaced by ours, or starts ours. */
  private async attach(): Promise<void> {
    const { log, build } = this.options;
    const found = await this.reach();
    if (found === "stuck") await this.killStuck();
    else if (found && found.build === build && found.protocol === CONTROL_PROTOCOL) {
      log.info({ pid: found.pid }, "took over the running data plane");
      return this.use(found);
    } else if (found && (await this.replace(found))) return;
    const child = launch(this.options.launch);
    child.once("error", (err) => log.error({ err }, "could not start the data plane"));
    const started = child.pid === undefined ? undefined : await this.reachProcess(child.pid);
    if (!started) throw new Error(`the data plane did not answer on ${this.options.files.socket} within ${START_MS / 1000} s (see ${this.options.files.log})`);
    this.use(started);
  }

  /**
   * Has a data plane of another build start ours with its listening sockets; it serves until ours
   * listens everywhere. False if ours did not come up: that one is retired (ports free) instead.
   */
  private async replace(running: Reached): Promise<boolean> {
    const { log } = this.options;
    log.info({ pid: running.pid, build: running.build }, "replacing the running data plane (another build): it hands its listening sockets to ours");
    running.link.onMessage((message) => message.type === "log" && log[message.level]({ ...message.context, pid: running.pid }, message.message));
    running.link.send({ type: "handover", successor: this.options.launch });
    const successor = await running.link.next("successor", HELLO_MS);
    const reached = successor && (await this.reachProcess(successor.pid));
    if (reached) {
      this.predecessor = running;
      this.use(reached);
      return true;
    }
    log.error({ pid: running.pid }, "the data plane replacing the running one did not come up; retiring that one and starting another");
    running.link.send({ type: "retire" });
    await within(running.link.closed, STOP_MS);
    return false;
  }

  /** Says hello on the control socket: the data plane there, "stuck" if it doesn't answer, undefined if none. */
  private async reach(): Promise<Reached | "stuck" | undefined> {
    const socket = await connectControl(this.options.files.socket);
    if (!socket) return undefined;
    const link: Link = new ControlLink(socket);
    link.send({ type: "hello", protocol: CONTROL_PROTOCOL, build: this.options.build });
    const welcome = await link.next("welcome", HELLO_MS);
    if (welcome) return { link, pid: welcome.pid, build: welcome.build, protocol: welcome.protocol };
    const stuck = !socket.destroyed; // silent, yet connected (a closed link means it was going away)
    socket.destroy();
    return stuck ? "stuck" : undefined;
  }

  /** Waits until process `pid` (a data plane just started) answers on the control socket. */
  private async reachProcess(pid: number): Promise<Reached | undefined> {
    for (const deadline = Date.now() + START_MS; Date.now() < deadline; await sleep(50)) {
      const found = await this.reach();
      if (found === "stuck" || found === undefined) continue;
      if (found.pid === pid) return found;
      found.link.close();
    }
    return undefined;
  }

  /** A data plane that takes connections but never answers is of no use; its state file names it. */
  private async killStuck(): Promise<void> {
    const state = readState(this.options.files.state);
    this.options.log.error({ pid: state?.pid }, `the data plane did not answer within ${HELLO_MS / 1000} s; killing it and starting another`);
    if (!state) return;
    const alive = () => isSameProcess(state.pid, BigInt(state.startTime));
    if (alive()) killGroup(state.pid);
    // Gone, its sockets are free for the next one.
    for (let wait = 0; wait < 40 && alive(); wait++) await sleep(50);
  }

  private use(reached: Reached): void {
    if (this.released) return void reached.link.socket.end();
    if (this.stopped) return void reached.link.send({ type: "retire" }); // stopped while reaching it
    this.current = reached;
    this.ready = false;
    this.reported.clear();
    reached.link.onMessage((message) => this.receive(message));
    void reached.link.closed.then(() => this.lost(reached));
  }

  private lost(reached: Reached): void {
    if (this.current !== reached) return;
    this.current = undefined;
    this.ready = false;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
    if (this.stopped) return;
    this.options.log.error({ pid: reached.pid }, "lost the data plane; reaching or starting one again");
    this.reconnectSoon();
  }

  /** Once our data plane listens on every listener (or reported why not), the one it replaced retires. */
  private endHandoverOnceListening(): void {
    if (this.predecessor && this.ready && this.config?.listeners.every((listener) => this.reported.has(listenerKey(listener)))) this.endHandover();
  }

  private endHandover(): void {
    clearTimeout(this.handoverTimer);
    this.handoverTimer = undefined;
    const predecessor = this.predecessor;
    this.predecessor = undefined;
    if (!predecessor) return;
    this.options.log.info({ pid: predecessor.pid }, "the replaced data plane retires");
    predecessor.link.send({ type: "retire" });
  }

  private send(message: ToDataPlane): void {
    if (!this.ready || !this.current) {
      if (message.type !== "config") this.waiting.push(message);
      return;
    }
    this.current.link.send(message);
  }

  private receive(message: FromDataPlane): void {
    switch (message.type) {
      case "ready":
        this.ready = true;
        if (this.config) this.send({ type: "config", config: this.config });
        for (const waiting of this.waiting.splice(0)) this.send(waiting);
        this.announceUp?.();
        this.endHandoverOnceListening();
        break;
      case "drained":
      case "stats": {
        const resolve = this.pending.get(message.requestId);
        this.pending.delete(message.requestId);
        resolve?.(message);
        break;
      }
      case "listener":
        this.reported.add(message.key);
        this.listenerReports.publish({ key: message.key, bound: message.bound, error: message.error });
        this.endHandoverOnceListening();
        break;
      case "log":
        this.options.log[message.level](message.context ?? {}, message.message);
        break;
      case "welcome":
      case "successor":
        break; // answers to the handshake, taken by reach() and handOver()
    }
  }
}

/** Resolves when `promise` does or after `ms`, whichever comes first (the timer doesn't outlive it). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The data plane process leads its process group (it starts in a session of its own): its workers, if any, go with it. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The data plane of a data dir, started with these settings (`build` declared only by tests standing in for another Gantry). */
export function createDataPlane(options: { log: Logger; dataDir: string; workers: number; orphanMs: number; build?: string }): DataPlane {
  const files = dataPlaneFiles(options.dataDir);
  const settings = { workers: options.workers, orphanMs: options.orphanMs };
  const code = dataPlaneCode();
  const build = options.build ?? dataPlaneBuild(settings, code);
  return new DataPlane({ log: options.log, files, build, launch: launchSpec(files, { ...settings, build }, bundledDataPlane(code)) });
}
