import type { InstanceRunner } from "./instance-runner";

/**
 * Ordered lifecycle hooks around an instance, as Nomad's task runner has: ports, logs, health
 * probes and traffic draining each plug in here instead of growing the runner.
 */
export interface InstanceHook {
  readonly name: string;
  /** Once, before the first process starts (or an adopted one is taken over). */
  prepare?(instance: InstanceRunner): Promise<void> | void;
  /** Each time a process is up. */
  started?(instance: InstanceRunner): void;
  /** Each time a process has ended. */
  exited?(instance: InstanceRunner): void;
  /** Once, when the instance is asked to stop, before its stop signal (e.g. drain traffic). */
  stopping?(instance: InstanceRunner): Promise<void> | void;
  /** Once, after the instance has stopped for good. */
  cleanup?(instance: InstanceRunner): Promise<void> | void;
}
