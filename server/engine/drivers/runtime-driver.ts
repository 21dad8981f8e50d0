import type { ExitStatus } from "../types";

/** Everything a driver needs to start one instance. */
export type LaunchSpec = {
  instanceId: string;
  command: string;
  args: string[];
  /** Run `command` as a /bin/sh -c script, `args` as its positional parameters. */
  shell: boolean;
  /** Absolute working directory. */
  cwd: string;
  /** The complete environment of the process. */
  env: Record<string, string>;
  /** Files the process appends its stdout and stderr to (it holds them itself, so it can outlive Gantry). */
  stdoutPath: string;
  stderrPath: string;
};

/** A started (or adopted) instance. */
export interface ProcessHandle {
  readonly pid: number;
  /** Start time from /proc: with the pid, names this process for good (see server/lib/proc.ts). */
  readonly startTime: bigint;
  /**
   * Resolves when the process has exited and what it left behind (its process group and session) has
   * been killed. Code and signal are null when unknown (an adopted process).
   */
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to the instance's whole process group; a no-op once it is gone. */
  signal(signal: NodeJS.Signals): void;
}

/** How instances run. `process` runs local child processes; a `kubernetes` driver would render Deployments. */
export interface RuntimeDriver {
  readonly name: string;
  /** Rejects with SpawnError when the process cannot be started at all. */
  start(spec: LaunchSpec): Promise<ProcessHandle>;
  /** Reattaches to an instance left running by a previous Gantry, or undefined if it is gone (then its leftovers are killed). */
  adopt(pid: number, startTime: bigint): ProcessHandle | undefined;
}

export class SpawnError extends Error {
  override readonly name = "SpawnError";
}
