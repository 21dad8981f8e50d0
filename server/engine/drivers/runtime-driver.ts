import type { RuntimeDetails } from "../../contracts/instance";
import type { InstanceTemplate } from "../../contracts/service";
import type { ExitStatus } from "../types";

export type { RuntimeDetails };

export type RuntimeName = RuntimeDetails["kind"];

/** Everything a driver needs to start one instance. */
export type LaunchSpec = {
  instanceId: string;
  serviceId: string;
  serviceName: string;
  revision: number;
  /** What to run: command, args, shell, image, user, limits, stop signal… */
  template: InstanceTemplate;
  /** Absolute working directory on this host (the process driver's; a container has its own). */
  cwd: string;
  /** The complete environment of the instance. */
  env: Record<string, string>;
  /** The port it listens on (PORT in env), for a driver that has to publish it. */
  port: number | null;
  /** Files the instance's stdout and stderr are appended to, which Gantry's log pump reads. */
  stdoutPath: string;
  stderrPath: string;
  /** Long preparation (an image pull) reports its progress here; shown on the instance. */
  progress(message: string): void;
};

/** What a driver needs to take an instance over: who it is and where its output goes. */
export type AdoptSpec = Pick<LaunchSpec, "instanceId" | "stdoutPath" | "stderrPath">;

export type Usage = {
  /** CPU used since the previous sample, as a percentage of one core. */
  cpuPercent: number;
  /** CPU seconds used since it started. */
  cpuSeconds: number;
  memoryBytes: number;
};

export type ExecResult = { code: number | null; output: string };

/** A started (or adopted) instance, as opaque to the supervisor as the driver can keep it. */
export interface RuntimeHandle {
  readonly details: RuntimeDetails;
  /** Where its port is reached from Gantry's host (the data plane and probes connect there). */
  readonly host: string;
  /**
   * Resolves when it has ended and what it left behind has been cleaned up. Code and signal are
   * null when unknown (an adopted process); `reason` names a cause the runtime saw (OOMKilled).
   */
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to the instance (its whole process group, its container's main process); a no-op once it is gone. */
  signal(signal: NodeJS.Signals): void;
  /** Runs a command inside the instance, for drivers whose instances have their own filesystem (exec probes). */
  exec?(command: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult>;
}

/** What a driver can do; the supervisor and the health hook adapt to it. */
export type DriverCapabilities = {
  /** Running instances outlive Gantry and are taken over by the next one. */
  adopt: boolean;
  /**
   * `enforced`: the runtime kills over the limit itself (and says OOMKilled on exit);
   * `sampled`: Gantry compares sampled usage with the limit and kills.
   */
  memoryLimit: "enforced" | "sampled";
  /** CPU limits (template.cpuLimit) are applied. */
  cpuLimit: boolean;
  /** Exec probes run inside the instance (handle.exec), not on Gantry's host. */
  execInside: boolean;
};

/**
 * How instances run. Each runtime is one file in this folder and one line in ./index.ts. A
 * driver whose runtime keeps replicas itself (a cluster scheduler) would report its tasks as
 * instances through the same handle, with Gantry's restart decisions turned off by a capability.
 */
export interface RuntimeDriver {
  readonly name: RuntimeName;
  readonly capabilities: DriverCapabilities;
  /** Rejects with SpawnError when the instance cannot be started (no such executable, image not found, daemon unreachable). */
  start(spec: LaunchSpec): Promise<RuntimeHandle>;
  /** Reattaches to an instance left running by a previous Gantry, or undefined if it is gone (its leftovers then removed). */
  adopt(details: RuntimeDetails, spec: AdoptSpec): Promise<RuntimeHandle | undefined>;
  /** Latest usage of each handle that has one. */
  sample(handles: RuntimeHandle[], now: number): Promise<Map<RuntimeHandle, Usage>>;
  /**
   * Removes what this Gantry started and no longer knows: instances of its own that aren't in
   * `known` (a crash between starting and recording one, a service deleted while Gantry was down).
   */
  sweep?(known: ReadonlySet<string>): Promise<void>;
  /** Releases connections and streams (Gantry is stopping; instances keep running). */
  close?(): Promise<void>;
}

export class SpawnError extends Error {
  override readonly name = "SpawnError";
}
