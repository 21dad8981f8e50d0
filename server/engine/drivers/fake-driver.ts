import type { ExitStatus } from "../types";
import { SpawnError, type LaunchSpec, type ProcessHandle, type RuntimeDriver } from "./runtime-driver";

export type FakeProcess = ProcessHandle & {
  spec: LaunchSpec;
  signals: NodeJS.Signals[];
  alive: boolean;
  /** Ends the process as if it exited by itself. */
  exit(status: ExitStatus): void;
};

/**
 * A driver for unit tests of the layers above: "processes" live in memory, exit when a test says
 * so, and die on SIGKILL (or on the stop signal, unless told to ignore it).
 */
export class FakeDriver implements RuntimeDriver {
  readonly name = "fake";
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

  async start(spec: LaunchSpec): Promise<ProcessHandle> {
    const failure = this.spawnFailures.shift();
    if (failure) throw new SpawnError(failure);
    let resolveExit!: (status: ExitStatus) => void;
    const process: FakeProcess = {
      spec,
      pid: this.nextPid++,
      startTime: BigInt(this.nextPid),
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

  adopt(pid: number, startTime: bigint): ProcessHandle | undefined {
    return this.processes.find((p) => p.alive && p.pid === pid && p.startTime === startTime);
  }
}
