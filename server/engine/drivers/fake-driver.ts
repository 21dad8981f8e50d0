import type { ExitStatus } from "../types";
import { SpawnError, type LaunchSpec, type RuntimeDriver, type RuntimeHandle, type Usage } from "./runtime-driver";

export type FakeProcess = RuntimeHandle & {
  pid: number;
  spec: LaunchSpec;
  signals: NodeJS.Signals[];
  alive: boolean;
  /** What the next usage sample reports. */
  usage?: Usage;
  /** Ends the process as if it exited by itself. */
  exit(status: ExitStatus): void;
};

/**
 * A process driver for unit tests of the layers above: "processes" live in memory, exit when a
 * test says so, and die on SIGKILL (or on the stop signal, unless told to ignore it).
 */
export class FakeDriver implements RuntimeDriver {
  readonly name = "process";
  readonly capabilities = { adopt: true, memoryLimit: "sampled", cpuLimit: false, execInside: false, replicas: "gantry" } as const;
  readonly processes: FakeProcess[] = [];
  private nextPid = 1000;
  private spawnFailures: string[] = [];
  ignoreStopSignal = false;

  failNextSpawns(...messages: string[]): void {
    this.spawnFailures.push(...messages);
  }

  running(): FakeProcess[] {
    return this.processes.filter((p) => p.alive);
  }

  async start(spec: LaunchSpec): Promise<FakeProcess> {
    const failure = this.spawnFailures.shift();
    if (failure) throw new SpawnError(failure);
    let resolveExit!: (status: ExitStatus) => void;
    const pid = this.nextPid++;
    const process: FakeProcess = {
      spec,
      pid,
      details: { kind: "process", pid, startTime: String(pid * 7) },
      host: "127.0.0.1",
      signals: [],
      alive: true,
      exited: new Promise((resolve) => (resolveExit = resolve)),
      exit: (status) => {
        if (!process.alive) return;
        process.alive = false;
        resolveExit(status);
      },
      signal: (signal) => {
        if (!process.alive) return;
        process.signals.push(signal);
        if (signal === "SIGKILL" || !this.ignoreStopSignal) process.exit({ code: null, signal });
      },
    };
    this.processes.push(process);
    return process;
  }

  async adopt(details: RuntimeHandle["details"]): Promise<FakeProcess | undefined> {
    return this.processes.find((p) => p.alive && p.details.kind === "process" && details.kind === "process" && p.pid === details.pid && p.details.startTime === details.startTime);
  }

  async sample(handles: RuntimeHandle[]): Promise<Map<RuntimeHandle, Usage>> {
    return new Map(this.running().flatMap((p) => (p.usage && handles.includes(p) ? [[p, p.usage] as const] : [])));
  }
}
