import type { RuntimeDetails } from "../../contracts/instance";
import type { ClusterRolloutStatus, RolloutStrategy } from "../../contracts/rollout";
import type { InstanceTemplate } from "../../contracts/service";
import type { SwarmNode } from "../../contracts/swarm";
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
  /**
   * Who keeps the replica count and restarts: `gantry` (the reconciler starts and stops instances,
   * the restart tracker restarts them) or `cluster` (a scheduler such as Swarm does both; Gantry
   * hands it the whole service through `cluster` and follows its tasks as instances, never
   * starting, restarting or stopping one itself).
   */
  replicas: "gantry" | "cluster";
};

/**
 * How instances run. Each runtime is one file in this folder and one line in ./index.ts. A
 * driver whose runtime keeps replicas itself (capability `replicas: "cluster"`) also has a
 * `cluster`; its `start` then launches nothing but follows a task the cluster placed.
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
  /** Present when `capabilities.replicas` is `cluster`. */
  readonly cluster?: ClusterScheduler;
}

/** A service as a cluster scheduler is handed it: the whole spec, its replicas and how to roll it. */
export type ClusterService = {
  id: string;
  name: string;
  revision: number;
  replicas: number;
  template: LaunchSpec["template"];
  strategy: RolloutStrategy;
  /** Its environment, as every task gets it (PORT is the cluster's, per task). */
  env: Record<string, string>;
};

/** One task of a cluster service that the cluster wants running (or that still runs). */
export type ClusterTask = {
  /** The Gantry instance that stands for it: stable for the task's life. */
  instanceId: string;
  revision: number;
  port: number;
  /** Swarm wants it running; false once it is being shut down (a scale-down, an update). */
  wanted: boolean;
  details: RuntimeDetails;
};

/** Where a cluster service's rolling update stands, as the cluster says. */
export type ClusterUpdate = {
  /** Idle, updating, or ended short of `revision`: paused by failures, or rolled back (to `fromRevision`). */
  state: "idle" | "updating" | "paused" | "rolled-back";
  /** The revision the update was heading to (for paused and rolled-back ones). */
  revision: number | null;
  message: string | null;
  /** The update as the cluster itself words it (Swarm's UpdateStatus and its tasks on the new spec); null before it said anything. */
  status: ClusterRolloutStatus | null;
};

/** The part of a cluster driver the controller uses: whole services in, tasks out. */
export interface ClusterScheduler {
  /** Resolves once the cluster's manager answers and is one; rejects with a ClusterRefusal saying what is wrong. */
  connect(): Promise<void>;
  /**
   * Creates or updates the cluster's service to match (nothing when it already does, or when an
   * update to this revision was paused or rolled back by the cluster). Throws ClusterRefusal for
   * what the cluster cannot express.
   */
  apply(service: ClusterService): Promise<ClusterUpdate>;
  /** Removes the cluster's service; its tasks end. */
  remove(serviceId: string): Promise<void>;
  /** Its tasks as last seen, and whether the cluster still has the service at all. */
  tasks(serviceId: string): Promise<{ exists: boolean; tasks: ClusterTask[] }>;
  /** Called with a service id whenever its tasks or update state changed. */
  onChange(listener: (serviceId: string) => void): () => void;
  /** The cluster's machines, and the address of the manager Gantry talks to. */
  nodes(): Promise<{ manager: string; nodes: ClusterNode[] }>;
  /** Drains a node (its tasks move elsewhere) or makes it take tasks again; resolves to the node's name. */
  setAvailability(nodeId: string, availability: "active" | "drain"): Promise<{ hostname: string }>;
}

/** A machine of the cluster, as its scheduler describes it (usage comes from Gantry's instances on it). */
export type ClusterNode = Omit<SwarmNode, "usedCpuPercent" | "usedMemoryBytes" | "instances">;

/** A service the cluster cannot run as asked: the message says what to change. */
export class ClusterRefusal extends Error {
  override readonly name = "ClusterRefusal";
}

export class SpawnError extends Error {
  override readonly name = "SpawnError";
}
